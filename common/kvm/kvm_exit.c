/* kvm_exit.c - the names of KVM's exit reasons, and what a failing exit says. */
#include "kvm/kvm_exit.h"

#include <linux/kvm.h>
#include <stddef.h>
#include <string.h>

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

static void describe_internal_error(const struct kvm_run *run, struct error_report *err)
{
	enum { DATA_MAX = sizeof(run->internal.data) / sizeof(run->internal.data[0]) };
	char bytes[120] = "";
	uint32_t n = run->internal.ndata < DATA_MAX ? run->internal.ndata : DATA_MAX;

	for (uint32_t i = 0; i < n && strlen(bytes) + 20 < sizeof(bytes); i++)
		snprintf(bytes + strlen(bytes), sizeof(bytes) - strlen(bytes), " %llx",
			 run->internal.data[i]);
	report_set(err, 0, 0, "KVM internal error, suberror %u%s%s%s", run->internal.suberror,
		   run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ?
		   " (the instruction could not be emulated)" : "",
		   n ? "; data:" : "", bytes);
}

void kvm_describe_failed_exit(const struct kvm_run *run, struct error_report *err)
{
	const char *name = exit_reason_name(run->exit_reason);

	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		describe_internal_error(run, err);
	else if (run->exit_reason == KVM_EXIT_FAIL_ENTRY)
		report_set(err, 0, 0, "the CPU refused to enter the guest: hardware "
			   "entry failure reason 0x%llx",
			   run->fail_entry.hardware_entry_failure_reason);
	else
		report_set(err, 0, 0, "unexpected exit reason %u (%s)", run->exit_reason,
			   name ? name : "no name");
}

void exit_counts_add(struct exit_counts *counts, uint32_t reason)
{
	counts->total++;
	if (reason < EXIT_REASONS)
		counts->by_reason[reason]++;
}

void exit_counts_print(const struct exit_counts *counts, FILE *stream)
{
	const char *sep = "";

	for (uint32_t r = 0; r < EXIT_REASONS; r++) {
		if (!counts->by_reason[r])
			continue;
		if (exit_reason_name(r))
			fprintf(stream, "%s\"%s\": %llu", sep, exit_reason_name(r),
				(unsigned long long)counts->by_reason[r]);
		else
			fprintf(stream, "%s\"%u\": %llu", sep, r,
				(unsigned long long)counts->by_reason[r]);
		sep = ", ";
	}
}

void exit_counts_merge(struct exit_counts *into, const struct exit_counts *from)
{
	into->total += from->total;
	for (int r = 0; r < EXIT_REASONS; r++)
		into->by_reason[r] += from->by_reason[r];
}
