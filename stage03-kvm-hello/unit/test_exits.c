/* test_exits.c - stage 3's exit handler fed made-up exits, without KVM.
 *
 * Each case fills a kvm_run page as KVM would, calls handle_exit(), and
 * prints one line: the case, the step it returned, and what it left
 * behind (bytes read, the error).  The devices write to stdout and
 * stderr as they do in the monitor; tests/test_stage03_kvm_hello.py
 * compares the whole transcript.  Input comes from this program's stdin.
 */
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>

#include "devices.h"
#include "kvm/fake_exit.h"
#include "run.h"

enum { RUN_SIZE = 4096, DATA_OFFSET = 1024 };

static union {
	struct kvm_run run;
	unsigned char bytes[RUN_SIZE];
} page;
static struct run_stats stats;

static const char *step_name(enum run_step step)
{
	static const char *const names[] = {
		[RUN_GO_ON] = "go on", [RUN_HALTED] = "halted", [RUN_FAILED] = "failed",
	};
	return names[step];
}

static void report(const char *name, enum run_step step, const struct error_report *err)
{
	fflush(stdout);
	printf("%s: %s%s%s\n", name, step_name(step), err->failed ? ": " : "",
	       err->failed ? err->message : "");
}

/* One exit of reason, with the run page already filled in by the case. */
static enum run_step exit_once(const char *name, uint32_t reason, bool strict_mmio)
{
	struct run_options opts = { .strict_mmio = strict_mmio };
	struct error_report err = { 0 };
	enum run_step step;

	page.run.exit_reason = reason;
	step = handle_exit(&page.run, RUN_SIZE, &opts, &stats, &err);
	report(name, step, &err);
	return step;
}

static void print_bytes(const char *what, const uint8_t *p, size_t n)
{
	printf("  %s:", what);
	for (size_t i = 0; i < n; i++)
		printf(" %02x", p[i]);
	printf("\n");
}

static void port_io(const char *name, uint16_t port, bool out, uint8_t size,
		    uint32_t count, uint64_t offset, const char *bytes)
{
	fake_io_exit(&page.run, RUN_SIZE, port, out, size, count, offset, bytes);
	if (exit_once(name, KVM_EXIT_IO, false) == RUN_GO_ON && !out)
		print_bytes("read", page.bytes + DATA_OFFSET, (size_t)size * count);
}

static void mmio(const char *name, uint64_t address, bool is_write, uint32_t len,
		 bool strict)
{
	fake_mmio_exit(&page.run, RUN_SIZE, address, is_write, len);
	if (exit_once(name, KVM_EXIT_MMIO, strict) == RUN_GO_ON && !is_write)
		print_bytes("read", page.run.mmio.data, sizeof(page.run.mmio.data));
}

static void io_cases(void)
{
	port_io("out serial", SERIAL_OUT_PORT, true, 1, 1, DATA_OFFSET, "A");
	port_io("outsb serial x3", SERIAL_OUT_PORT, true, 1, 3, DATA_OFFSET, "xyz");
	port_io("in serial", SERIAL_OUT_PORT, false, 2, 1, DATA_OFFSET, NULL);
	port_io("out debug", DEBUG_PORT, true, 1, 1, DATA_OFFSET, "D");
	port_io("in debug", DEBUG_PORT, false, 4, 1, DATA_OFFSET, NULL);
	port_io("status, input waiting", INPUT_STATUS_PORT, false, 1, 1, DATA_OFFSET, NULL);
	port_io("status again", INPUT_STATUS_PORT, false, 2, 1, DATA_OFFSET, NULL);
	port_io("in input", INPUT_PORT, false, 1, 1, DATA_OFFSET, NULL);
	port_io("insw input", INPUT_PORT, false, 2, 2, DATA_OFFSET, NULL);
	port_io("status at the end", INPUT_STATUS_PORT, false, 1, 1, DATA_OFFSET, NULL);
	port_io("in input at the end", INPUT_PORT, false, 1, 1, DATA_OFFSET, NULL);
	port_io("out input (ignored)", INPUT_PORT, true, 1, 1, DATA_OFFSET, "z");
	port_io("in nothing there", 0x80, false, 4, 1, DATA_OFFSET, NULL);
	port_io("out nothing there", 0xffff, true, 1, 1, DATA_OFFSET, "n");
	/* Hostile: the data KVM claims to leave must lie inside the page. */
	port_io("data past the page", SERIAL_OUT_PORT, true, 1, 1, RUN_SIZE, NULL);
	port_io("data across the end", SERIAL_OUT_PORT, true, 4, 2, RUN_SIZE - 4, NULL);
	port_io("offset near 2^64", SERIAL_OUT_PORT, true, 1, 1, UINT64_MAX, NULL);
	port_io("count of 2^32-1", SERIAL_OUT_PORT, true, 4, UINT32_MAX, DATA_OFFSET, NULL);
	printf("io exits counted: 0x3f8 %llu, 0x3fa %llu, 0x80 %llu\n",
	       (unsigned long long)stats.by_port[SERIAL_OUT_PORT],
	       (unsigned long long)stats.by_port[INPUT_STATUS_PORT],
	       (unsigned long long)stats.by_port[0x80]);
}

static void mmio_cases(void)
{
	mmio("mmio write scratch", SCRATCH_MMIO, true, 8, false);
	mmio("mmio read scratch", SCRATCH_MMIO, false, 8, false);
	mmio("mmio read scratch+6, 2 bytes", (uint64_t)SCRATCH_MMIO + 6, false, 2, false);
	mmio("mmio read scratch+6, 4 bytes", (uint64_t)SCRATCH_MMIO + 6, false, 4, false);
	mmio("mmio read unbacked", 0x300000, false, 4, false);
	mmio("mmio write unbacked", 0x300000, true, 4, false);
	mmio("mmio length 200", 0x300000, false, 200, false);
	mmio("mmio strict", 0x300000, false, 4, true);
}

static void other_cases(void)
{
	memset(page.bytes, 0, sizeof(page.bytes));
	exit_once("hlt", KVM_EXIT_HLT, false);
	exit_once("intr", KVM_EXIT_INTR, false);
	exit_once("shutdown", KVM_EXIT_SHUTDOWN, false);
	page.run.fail_entry.hardware_entry_failure_reason = 0x21;
	exit_once("fail entry", KVM_EXIT_FAIL_ENTRY, false);
	page.run.internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	page.run.internal.ndata = 2;
	page.run.internal.data[0] = 0xcc;
	page.run.internal.data[1] = 0x0f01ca;
	exit_once("internal error", KVM_EXIT_INTERNAL_ERROR, false);
	page.run.internal.suberror = 7;
	page.run.internal.ndata = UINT32_MAX;
	exit_once("internal error, ndata 2^32-1", KVM_EXIT_INTERNAL_ERROR, false);
	exit_once("debug", KVM_EXIT_DEBUG, false);
	exit_once("reason 63", 63, false);
	exit_once("reason 2^32-1", UINT32_MAX, false);
}

int main(void)
{
	io_cases();
	mmio_cases();
	other_cases();
	return 0;
}
