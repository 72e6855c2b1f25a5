/* kvm_cpuid.h - the CPUID table KVM supports on this host, for a vCPU.
 *
 * A vCPU answers CPUID with whatever table its monitor gave it through
 * KVM_SET_CPUID2, and until then with nothing.  KVM also holds the guest to
 * that table: a guest whose CPUID does not offer long mode gets a #GP for
 * setting EFER.LME.  Both monitors (stages 3 and 4) therefore start from
 * KVM_GET_SUPPORTED_CPUID, what the host CPU and KVM can both do. */
#ifndef COMMON_KVM_CPUID_H
#define COMMON_KVM_CPUID_H

#include <linux/kvm.h>

/* The supported table, in memory the caller frees; NULL with errno set
 * when KVM_GET_SUPPORTED_CPUID fails. */
struct kvm_cpuid2 *kvm_supported_cpuid(int kvm_fd);

#endif
