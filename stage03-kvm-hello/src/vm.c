/* vm.c - creating a VM through /dev/kvm, in the order the KVM API asks:
 *
 *   open /dev/kvm -> KVM_GET_API_VERSION (12) -> KVM_CHECK_EXTENSION
 *   -> KVM_CREATE_VM -> KVM_SET_USER_MEMORY_REGION -> KVM_CREATE_VCPU
 *   -> KVM_GET_VCPU_MMAP_SIZE -> mmap the vCPU's kvm_run page -> KVM_SET_CPUID2
 *
 * The steps themselves are the KVM toolbox's (common/kvm/kvm_vm.c and
 * kvm_vcpu.c), shared with stage 4; this file says which this VM takes.
 */
#include "vm.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm/kvm_cpuid.h"
#include "kvm/kvm_vm.h"

/* ANCHOR: cpuid */
/* The vCPU reports what KVM supports on this host.  Without a table it
 * reports no features at all, and KVM refuses the guest what its CPUID
 * does not offer: long64's own wrmsr of EFER.LME would fault. */
static int set_cpuid(struct vm *vm, struct error_report *err)
{
	return kvm_vcpu_set_cpuid(&vm->vcpu, kvm_supported_cpuid(vm->kvm_fd), err);
}
/* ANCHOR_END: cpuid */

int vm_create(struct vm *vm, const char *device, struct error_report *err)
{
	memset(vm, 0, sizeof(*vm));
	vm->vm_fd = vm->vcpu.fd = -1;
	vm->kvm_fd = kvm_open(device, err);
	if (vm->kvm_fd < 0)
		return -1;
	vm->vm_fd = kvm_create_vm(vm->kvm_fd, err);
	if (vm->vm_fd < 0)
		return -1;

	/* Guest RAM is ordinary anonymous memory of ours, lent to KVM. */
	vm->memory = mmap(NULL, GUEST_MEMORY, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->memory == MAP_FAILED) {
		vm->memory = NULL;
		return kvm_fail(err, "mmap of guest memory");
	}
	if (kvm_add_memory(vm->vm_fd, 0, 0, vm->memory, GUEST_MEMORY, err) != 0 ||
	    kvm_vcpu_create(&vm->vcpu, vm->kvm_fd, vm->vm_fd, 0, err) != 0)
		return -1;
	return set_cpuid(vm, err);
}

void vm_destroy(struct vm *vm)
{
	kvm_vcpu_destroy(&vm->vcpu);
	if (vm->memory)
		munmap(vm->memory, GUEST_MEMORY);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
}

/* ANCHOR: guest-ptr */
void *guest_ptr(const struct vm *vm, uint64_t gpa, size_t len)
{
	if (gpa > GUEST_MEMORY || len > GUEST_MEMORY - gpa)
		return NULL;
	return vm->memory + gpa;
}
/* ANCHOR_END: guest-ptr */

int check_image_size(size_t size, struct error_report *err)
{
	if (size == 0) {
		report_set(err, 0, 0, "the guest image is empty");
		return -1;
	}
	if (size > GUEST_IMAGE_MAX) {
		report_set(err, 0, 0, "the guest image is %zu bytes; at most %d fit "
			   "between 0x%x and the monitor's area", size,
			   GUEST_IMAGE_MAX, GUEST_LOAD_ADDRESS);
		return -1;
	}
	return 0;
}

int vm_load_image(struct vm *vm, const uint8_t *image, size_t size,
		  struct error_report *err)
{
	if (check_image_size(size, err) != 0)
		return -1;
	memcpy(guest_ptr(vm, GUEST_LOAD_ADDRESS, size), image, size);
	return 0;
}
