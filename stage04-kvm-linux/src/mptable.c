/* mptable.c - the Intel MultiProcessor table (MP specification 1.4).
 *
 * A PC's firmware tells the kernel what the board holds.  With ACPI off
 * (this monitor has no ACPI tables), Linux looks for the older MP table
 * instead: a 16-byte "floating pointer" it finds by scanning the first KiB
 * of the EBDA, the last KiB of base memory and the BIOS ROM, which points
 * to a configuration table of entries, one per processor, bus, I/O APIC
 * and interrupt wire.  Firecracker announces its vCPUs the same way.
 *
 *   MPTABLE_ADDRESS  +--------------------------+
 *                    | "_MP_" floating pointer  | -> the table below
 *                    +--------------------------+
 *                    | "PCMP" table header      |  entry count, LAPIC address
 *                    | processor  x ncpus       |  APIC ID, enabled, boot CPU
 *                    | bus 0: "ISA"             |
 *                    | I/O APIC                 |  at 0xfec00000
 *                    | I/O interrupt x 16       |  ISA IRQ n -> I/O APIC pin n
 *                    | local interrupt x 2      |  ExtINT -> LINT0, NMI -> LINT1
 *                    +--------------------------+
 *
 * The table sits at the start of the last KiB of base memory, which e820
 * already reports as reserved, so the kernel finds it in its second scan
 * and never reads the 64 KiB of BIOS ROM area (under a software KVM that
 * scan alone took seconds: chapter 5).
 *
 * Structures are written as the spec draws them, packed, little-endian
 * like the host (this monitor runs only on x86).
 */
#include "mptable.h"

#include <stdint.h>
#include <string.h>

#include "layout.h"

#define PACKED __attribute__((packed))

struct mp_floating_pointer {          /* spec 4.1 */
	char signature[4];               /* "_MP_" */
	uint32_t table_address;          /* the configuration table */
	uint8_t length;                  /* in 16-byte units: 1 */
	uint8_t spec_revision;           /* 4: version 1.4 */
	uint8_t checksum;                /* all 16 bytes sum to 0 */
	uint8_t feature[5];              /* all 0: a table follows, no IMCR */
} PACKED;

struct mp_table_header {              /* spec 4.2 */
	char signature[4];               /* "PCMP" */
	uint16_t base_length;            /* header and entries, in bytes */
	uint8_t spec_revision;
	uint8_t checksum;                /* base_length bytes sum to 0 */
	char oem_id[8], product_id[12];
	uint32_t oem_table_address;
	uint16_t oem_table_size;
	uint16_t entry_count;
	uint32_t local_apic_address;
	uint16_t extended_length;
	uint8_t extended_checksum, reserved;
} PACKED;

struct mp_processor {                 /* spec 4.3.1 */
	uint8_t type;                    /* MP_PROCESSOR */
	uint8_t apic_id, apic_version, flags;
	uint32_t signature, features;    /* CPUID values; Linux reads neither */
	uint32_t reserved[2];
} PACKED;

struct mp_bus {                       /* spec 4.3.2 */
	uint8_t type, bus_id;
	char bus_type[6];                /* "ISA   ", blank-padded */
} PACKED;

struct mp_ioapic {                    /* spec 4.3.3 */
	uint8_t type, apic_id, apic_version, flags;
	uint32_t address;
} PACKED;

struct mp_interrupt {                 /* spec 4.3.4 and 4.3.5 */
	uint8_t type, interrupt_type;
	uint16_t flags;                  /* 0: polarity and trigger as the bus has them */
	uint8_t source_bus, source_irq;
	uint8_t dest_apic, dest_pin;
} PACKED;

_Static_assert(sizeof(struct mp_floating_pointer) == 16, "spec 4.1");
_Static_assert(sizeof(struct mp_table_header) == 44, "spec 4.2");
_Static_assert(sizeof(struct mp_processor) == 20, "spec 4.3.1");
_Static_assert(sizeof(struct mp_bus) == 8 && sizeof(struct mp_ioapic) == 8 &&
	       sizeof(struct mp_interrupt) == 8, "spec 4.3");

enum { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_IO_INTERRUPT, MP_LOCAL_INTERRUPT };
enum { MP_INT, MP_NMI, MP_SMI, MP_EXTINT };
enum {
	CPU_ENABLED = 1, CPU_BOOT = 2,
	IOAPIC_ENABLED = 1,
	LAPIC_VERSION = 0x14,            /* what KVM's local APIC reports */
	IOAPIC_VERSION = 0x11,           /* and its I/O APIC */
	ISA_BUS = 0,
	ISA_IRQS = 16,
	ALL_LOCAL_APICS = 0xff,
};

#define LOCAL_APIC_ADDRESS 0xfee00000u
#define IOAPIC_ADDRESS 0xfec00000u

/* Every entry but a processor's is 8 bytes: a bus, the I/O APIC, the ISA
 * interrupts and the two local ones. */
_Static_assert(sizeof(struct mp_floating_pointer) + sizeof(struct mp_table_header) +
	       MPTABLE_MAX_CPUS * sizeof(struct mp_processor) +
	       (2 + ISA_IRQS + 2) * sizeof(struct mp_bus) <= MPTABLE_MAX,
	       "the largest table fits its KiB");

static uint8_t checksum(const void *bytes, size_t len)
{
	const uint8_t *p = bytes;
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return (uint8_t)-sum;
}

/* Appends one entry at *at and counts it. */
static void append(uint8_t **at, const void *entry, size_t size,
		   struct mp_table_header *header)
{
	memcpy(*at, entry, size);
	*at += size;
	header->entry_count++;
}

/* The ISA interrupts as the I/O APIC receives them: an I/O interrupt entry
 * for each of the 16 ISA IRQs, in order, each naming the ISA bus as its
 * source and a pin of the I/O APIC ioapic_id as its destination (chapter 5,
 * exercise ex5.4). */
static void append_isa_interrupts(uint8_t **at, uint8_t ioapic_id,
				  struct mp_table_header *h)
{
/* BEGIN EXERCISE ex5.4 */
	/* KVM's default routing wires interrupt n to I/O APIC pin n (and, below
	 * 16, to the 8259s too), so each ISA IRQ goes straight to its pin.
	 * Flags 0 leave polarity and trigger as the ISA bus has them, active
	 * high and edge: an interrupt when a device such as a UART raises its
	 * line with KVM_IRQ_LINE. */
	for (int irq = 0; irq < ISA_IRQS; irq++) {
		struct mp_interrupt i = { .type = MP_IO_INTERRUPT,
			.interrupt_type = MP_INT, .source_bus = ISA_BUS,
			.source_irq = (uint8_t)irq, .dest_apic = ioapic_id,
			.dest_pin = (uint8_t)irq };
		append(at, &i, sizeof(i), h);
	}
/* STUB ex5.4
	(void)at;
	(void)ioapic_id;
	(void)h;
	exercise_pending("ex5.4");
END STUB */
/* END EXERCISE ex5.4 */
}

/* ANCHOR: entries */
/* The I/O APIC's ID comes after the processors' APIC IDs: IDs on the APIC
 * bus must be unique. */
static void append_entries(uint8_t **at, int ncpus, struct mp_table_header *h,
			   unsigned *isa_interrupts)
{
	uint8_t ioapic_id = (uint8_t)ncpus;
	uint16_t before;

	for (int cpu = 0; cpu < ncpus; cpu++) {
		struct mp_processor p = { .type = MP_PROCESSOR, .apic_id = (uint8_t)cpu,
			.apic_version = LAPIC_VERSION,
			.flags = CPU_ENABLED | (cpu == 0 ? CPU_BOOT : 0) };
		append(at, &p, sizeof(p), h);
	}
	append(at, &(struct mp_bus){ .type = MP_BUS, .bus_id = ISA_BUS,
				     .bus_type = "ISA   " }, sizeof(struct mp_bus), h);
	append(at, &(struct mp_ioapic){ .type = MP_IOAPIC, .apic_id = ioapic_id,
		.apic_version = IOAPIC_VERSION, .flags = IOAPIC_ENABLED,
		.address = IOAPIC_ADDRESS }, sizeof(struct mp_ioapic), h);
	before = h->entry_count;
	append_isa_interrupts(at, ioapic_id, h);
	*isa_interrupts = h->entry_count - before;
	/* Every local APIC: the 8259s' output on LINT0, NMI on LINT1, as
	 * vcpu_enter_64bit() programs them (virtual wire mode). */
	for (uint8_t lint = 0; lint < 2; lint++) {
		struct mp_interrupt i = { .type = MP_LOCAL_INTERRUPT,
			.interrupt_type = lint == 0 ? MP_EXTINT : MP_NMI,
			.source_bus = ISA_BUS, .dest_apic = ALL_LOCAL_APICS,
			.dest_pin = lint };
		append(at, &i, sizeof(i), h);
	}
}
/* ANCHOR_END: entries */

size_t mptable_write(const struct guest_memory *mem, int ncpus,
		     unsigned *isa_interrupts, struct error_report *err)
{
	uint8_t *base = gpa_ptr(mem, MPTABLE_ADDRESS, MPTABLE_MAX);
	struct mp_floating_pointer *mpf = (struct mp_floating_pointer *)base;
	struct mp_table_header header = {
		.signature = "PCMP", .spec_revision = 4, .oem_id = "STAGEDVM",
		.product_id = "KVM-LINUX", .local_apic_address = LOCAL_APIC_ADDRESS,
	};
	uint8_t *table, *at;

	if (ncpus < 1 || ncpus > MPTABLE_MAX_CPUS) {
		report_set(err, 0, 0, "an MP table holds 1 to %d processors, not %d",
			   MPTABLE_MAX_CPUS, ncpus);
		return 0;
	}
	if (!base) {
		report_set(err, 0, 0, "guest memory does not reach the MP table");
		return 0;
	}
	memset(base, 0, MPTABLE_MAX);
	table = base + sizeof(*mpf);
	at = table + sizeof(header);
	append_entries(&at, ncpus, &header, isa_interrupts);
	header.base_length = (uint16_t)(at - table);
	memcpy(table, &header, sizeof(header));
	table[offsetof(struct mp_table_header, checksum)] = checksum(table, header.base_length);

	*mpf = (struct mp_floating_pointer){ .signature = "_MP_", .length = 1,
		.spec_revision = 4,
		.table_address = MPTABLE_ADDRESS + (uint32_t)sizeof(*mpf) };
	mpf->checksum = checksum(mpf, sizeof(*mpf));
	return (size_t)(at - base);
}
