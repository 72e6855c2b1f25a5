/* long_mode.c - the page tables, GDT and control registers of long mode.
 *
 * A CPU climbs into long mode in steps (protected mode, PAE, EFER.LME,
 * paging).  A monitor can skip the climb: it writes the end state into the
 * vCPU's registers directly, so the guest's first instruction is 64-bit.
 */
#include "kvm/long_mode.h"

#include <string.h>

#include "base/le.h"

#define PTE_PRESENT  (1ull << 0)
#define PTE_WRITABLE (1ull << 1)
#define PTE_HUGE     (1ull << 7)        /* in a page directory: a 2 MiB page */
#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_ET (1u << 4)
#define CR0_NE (1u << 5)
#define CR0_WP (1u << 16)
#define CR0_PG (1u << 31)
#define CR4_PAE (1u << 5)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define GDT_CODE64 0x00af9b000000ffffull   /* present, execute/read, accessed, L = 1 */
#define GDT_DATA 0x00cf93000000ffffull     /* present, read/write, accessed, 4 GiB */

enum { PAGE = 0x1000, PD_ENTRIES = LONG_MODE_MAPPED_GIB * 512 };

/* ANCHOR: page-tables */
/* Identity-maps the first 4 GiB with 2 MiB pages: RAM, and the addresses
 * above it where devices answer, are reachable at their physical
 * addresses (until a kernel builds its own tables). */
static void write_page_tables(uint8_t *tables, uint64_t gpa)
{
	uint8_t *pml4 = tables, *pdpt = tables + PAGE, *pd = tables + (size_t)2 * PAGE;

	memset(tables, 0, LONG_MODE_TABLES_SIZE);
	le_put64(pml4, (gpa + PAGE) | PTE_PRESENT | PTE_WRITABLE);
	for (uint64_t gib = 0; gib < LONG_MODE_MAPPED_GIB; gib++)
		le_put64(pdpt + gib * 8, (gpa + (2 + gib) * PAGE) | PTE_PRESENT | PTE_WRITABLE);
	for (uint64_t i = 0; i < PD_ENTRIES; i++)
		le_put64(pd + i * 8, (i << 21) | PTE_PRESENT | PTE_WRITABLE | PTE_HUGE);
}
/* ANCHOR_END: page-tables */

static void flat_segment(struct kvm_segment *seg, uint16_t selector, uint8_t type)
{
	*seg = (struct kvm_segment){ .base = 0, .limit = 0xffffffff,
		.selector = selector, .type = type, .present = 1, .s = 1, .g = 1 };
}

/* ANCHOR: long-mode */
/* The page tables, then a GDT with a 64-bit code segment (L = 1) and a
 * flat data segment at the layout's selectors, then the registers. */
void long_mode_setup(const struct long_mode_layout *layout, void *tables, void *gdt,
		     struct kvm_sregs *sregs)
{
	size_t gdt_size = long_mode_gdt_size(layout);

	write_page_tables(tables, layout->tables);
	memset(gdt, 0, gdt_size);
	le_put64((uint8_t *)gdt + layout->code_selector, GDT_CODE64);
	le_put64((uint8_t *)gdt + layout->data_selector, GDT_DATA);

	sregs->gdt.base = layout->gdt;
	sregs->gdt.limit = (uint16_t)(gdt_size - 1);
	sregs->idt.base = 0;
	sregs->idt.limit = 0;               /* no IDT: interrupts stay off */
	sregs->cr3 = layout->tables;
	sregs->cr4 = CR4_PAE;
	sregs->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	/* A CPU sets EFER.LMA itself when paging turns on with LME set.  We
	 * skip that moment by writing the registers directly, so we must set
	 * LMA too, or the vCPU is in no consistent mode and entry fails. */
	sregs->efer = EFER_LME | EFER_LMA;

	flat_segment(&sregs->cs, layout->code_selector, 11);   /* execute/read, accessed */
	sregs->cs.l = 1;                    /* 64-bit code; then db must be 0 */
	flat_segment(&sregs->ds, layout->data_selector, 3);    /* read/write, accessed */
	sregs->ds.db = 1;
	sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;
}
/* ANCHOR_END: long-mode */
