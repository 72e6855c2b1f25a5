/* kvm_exit.c - the names of KVM's exit reasons. */
#include "kvm/kvm_exit.h"

#include <linux/kvm.h>
#include <stddef.h>

static const char *const reason_names[EXIT_REASONS] = {
	[KVM_EXIT_UNKNOWN] = "unknown",     [KVM_EXIT_EXCEPTION] = "exception",
	[KVM_EXIT_IO] = "io",               [KVM_EXIT_HYPERCALL] = "hypercall",
	[KVM_EXIT_DEBUG] = "debug",         [KVM_EXIT_HLT] = "hlt",
	[KVM_EXIT_MMIO] = "mmio",           [KVM_EXIT_IRQ_WINDOW_OPEN] = "irq_window_open",
	[KVM_EXIT_SHUTDOWN] = "shutdown",   [KVM_EXIT_FAIL_ENTRY] = "fail_entry",
	[KVM_EXIT_INTR] = "intr",           [KVM_EXIT_INTERNAL_ERROR] = "internal_error",
	[KVM_EXIT_SYSTEM_EVENT] = "system_event",
};

const char *exit_reason_name(uint32_t reason)
{
	return reason < EXIT_REASONS && reason_names[reason] ? reason_names[reason] : NULL;
}
