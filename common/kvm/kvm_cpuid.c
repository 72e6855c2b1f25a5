/* kvm_cpuid.c - asking KVM for the CPUID table it supports. */
#include "kvm/kvm_cpuid.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>

/* KVM does not say how many leaves it has: it answers E2BIG while the
 * array is too small, so the array grows until the answer fits. */
struct kvm_cpuid2 *kvm_supported_cpuid(int kvm_fd)
{
	for (uint32_t n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) +
						  n * sizeof(cpuid->entries[0]));
		int saved;

		if (!cpuid)
			return NULL;
		cpuid->nent = n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			return cpuid;
		saved = errno;
		free(cpuid);
		if (saved != E2BIG) {
			errno = saved;
			return NULL;
		}
	}
	errno = E2BIG;
	return NULL;
}
