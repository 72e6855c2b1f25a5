/* vm_memory.h - what both interpreters set up for a run and undo after it:
 * the cells of the frames (stage 1's stack, stage 2's register windows),
 * the globals, the data memory and the call frames.  How many of each, and
 * what a cell or a frame means, is the machine's; allocating them, and
 * ending a run, is the same for both.
 */
#ifndef COMMON_VM_MEMORY_H
#define COMMON_VM_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

struct vm_memory {
	int64_t *cells;              /* the frames' cells, zeroed */
	int64_t *globals, *memory;
	void *frames;                /* the machine's struct frame, one per call */
};

/* A machine's sizes, in elements. */
struct vm_memory_size {
	size_t cells, globals, memory, frames;
	size_t frame_size;           /* sizeof the machine's struct frame */
};

/* Allocates a run's memory, zeroed.  Returns 0, or -1 with err set (out of
 * memory, with nothing left allocated). */
int vm_memory_init(struct vm_memory *m, const struct vm_memory_size *size,
		   struct error_report *err);

/* Ends a run: flushes what the program printed (a fault report on stderr
 * comes after it) and frees its memory. */
void vm_memory_end(struct vm_memory *m);

#endif
