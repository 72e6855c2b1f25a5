/* kvm_vm.h - opening KVM and creating a VM, for both monitors (stages 3
 * and 4), in the order the KVM API asks:
 *
 *   open /dev/kvm -> KVM_GET_API_VERSION (12) -> KVM_CHECK_EXTENSION
 *   -> KVM_CREATE_VM -> KVM_SET_USER_MEMORY_REGION -> vCPUs (kvm_vcpu.h)
 *
 * Every function returns 0 (or a descriptor), or -1 with err saying what
 * went wrong and, where the user can do something about it, what. */
#ifndef COMMON_KVM_VM_H
#define COMMON_KVM_VM_H

#include <stdint.h>

#include "base/diag.h"

/* Opens device (normally /dev/kvm) and checks it speaks API version 12
 * with user memory: the KVM descriptor, or -1. */
int kvm_open(const char *device, struct error_report *err);

/* A new VM of the KVM descriptor kvm_fd: the VM descriptor, or -1. */
int kvm_create_vm(int kvm_fd, struct error_report *err);

/* Lends size bytes of the monitor's memory at host to the VM as guest
 * physical memory from gpa, in memory slot slot. */
int kvm_add_memory(int vm_fd, uint32_t slot, uint64_t gpa, void *host, uint64_t size,
		   struct error_report *err);

/* The failure helper: err says "name failed: strerror(errno)"; returns -1. */
int kvm_fail(struct error_report *err, const char *name);

#endif
