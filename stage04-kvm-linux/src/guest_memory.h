/* guest_memory.h - guest RAM as the monitor sees it, and the one way to
 * reach into it.
 *
 * Every guest physical address the monitor uses, whether it chose the
 * address itself (the zero page) or read it from the kernel image or the
 * guest (an ELF segment, an instruction's operand), goes through
 * gpa_ptr(), which refuses any range not wholly inside RAM.  No other code
 * adds an address to mem->host.
 */
#ifndef KVM_LINUX_GUEST_MEMORY_H
#define KVM_LINUX_GUEST_MEMORY_H

#include <stdint.h>

struct guest_memory {
	uint8_t *host;     /* guest physical 0 is host address `host` */
	uint64_t size;     /* bytes of RAM from guest physical 0 */
};

/* Maps size bytes of fresh zeroed memory.  Returns 0, or -1 with errno. */
int guest_memory_map(struct guest_memory *mem, uint64_t size);
void guest_memory_unmap(struct guest_memory *mem);

/* A host pointer to [gpa, gpa + len), or NULL if any byte is outside RAM. */
void *gpa_ptr(const struct guest_memory *mem, uint64_t gpa, uint64_t len);

/* Resident memory of this process, split into guest RAM (pages the guest
 * touched) and everything else (the monitor's own), from /proc/self/smaps.
 * Returns 0, or -1 if smaps cannot be read. */
int resident_memory(const struct guest_memory *mem, uint64_t *guest_bytes,
		    uint64_t *monitor_bytes);

#endif
