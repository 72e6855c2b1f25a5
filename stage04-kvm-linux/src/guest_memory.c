/* guest_memory.c - guest RAM: anonymous memory of ours, lent to KVM. */
#include "guest_memory.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int guest_memory_map(struct guest_memory *mem, uint64_t size)
{
	/* MAP_NORESERVE: a 1 GiB guest costs nothing until it touches a
	 * page, which is why the monitor's own footprint can be measured
	 * apart from the guest's. */
	void *host = mmap(NULL, size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (host == MAP_FAILED)
		return -1;
	mem->host = host;
	mem->size = size;
	return 0;
}

void guest_memory_unmap(struct guest_memory *mem)
{
	if (mem->host)
		munmap(mem->host, mem->size);
	mem->host = NULL;
	mem->size = 0;
}

/* ANCHOR: gpa-ptr */
void *gpa_ptr(const struct guest_memory *mem, uint64_t gpa, uint64_t len)
{
	/* Written so that no sum can overflow: gpa + len might wrap. */
	if (gpa > mem->size || len > mem->size - gpa)
		return NULL;
	return mem->host + gpa;
}
/* ANCHOR_END: gpa-ptr */

uint64_t guest_memory_resident(const struct guest_memory *mem)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t pages = (mem->size + (uint64_t)page - 1) / (uint64_t)page;
	unsigned char *vec = malloc(pages);
	uint64_t resident = 0;

	if (!vec || mincore(mem->host, mem->size, vec) != 0) {
		free(vec);
		return 0;
	}
	for (uint64_t i = 0; i < pages; i++)
		resident += vec[i] & 1;
	free(vec);
	return resident * (uint64_t)page;
}
