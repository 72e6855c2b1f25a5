/* kvm_vcpu.h - one vCPU: its descriptor and its kvm_run page, the page
 * KVM_RUN fills with why the vCPU came back to the monitor.
 *
 * A monitor with several vCPUs keeps one of these per vCPU (each with its
 * own kvm_run), created with ids 0, 1, ... */
#ifndef COMMON_KVM_VCPU_H
#define COMMON_KVM_VCPU_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

struct kvm_vcpu {
	int fd;
	struct kvm_run *run;           /* shared with KVM: why the vCPU exited */
	size_t run_size;
};

/* Creates vCPU id of the VM vm_fd and maps its kvm_run page.  On failure
 * returns -1 with err, and vcpu holds what kvm_vcpu_destroy() frees. */
int kvm_vcpu_create(struct kvm_vcpu *vcpu, int kvm_fd, int vm_fd, unsigned id,
		    struct error_report *err);
void kvm_vcpu_destroy(struct kvm_vcpu *vcpu);

/* The data KVM leaves in a kvm_run page of run_size bytes at an offset (an
 * I/O exit's bytes), or NULL if any of len bytes there is outside it. */
void *kvm_run_data(struct kvm_run *run, size_t run_size, uint64_t offset, size_t len);

/* Gives the vCPU a CPUID table (from kvm_supported_cpuid(); NULL when that
 * failed) and frees it.  Returns 0, or -1 with err. */
int kvm_vcpu_set_cpuid(const struct kvm_vcpu *vcpu, struct kvm_cpuid2 *cpuid,
		       struct error_report *err);

/* Prints the vCPU's registers and segments on stderr, after a failure. */
void kvm_vcpu_dump(const struct kvm_vcpu *vcpu);

#endif
