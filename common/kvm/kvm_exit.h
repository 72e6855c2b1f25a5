/* kvm_exit.h - KVM's exit reasons for the two monitors (stages 3 and 4):
 * their names, for messages and --stats, and what the failing ones say. */
#ifndef COMMON_KVM_EXIT_H
#define COMMON_KVM_EXIT_H

#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>

#include "base/diag.h"

/* Exit reasons are counted by number below this bound. */
enum { EXIT_REASONS = 64 };

/* "io", "hlt", "shutdown", ...: the name of a KVM_EXIT_* reason, or NULL
 * for one without a name here. */
const char *exit_reason_name(uint32_t reason);

/* The exits counted by reason, for --stats. */
struct exit_counts {
	uint64_t total;
	uint64_t by_reason[EXIT_REASONS];
};

void exit_counts_add(struct exit_counts *counts, uint32_t reason);

/* Adds the counts of from (another vCPU's) to into. */
void exit_counts_merge(struct exit_counts *into, const struct exit_counts *from);

/* Prints the counts as a JSON object's members, "io": 12, "hlt": 1, ...
 * (a reason without a name by its number), on stream. */
void exit_counts_print(const struct exit_counts *counts, FILE *stream);

/* For an exit that ends the run: err describes the exit in run.
 * KVM_EXIT_INTERNAL_ERROR gives its suberror and data, KVM_EXIT_FAIL_ENTRY
 * the hardware's reason, any other reason is one the monitor did not
 * expect, named by its number. */
void kvm_describe_failed_exit(const struct kvm_run *run, struct error_report *err);

#endif
