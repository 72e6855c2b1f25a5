/* exits.c - why the vCPU came back, and what the monitor does about it.
 *
 * KVM_RUN returns whenever the guest does something the CPU cannot finish
 * alone: touches an I/O port, reads memory no RAM backs, halts, or breaks
 * in a way the hardware refuses.  kvm_run->exit_reason says which.  Every
 * reason is handled by name; one we do not expect ends the run with its
 * number, so no exit can leave us spinning or aborting silently.
 *
 * The handlers see only the kvm_run page and the devices, never KVM
 * itself: tests feed them made-up exits (unit/test_exits.c).
 */
#include "run.h"

#include <stdio.h>
#include <string.h>

#include "devices.h"
#include "kvm/kvm_vcpu.h"

/* ANCHOR: handle-io */
/* Port I/O: count bytes of size each, at data_offset in the kvm_run page
 * (count > 1 for the string instructions ins and outs). */
static enum run_step handle_io(struct kvm_run *run, size_t run_size,
				const struct run_options *opts, struct run_stats *stats,
				struct error_report *err)
{
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	uint8_t *data = kvm_run_data(run, run_size, run->io.data_offset,
				     (size_t)run->io.size * run->io.count);
	const struct port_device *dev = find_port_device(run->io.port);

	if (!data) {
		report_set(err, 0, 0, "port 0x%x: I/O data outside the kvm_run page",
			   run->io.port);
		return RUN_FAILED;
	}
	stats->by_port[run->io.port]++;
	if (opts->trace_exits)
		fprintf(stderr, "exit io %s port 0x%x size %u count %u (%s)\n",
			is_write ? "out" : "in", run->io.port, run->io.size,
			run->io.count, dev ? dev->name : "no device");
	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
		if (dev)
			dev->io(run->io.port, is_write, data, run->io.size);
		else if (!is_write)
			memset(data, 0xff, run->io.size);   /* nothing there: all ones */
	}
	return RUN_GO_ON;
}
/* ANCHOR_END: handle-io */

/* The scratch register: MMIO at SCRATCH_MMIO keeps what was written. */
static bool scratch_register(struct kvm_run *run)
{
/* BEGIN EXERCISE ex4.3 */
	static uint8_t value[8];
	uint64_t offset = run->mmio.phys_addr - SCRATCH_MMIO;

	if (run->mmio.phys_addr < SCRATCH_MMIO || offset >= sizeof(value) ||
	    run->mmio.len > sizeof(value) - offset)
		return false;
	if (run->mmio.is_write)
		memcpy(value + offset, run->mmio.data, run->mmio.len);
	else
		memcpy(run->mmio.data, value + offset, run->mmio.len);
	return true;
/* STUB ex4.3
	(void)run;
	exercise_pending("ex4.3");
	return false;
END STUB */
/* END EXERCISE ex4.3 */
}

/* MMIO to an address no RAM backs: reads see all ones, writes vanish. */
static enum run_step handle_mmio(struct kvm_run *run, const struct run_options *opts,
				  struct error_report *err)
{
	size_t len = run->mmio.len <= sizeof(run->mmio.data) ? run->mmio.len : 0;

	if (scratch_register(run))
		return RUN_GO_ON;

	if (opts->trace_exits)
		fprintf(stderr, "exit mmio %s 0x%llx len %u (no device)\n",
			run->mmio.is_write ? "write" : "read", run->mmio.phys_addr,
			run->mmio.len);
	if (opts->strict_mmio) {
		report_set(err, 0, 0, "guest %s %u bytes at 0x%llx, where there is no "
			   "memory or device (--strict-mmio)",
			   run->mmio.is_write ? "wrote" : "read", run->mmio.len,
			   run->mmio.phys_addr);
		return RUN_FAILED;
	}
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, len);
	return RUN_GO_ON;
}

/* ANCHOR: handle-exit */
enum run_step handle_exit(struct kvm_run *run, size_t run_size,
			  const struct run_options *opts, struct run_stats *stats,
			  struct error_report *err)
{
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return handle_io(run, run_size, opts, stats, err);
	case KVM_EXIT_MMIO:
		return handle_mmio(run, opts, err);
	case KVM_EXIT_HLT:
		if (opts->trace_exits)
			fprintf(stderr, "exit hlt\n");
		return RUN_HALTED;
	case KVM_EXIT_INTR:
		return RUN_GO_ON;               /* a signal; the loop checks why */
	case KVM_EXIT_SHUTDOWN:
		report_set(err, 0, 0, "the guest shut down (a triple fault: an "
			   "exception while handling a double fault)");
		return RUN_FAILED;
	default:          /* a failed entry, KVM's internal error, the unexpected */
		kvm_describe_failed_exit(run, err);
		return RUN_FAILED;
	}
}
/* ANCHOR_END: handle-exit */
