/* run.h - the KVM_RUN loop, the exit handler, and what they count. */
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
	struct exit_counts exits;
	uint64_t by_port[65536];   /* port I/O exits, by port */
	uint64_t guest_ns;         /* wall time spent inside KVM_RUN */
};

/* What the run does after an exit. */
enum run_step {
	RUN_GO_ON,                 /* enter the guest again */
	RUN_HALTED,                /* the guest halted: its normal end */
	RUN_FAILED,                /* it failed, or the monitor did; err says */
};

/* Runs the vCPU until the guest halts (RUN_HALTED) or fails (RUN_FAILED):
 * a triple fault, a failed entry, an emulation error, a timeout. */
enum run_step run_vcpu(struct vm *vm, const struct run_options *opts,
		       struct run_stats *stats, struct error_report *err);

/* Handles the exit KVM described in run, a kvm_run page of run_size
 * bytes, with the devices of devices.c (exits.c). */
enum run_step handle_exit(struct kvm_run *run, size_t run_size,
			  const struct run_options *opts, struct run_stats *stats,
			  struct error_report *err);

#endif
