/* host_quirks.h - a sidebar: what the monitor does on a software KVM.
 *
 * On a laptop's hardware KVM (kvm_intel, kvm_amd) none of this is used.
 * See host_quirks.c and the chapter's sidebar for why it exists.
 */
#ifndef KVM_LINUX_HOST_QUIRKS_H
#define KVM_LINUX_HOST_QUIRKS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/diag.h"
#include "guest_memory.h"
#include "kvm/kvm_vcpu.h"

enum quirk { QUIRK_INT3, QUIRK_CLAC_STAC, QUIRK_FWAIT, QUIRK_MXCSR, QUIRKS };

struct host_quirks {
	bool active;                  /* this host's KVM is kvm_pvm */
	uint64_t completed[QUIRKS];   /* instructions the monitor finished */
};

/* Looks at the host: is /dev/kvm served by kvm_pvm? */
void host_quirks_detect(struct host_quirks *quirks);

/* Kernel options such a host needs, or "" when it needs none. */
const char *host_quirks_cmdline(const struct host_quirks *quirks);

enum quirk_result {
	QUIRK_COMPLETED,       /* the monitor carried the instruction out */
	QUIRK_NOT_OURS,        /* not one it can (or not on this host) */
	QUIRK_FAILED,          /* the vCPU's state cannot be read or written; err says */
};

/* After KVM_EXIT_INTERNAL_ERROR on vcpu: if the instruction at rip is one
 * the host cannot emulate and the monitor can, carries it out (reading its
 * operands in mem through the guest's page tables). */
enum quirk_result host_quirks_complete(const struct kvm_vcpu *vcpu,
					const struct guest_memory *mem,
					struct host_quirks *quirks, struct error_report *err);

/* "int3", "clac/stac", ...: for --stats. */
const char *quirk_name(enum quirk quirk);

#endif
