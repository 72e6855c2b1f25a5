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

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm/kvm_cpuid.h"
#include "layout.h"

static int fail_ioctl(struct error_report *err, const char *name)
{
	report_set(err, 0, 0, "%s failed: %s", name, strerror(errno));
	return -1;
}

static int open_kvm(struct vm *vm, const char *device, struct error_report *err)
{
	vm->kvm_fd = open(device, O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		report_set(err, 0, 0, "%s: %s%s", device, strerror(errno),
			   errno == EACCES ? " (join the kvm group: sudo usermod "
			   "-aG kvm $USER, then log in again)" :
			   errno == ENOENT ? " (no KVM here: is virtualization "
			   "enabled and the kvm module loaded?)" : "");
		return -1;
	}
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		report_set(err, 0, 0, "%s does not speak KVM API version %d", device,
			   KVM_API_VERSION);
		return -1;
	}
	return 0;
}

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
		return fail_ioctl(err, "KVM_SET_TSS_ADDR");
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0) {
		uint64_t address = KVM_IDENTITY_MAP_ADDRESS;

		if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &address) < 0)
			return fail_ioctl(err, "KVM_SET_IDENTITY_MAP_ADDR");
	}
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return fail_ioctl(err, "KVM_CREATE_IRQCHIP");
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return fail_ioctl(err, "KVM_CREATE_PIT2");
	return 0;
}
/* ANCHOR_END: platform */

static int add_memory(struct vm *vm, struct error_report *err)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = vm->mem.size,
		.userspace_addr = (uintptr_t)vm->mem.host,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail_ioctl(err, "KVM_SET_USER_MEMORY_REGION");
	return 0;
}

#define CPUID_1_ECX_HYPERVISOR (1u << 31)

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
 * hypervisor bit. */
static int set_cpuid(struct vm *vm, struct error_report *err)
{
	struct kvm_cpuid2 *cpuid = kvm_supported_cpuid(vm->kvm_fd);
	int ret;

	if (!cpuid)
		return fail_ioctl(err, "KVM_GET_SUPPORTED_CPUID");
	announce_hypervisor(cpuid);
	ret = ioctl(vm->vcpu_fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	return ret == 0 ? 0 : fail_ioctl(err, "KVM_SET_CPUID2");
}
/* ANCHOR_END: cpuid */

static int create_vcpu(struct vm *vm, struct error_report *err)
{
	int mmap_size;

	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		return fail_ioctl(err, "KVM_CREATE_VCPU");
	mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (int)sizeof(struct kvm_run))
		return fail_ioctl(err, "KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = (size_t)mmap_size;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		return fail_ioctl(err, "mmap of the vCPU's kvm_run");
	}
	return set_cpuid(vm, err);
}

int vm_create(struct vm *vm, const char *device, const struct guest_memory *mem,
	      struct error_report *err)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = -1;
	vm->mem = *mem;
	if (open_kvm(vm, device, err) != 0)
		return -1;
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return fail_ioctl(err, "KVM_CREATE_VM");
	if (create_platform(vm, err) != 0 || add_memory(vm, err) != 0)
		return -1;
	return create_vcpu(vm, err);
}

void vm_destroy(struct vm *vm)
{
	if (vm->run)
		munmap(vm->run, vm->run_size);
	guest_memory_unmap(&vm->mem);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
}

void *run_data(const struct vm *vm, uint64_t offset, size_t len)
{
	if (offset > vm->run_size || len > vm->run_size - offset)
		return NULL;
	return (uint8_t *)vm->run + offset;
}

/* --- the vCPU at the kernel's first instruction ------------------------- */

#define PTE_PRESENT  (1ull << 0)
#define PTE_WRITABLE (1ull << 1)
#define PTE_HUGE     (1ull << 7)          /* in a page directory: 2 MiB */
#define CR0_PE (1u << 0)
#define CR0_ET (1u << 4)
#define CR0_PG (1u << 31)
#define CR4_PAE (1u << 5)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MISC_ENABLE_FAST_STRING 1ull      /* bit 0: rep movs/stos may be fast */
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LVT_DELIVERY_EXTINT (7u << 8)
#define LVT_DELIVERY_NMI (4u << 8)
#define LVT_DELIVERY_MASK (7u << 8)

enum {
	BOOT_CS = 0x10,                   /* the selectors boot.rst names */
	BOOT_DS = 0x18,
	MAPPED_GIB = 4,
};

/* ANCHOR: page-tables */
/* Identity-maps the first 4 GiB with 2 MiB pages: the kernel, the zero
 * page, the command line and the initrd are all reachable at their
 * physical addresses until the kernel builds its own tables. */
static void write_page_tables(const struct guest_memory *mem)
{
	uint64_t *pml4 = gpa_ptr(mem, PML4_ADDRESS, 0x1000);
	uint64_t *pdpt = gpa_ptr(mem, PDPT_ADDRESS, 0x1000);
	uint64_t *pd = gpa_ptr(mem, PD_ADDRESS, (uint64_t)MAPPED_GIB * 0x1000);

	memset(pml4, 0, 0x1000);
	memset(pdpt, 0, 0x1000);
	pml4[0] = PDPT_ADDRESS | PTE_PRESENT | PTE_WRITABLE;
	for (uint64_t gib = 0; gib < MAPPED_GIB; gib++)
		pdpt[gib] = (PD_ADDRESS + gib * 0x1000) | PTE_PRESENT | PTE_WRITABLE;
	for (uint64_t i = 0; i < (uint64_t)MAPPED_GIB * 512; i++)
		pd[i] = (i << 21) | PTE_PRESENT | PTE_WRITABLE | PTE_HUGE;
}
/* ANCHOR_END: page-tables */

static void segment(struct kvm_segment *seg, uint16_t selector, uint8_t type)
{
	*seg = (struct kvm_segment){ .base = 0, .limit = 0xffffffff,
		.selector = selector, .type = type, .present = 1, .s = 1, .g = 1 };
}

/* ANCHOR: long-mode */
static int set_long_mode(struct vm *vm, struct error_report *err)
{
	uint64_t *gdt = gpa_ptr(&vm->mem, BOOT_GDT_ADDRESS, 4 * sizeof(uint64_t));
	struct kvm_sregs sregs;

	gdt[0] = gdt[1] = 0;
	gdt[BOOT_CS / 8] = 0x00af9b000000ffffull;    /* 64-bit code (L = 1) */
	gdt[BOOT_DS / 8] = 0x00cf93000000ffffull;    /* flat data */
	write_page_tables(&vm->mem);

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return fail_ioctl(err, "KVM_GET_SREGS");
	sregs.gdt.base = BOOT_GDT_ADDRESS;
	sregs.gdt.limit = 4 * sizeof(uint64_t) - 1;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;                 /* no IDT: interrupts stay off */
	segment(&sregs.cs, BOOT_CS, 11);     /* execute/read, accessed */
	sregs.cs.l = 1;
	segment(&sregs.ds, BOOT_DS, 3);      /* read/write, accessed */
	sregs.ds.db = 1;
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.cr3 = PML4_ADDRESS;
	sregs.cr4 = CR4_PAE;
	sregs.cr0 = CR0_PE | CR0_ET | CR0_PG;
	/* A CPU sets EFER.LMA itself when paging turns on with LME set; we
	 * write the end state directly, so we set LMA too. */
	sregs.efer = EFER_LME | EFER_LMA;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return fail_ioctl(err, "KVM_SET_SREGS");
	return 0;
}
/* ANCHOR_END: long-mode */

/* ANCHOR: msrs */
/* IA32_MISC_ENABLE's fast-string bit says `rep movsb` is fast; firmware
 * sets it on real machines, and a kernel that finds it clear copies memory
 * the slow way and warns about it. */
static int set_msrs(struct vm *vm, struct error_report *err)
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
	if (ioctl(vm->vcpu_fd, KVM_SET_MSRS, &msrs) != 1) {
		report_set(err, 0, 0, "KVM_SET_MSRS: IA32_MISC_ENABLE was refused");
		return -1;
	}
	return 0;
}
/* ANCHOR_END: msrs */

/* ANCHOR: lapic */
/* With no MP table and no ACPI, the kernel uses the local APIC in "virtual
 * wire" mode: the 8259 PIC's interrupts arrive on LINT0 (ExtINT), NMIs on
 * LINT1.  Real firmware programs these two entries before booting. */
static int set_lapic(struct vm *vm, struct error_report *err)
{
	struct kvm_lapic_state lapic;
	uint32_t lint0, lint1;

	if (ioctl(vm->vcpu_fd, KVM_GET_LAPIC, &lapic) < 0)
		return fail_ioctl(err, "KVM_GET_LAPIC");
	memcpy(&lint0, lapic.regs + LAPIC_LVT_LINT0, sizeof(lint0));
	memcpy(&lint1, lapic.regs + LAPIC_LVT_LINT1, sizeof(lint1));
	lint0 = (lint0 & ~LVT_DELIVERY_MASK) | LVT_DELIVERY_EXTINT;
	lint1 = (lint1 & ~LVT_DELIVERY_MASK) | LVT_DELIVERY_NMI;
	memcpy(lapic.regs + LAPIC_LVT_LINT0, &lint0, sizeof(lint0));
	memcpy(lapic.regs + LAPIC_LVT_LINT1, &lint1, sizeof(lint1));
	if (ioctl(vm->vcpu_fd, KVM_SET_LAPIC, &lapic) < 0)
		return fail_ioctl(err, "KVM_SET_LAPIC");
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

	if (set_long_mode(vm, err) != 0 || set_msrs(vm, err) != 0 ||
	    set_lapic(vm, err) != 0)
		return -1;
	if (ioctl(vm->vcpu_fd, KVM_SET_FPU, &fpu) < 0)
		return fail_ioctl(err, "KVM_SET_FPU");
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return fail_ioctl(err, "KVM_SET_REGS");
	return 0;
}

void dump_vcpu(const struct vm *vm)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(vm->vcpu_fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(stderr, "  (the vCPU's registers cannot be read: %s)\n",
			strerror(errno));
		return;
	}
	fprintf(stderr, "  rip=0x%016llx rsp=0x%016llx rflags=0x%llx\n"
		"  cr0=0x%llx cr2=0x%llx cr3=0x%llx cr4=0x%llx efer=0x%llx\n",
		r.rip, r.rsp, r.rflags, s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
}
