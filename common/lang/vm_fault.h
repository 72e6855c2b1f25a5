/* vm_fault.h - the run-time faults of both interpreters, reported alike.
 *
 * A fault stops a run; its report names the pc, the instruction, the cause,
 * and, for a program compiled from Toy, the source position its line table
 * gives the pc (lang/line_table.h).  The two machines differ in how they
 * find a pc's instruction, not in what they say about it.
 */
#ifndef COMMON_VM_FAULT_H
#define COMMON_VM_FAULT_H

#include <stdint.h>

#include "base/diag.h"
#include "lang/line_table.h"

enum vm_fault {
	FAULT_DIVIDE_BY_ZERO,    /* div or mod by 0 */
	FAULT_MEMORY_INDEX,      /* value: the index outside the data memory */
	FAULT_CALL_DEPTH,        /* value: the frame limit */
	FAULT_STACK_FULL,        /* value: the cells all frames share */
	FAULT_STEP_LIMIT,        /* value: --max-steps */
};

/* Fills err for fault at pc, whose instruction is mnemonic, on a machine with
 * memory_cells cells of data memory. */
void vm_describe_fault(struct error_report *err, const struct line_table *lines,
		       uint32_t pc, const char *mnemonic, enum vm_fault fault,
		       int64_t value, int memory_cells);

#endif
