/* modes.c - the registers a guest starts with.
 *
 * Real mode needs almost nothing: flat segments at base 0 and rip at the
 * image.  Long mode is what a Linux loader does in stage 4: the monitor
 * writes page tables and a GDT into guest memory and sets the control
 * registers directly, so the guest's first instruction is already 64-bit.
 */
#include "modes.h"

#include <sys/ioctl.h>

#include "kvm/kvm_vm.h"
#include "kvm/long_mode.h"

/* Where the monitor puts its long-mode structures: the top of guest RAM,
 * page tables first, then the GDT, whose code selector is 8 and data 16. */
static const struct long_mode_layout long_layout = {
	.tables = GUEST_MEMORY - MONITOR_AREA,
	.gdt = GUEST_MEMORY - MONITOR_AREA + LONG_MODE_TABLES_SIZE,
	.code_selector = 8,
	.data_selector = 16,
};

enum { REAL_MODE_STACK = GUEST_LOAD_ADDRESS };   /* grows down into free 0x500.. */

/* Writes the page tables and the GDT into the monitor's area and sets
 * the control registers (common/kvm/long_mode.c). */
static void enter_long_mode(struct vm *vm, struct kvm_sregs *sregs)
{
	long_mode_setup(&long_layout,
			guest_ptr(vm, long_layout.tables, LONG_MODE_TABLES_SIZE),
			guest_ptr(vm, long_layout.gdt, long_mode_gdt_size(&long_layout)),
			sregs);
}

int setup_vcpu(struct vm *vm, enum cpu_mode mode, const struct initial_regs *init,
	       struct error_report *err)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rax = init->rax, .rbx = init->rbx, .rcx = init->rcx,
		.rdx = init->rdx, .rsi = init->rsi, .rdi = init->rdi,
		.rip = GUEST_LOAD_ADDRESS,
		.rflags = 0x2,                  /* bit 1 is reserved: always 1 */
	};

	/* Read-modify-write: KVM fills in the fields we do not change. */
	if (ioctl(vm->vcpu.fd, KVM_GET_SREGS, &sregs) < 0)
		return kvm_fail(err, "KVM_GET_SREGS");
	if (mode == MODE_REAL) {
		struct kvm_segment *segs[] = { &sregs.cs, &sregs.ds, &sregs.es,
					       &sregs.fs, &sregs.gs, &sregs.ss };

		for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
			segs[i]->base = 0;
			segs[i]->selector = 0;
		}
		regs.rsp = REAL_MODE_STACK;
	} else {
		enter_long_mode(vm, &sregs);
		regs.rsp = long_layout.tables;  /* the stack grows down below them */
	}
	if (ioctl(vm->vcpu.fd, KVM_SET_SREGS, &sregs) < 0)
		return kvm_fail(err, "KVM_SET_SREGS");
	if (ioctl(vm->vcpu.fd, KVM_SET_REGS, &regs) < 0)
		return kvm_fail(err, "KVM_SET_REGS");
	return 0;
}
