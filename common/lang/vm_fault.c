/* vm_fault.c - a run-time fault's report (see vm_fault.h). */
#include "lang/vm_fault.h"

#include <inttypes.h>

void vm_describe_fault(struct error_report *err, const struct line_table *lines,
		       uint32_t pc, const char *mnemonic, enum vm_fault fault,
		       int64_t value, int memory_cells)
{
	const struct line_entry *origin = line_table_find(lines, pc);
	int line = origin ? (int)origin->line : 0, col = origin ? (int)origin->col : 0;

	switch (fault) {
	case FAULT_DIVIDE_BY_ZERO:
		report_set(err, line, col, "pc %u (%s): division by zero", pc, mnemonic);
		break;
	case FAULT_MEMORY_INDEX:
		report_set(err, line, col, "pc %u (%s): memory index %" PRId64 " out of "
			   "range (0 to %d)", pc, mnemonic, value, memory_cells - 1);
		break;
	case FAULT_CALL_DEPTH:
		report_set(err, line, col, "pc %u (%s): call stack deeper than the limit "
			   "of %" PRId64 " frames", pc, mnemonic, value);
		break;
	case FAULT_STACK_FULL:
		report_set(err, line, col, "pc %u (%s): call stack full: the frames "
			   "need more than its %" PRId64 " cells", pc, mnemonic, value);
		break;
	case FAULT_STEP_LIMIT:
		report_set(err, line, col, "pc %u (%s): step limit of %" PRId64
			   " instructions reached", pc, mnemonic, value);
		break;
	}
}
