/* mptable.h - the Intel MultiProcessor table: how a kernel booted without
 * ACPI learns its processors and interrupt wiring. */
#ifndef KVM_LINUX_MPTABLE_H
#define KVM_LINUX_MPTABLE_H

#include <stddef.h>

#include "base/diag.h"
#include "guest_memory.h"

enum { MPTABLE_MAX_CPUS = 8 };

/* Writes the floating pointer and the configuration table for ncpus
 * processors (1 to MPTABLE_MAX_CPUS) at MPTABLE_ADDRESS, and in
 * *isa_interrupts how many ISA IRQs it routes.  Returns the table's size in
 * bytes, or 0 with err saying why it cannot be written. */
size_t mptable_write(const struct guest_memory *mem, int ncpus,
		     unsigned *isa_interrupts, struct error_report *err);

#endif
