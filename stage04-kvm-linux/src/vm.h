/* vm.h - the virtual machine: KVM's VM and vCPU, guest RAM, and the
 * vCPU's state at the kernel's first instruction. */
#ifndef KVM_LINUX_VM_H
#define KVM_LINUX_VM_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "guest_memory.h"
#include "kvm/kvm_vcpu.h"

/* Each vCPU has its own descriptor and kvm_run page; the VM, its RAM and
 * its devices are shared.  vcpus[0] is the boot CPU: the only one the
 * monitor sets up.  The others wait, inside KVM, for the INIT and SIPI the
 * kernel sends them through KVM's local APICs.  vCPU n's APIC ID is n. */
enum { VM_MAX_VCPUS = 8 };

struct vm {
	int kvm_fd, vm_fd;
	struct guest_memory mem;
	unsigned nvcpus;
	struct kvm_vcpu vcpus[VM_MAX_VCPUS];
};

/* Opens device (normally /dev/kvm), creates a VM whose RAM is mem (the
 * VM owns it from now on), the in-kernel interrupt controllers and timer,
 * and nvcpus vCPUs (1 to VM_MAX_VCPUS) with the CPUID KVM supports, each
 * with its APIC ID in a topology of one socket of nvcpus cores.  Returns 0,
 * or -1 with err saying why. */
int vm_create(struct vm *vm, const char *device, const struct guest_memory *mem,
	      unsigned nvcpus, struct error_report *err);
void vm_destroy(struct vm *vm);

/* Sets the boot vCPU up as the 64-bit boot protocol asks: long mode, identity
 * page tables, flat segments, interrupts off, rsi = the zero page, rip =
 * entry.  Returns 0, or -1 with err. */
int vcpu_enter_64bit(struct vm *vm, uint64_t entry, struct error_report *err);

#endif
