/* loader.c - the x86 Linux boot protocol, from the loader's side.
 *
 * Two kinds of kernel file:
 *   - a bzImage, what distributions ship: a boot sector and real-mode
 *     setup code (which we skip), then the protected-mode kernel, itself a
 *     small decompressor wrapped around the compressed kernel;
 *   - an ELF vmlinux, the kernel the build links before compressing it:
 *     bigger, but it starts at once, with no decompression.
 * Either way the kernel is entered in 64-bit mode with rsi pointing at the
 * zero page, which says where RAM is, where the command line and the initrd
 * are, and who loaded it.
 *
 * Every check happens before anything is copied, and every copy goes
 * through gpa_ptr(), so a hostile image can make the loader refuse but
 * never write outside guest memory.
 */
#include "loader.h"

#include <elf.h>
#include <string.h>

#include "base/le.h"
#include "boot_params.h"
#include "layout.h"

static uint64_t page_up(uint64_t x)   { return (x + 0xfff) & ~0xfffull; }
static uint64_t page_down(uint64_t x) { return x & ~0xfffull; }

/* --- the e820 map: which physical addresses are RAM ------------------- */

/* ANCHOR: e820 */
static void write_e820(uint8_t *zero_page, uint64_t mem_size)
{
	const struct { uint64_t addr, size; uint32_t type; } map[] = {
		{ 0, LOW_RAM_END, E820_RAM },
		{ LOW_RAM_END, KERNEL_LOAD_ADDRESS - LOW_RAM_END, E820_RESERVED },
		{ KERNEL_LOAD_ADDRESS, mem_size - KERNEL_LOAD_ADDRESS, E820_RAM },
	};
	size_t n = sizeof(map) / sizeof(map[0]);

	for (size_t i = 0; i < n; i++) {
		size_t entry = BP_E820_TABLE + i * E820_ENTRY_SIZE;

		le_put64(zero_page + entry, map[i].addr);
		le_put64(zero_page + entry + 8, map[i].size);
		le_put32(zero_page + entry + 16, map[i].type);
	}
	zero_page[BP_E820_ENTRIES] = (uint8_t)n;
}
/* ANCHOR_END: e820 */

/* --- bzImage ----------------------------------------------------------- */

/* Where the protected-mode kernel goes.  Any kernel runs at 1 MiB; a
 * relocatable one (protocol 2.10+) built to run elsewhere, usually 16 MiB,
 * would first copy itself there.  Loading it at its pref_address saves that
 * copy.  An address that is not 1 MiB or more, aligned to the kernel's
 * kernel_alignment, and with room for init_size below mem_size is ignored. */
static uint64_t load_address(const uint8_t *k, uint32_t version, uint64_t need,
			     uint64_t mem_size)
{
/* BEGIN EXERCISE ex5.3 */
	uint64_t pref = le_get64(k + HDR_PREF_ADDRESS);
	uint32_t align = le_get32(k + HDR_KERNEL_ALIGNMENT);

	if (version < 0x020a || !k[HDR_RELOCATABLE] || align == 0 ||
	    pref < KERNEL_LOAD_ADDRESS || pref % align != 0 ||
	    pref > mem_size || need > mem_size - pref)
		return KERNEL_LOAD_ADDRESS;
	return pref;
/* STUB ex5.3
	(void)k;
	(void)version;
	(void)need;
	(void)mem_size;
	exercise_pending("ex5.3");
	return KERNEL_LOAD_ADDRESS;
END STUB */
/* END EXERCISE ex5.3 */
}

/* ANCHOR: check-bzimage */
/* Checks the setup header and where the kernel would go.  On success the
 * protected-mode kernel is [*payload, in->kernel_size) of the file. */
static int check_bzimage(const struct boot_inputs *in, uint64_t mem_size,
			 size_t *payload, struct boot_layout *out,
			 struct error_report *err)
{
	const uint8_t *k = in->kernel;
	size_t size = in->kernel_size;
	uint32_t setup_sects, syssize, header_end, version, init_size;
	uint64_t need;

	if (size < HDR_MIN_LENGTH) {
		report_set(err, 0, 0, "not a kernel: %zu bytes is too short for a "
			   "bzImage's setup header (%d bytes) or an ELF file", size,
			   HDR_MIN_LENGTH);
		return -1;
	}
	if (le_get16(k + HDR_BOOT_FLAG) != BOOT_FLAG) {
		report_set(err, 0, 0, "not a bzImage: no boot sector signature "
			   "0xaa55 at offset 0x1fe (and not an ELF vmlinux either)");
		return -1;
	}
	if (le_get32(k + HDR_MAGIC) != HDR_MAGIC_VALUE) {
		report_set(err, 0, 0, "not a bzImage: no \"HdrS\" magic at offset "
			   "0x202 (a boot sector, but not a Linux kernel's)");
		return -1;
	}
	version = le_get16(k + HDR_VERSION);
	if (version < OLDEST_PROTOCOL) {
		report_set(err, 0, 0, "boot protocol %u.%02u is too old: this loader "
			   "needs 2.06 or later (Linux 2.6.22, 2007)", version >> 8,
			   version & 0xff);
		return -1;
	}
	setup_sects = k[HDR_SETUP_SECTS];
	if (setup_sects == 0)
		setup_sects = 4;          /* what the oldest kernels meant by 0 */
	*payload = (size_t)(setup_sects + 1) * SECTOR_SIZE;
	if (*payload >= size) {
		report_set(err, 0, 0, "the boot sector and %u setup sectors (%zu "
			   "bytes) reach past the end of the %zu-byte file: a truncated "
			   "or broken bzImage", setup_sects, *payload, size);
		return -1;
	}
	/* The build pads the protected-mode part to exactly syssize
	 * paragraphs, so a shorter file lost its end on the way. */
	syssize = le_get32(k + HDR_SYSSIZE);
	if (syssize == 0 || (uint64_t)syssize * 16 > size - *payload) {
		report_set(err, 0, 0, "the setup header says the protected-mode kernel "
			   "is %llu bytes (syssize 0x%x paragraphs), but the %zu-byte file "
			   "holds %zu after its %zu bytes of setup: a truncated bzImage",
			   (unsigned long long)syssize * 16, syssize, size, size - *payload,
			   *payload);
		return -1;
	}
	header_end = HDR_MAGIC + k[HDR_JUMP + 1];
	if (header_end < HDR_MIN_LENGTH || header_end > *payload) {
		report_set(err, 0, 0, "the setup header's length byte (0x201) says it "
			   "ends at 0x%x, outside [0x%x, 0x%zx]", header_end,
			   HDR_MIN_LENGTH, *payload);
		return -1;
	}
	if (!(k[HDR_LOADFLAGS] & LOADFLAGS_LOADED_HIGH)) {
		report_set(err, 0, 0, "a zImage (loaded at 64 KiB), not a bzImage: "
			   "this loader only places kernels at 1 MiB");
		return -1;
	}
	if (!(le_get16(k + HDR_XLOADFLAGS) & XLF_KERNEL_64)) {
		report_set(err, 0, 0, "the kernel has no 64-bit entry point "
			   "(xloadflags bit 0): a 32-bit kernel");
		return -1;
	}
	/* init_size: memory the kernel needs from its load address until it
	 * has decompressed and moved itself, often several times the file. */
	init_size = le_get32(k + HDR_INIT_SIZE);
	need = page_up(init_size > size - *payload ? init_size : size - *payload);
	out->kernel_start = load_address(k, version, need, mem_size);
	out->kernel_end = out->kernel_start + need;
	if (out->kernel_end > mem_size) {
		report_set(err, 0, 0, "the kernel needs %llu KiB from 1 MiB up "
			   "(init_size), more than the %llu MiB of guest memory "
			   "(--mem)", (unsigned long long)need >> 10,
			   (unsigned long long)mem_size >> 20);
		return -1;
	}
	out->format = KERNEL_BZIMAGE;
	out->protocol = (uint16_t)version;
	out->entry = out->kernel_start + ENTRY_64_OFFSET;
	return 0;
}
/* ANCHOR_END: check-bzimage */

/* ANCHOR: load-bzimage */
static int load_bzimage(const struct guest_memory *mem, const struct boot_inputs *in,
			uint8_t *zero_page, struct boot_layout *out,
			struct error_report *err)
{
	size_t payload, header_end;
	uint8_t *dest;

	if (check_bzimage(in, mem->size, &payload, out, err) != 0)
		return -1;
	dest = gpa_ptr(mem, out->kernel_start, in->kernel_size - payload);
	memcpy(dest, in->kernel + payload, in->kernel_size - payload);

	/* Only the setup header, never the whole first sector: since Linux
	 * 6.1.88 the bytes before it are padding, and copied they would
	 * land in zero-page fields (screen_info, edid_info...) as garbage. */
	header_end = HDR_MAGIC + in->kernel[HDR_JUMP + 1];
	memcpy(zero_page + HDR_START, in->kernel + HDR_START, header_end - HDR_START);
	le_put32(zero_page + HDR_CODE32_START, (uint32_t)out->kernel_start);
	return 0;
}
/* ANCHOR_END: load-bzimage */

/* --- ELF vmlinux --------------------------------------------------------- */

/* A vmlinux has no setup header: the loader writes the fields a bzImage
 * would have brought, as the kernel expects to find them. */
static void fake_setup_header(uint8_t *zero_page)
{
	le_put16(zero_page + HDR_BOOT_FLAG, BOOT_FLAG);
	le_put32(zero_page + HDR_MAGIC, HDR_MAGIC_VALUE);
	le_put32(zero_page + HDR_INITRD_ADDR_MAX, DEFAULT_INITRD_ADDR_MAX);
	le_put32(zero_page + HDR_KERNEL_ALIGNMENT, 0x1000000);
	le_put32(zero_page + HDR_CMDLINE_SIZE, 2047);   /* COMMAND_LINE_SIZE - 1 */
}

/* Program header i, copied out: the file's bytes need not be aligned.
 * (e_phoff and e_phnum were checked against the file's size.) */
static Elf64_Phdr program_header(const struct boot_inputs *in,
				 const Elf64_Ehdr *eh, unsigned i)
{
	Elf64_Phdr ph;

	memcpy(&ph, in->kernel + eh->e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
	return ph;
}

static int check_elf_header(const struct boot_inputs *in, const Elf64_Ehdr *eh,
			    struct error_report *err)
{
	if (in->kernel_size < sizeof(*eh) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64) {
		report_set(err, 0, 0, "an ELF file, but not a 64-bit x86 one: "
			   "not a vmlinux this monitor can boot");
		return -1;
	}
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    eh->e_phoff > in->kernel_size ||
	    (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > in->kernel_size - eh->e_phoff) {
		report_set(err, 0, 0, "the ELF program headers (offset %llu, %u "
			   "entries) do not lie within the %zu-byte file",
			   (unsigned long long)eh->e_phoff, eh->e_phnum, in->kernel_size);
		return -1;
	}
	return 0;
}

/* ANCHOR: check-segment */
static int check_segment(const struct boot_inputs *in, const Elf64_Phdr *ph,
			 uint64_t mem_size, struct error_report *err)
{
	if (ph->p_offset > in->kernel_size || ph->p_filesz > in->kernel_size - ph->p_offset ||
	    ph->p_filesz > ph->p_memsz) {
		report_set(err, 0, 0, "an ELF segment (file offset %llu, %llu bytes) "
			   "does not lie within the %zu-byte file",
			   (unsigned long long)ph->p_offset,
			   (unsigned long long)ph->p_filesz, in->kernel_size);
		return -1;
	}
	if (ph->p_paddr < KERNEL_LOAD_ADDRESS || ph->p_paddr > mem_size ||
	    ph->p_memsz > mem_size - ph->p_paddr) {
		report_set(err, 0, 0, "an ELF segment wants [0x%llx, +%llu KiB), not "
			   "inside guest memory from 1 MiB to %llu MiB (--mem)",
			   (unsigned long long)ph->p_paddr,
			   (unsigned long long)ph->p_memsz >> 10,
			   (unsigned long long)mem_size >> 20);
		return -1;
	}
	return 0;
}
/* ANCHOR_END: check-segment */

static int load_vmlinux(const struct guest_memory *mem, const struct boot_inputs *in,
			uint8_t *zero_page, struct boot_layout *out,
			struct error_report *err)
{
	Elf64_Ehdr eh;
	bool entry_loaded = false;

	memcpy(&eh, in->kernel, in->kernel_size < sizeof(eh) ? in->kernel_size : sizeof(eh));
	if (check_elf_header(in, &eh, err) != 0)
		return -1;
	out->kernel_start = UINT64_MAX;
	out->kernel_end = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph = program_header(in, &eh, i);

		if (ph.p_type != PT_LOAD)
			continue;
		if (check_segment(in, &ph, mem->size, err) != 0)
			return -1;
		if (ph.p_paddr < out->kernel_start)
			out->kernel_start = ph.p_paddr;
		if (ph.p_paddr + ph.p_memsz > out->kernel_end)
			out->kernel_end = page_up(ph.p_paddr + ph.p_memsz);
		/* x86's vmlinux names its physical entry (phys_startup_64). */
		if (eh.e_entry >= ph.p_paddr && eh.e_entry < ph.p_paddr + ph.p_memsz)
			entry_loaded = true;
	}
	if (out->kernel_end == 0 || !entry_loaded) {
		report_set(err, 0, 0, "the ELF entry point 0x%llx is not inside any "
			   "loadable segment", (unsigned long long)eh.e_entry);
		return -1;
	}
	if (out->kernel_end > mem->size) {
		report_set(err, 0, 0, "the kernel ends at 0x%llx, beyond the %llu MiB "
			   "of guest memory (--mem)", (unsigned long long)out->kernel_end,
			   (unsigned long long)mem->size >> 20);
		return -1;
	}
	/* Checked all; now copy: file bytes, then zeroes up to p_memsz (.bss). */
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph = program_header(in, &eh, i);

		if (ph.p_type == PT_LOAD)
			memcpy(gpa_ptr(mem, ph.p_paddr, ph.p_memsz),
			       in->kernel + ph.p_offset, ph.p_filesz);
	}
	fake_setup_header(zero_page);
	out->format = KERNEL_VMLINUX;
	out->protocol = 0;
	out->entry = eh.e_entry;
	return 0;
}

/* --- command line and initrd -------------------------------------------- */

static int place_cmdline(const struct guest_memory *mem, const char *cmdline,
			 uint8_t *zero_page, struct boot_layout *out,
			 struct error_report *err)
{
	size_t len = strlen(cmdline);
	uint32_t limit = le_get32(zero_page + HDR_CMDLINE_SIZE);
	char *dest;

	if (len > limit || len >= CMDLINE_MAX) {
		report_set(err, 0, 0, "the kernel command line is %zu bytes; this "
			   "kernel takes at most %u (cmdline_size)", len,
			   limit < CMDLINE_MAX ? limit : CMDLINE_MAX - 1);
		return -1;
	}
	dest = gpa_ptr(mem, CMDLINE_ADDRESS, len + 1);
	memcpy(dest, cmdline, len + 1);
	le_put32(zero_page + HDR_CMD_LINE_PTR, CMDLINE_ADDRESS);
	out->cmdline_size = len;
	return 0;
}

/* ANCHOR: place-initrd */
/* The initrd goes as high as the kernel allows (initrd_addr_max is the
 * last byte it may occupy), page-aligned, and must stay above the kernel. */
static int place_initrd(const struct guest_memory *mem, const struct boot_inputs *in,
			uint8_t *zero_page, struct boot_layout *out,
			struct error_report *err)
{
	uint64_t top = (uint64_t)le_get32(zero_page + HDR_INITRD_ADDR_MAX) + 1;
	uint64_t start, room;

	if (!in->initrd)
		return 0;
	if (in->initrd_size == 0) {
		report_set(err, 0, 0, "the initrd is empty");
		return -1;
	}
	if (top > mem->size)
		top = mem->size;
	room = top > out->kernel_end ? top - out->kernel_end : 0;
	if (in->initrd_size > room) {
		report_set(err, 0, 0, "the initrd is %zu bytes; %llu fit between the "
			   "kernel's end (0x%llx) and 0x%llx (the end of guest memory "
			   "or the kernel's initrd_addr_max): raise --mem",
			   in->initrd_size, (unsigned long long)room,
			   (unsigned long long)out->kernel_end, (unsigned long long)top);
		return -1;
	}
	start = page_down(top - in->initrd_size);
	if (start < out->kernel_end) {
		report_set(err, 0, 0, "the initrd (%zu bytes) does not fit page-aligned "
			   "above the kernel's end (0x%llx): raise --mem", in->initrd_size,
			   (unsigned long long)out->kernel_end);
		return -1;
	}
	memcpy(gpa_ptr(mem, start, in->initrd_size), in->initrd, in->initrd_size);
	le_put32(zero_page + HDR_RAMDISK_IMAGE, (uint32_t)start);
	le_put32(zero_page + HDR_RAMDISK_SIZE, (uint32_t)in->initrd_size);
	out->initrd_start = start;
	out->initrd_size = in->initrd_size;
	return 0;
}
/* ANCHOR_END: place-initrd */

/* ANCHOR: load-kernel */
int load_kernel(const struct guest_memory *mem, const struct boot_inputs *in,
		struct boot_layout *out, struct error_report *err)
{
	uint8_t *zero_page = gpa_ptr(mem, ZERO_PAGE_ADDRESS, ZERO_PAGE_SIZE);
	int loaded;

	memset(out, 0, sizeof(*out));
	if (!zero_page || mem->size < GUEST_MEMORY_MIN) {
		report_set(err, 0, 0, "guest memory of %llu bytes is too small",
			   (unsigned long long)mem->size);
		return -1;
	}
	memset(zero_page, 0, ZERO_PAGE_SIZE);
	if (in->kernel_size >= SELFMAG && memcmp(in->kernel, ELFMAG, SELFMAG) == 0)
		loaded = load_vmlinux(mem, in, zero_page, out, err);
	else
		loaded = load_bzimage(mem, in, zero_page, out, err);
	if (loaded != 0 ||
	    place_cmdline(mem, in->cmdline, zero_page, out, err) != 0 ||
	    place_initrd(mem, in, zero_page, out, err) != 0)
		return -1;
	zero_page[HDR_TYPE_OF_LOADER] = (uint8_t)LOADER_TYPE_UNDEFINED;
	write_e820(zero_page, mem->size);
	return 0;
}
/* ANCHOR_END: load-kernel */
