/* host_quirks.c - completing what a software KVM cannot.
 *
 * Some machines (cloud VMs without nested virtualization) offer /dev/kvm
 * through kvm_pvm, a KVM that needs no vmx/svm: it runs guest user code
 * natively but emulates guest kernel code one instruction at a time.  Its
 * emulator lacks a few instructions a Linux kernel uses while booting, and
 * stops with KVM_EXIT_INTERNAL_ERROR on each:
 *
 *   int3            the kernel's self-test of its breakpoint handler, and
 *                   code patching: deliver the #BP exception the CPU would
 *   clac, stac      user-access protection (SMAP): flip RFLAGS.AC
 *   fwait           wait for the x87 FPU: nothing to wait for here
 *   ldmxcsr/stmxcsr load or store the SSE control register: through
 *                   KVM_GET_FPU/KVM_SET_FPU, after finding the operand's
 *                   guest-physical address by walking the guest's page
 *                   tables
 *
 * Each is completed here and the guest resumes after it.  Host CPU
 * features the emulator cannot back stay visible whatever CPUID says, so
 * the kernel is told to leave them alone on its command line.  One fault
 * remains that no monitor can paper over: kvm_pvm mis-delivers a user
 * program's first system call, so init dies and no userspace runs on such
 * a host.  run.c says so when it happens.
 */
#include "host_quirks.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/le.h"
#include "kvm/kvm_vm.h"

#define RFLAGS_AC (1ull << 18)
#define PTE_PRESENT 1ull
#define PTE_HUGE (1ull << 7)
#define PTE_ADDRESS 0x000ffffffffff000ull
enum { BREAKPOINT_VECTOR = 3, MAX_INSN = 15 };

void host_quirks_detect(struct host_quirks *quirks)
{
	memset(quirks, 0, sizeof(*quirks));
	/* The module may be loaded and still decline to offer /dev/kvm (as
	 * it does inside a kvm_pvm guest): then it is not what we talk to. */
	quirks->active = access("/sys/module/kvm_pvm", F_OK) == 0 &&
			 access("/sys/class/misc/kvm", F_OK) == 0;
}

const char *host_quirks_cmdline(const struct host_quirks *quirks)
{
	if (!quirks->active)
		return "";
	/* No XSAVE, FSGSBASE, PCID, INVPCID, PKU, CMPXCHG16B or POPCNT: the
	 * emulator has no path for them.  mitigations=off and rodata=off
	 * skip work that is slow under emulation; nowatchdog and
	 * nosoftlockup stop the kernel blaming itself for the slowness. */
	return "noxsave nofsgsbase noinvpcid nopcid nopku mitigations=off "
	       "rodata=off nowatchdog nosoftlockup clearcpuid=cx16,popcnt,xsaves";
}

const char *quirk_name(enum quirk quirk)
{
	static const char *const names[QUIRKS] = {
		[QUIRK_INT3] = "int3", [QUIRK_CLAC_STAC] = "clac_stac",
		[QUIRK_FWAIT] = "fwait", [QUIRK_MXCSR] = "ldmxcsr_stmxcsr",
	};
	return names[quirk];
}

/* ANCHOR: page-walk */
/* Translates a guest virtual address through the guest's own 4-level page
 * tables (at cr3), reading each table through gpa_ptr().  Returns 0 and
 * the physical address, or -1 when the address is not mapped. */
static int translate(const struct guest_memory *mem, uint64_t cr3, uint64_t virt,
		     uint64_t *phys)
{
	uint64_t table = cr3 & PTE_ADDRESS;

	for (int level = 3; level >= 0; level--) {
		unsigned index = (unsigned)(virt >> (12 + 9 * level)) & 511;
		const uint64_t *entry = gpa_ptr(mem, table + (uint64_t)index * 8, 8);
		uint64_t page_mask = (1ull << (12 + 9 * level)) - 1;

		if (!entry || !(*entry & PTE_PRESENT))
			return -1;
		/* A huge page (1 GiB at level 2, 2 MiB at level 1) ends the walk. */
		if (level == 0 || (level <= 2 && (*entry & PTE_HUGE))) {
			*phys = ((*entry & PTE_ADDRESS) & ~page_mask) | (virt & page_mask);
			return 0;
		}
		table = *entry & PTE_ADDRESS;
	}
	return -1;
}
/* ANCHOR_END: page-walk */

/* Copies len bytes between the monitor and guest virtual memory, a byte at
 * a time (the bytes may straddle pages).  Returns 0 or -1. */
static int copy_virtual(const struct guest_memory *mem, uint64_t cr3, uint64_t virt,
			uint8_t *buffer, size_t len, bool to_guest)
{
	for (size_t i = 0; i < len; i++) {
		uint64_t phys;
		uint8_t *byte;

		if (translate(mem, cr3, virt + i, &phys) != 0 ||
		    !(byte = gpa_ptr(mem, phys, 1)))
			return -1;
		if (to_guest)
			*byte = buffer[i];
		else
			buffer[i] = *byte;
	}
	return 0;
}

/* --- decoding the few instructions ------------------------------------- */

struct insn {
	uint8_t bytes[MAX_INSN];
	size_t len;                    /* bytes fetched */
	size_t pos;                    /* next byte to decode */
	uint8_t rex;                   /* 0 or the REX prefix */
	uint64_t segment_base;         /* an fs: or gs: override's base */
};

static __u64 *register_slot(struct kvm_regs *r, unsigned n)
{
	/* The ModRM numbering: rax rcx rdx rbx rsp rbp rsi rdi r8 .. r15. */
	__u64 *slots[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
				&r->rsi, &r->rdi, &r->r8, &r->r9, &r->r10, &r->r11,
				&r->r12, &r->r13, &r->r14, &r->r15 };
	return slots[n & 15];
}

static bool next_byte(struct insn *insn, uint8_t *byte)
{
	if (insn->pos >= insn->len)
		return false;
	*byte = insn->bytes[insn->pos++];
	return true;
}

static bool next_disp(struct insn *insn, int size, int64_t *disp)
{
	uint32_t value = 0;
	uint8_t byte;

	for (int i = 0; i < size; i++) {
		if (!next_byte(insn, &byte))
			return false;
		value |= (uint32_t)byte << (8 * i);
	}
	*disp = size == 1 ? (int8_t)value : (int32_t)value;
	return true;
}

/* ANCHOR: modrm */
/* The address a 64-bit ModRM memory operand names (mod != 3), decoding
 * the SIB, displacement and rip-relative forms. */
static bool memory_operand(struct insn *insn, uint8_t modrm, struct kvm_regs *r,
			   uint64_t rip, uint64_t *address)
{
	unsigned mod = modrm >> 6, rm = modrm & 7;
	uint64_t base = 0;
	int64_t disp = 0;
	bool rip_relative = false;

	if (rm == 4) {                           /* a SIB byte follows */
		uint8_t sib;
		unsigned index, sbase;

		if (!next_byte(insn, &sib))
			return false;
		index = ((sib >> 3) & 7) | (insn->rex & 0x2 ? 8 : 0);
		sbase = (sib & 7) | (insn->rex & 0x1 ? 8 : 0);
		if (index != 4)
			base += *register_slot(r, index) << (sib >> 6);
		if ((sib & 7) == 5 && mod == 0) {
			if (!next_disp(insn, 4, &disp))
				return false;
		} else {
			base += *register_slot(r, sbase);
		}
	} else if (rm == 5 && mod == 0) {
		rip_relative = true;
		if (!next_disp(insn, 4, &disp))
			return false;
	} else {
		base = *register_slot(r, rm | (insn->rex & 0x1 ? 8 : 0));
	}
	if ((mod == 1 && !next_disp(insn, 1, &disp)) ||
	    (mod == 2 && !next_disp(insn, 4, &disp)))
		return false;
	/* rip-relative counts from the end of the instruction: for the
	 * instructions we decode, the operand is their last part. */
	if (rip_relative)
		base = rip + insn->pos;
	*address = insn->segment_base + base + (uint64_t)disp;
	return true;
}
/* ANCHOR_END: modrm */

static void skip_prefixes(struct insn *insn, const struct kvm_sregs *s)
{
	while (insn->pos < insn->len) {
		uint8_t b = insn->bytes[insn->pos];

		if (b == 0x64)
			insn->segment_base = s->fs.base;
		else if (b == 0x65)
			insn->segment_base = s->gs.base;
		else if ((b & 0xf0) == 0x40)
			insn->rex = b;
		else if (b != 0x66 && b != 0x67 && b != 0xf2 && b != 0xf3 &&
			 b != 0x2e && b != 0x3e && b != 0x26 && b != 0x36)
			return;
		insn->pos++;
	}
}

/* --- completing them ----------------------------------------------------- */

static int inject_breakpoint(int vcpu_fd, struct error_report *err)
{
	struct kvm_vcpu_events events;

	if (ioctl(vcpu_fd, KVM_GET_VCPU_EVENTS, &events) < 0)
		return kvm_fail(err, "KVM_GET_VCPU_EVENTS");
	events.exception.injected = 1;
	events.exception.nr = BREAKPOINT_VECTOR;
	events.exception.has_error_code = 0;
	if (ioctl(vcpu_fd, KVM_SET_VCPU_EVENTS, &events) < 0)
		return kvm_fail(err, "KVM_SET_VCPU_EVENTS");
	return 0;
}

static int move_mxcsr(int vcpu_fd, const struct guest_memory *mem, uint64_t cr3, uint64_t address, bool load,
		      struct error_report *err)
{
	struct kvm_fpu fpu;
	uint8_t value[4];

	if (ioctl(vcpu_fd, KVM_GET_FPU, &fpu) < 0)
		return kvm_fail(err, "KVM_GET_FPU");
	if (load) {
		if (copy_virtual(mem, cr3, address, value, 4, false) != 0)
			goto unmapped;
		fpu.mxcsr = le_get32(value);
		if (ioctl(vcpu_fd, KVM_SET_FPU, &fpu) < 0)
			return kvm_fail(err, "KVM_SET_FPU");
		return 0;
	}
	le_put32(value, fpu.mxcsr);
	if (copy_virtual(mem, cr3, address, value, 4, true) == 0)
		return 0;
unmapped:
	report_set(err, 0, 0, "%s operand at 0x%llx is not mapped",
		   load ? "ldmxcsr" : "stmxcsr", (unsigned long long)address);
	return -1;
}

/* ANCHOR: complete */
/* Decodes the instruction at rip and, if it is one of ours, carries it
 * out: returns the quirk, or QUIRKS if it is not one of them. */
static int complete(int vcpu_fd, const struct guest_memory *mem, struct insn *insn, struct kvm_regs *r,
		    const struct kvm_sregs *s, struct error_report *err)
{
	uint8_t op, op2, modrm;
	uint64_t address;

	skip_prefixes(insn, s);
	if (!next_byte(insn, &op))
		return QUIRKS;
	if (op == 0xcc) {                                 /* int3 */
		r->rip += insn->pos;      /* #BP is a trap: it reports the next rip */
		return inject_breakpoint(vcpu_fd, err) == 0 ? QUIRK_INT3 : -1;
	}
	if (op == 0x9b) {                                 /* fwait */
		r->rip += insn->pos;
		return QUIRK_FWAIT;
	}
	if (op != 0x0f || !next_byte(insn, &op2) || !next_byte(insn, &modrm))
		return QUIRKS;
	if (op2 == 0x01 && (modrm == 0xca || modrm == 0xcb)) {   /* clac, stac */
		r->rflags = modrm == 0xca ? r->rflags & ~RFLAGS_AC : r->rflags | RFLAGS_AC;
		r->rip += insn->pos;
		return QUIRK_CLAC_STAC;
	}
	if (op2 == 0xae && (modrm >> 6) != 3 &&
	    (((modrm >> 3) & 7) == 2 || ((modrm >> 3) & 7) == 3)) {   /* ld/stmxcsr */
		if (!memory_operand(insn, modrm, r, r->rip, &address))
			return QUIRKS;
		if (move_mxcsr(vcpu_fd, mem, s->cr3, address, ((modrm >> 3) & 7) == 2, err) != 0)
			return -1;
		r->rip += insn->pos;
		return QUIRK_MXCSR;
	}
	return QUIRKS;
}
/* ANCHOR_END: complete */

enum quirk_result host_quirks_complete(const struct kvm_vcpu *vcpu,
					const struct guest_memory *mem,
					struct host_quirks *quirks, struct error_report *err)
{
	struct insn insn = { .len = MAX_INSN };
	int vcpu_fd = vcpu->fd;
	struct kvm_regs r;
	struct kvm_sregs s;
	int quirk;

	if (!quirks->active)
		return QUIRK_NOT_OURS;
	if (ioctl(vcpu_fd, KVM_GET_REGS, &r) < 0 || ioctl(vcpu_fd, KVM_GET_SREGS, &s) < 0) {
		kvm_fail(err, "KVM_GET_REGS/KVM_GET_SREGS");
		return QUIRK_FAILED;
	}
	/* Fetch what we can: an instruction near the end of a mapped page
	 * may have fewer bytes after it. */
	while (insn.len > 0 &&
	       copy_virtual(mem, s.cr3, s.cs.base + r.rip, insn.bytes, insn.len, false) != 0)
		insn.len--;
	quirk = complete(vcpu_fd, mem, &insn, &r, &s, err);
	if (quirk < 0)
		return QUIRK_FAILED;
	if (quirk == QUIRKS)
		return QUIRK_NOT_OURS;
	if (ioctl(vcpu_fd, KVM_SET_REGS, &r) < 0) {
		kvm_fail(err, "KVM_SET_REGS");
		return QUIRK_FAILED;
	}
	__atomic_fetch_add(&quirks->completed[quirk], 1, __ATOMIC_RELAXED);   /* any vCPU */
	return QUIRK_COMPLETED;
}
