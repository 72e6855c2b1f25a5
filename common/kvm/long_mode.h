/* long_mode.h - a vCPU started directly in 64-bit long mode, as a Linux
 * loader starts one: identity-mapped page tables and a flat GDT in guest
 * memory, and the control registers that switch them on.  Both monitors
 * (stage 3's --mode=long, stage 4's kernel entry) use it. */
#ifndef COMMON_KVM_LONG_MODE_H
#define COMMON_KVM_LONG_MODE_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

enum {
	LONG_MODE_MAPPED_GIB = 4,        /* the identity map covers 0 .. 4 GiB */
	/* PML4, PDPT and one page directory per GiB, one page each. */
	LONG_MODE_TABLES_SIZE = (2 + LONG_MODE_MAPPED_GIB) * 0x1000,
};

/* Where the monitor puts the structures, and the selectors it uses. */
struct long_mode_layout {
	uint64_t tables;                 /* guest physical, page aligned */
	uint64_t gdt;
	uint16_t code_selector, data_selector;   /* multiples of 8, code first */
};

/* How many bytes the GDT of layout takes: up to the data descriptor. */
static inline size_t long_mode_gdt_size(const struct long_mode_layout *layout)
{
	return ((size_t)layout->data_selector / 8 + 1) * 8;
}

/* Writes the page tables at tables (the host's view of layout->tables,
 * LONG_MODE_TABLES_SIZE bytes) and the GDT at gdt (long_mode_gdt_size()
 * bytes), and sets sregs (read from the vCPU first: KVM fills in what is
 * not changed here) to long mode with flat segments and no IDT. */
void long_mode_setup(const struct long_mode_layout *layout, void *tables, void *gdt,
		     struct kvm_sregs *sregs);

#endif
