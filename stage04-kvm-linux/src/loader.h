/* loader.h - putting a Linux kernel, its initrd and its command line into
 * guest memory, and writing the zero page that describes them.
 *
 * The loader knows nothing of KVM: it works on any struct guest_memory, so
 * tests and the fuzzer drive it on plain memory.
 */
#ifndef KVM_LINUX_LOADER_H
#define KVM_LINUX_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "guest_memory.h"

enum kernel_format { KERNEL_BZIMAGE, KERNEL_VMLINUX };

struct boot_inputs {
	const uint8_t *kernel;
	size_t kernel_size;
	const uint8_t *initrd;           /* NULL for none */
	size_t initrd_size;
	const char *cmdline;
};

/* What the loader decided: where each piece went and where to start. */
struct boot_layout {
	enum kernel_format format;
	uint16_t protocol;               /* bzImage: the boot protocol version */
	uint64_t kernel_start, kernel_end;   /* [start, end): the kernel's memory */
	uint64_t initrd_start, initrd_size;
	uint64_t cmdline_size;           /* bytes, without the NUL */
	uint64_t entry;                  /* 64-bit entry point, guest physical */
};

/* Loads a bzImage or an ELF vmlinux (told apart by their first bytes) into
 * mem, zeroed beforehand, and writes the zero page at ZERO_PAGE_ADDRESS.
 * Returns 0, or -1 with err naming what is wrong with the inputs. */
int load_kernel(const struct guest_memory *mem, const struct boot_inputs *in,
		struct boot_layout *out, struct error_report *err);

/* The dry run's report on stdout: where each piece went, the command line
 * and the entry point, then the e820 map as the zero page in mem gives it
 * to the kernel (loader_report.c). */
void loader_report(const struct guest_memory *mem, const struct boot_layout *layout,
		   const char *cmdline);

#endif
