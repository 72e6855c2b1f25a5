/* vm.h - one virtual machine: a memory slot, one vCPU, its kvm_run page. */
#ifndef KVM_HELLO_VM_H
#define KVM_HELLO_VM_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "kvm/kvm_vcpu.h"
#include "kvm/kvm_vcpu.h"

enum {
	GUEST_MEMORY = 2 << 20,        /* 2 MiB of guest RAM at address 0 */
	GUEST_LOAD_ADDRESS = 0x1000,   /* above the real-mode interrupt table */
	MONITOR_AREA = 64 << 10,       /* the top 64 KiB: page tables, GDT, stack */
	GUEST_IMAGE_MAX = GUEST_MEMORY - MONITOR_AREA - GUEST_LOAD_ADDRESS,
};

struct vm {
	int kvm_fd, vm_fd;
	uint8_t *memory;               /* guest physical 0 .. GUEST_MEMORY */
	struct kvm_vcpu vcpu;          /* its descriptor and kvm_run page */
};

/* Opens device (normally /dev/kvm) and creates a VM with memory and one
 * vCPU.  On failure returns -1 with err saying what to do about it. */
int vm_create(struct vm *vm, const char *device, struct error_report *err);
void vm_destroy(struct vm *vm);

/* The one way the monitor touches guest memory: a host pointer to len
 * bytes at guest physical address gpa, or NULL if any of it is outside. */
void *guest_ptr(const struct vm *vm, uint64_t gpa, size_t len);

/* Is an image of size bytes loadable?  (Checked before KVM is opened.) */
int check_image_size(size_t size, struct error_report *err);

/* Copies a flat guest image to GUEST_LOAD_ADDRESS. */
int vm_load_image(struct vm *vm, const uint8_t *image, size_t size,
		  struct error_report *err);

#endif
