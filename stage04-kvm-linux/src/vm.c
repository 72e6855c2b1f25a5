/* vm.c - a VM that can run Linux.
 *
 * Stage 3 needed only memory and a vCPU.  A kernel needs more of the PC
 * around it, and KVM can provide the parts whose timing matters inside the
 * host kernel, with no exit to us:
 *   - the interrupt controllers (two 8259 PICs, an I/O APIC, and the local
 *     APIC of each vCPU): KVM_CREATE_IRQCHIP;
 *   - the 8254 timer (PIT), which the kernel calibrates against:
 *     KVM_CREATE_PIT2;
 *   - the CPUID the vCPU reports: what the host CPU and KVM can both do,
 *     from KVM_GET_SUPPORTED_CPUID.
 * The order matters: the irqchip exists before the vCPU is created, or the
 * vCPU gets no local APIC.
 */
#include "vm.h"

#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/le.h"
#include "kvm/kvm_cpuid.h"
#include "kvm/kvm_vm.h"
#include "kvm/long_mode.h"
#include "layout.h"

/* ANCHOR: platform */
/* The VM-wide parts, before any vCPU exists. */
static int create_platform(struct vm *vm, struct error_report *err)
{
	struct kvm_pit_config pit = { .flags = 0 };

	/* Intel's VMX needs three pages of guest-physical address space for
	 * its own use (a TSS and an identity page table for real mode);
	 * AMD and others accept the calls and ignore them.  Both addresses
	 * lie just below 4 GiB, where our RAM never reaches. */
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDRESS) < 0)
		return kvm_fail(err, "KVM_SET_TSS_ADDR");
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0) {
		uint64_t address = KVM_IDENTITY_MAP_ADDRESS;

		if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &address) < 0)
			return kvm_fail(err, "KVM_SET_IDENTITY_MAP_ADDR");
	}
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return kvm_fail(err, "KVM_CREATE_IRQCHIP");
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return kvm_fail(err, "KVM_CREATE_PIT2");
	return 0;
}
/* ANCHOR_END: platform */

#define CPUID_1_ECX_HYPERVISOR (1u << 31)

#define CPUID_1_EDX_HTT (1u << 28)

/* ANCHOR: topology */
/* What KVM reports describes the host's CPU: its APIC ID and its count of
 * cores.  Each vCPU says instead what the MP table says: APIC ID id, one
 * of n cores of one socket, one thread each.  The kernel reads the IDs
 * from leaf 1 (and 0xb, the x2APIC topology), the counts from leaf 1, 0xb
 * and, on AMD, 0x80000008 and 0x8000001e. */
static void announce_topology(struct kvm_cpuid2 *cpuid, unsigned id, unsigned n)
{
	unsigned core_bits = 0;

	while ((1u << core_bits) < n)
		core_bits++;
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == 1) {
			e->ebx = (e->ebx & 0x0000ffffu) | id << 24 | n << 16;
			e->edx = n > 1 ? e->edx | CPUID_1_EDX_HTT : e->edx & ~CPUID_1_EDX_HTT;
		} else if (e->function == 0xb && e->index == 0) {          /* threads */
			*e = (struct kvm_cpuid_entry2){ .function = 0xb, .index = 0,
				.flags = e->flags, .eax = 0, .ebx = 1, .ecx = 1u << 8, .edx = id };
		} else if (e->function == 0xb && e->index == 1) {          /* cores */
			*e = (struct kvm_cpuid_entry2){ .function = 0xb, .index = 1,
				.flags = e->flags, .eax = core_bits, .ebx = n,
				.ecx = 2u << 8 | 1, .edx = id };
		} else if (e->function == 0xb) {
			e->eax = e->ebx = 0;
			e->ecx = e->index;
			e->edx = id;
		} else if (e->function == 0x8000001e && n > 1) {
			/* AMD's topology leaf: without it the kernel reads the
			 * host's core and node IDs, puts each AP in a package
			 * of its own, and stops after starting CPU 1. */
			e->eax = id;                       /* extended APIC ID */
			e->ebx = id;                       /* core ID; one thread per core */
			e->ecx = 0;                        /* node 0 of one */
		} else if (e->function == 0x80000008) {
			e->ecx = (e->ecx & ~0xf0ffu) | core_bits << 12 | (n - 1);
		}
	}
}
/* ANCHOR_END: topology */

/* ANCHOR: cpuid */
/* Leaf 1's "hypervisor present" bit is not among what KVM reports as
 * supported, yet a guest kernel looks for KVM's own leaves (0x40000000:
 * "KVMKVMKVM") only when it is set.  Without it the kernel believes it
 * runs on bare hardware: no paravirtual clock (kvmclock), so it calibrates
 * its TSC against the emulated PIT, slowly and, nested, not at all. */
static void announce_hypervisor(struct kvm_cpuid2 *cpuid)
{
	for (uint32_t i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 1)
			cpuid->entries[i].ecx |= CPUID_1_ECX_HYPERVISOR;
}

/* The vCPU reports the CPUID leaves KVM supports on this host, plus the
 * hypervisor bit, and who it is among the VM's vCPUs. */
static int set_cpuid(struct vm *vm, unsigned id, struct error_report *err)
{
	struct kvm_cpuid2 *cpuid = kvm_supported_cpuid(vm->kvm_fd);

	if (cpuid) {
		announce_hypervisor(cpuid);
		announce_topology(cpuid, id, vm->nvcpus);
	}
	return kvm_vcpu_set_cpuid(&vm->vcpus[id], cpuid, err);
}
/* ANCHOR_END: cpuid */

int vm_create(struct vm *vm, const char *device, const struct guest_memory *mem,
	      unsigned nvcpus, struct error_report *err)
{
	memset(vm, 0, sizeof(*vm));
	vm->vm_fd = -1;
	for (unsigned i = 0; i < VM_MAX_VCPUS; i++)
		vm->vcpus[i].fd = -1;
	vm->mem = *mem;
	vm->nvcpus = nvcpus;
	vm->kvm_fd = kvm_open(device, err);
	if (vm->kvm_fd < 0)
		return -1;
	vm->vm_fd = kvm_create_vm(vm->kvm_fd, err);
	if (vm->vm_fd < 0 || create_platform(vm, err) != 0 ||
	    kvm_add_memory(vm->vm_fd, 0, 0, vm->mem.host, vm->mem.size, err) != 0)
		return -1;
	for (unsigned i = 0; i < nvcpus; i++)
		if (kvm_vcpu_create(&vm->vcpus[i], vm->kvm_fd, vm->vm_fd, i, err) != 0 ||
		    set_cpuid(vm, i, err) != 0)
			return -1;
	return 0;
}

void vm_destroy(struct vm *vm)
{
	for (unsigned i = 0; i < VM_MAX_VCPUS; i++)
		kvm_vcpu_destroy(&vm->vcpus[i]);
	guest_memory_unmap(&vm->mem);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
}

/* --- the vCPU at the kernel's first instruction ------------------------- */

#define MSR_IA32_MISC_ENABLE 0x1a0
#define MISC_ENABLE_FAST_STRING 1ull      /* bit 0: rep movs/stos may be fast */
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LVT_DELIVERY_EXTINT (7u << 8)
#define LVT_DELIVERY_NMI (4u << 8)
#define LVT_DELIVERY_MASK (7u << 8)

/* The boot protocol's selectors: __BOOT_CS 0x10 and __BOOT_DS 0x18. */
static const struct long_mode_layout boot_long_mode = {
	.tables = PAGE_TABLES_ADDRESS,
	.gdt = BOOT_GDT_ADDRESS,
	.code_selector = 0x10,
	.data_selector = 0x18,
};

/* ANCHOR: long-mode */
/* Identity page tables covering the kernel, the zero page, the command
 * line and the initrd, and flat segments (common/kvm/long_mode.c). */
static int set_long_mode(const struct vm *vm, int vcpu_fd, struct error_report *err)
{
	const struct long_mode_layout *l = &boot_long_mode;
	struct kvm_sregs sregs;

	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return kvm_fail(err, "KVM_GET_SREGS");
	long_mode_setup(l, gpa_ptr(&vm->mem, l->tables, LONG_MODE_TABLES_SIZE),
			gpa_ptr(&vm->mem, l->gdt, long_mode_gdt_size(l)), &sregs);
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return kvm_fail(err, "KVM_SET_SREGS");
	return 0;
}
/* ANCHOR_END: long-mode */

/* ANCHOR: msrs */
/* IA32_MISC_ENABLE's fast-string bit says `rep movsb` is fast; firmware
 * sets it on real machines, and a kernel that finds it clear copies memory
 * the slow way and warns about it. */
static int set_msrs(int vcpu_fd, struct error_report *err)
{
	struct {
		struct kvm_msrs header;
		struct kvm_msr_entry entries[1];
	} msrs = {
		.header.nmsrs = 1,
		.entries[0] = { .index = MSR_IA32_MISC_ENABLE,
				.data = MISC_ENABLE_FAST_STRING },
	};

	/* KVM_SET_MSRS returns how many it set: anything but all is a failure. */
	if (ioctl(vcpu_fd, KVM_SET_MSRS, &msrs) != 1) {
		report_set(err, 0, 0, "KVM_SET_MSRS: IA32_MISC_ENABLE was refused");
		return -1;
	}
	return 0;
}
/* ANCHOR_END: msrs */

/* ANCHOR: lapic */
/* The local APIC starts in "virtual wire" mode, as the MP table says
 * (mptable.c): the 8259 PIC's interrupts arrive on LINT0 (ExtINT), NMIs on
 * LINT1.  Real firmware programs these two entries before booting. */
static int set_lapic(int vcpu_fd, struct error_report *err)
{
	struct kvm_lapic_state lapic;
	uint8_t *regs = (uint8_t *)lapic.regs;

	if (ioctl(vcpu_fd, KVM_GET_LAPIC, &lapic) < 0)
		return kvm_fail(err, "KVM_GET_LAPIC");
	le_put32(regs + LAPIC_LVT_LINT0, (le_get32(regs + LAPIC_LVT_LINT0) &
					  ~LVT_DELIVERY_MASK) | LVT_DELIVERY_EXTINT);
	le_put32(regs + LAPIC_LVT_LINT1, (le_get32(regs + LAPIC_LVT_LINT1) &
					  ~LVT_DELIVERY_MASK) | LVT_DELIVERY_NMI);
	if (ioctl(vcpu_fd, KVM_SET_LAPIC, &lapic) < 0)
		return kvm_fail(err, "KVM_SET_LAPIC");
	return 0;
}
/* ANCHOR_END: lapic */

int vcpu_enter_64bit(struct vm *vm, uint64_t entry, struct error_report *err)
{
	struct kvm_regs regs = {
		.rip = entry,
		.rsi = ZERO_PAGE_ADDRESS,       /* the boot protocol's one argument */
		.rsp = BOOT_STACK_ADDRESS,
		.rbp = BOOT_STACK_ADDRESS,
		.rflags = 0x2,                  /* bit 1 is reserved: always 1; IF = 0 */
	};
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };   /* reset values */
	int vcpu_fd = vm->vcpus[0].fd;

	if (set_long_mode(vm, vcpu_fd, err) != 0 || set_msrs(vcpu_fd, err) != 0 ||
	    set_lapic(vcpu_fd, err) != 0)
		return -1;
	if (ioctl(vcpu_fd, KVM_SET_FPU, &fpu) < 0)
		return kvm_fail(err, "KVM_SET_FPU");
	if (ioctl(vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return kvm_fail(err, "KVM_SET_REGS");
	return 0;
}
