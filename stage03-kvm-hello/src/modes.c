/* modes.c - the registers a guest starts with.
 *
 * Real mode needs almost nothing: flat segments at base 0 and rip at the
 * image.  Long mode is what a Linux loader does in stage 4: the monitor
 * writes page tables and a GDT into guest memory and sets the control
 * registers directly, so the guest's first instruction is already 64-bit.
 */
#include "modes.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

/* Where the monitor puts its long-mode structures: the top of guest RAM. */
enum {
	PML4_ADDRESS = GUEST_MEMORY - MONITOR_AREA,
	PDPT_ADDRESS = PML4_ADDRESS + 0x1000,
	PD_ADDRESS = PML4_ADDRESS + 0x2000,      /* four pages: 4 GiB */
	GDT_ADDRESS = PML4_ADDRESS + 0x6000,
	PAGE_SIZE = 0x1000,
	MAPPED_GIB = 4,
	PD_ENTRIES = MAPPED_GIB * 512,           /* 2 MiB each */
	REAL_MODE_STACK = GUEST_LOAD_ADDRESS,   /* grows down into free 0x500.. */
};

#define PTE_PRESENT  (1ull << 0)
#define PTE_WRITABLE (1ull << 1)
#define PTE_HUGE     (1ull << 7)        /* in a page directory: a 2 MiB page */
#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_ET (1u << 4)
#define CR0_NE (1u << 5)
#define CR0_WP (1u << 16)
#define CR0_PG (1u << 31)
#define CR4_PAE (1u << 5)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)

static int fail(struct error_report *err, const char *what)
{
	report_set(err, 0, 0, "%s failed: %s", what, strerror(errno));
	return -1;
}

static void flat_segment(struct kvm_segment *seg, uint16_t selector, uint8_t type)
{
	*seg = (struct kvm_segment){ .base = 0, .limit = 0xffffffff,
		.selector = selector, .type = type, .present = 1, .s = 1, .g = 1 };
}

/* ANCHOR: long-mode */
/* Identity-maps the first 4 GiB with 2 MiB pages (RAM and the addresses
 * above it, where devices answer), and loads a GDT with a 64-bit code
 * segment (selector 8) and a data segment (selector 16). */
static void enter_long_mode(struct vm *vm, struct kvm_sregs *sregs)
{
	uint64_t *pml4 = guest_ptr(vm, PML4_ADDRESS, 0x1000);
	uint64_t *pdpt = guest_ptr(vm, PDPT_ADDRESS, 0x1000);
	uint64_t *pd = guest_ptr(vm, PD_ADDRESS, (size_t)MAPPED_GIB * PAGE_SIZE);
	uint64_t *gdt = guest_ptr(vm, GDT_ADDRESS, 3 * sizeof(uint64_t));

	pml4[0] = PDPT_ADDRESS | PTE_PRESENT | PTE_WRITABLE;
	for (uint64_t gib = 0; gib < MAPPED_GIB; gib++)
		pdpt[gib] = (PD_ADDRESS + gib * PAGE_SIZE) | PTE_PRESENT | PTE_WRITABLE;
	for (uint64_t i = 0; i < PD_ENTRIES; i++)
		pd[i] = (i << 21) | PTE_PRESENT | PTE_WRITABLE | PTE_HUGE;
	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull;     /* code: present, L=1 (64-bit) */
	gdt[2] = 0x00cf92000000ffffull;     /* data: present, writable */

	sregs->gdt.base = GDT_ADDRESS;
	sregs->gdt.limit = 3 * sizeof(uint64_t) - 1;
	sregs->cr3 = PML4_ADDRESS;
	sregs->cr4 = CR4_PAE;
	sregs->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	/* A CPU sets EFER.LMA itself when paging turns on with LME set.  We
	 * skip that moment by writing the registers directly, so we must set
	 * LMA too, or the vCPU is in no consistent mode and entry fails. */
	sregs->efer = EFER_LME | EFER_LMA;

	flat_segment(&sregs->cs, 8, 11);    /* execute/read, accessed */
	sregs->cs.l = 1;                    /* 64-bit code; then db must be 0 */
	flat_segment(&sregs->ds, 16, 3);    /* read/write, accessed */
	sregs->ds.db = 1;
	sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;
}
/* ANCHOR_END: long-mode */

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
	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return fail(err, "KVM_GET_SREGS");
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
		regs.rsp = PML4_ADDRESS;        /* the stack grows down below it */
	}
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return fail(err, "KVM_SET_SREGS");
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return fail(err, "KVM_SET_REGS");
	return 0;
}

static void dump_segment(const char *name, const struct kvm_segment *s)
{
	fprintf(stderr, "  %s selector=0x%04x base=0x%016" PRIx64 " limit=0x%08x "
		"type=%u l=%u db=%u\n", name, s->selector, (uint64_t)s->base,
		s->limit, s->type, s->l, s->db);
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
	fprintf(stderr, "  rip=0x%016llx rsp=0x%016llx rflags=0x%016llx\n"
		"  rax=0x%016llx rbx=0x%016llx rcx=0x%016llx rdx=0x%016llx\n"
		"  cr0=0x%016llx cr3=0x%016llx cr4=0x%016llx efer=0x%llx\n",
		r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx,
		s.cr0, s.cr3, s.cr4, s.efer);
	dump_segment("cs", &s.cs);
	dump_segment("ds", &s.ds);
	dump_segment("ss", &s.ss);
	fprintf(stderr, "  gdt base=0x%llx limit=0x%x  idt base=0x%llx limit=0x%x\n",
		s.gdt.base, s.gdt.limit, s.idt.base, s.idt.limit);
	/* KVM on AMD processors puts a vCPU that shut down through INIT, since
	 * the hardware leaves its saved state undefined: what is left to read
	 * is the state every x86 CPU starts in, at 0xf000:0xfff0. */
	if (s.cs.selector == 0xf000 && r.rip == 0xfff0)
		fprintf(stderr, "  (these are the vCPU's reset values: KVM on AMD resets a "
			"vCPU that shuts down, so the state at the fault is gone)\n");
}
