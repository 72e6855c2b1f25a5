/* run.h - the KVM_RUN loop and what it counts. */
#ifndef KVM_HELLO_RUN_H
#define KVM_HELLO_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "kvm/kvm_exit.h"
#include "vm.h"

struct run_options {
	bool trace_exits;          /* a line per exit on stderr */
	bool strict_mmio;          /* MMIO with no device behind it is fatal */
	double timeout;            /* seconds; 0 for none */
};

struct run_stats {
	uint64_t vm_exits;
	uint64_t by_reason[EXIT_REASONS];
	uint64_t by_port[65536];   /* port I/O exits, by port */
	uint64_t guest_ns;         /* wall time spent inside KVM_RUN */
};

/* Runs the vCPU until the guest halts (returns 0) or fails: a triple fault,
 * a failed entry, an emulation error, a timeout (returns -1, err says). */
int run_vcpu(struct vm *vm, const struct run_options *opts,
	     struct run_stats *stats, struct error_report *err);

#endif
