/* fake_exit.h - made-up exits for the monitors' unit tests (each stage's
 * unit/test_exits.c): a kvm_run page filled in as KVM would fill it, so an
 * exit handler can be tried with no KVM at all. */
#ifndef COMMON_KVM_FAKE_EXIT_H
#define COMMON_KVM_FAKE_EXIT_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A port I/O exit of count accesses of size bytes at port, whose data
 * KVM says is at offset in the page; for an out, bytes (NUL-terminated,
 * or NULL) are what the guest wrote, at offset. */
static inline void fake_io_exit(struct kvm_run *run, size_t run_size, uint16_t port,
				bool out, uint8_t size, uint32_t count, uint64_t offset,
				const char *bytes)
{
	memset(run, 0, run_size);
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = out ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	run->io.size = size;
	run->io.port = port;
	run->io.count = count;
	run->io.data_offset = offset;
	if (bytes && offset < run_size && strlen(bytes) <= run_size - offset)
		memcpy((uint8_t *)run + offset, bytes, strlen(bytes));
}

/* An MMIO exit of len bytes at address; a write's bytes are 1, 2, ... 8. */
static inline void fake_mmio_exit(struct kvm_run *run, size_t run_size, uint64_t address,
				  bool is_write, uint32_t len)
{
	memset(run, 0, run_size);
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = address;
	run->mmio.is_write = is_write;
	run->mmio.len = len;
	for (uint8_t i = 0; is_write && i < sizeof(run->mmio.data); i++)
		run->mmio.data[i] = (uint8_t)(i + 1);
}

#endif
