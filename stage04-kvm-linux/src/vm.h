/* vm.h - the virtual machine: KVM's VM and vCPU, guest RAM, and the
 * vCPU's state at the kernel's first instruction. */
#ifndef KVM_LINUX_VM_H
#define KVM_LINUX_VM_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "guest_memory.h"

struct vm {
	int kvm_fd, vm_fd, vcpu_fd;
	struct guest_memory mem;
	struct kvm_run *run;           /* shared with KVM: why the vCPU exited */
	size_t run_size;
};

/* Opens device (normally /dev/kvm), creates a VM whose RAM is mem (the
 * VM owns it from now on), the in-kernel interrupt controllers and timer,
 * and one vCPU with the CPUID KVM supports.  Returns 0, or -1 with err
 * saying why. */
int vm_create(struct vm *vm, const char *device, const struct guest_memory *mem,
	      struct error_report *err);
void vm_destroy(struct vm *vm);

/* Sets the vCPU up as the 64-bit boot protocol asks: long mode, identity
 * page tables, flat segments, interrupts off, rsi = the zero page, rip =
 * entry.  Returns 0, or -1 with err. */
int vcpu_enter_64bit(struct vm *vm, uint64_t entry, struct error_report *err);

/* The data KVM leaves in the kvm_run page at an offset, or NULL if the
 * range is outside the page. */
void *run_data(const struct vm *vm, uint64_t offset, size_t len);

/* Prints the vCPU's main registers on stderr, after a failure. */
void dump_vcpu(const struct vm *vm);

#endif
