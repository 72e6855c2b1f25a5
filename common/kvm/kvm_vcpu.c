/* kvm_vcpu.c - creating a vCPU, and reading it after a failure. */
#include "kvm/kvm_vcpu.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm/kvm_vm.h"

int kvm_vcpu_create(struct kvm_vcpu *vcpu, int kvm_fd, int vm_fd, unsigned id,
		    struct error_report *err)
{
	int mmap_size;

	vcpu->run = NULL;
	vcpu->fd = ioctl(vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (vcpu->fd < 0)
		return kvm_fail(err, "KVM_CREATE_VCPU");
	mmap_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (int)sizeof(struct kvm_run))
		return kvm_fail(err, "KVM_GET_VCPU_MMAP_SIZE");
	vcpu->run_size = (size_t)mmap_size;
	vcpu->run = mmap(NULL, vcpu->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		return kvm_fail(err, "mmap of the vCPU's kvm_run");
	}
	return 0;
}

void kvm_vcpu_destroy(struct kvm_vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	vcpu->run = NULL;
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->fd = -1;
}

void *kvm_run_data(struct kvm_run *run, size_t run_size, uint64_t offset, size_t len)
{
	if (offset > run_size || len > run_size - offset)
		return NULL;
	return (uint8_t *)run + offset;
}

int kvm_vcpu_set_cpuid(const struct kvm_vcpu *vcpu, struct kvm_cpuid2 *cpuid,
		       struct error_report *err)
{
	int ret;

	if (!cpuid)
		return kvm_fail(err, "KVM_GET_SUPPORTED_CPUID");
	ret = ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	return ret == 0 ? 0 : kvm_fail(err, "KVM_SET_CPUID2");
}

static void dump_segment(const char *name, const struct kvm_segment *s)
{
	fprintf(stderr, "  %s selector=0x%04x base=0x%016" PRIx64 " limit=0x%08x "
		"type=%u l=%u db=%u\n", name, s->selector, (uint64_t)s->base,
		s->limit, s->type, s->l, s->db);
}

void kvm_vcpu_dump(const struct kvm_vcpu *vcpu)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(stderr, "  (the vCPU's registers cannot be read: %s)\n",
			strerror(errno));
		return;
	}
	fprintf(stderr, "  rip=0x%016llx rsp=0x%016llx rflags=0x%016llx\n"
		"  rax=0x%016llx rbx=0x%016llx rcx=0x%016llx rdx=0x%016llx\n"
		"  cr0=0x%016llx cr2=0x%016llx cr3=0x%016llx cr4=0x%016llx efer=0x%llx\n",
		r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx,
		s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
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
