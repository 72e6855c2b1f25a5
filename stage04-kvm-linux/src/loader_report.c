/* loader_report.c - the dry run's report: where the loader put everything,
 * and the memory map the kernel will read. */
#include "loader.h"

#include <inttypes.h>
#include <stdio.h>

#include "base/le.h"
#include "boot_params.h"
#include "layout.h"

/* ANCHOR: dry-run */
static void print_layout(const struct boot_layout *l, const char *cmdline)
{
	if (l->format == KERNEL_BZIMAGE)
		printf("kernel: bzImage, boot protocol %u.%02u\n",
		       (unsigned)l->protocol >> 8, (unsigned)l->protocol & 0xff);
	else
		printf("kernel: ELF vmlinux\n");
	printf("0x%08x  zero page\n", ZERO_PAGE_ADDRESS);
	printf("0x%08x  command line, %" PRIu64 " bytes: %s\n", CMDLINE_ADDRESS,
	       l->cmdline_size, cmdline);
	printf("0x%08" PRIx64 "  kernel, up to 0x%08" PRIx64 "\n", l->kernel_start,
	       l->kernel_end);
	if (l->initrd_size)
		printf("0x%08" PRIx64 "  initrd, %" PRIu64 " bytes\n", l->initrd_start,
		       l->initrd_size);
	printf("entry: 0x%" PRIx64 " (64-bit)\n", l->entry);
}
/* ANCHOR_END: dry-run */

/* The memory map as the kernel will read it: from the zero page. */
static void print_e820(const struct guest_memory *mem)
{
/* BEGIN EXERCISE ex5.1 */
	const uint8_t *zero_page = gpa_ptr(mem, ZERO_PAGE_ADDRESS, ZERO_PAGE_SIZE);

	for (int i = 0; i < zero_page[BP_E820_ENTRIES] && i < E820_MAX_ENTRIES; i++) {
		const uint8_t *entry = zero_page + BP_E820_TABLE + (size_t)i * E820_ENTRY_SIZE;
		uint64_t addr = le_get64(entry), size = le_get64(entry + 8);
		uint32_t type = le_get32(entry + 16);

		printf("e820: 0x%08" PRIx64 "-0x%08" PRIx64 " %s\n", addr, addr + size - 1,
		       type == E820_RAM ? "RAM" : "reserved");
	}
/* STUB ex5.1
	(void)mem;
	exercise_pending("ex5.1");
END STUB */
/* END EXERCISE ex5.1 */
}

void loader_report(const struct guest_memory *mem, const struct boot_layout *layout,
		   const char *cmdline)
{
	print_layout(layout, cmdline);
	print_e820(mem);
}
