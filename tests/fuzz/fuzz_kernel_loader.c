/* fuzz_kernel_loader.c - stage 4's kernel loader on hostile images.
 *
 * The input is a 4-byte prologue then the kernel image:
 *   byte 0       guest memory: 32 MiB, or 64 MiB when bit 0 is set
 *   bytes 1-2    an initrd of that many bytes (0: none)
 *   byte 3       a command line of that many characters
 * The loader runs on ordinary memory, no KVM: everything it checks (setup
 * header, ELF program headers, sizes and placement of kernel, initrd and
 * command line) is reachable from the bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "loader.h"

static struct guest_memory memory;
static uint8_t initrd[65536];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_memory mem;
	struct boot_layout layout;
	struct error_report err = { 0 };
	char cmdline[256];
	struct boot_inputs in;

	if (size < 4)
		return 0;
	if (!memory.host && guest_memory_map(&memory, 64u << 20) != 0)
		abort();
	mem = memory;
	mem.size = (data[0] & 1) ? 64u << 20 : 32u << 20;
	memset(cmdline, 'c', data[3]);
	cmdline[data[3]] = '\0';
	in = (struct boot_inputs){
		.kernel = data + 4, .kernel_size = size - 4,
		.initrd = (data[1] | data[2]) ? initrd : NULL,
		.initrd_size = (size_t)data[1] | (size_t)data[2] << 8,
		.cmdline = cmdline,
	};
	if (load_kernel(&mem, &in, &layout, &err) == 0) {
		/* What the loader claims must lie inside guest memory. */
		if (layout.kernel_end > mem.size ||
		    layout.initrd_start + layout.initrd_size > mem.size ||
		    (layout.initrd_size && layout.initrd_start < layout.kernel_end))
			abort();
	} else if (!err.failed || !err.message[0]) {
		abort();                 /* a refusal always says why */
	}
	return 0;
}
