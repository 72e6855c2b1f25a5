/* kvm_vm.c - opening KVM and creating a VM.
 *
 * What can go wrong first is the device itself, and each way has its own
 * remedy: no module or no virtualization (ENOENT, ENXIO, ENODEV), not in
 * the kvm group (EACCES, EPERM), or a file that is no KVM at all.
 */
#include "kvm/kvm_vm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int kvm_fail(struct error_report *err, const char *name)
{
	report_set(err, 0, 0, "%s failed: %s", name, strerror(errno));
	return -1;
}

static int open_device(const char *device, struct error_report *err)
{
	int fd = open(device, O_RDWR | O_CLOEXEC);

	if (fd < 0 && (errno == ENOENT || errno == ENXIO || errno == ENODEV))
		report_set(err, 0, 0, "%s: no such device: is the kvm module loaded "
			   "(modprobe kvm_intel or kvm_amd) and virtualization "
			   "enabled in the firmware settings?", device);
	else if (fd < 0 && (errno == EACCES || errno == EPERM))
		report_set(err, 0, 0, "%s: permission denied: add yourself to the "
			   "kvm group (sudo usermod -aG kvm $USER) and log in again",
			   device);
	else if (fd < 0)
		report_set(err, 0, 0, "%s: %s", device, strerror(errno));
	return fd;
}

/* ANCHOR: open-kvm */
int kvm_open(const char *device, struct error_report *err)
{
	int fd = open_device(device, err);
	int version;

	if (fd < 0)
		return -1;
	version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (version < 0)
		report_set(err, 0, 0, "%s is not a KVM device (KVM_GET_API_VERSION: %s)",
			   device, strerror(errno));
	else if (version != KVM_API_VERSION)
		report_set(err, 0, 0, "%s speaks KVM API version %d; this monitor "
			   "needs %d", device, version, KVM_API_VERSION);
	else if (ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) <= 0)
		report_set(err, 0, 0, "%s lacks KVM_CAP_USER_MEMORY", device);
	else
		return fd;
	close(fd);
	return -1;
}
/* ANCHOR_END: open-kvm */

int kvm_create_vm(int kvm_fd, struct error_report *err)
{
	int vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);

	return vm_fd < 0 ? kvm_fail(err, "KVM_CREATE_VM") : vm_fd;
}

int kvm_add_memory(int vm_fd, uint32_t slot, uint64_t gpa, void *host, uint64_t size,
		   struct error_report *err)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};

	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return kvm_fail(err, "KVM_SET_USER_MEMORY_REGION");
	return 0;
}
