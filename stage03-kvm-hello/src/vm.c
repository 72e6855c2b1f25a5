/* vm.c - creating a VM through /dev/kvm, in the order the KVM API asks:
 *
 *   open /dev/kvm -> KVM_GET_API_VERSION (12) -> KVM_CHECK_EXTENSION
 *   -> KVM_CREATE_VM -> KVM_SET_USER_MEMORY_REGION -> KVM_CREATE_VCPU
 *   -> KVM_SET_CPUID2 -> KVM_GET_VCPU_MMAP_SIZE -> mmap the vCPU's kvm_run page
 */
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm/kvm_cpuid.h"

/* ANCHOR: open-kvm */
static int open_kvm(struct vm *vm, const char *device, struct error_report *err)
{
	int version;

	vm->kvm_fd = open(device, O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0 && (errno == ENOENT || errno == ENXIO || errno == ENODEV)) {
		report_set(err, 0, 0, "%s: no such device: is the kvm module loaded "
			   "(modprobe kvm_intel or kvm_amd) and virtualization "
			   "enabled in the firmware settings?", device);
		return -1;
	}
	if (vm->kvm_fd < 0 && (errno == EACCES || errno == EPERM)) {
		report_set(err, 0, 0, "%s: permission denied: add yourself to the "
			   "kvm group (sudo usermod -aG kvm $USER) and log in again",
			   device);
		return -1;
	}
	if (vm->kvm_fd < 0) {
		report_set(err, 0, 0, "%s: %s", device, strerror(errno));
		return -1;
	}
	version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (version < 0) {
		report_set(err, 0, 0, "%s is not a KVM device (KVM_GET_API_VERSION: %s)",
			   device, strerror(errno));
		return -1;
	}
	if (version != KVM_API_VERSION) {
		report_set(err, 0, 0, "%s speaks KVM API version %d; this monitor "
			   "needs %d", device, version, KVM_API_VERSION);
		return -1;
	}
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) <= 0) {
		report_set(err, 0, 0, "%s lacks KVM_CAP_USER_MEMORY", device);
		return -1;
	}
	return 0;
}
/* ANCHOR_END: open-kvm */

static int fail_ioctl(struct error_report *err, const char *name)
{
	report_set(err, 0, 0, "%s failed: %s", name, strerror(errno));
	return -1;
}

/* ANCHOR: cpuid */
/* The vCPU reports what KVM supports on this host.  Without a table it
 * reports no features at all, and KVM refuses the guest what its CPUID
 * does not offer: long64's own wrmsr of EFER.LME would fault. */
static int set_cpuid(struct vm *vm, struct error_report *err)
{
	struct kvm_cpuid2 *cpuid = kvm_supported_cpuid(vm->kvm_fd);
	int ret;

	if (!cpuid)
		return fail_ioctl(err, "KVM_GET_SUPPORTED_CPUID");
	ret = ioctl(vm->vcpu_fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	return ret == 0 ? 0 : fail_ioctl(err, "KVM_SET_CPUID2");
}
/* ANCHOR_END: cpuid */

int vm_create(struct vm *vm, const char *device, struct error_report *err)
{
	struct kvm_userspace_memory_region region;
	int mmap_size;

	memset(vm, 0, sizeof(*vm));
	vm->vm_fd = vm->vcpu_fd = -1;
	if (open_kvm(vm, device, err) != 0)
		return -1;
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return fail_ioctl(err, "KVM_CREATE_VM");

	/* Guest RAM is ordinary anonymous memory of ours, lent to KVM. */
	vm->memory = mmap(NULL, GUEST_MEMORY, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->memory == MAP_FAILED) {
		vm->memory = NULL;
		return fail_ioctl(err, "mmap of guest memory");
	}
	region = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = GUEST_MEMORY,
		.userspace_addr = (uintptr_t)vm->memory,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail_ioctl(err, "KVM_SET_USER_MEMORY_REGION");

	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		return fail_ioctl(err, "KVM_CREATE_VCPU");
	if (set_cpuid(vm, err) != 0)
		return -1;
	mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (int)sizeof(struct kvm_run))
		return fail_ioctl(err, "KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = (size_t)mmap_size;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		return fail_ioctl(err, "mmap of the vCPU's kvm_run");
	}
	return 0;
}

void vm_destroy(struct vm *vm)
{
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->memory)
		munmap(vm->memory, GUEST_MEMORY);
	for (int *fd = &vm->kvm_fd; fd <= &vm->vcpu_fd; fd++)
		if (*fd >= 0)
			close(*fd);
}

/* ANCHOR: guest-ptr */
void *guest_ptr(const struct vm *vm, uint64_t gpa, size_t len)
{
	if (gpa > GUEST_MEMORY || len > GUEST_MEMORY - gpa)
		return NULL;
	return vm->memory + gpa;
}
/* ANCHOR_END: guest-ptr */

void *run_data(const struct vm *vm, uint64_t offset, size_t len)
{
	if (offset > vm->run_size || len > vm->run_size - offset)
		return NULL;
	return (uint8_t *)vm->run + offset;
}

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
