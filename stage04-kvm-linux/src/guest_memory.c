/* guest_memory.c - guest RAM: anonymous memory of ours, lent to KVM. */
#include "guest_memory.h"

#include <stdbool.h>
#include <stdio.h>
#include <sys/mman.h>

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

int resident_memory(const struct guest_memory *mem, uint64_t *guest_bytes,
		    uint64_t *monitor_bytes)
{
	FILE *smaps = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in_guest = false;

	*guest_bytes = *monitor_bytes = 0;
	if (!smaps)
		return -1;
	/* Each mapping: a header "start-end perms ...", then lines such as
	 * "Rss:  1234 kB".  Guest RAM is the mapping that starts at host. */
	while (fgets(line, sizeof(line), smaps)) {
		unsigned long long start, end, kib;

		if (sscanf(line, "%llx-%llx ", &start, &end) == 2)
			in_guest = start == (uintptr_t)mem->host;
		else if (sscanf(line, "Rss: %llu kB", &kib) == 1)
			*(in_guest ? guest_bytes : monitor_bytes) += kib << 10;
	}
	fclose(smaps);
	return 0;
}
