/* layout.h - where everything lives in the guest's physical memory.
 *
 *   0x0000_0000  +-------------------------------+
 *                | (real-mode interrupt table,   |  untouched: the kernel
 *                |  BIOS data area: left empty)  |  never looks here when
 *   0x0000_0500  | boot GDT                      |  entered in long mode
 *   0x0000_7000  | zero page (struct boot_params)|
 *   0x0000_8ff0  | boot stack (grows down)       |
 *   0x0000_9000  | page tables: PML4, PDPT, 4 PDs|  identity map of 4 GiB
 *   0x0002_0000  | kernel command line           |
 *   0x0009_fc00  +-------------------------------+  e820: RAM ends here,
 *                | MP table (processors, I/O APIC)|  reserved up to 1 MiB
 *   0x000a_0000  | (legacy VGA and BIOS ROM      |
 *                |  hole on a PC: reserved)      |
 *   0x0010_0000  +-------------------------------+
 *                | kernel (bzImage: its protected-mode part here;
 *                |         vmlinux: where its ELF headers say, 16 MiB)
 *                | ... free RAM the kernel takes over ...
 *                | initrd (as high as the kernel allows)
 *   mem size     +-------------------------------+
 *                ... nothing: reads return all ones (MMIO, counted) ...
 *   0xd000_0000  virtio-mmio windows, 4 KiB each: the disks (--disk),
 *                then the network (--net), IRQs 5, 6, 7, 9, 10
 *   0xfec0_0000  I/O APIC, 0xfee0_0000 local APIC (inside KVM)
 *   0xfffb_c000  KVM's identity-map page and TSS (Intel VMX needs them)
 */
#ifndef KVM_LINUX_LAYOUT_H
#define KVM_LINUX_LAYOUT_H

enum {
	BOOT_GDT_ADDRESS = 0x500,
	ZERO_PAGE_ADDRESS = 0x7000,
	BOOT_STACK_ADDRESS = 0x8ff0,
	PAGE_TABLES_ADDRESS = 0x9000,    /* PML4, PDPT, 4 PDs: 6 pages */
	CMDLINE_ADDRESS = 0x20000,
	CMDLINE_MAX = 0x10000,           /* the monitor's own limit, 64 KiB */
	LOW_RAM_END = 0x9fc00,
	MPTABLE_ADDRESS = LOW_RAM_END,   /* the last KiB of base memory, */
	MPTABLE_MAX = 0x400,             /* where the kernel looks for it */
	KERNEL_LOAD_ADDRESS = 0x100000,
};

/* Guest RAM sizes the monitor accepts.  The top stays below 3 GiB so that
 * RAM never meets the APICs and KVM's pages under 4 GiB. */
#define GUEST_MEMORY_MIN (32ull << 20)
#define GUEST_MEMORY_MAX (3ull << 30)
#define GUEST_MEMORY_DEFAULT (128ull << 20)

/* The virtio devices' register windows, where Firecracker puts them: above
 * the largest RAM, below the APICs; announced on the kernel's command line
 * (virtio_mmio.device=4K@0xd0000000:5).  Their interrupt lines are the
 * board's (board.c). */
#define VIRTIO_MMIO_BASE 0xd0000000ull
enum { VIRTIO_SLOTS = 6 };         /* 4 disks, a network, an entropy source */

#define KVM_IDENTITY_MAP_ADDRESS 0xfffbc000ull
#define KVM_TSS_ADDRESS 0xfffbd000ull

#endif
