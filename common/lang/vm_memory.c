/* vm_memory.c - a run's memory, for both interpreters (vm_memory.h). */
#include "lang/vm_memory.h"

#include <stdlib.h>

static void memory_free(struct vm_memory *m)
{
	free(m->cells);
	free(m->globals);
	free(m->memory);
	free(m->frames);
}

int vm_memory_init(struct vm_memory *m, const struct vm_memory_size *size,
		   struct error_report *err)
{
	m->cells = calloc(size->cells, sizeof(int64_t));
	m->globals = calloc(size->globals + 1, sizeof(int64_t));  /* never calloc(0) */
	m->memory = calloc(size->memory, sizeof(int64_t));
	m->frames = calloc(size->frames, size->frame_size);
	if (m->cells && m->globals && m->memory && m->frames)
		return 0;
	memory_free(m);
	report_set(err, 0, 0, "out of memory");
	return -1;
}

void vm_memory_end(struct vm_memory *m)
{
	flush_stdout();
	memory_free(m);
}
