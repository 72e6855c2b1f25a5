/* exits.c - why the vCPU came back, and what the board does about it.
 *
 * With the interrupt controllers and the timer inside KVM, most of what a
 * kernel does never reaches us.  What does: port I/O to the devices of
 * board.c, MMIO to addresses with no RAM, a triple fault, KVM's system
 * events, and on a software KVM the instructions host_quirks.c completes.
 *
 * The handler sees one vCPU's kvm_run page and the board, so tests feed
 * it made-up exits with no KVM at all (unit/test_exits.c).
 */
#include "run.h"

#include <stdio.h>
#include <string.h>

/* ANCHOR: handle-io */
static enum vm_end handle_io(struct machine *m, const struct kvm_vcpu *vcpu,
			     struct error_report *err)
{
	const struct kvm_run *run = vcpu->run;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	uint8_t *data = kvm_run_data(vcpu->run, vcpu->run_size, run->io.data_offset,
				     (size_t)run->io.size * run->io.count);
	const struct port_range *r = bus_find(&m->bus, run->io.port);

	if (!data) {
		report_set(err, 0, 0, "port 0x%x: I/O data outside the kvm_run page",
			   run->io.port);
		return END_ERROR;
	}
	if (m->trace_exits)
		fprintf(stderr, "exit io %s port 0x%x size %u count %u (%s)\n",
			is_write ? "out" : "in", run->io.port, run->io.size,
			run->io.count, r ? r->name : "no device");
	/* count > 1 for the string instructions, ins and outs. */
	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size)
		bus_port_io(&m->bus, r, run->io.port, is_write, data, run->io.size);
	return machine_end(m);
}
/* ANCHOR_END: handle-io */

static void handle_mmio(struct machine *m, struct kvm_run *run)
{
	uint32_t len = run->mmio.len <= sizeof(run->mmio.data) ? run->mmio.len : 0;

	if (m->trace_exits) {
		const struct mmio_range *w = bus_find_mmio(&m->bus, run->mmio.phys_addr);

		fprintf(stderr, "exit mmio %s 0x%llx len %u (%s)\n",
			run->mmio.is_write ? "write" : "read", run->mmio.phys_addr,
			run->mmio.len, w ? w->name : "no device");
	}
	bus_mmio(&m->bus, run->mmio.phys_addr, run->mmio.is_write, run->mmio.data, len);
}

/* An instruction this host's KVM could not emulate: the monitor may. */
static enum vm_end handle_internal_error(struct machine *m, const struct kvm_vcpu *vcpu,
					 struct error_report *err)
{
	switch (host_quirks_complete(vcpu, &m->vm.mem, &m->quirks, err)) {
	case QUIRK_COMPLETED:
		return VM_RUNNING;
	case QUIRK_NOT_OURS:
		kvm_describe_failed_exit(vcpu->run, err);
		return END_ERROR;
	default:
		return END_ERROR;
	}
}

/* ANCHOR: handle-exit */
enum vm_end handle_exit(struct machine *m, const struct kvm_vcpu *vcpu,
			struct error_report *err)
{
	struct kvm_run *run = vcpu->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return handle_io(m, vcpu, err);
	case KVM_EXIT_MMIO:
		handle_mmio(m, run);
		return VM_RUNNING;
	case KVM_EXIT_INTR:
		return VM_RUNNING;              /* a signal: the loop checks which */
	case KVM_EXIT_SHUTDOWN:
		return END_TRIPLE_FAULT;
	case KVM_EXIT_SYSTEM_EVENT:
		return machine_system_event(run);
	case KVM_EXIT_INTERNAL_ERROR:
		return handle_internal_error(m, vcpu, err);
	default:          /* a failed entry, or a reason the board does not expect */
		kvm_describe_failed_exit(run, err);
		return END_ERROR;
	}
}
/* ANCHOR_END: handle-exit */
