/* boot_params.h - the parts of the x86 Linux boot protocol the loader uses.
 *
 * Source: the kernel's Documentation/arch/x86/boot.rst.  A bzImage starts
 * with a boot sector whose tail is the "setup header" (from offset 0x1f1);
 * the loader copies that header into the "zero page" (struct boot_params,
 * one 4 KiB page), fills in what it decided, and hands the kernel the
 * page's address.  Offsets here are within the image and the zero page
 * alike: the header sits at the same place in both.
 */
#ifndef KVM_LINUX_BOOT_PARAMS_H
#define KVM_LINUX_BOOT_PARAMS_H

enum {
	ZERO_PAGE_SIZE = 0x1000,

	/* Zero-page fields outside the setup header: filled by the loader. */
	BP_E820_ENTRIES = 0x1e8,         /* u8: how many e820 entries */
	BP_E820_TABLE = 0x2d0,           /* struct e820_entry[128] */
	E820_ENTRY_SIZE = 20,            /* u64 addr, u64 size, u32 type */
	E820_MAX_ENTRIES = 128,

	/* The setup header. */
	HDR_START = 0x1f1,
	HDR_SETUP_SECTS = 0x1f1,         /* u8: 512-byte sectors of setup; 0 means 4 */
	HDR_SYSSIZE = 0x1f4,             /* u32: the protected-mode kernel, in 16-byte units */
	HDR_BOOT_FLAG = 0x1fe,           /* u16: 0xaa55 */
	HDR_JUMP = 0x200,                /* 2 bytes: jmp; byte 0x201 = header length */
	HDR_MAGIC = 0x202,               /* "HdrS" */
	HDR_VERSION = 0x206,             /* u16: protocol version, 0x020f = 2.15 */
	HDR_TYPE_OF_LOADER = 0x210,      /* u8: 0xff = a loader with no assigned id */
	HDR_LOADFLAGS = 0x211,           /* u8 */
	HDR_RAMDISK_IMAGE = 0x218,       /* u32: initrd address */
	HDR_RAMDISK_SIZE = 0x21c,        /* u32: initrd size */
	HDR_CMD_LINE_PTR = 0x228,        /* u32: command line address */
	HDR_INITRD_ADDR_MAX = 0x22c,     /* u32: highest address of an initrd byte */
	HDR_CODE32_START = 0x214,        /* u32: where the protected-mode kernel is */
	HDR_KERNEL_ALIGNMENT = 0x230,    /* u32 */
	HDR_RELOCATABLE = 0x234,         /* u8: the kernel may run at any aligned address */
	HDR_XLOADFLAGS = 0x236,          /* u16 */
	HDR_CMDLINE_SIZE = 0x238,        /* u32: longest command line, without NUL */
	HDR_PREF_ADDRESS = 0x258,        /* u64: where a relocatable kernel likes to run */
	HDR_INIT_SIZE = 0x260,           /* u32: memory the kernel needs to start */
	HDR_MIN_LENGTH = 0x264,          /* an image shorter than this has no header */

	BOOT_FLAG = 0xaa55,
	LOADER_TYPE_UNDEFINED = 0xff,
	LOADFLAGS_LOADED_HIGH = 0x01,    /* the kernel runs at 1 MiB: a bzImage */
	XLF_KERNEL_64 = 0x01,            /* has a 64-bit entry at load + 0x200 */
	ENTRY_64_OFFSET = 0x200,
	SECTOR_SIZE = 512,

	E820_RAM = 1,
	E820_RESERVED = 2,
};

#define HDR_MAGIC_VALUE 0x53726448u      /* "HdrS" read as a little-endian u32 */
#define OLDEST_PROTOCOL 0x0206           /* 2.06: cmdline_size exists */
#define DEFAULT_INITRD_ADDR_MAX 0x7fffffffu

#endif
