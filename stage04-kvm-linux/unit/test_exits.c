/* test_exits.c - stage 4's exit handler and board fed made-up exits,
 * without KVM.
 *
 * Each case fills a kvm_run page as KVM would, calls handle_exit() with a
 * board wired as in a dry run (no VM: interrupt lines go nowhere), and
 * prints one line: the case, how the VM goes on or ends, and what the
 * access read.  The console's bytes reach stdout and COM2's stderr as
 * they do in the monitor; tests/test_stage04_monitor.py compares the
 * transcript.
 */
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>

#include "board.h"
#include "kvm/fake_exit.h"
#include "run.h"

enum { RUN_SIZE = 4096, DATA_OFFSET = 1024 };

static union {
	struct kvm_run run;
	unsigned char bytes[RUN_SIZE];
} page;
static struct machine m;
static const struct kvm_vcpu vcpu = { .fd = -1, .run = &page.run, .run_size = RUN_SIZE };

static const char *end_name(enum vm_end end)
{
	static const char *const names[] = {
		[VM_RUNNING] = "running", [END_REBOOT] = "reboot", [END_ESCAPE] = "escape",
		[END_PANIC] = "panic", [END_TRIPLE_FAULT] = "triple fault",
		[END_TIMEOUT] = "timeout", [END_CONSOLE_LOST] = "console lost",
		[END_ERROR] = "error",
	};
	return names[end];
}

/* A board as it is before the guest's first instruction. */
static void fresh_board(void)
{
	memset(&m, 0, sizeof(m));
	m.vm.vm_fd = -1;
	if (machine_add_devices(&m) != BUS_ADDED)
		printf("the board cannot be wired\n");
}

static enum vm_end exit_once(const char *name, uint32_t reason)
{
	struct error_report err = { 0 };
	enum vm_end end;

	fflush(stdout);
	page.run.exit_reason = reason;
	end = handle_exit(&m, &vcpu, &err);
	printf("%s: %s%s%s\n", name, end_name(end), err.failed ? ": " : "",
	       err.failed ? err.message : "");
	return end;
}

static void port_io(const char *name, uint16_t port, bool out, uint8_t size,
		    uint32_t count, uint64_t offset, const char *bytes)
{
	fake_io_exit(&page.run, RUN_SIZE, port, out, size, count, offset, bytes);
	if (exit_once(name, KVM_EXIT_IO) != END_ERROR && !out) {
		printf("  read:");
		for (size_t i = 0; i < (size_t)size * count; i++)
			printf(" %02x", page.bytes[DATA_OFFSET + i]);
		printf("\n");
	}
}

static void out_byte(const char *name, uint16_t port, uint8_t value)
{
	char bytes[2] = { (char)value, 0 };

	port_io(name, port, true, 1, 1, DATA_OFFSET, bytes);
}

static void in_byte(const char *name, uint16_t port)
{
	port_io(name, port, false, 1, 1, DATA_OFFSET, NULL);
}

static void uart_cases(void)
{
	port_io("COM1 outsb", COM1_BASE, true, 1, 3, DATA_OFFSET, "Hi\n");
	in_byte("COM1 LSR", COM1_BASE + 5);
	in_byte("COM1 IIR", COM1_BASE + 2);
	in_byte("COM1 RBR, nothing received", COM1_BASE);
	out_byte("COM1 LCR DLAB on", COM1_BASE + 3, 0x80);
	out_byte("COM1 DLL", COM1_BASE, 0x0c);
	in_byte("COM1 DLL back", COM1_BASE);
	out_byte("COM1 LCR 8n1", COM1_BASE + 3, 0x03);
	out_byte("COM1 SCR", COM1_BASE + 7, 0x5a);
	port_io("COM1 SCR back, 2 bytes", COM1_BASE + 7, false, 2, 1, DATA_OFFSET, NULL);
	out_byte("COM2 THR", COM2_BASE, 'E');
}

static void other_port_cases(void)
{
	in_byte("i8042 status", I8042_COMMAND_PORT);
	out_byte("i8042 self-test", I8042_COMMAND_PORT, 0xaa);
	in_byte("i8042 status, answer waiting", I8042_COMMAND_PORT);
	in_byte("i8042 data", I8042_DATA_PORT);
	in_byte("nothing at 0x80", 0x80);
	port_io("nothing at 0x80, insl x2", 0x80, false, 4, 2, DATA_OFFSET, NULL);
	out_byte("boot timer", BOOT_TIMER_PORT, 1);
	printf("unhandled 0x80: %u, init seen: %s\n", m.bus.unhandled_ports[0x80],
	       m.timer.init_ns ? "yes" : "no");
	port_io("data past the page", COM1_BASE, true, 1, 1, RUN_SIZE, NULL);
	port_io("data across the end", COM1_BASE, true, 4, 2, RUN_SIZE - 4, NULL);
	port_io("offset near 2^64", COM1_BASE, true, 1, 1, UINT64_MAX, NULL);
	port_io("count of 2^32-1", COM1_BASE, true, 4, UINT32_MAX, DATA_OFFSET, NULL);
}

static void mmio(const char *name, bool is_write, uint32_t len)
{
	fake_mmio_exit(&page.run, RUN_SIZE, 0xd0000000, is_write, len);
	exit_once(name, KVM_EXIT_MMIO);
	printf("  data:");
	for (size_t i = 0; i < sizeof(page.run.mmio.data); i++)
		printf(" %02x", page.run.mmio.data[i]);
	printf("\n");
}

static void other_exit_cases(void)
{
	mmio("mmio read", false, 4);
	mmio("mmio write", true, 8);
	mmio("mmio length 200", false, 200);
	printf("unhandled mmio: %llu\n", (unsigned long long)m.bus.unhandled_mmio);
	memset(page.bytes, 0, sizeof(page.bytes));
	exit_once("intr", KVM_EXIT_INTR);
	exit_once("hlt (KVM's own with an irqchip)", KVM_EXIT_HLT);
	exit_once("shutdown", KVM_EXIT_SHUTDOWN);
	page.run.system_event.type = KVM_SYSTEM_EVENT_RESET;
	exit_once("system event reset", KVM_EXIT_SYSTEM_EVENT);
	page.run.system_event.type = KVM_SYSTEM_EVENT_CRASH;
	exit_once("system event crash", KVM_EXIT_SYSTEM_EVENT);
	page.run.fail_entry.hardware_entry_failure_reason = 0x21;
	exit_once("fail entry", KVM_EXIT_FAIL_ENTRY);
	page.run.internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	page.run.internal.ndata = UINT32_MAX;
	page.run.internal.data[0] = 0xcc;
	exit_once("internal error, ndata 2^32-1", KVM_EXIT_INTERNAL_ERROR);
	exit_once("reason 63", 63);
	exit_once("reason 2^32-1", UINT32_MAX);
}

/* The board's end: the i8042's reset pulse is a reboot, or a panic after
 * the kernel's panic line. */
static void end_cases(void)
{
	fresh_board();
	out_byte("i8042 write output port", I8042_COMMAND_PORT, 0xd1);
	out_byte("i8042 reset pulse", I8042_COMMAND_PORT, 0xfe);
	fresh_board();
	port_io("console: a panic line", COM1_BASE, true, 1, 34, DATA_OFFSET,
		"Kernel panic - not syncing: test!\n");
	out_byte("i8042 reset pulse after it", I8042_COMMAND_PORT, 0xfe);
	printf("panic line: %s\n", m.log.panic);
}

static void bus_case(const char *name, uint16_t base, uint16_t count)
{
	printf("bus_add %s: %s\n", name,
	       bus_add_error(bus_add(&m.bus, name, base, count, uart_io, &m.uart)));
}

static void bus_cases(void)
{
	fresh_board();
	bus_case("over COM1's last port", COM1_BASE + 7, 2);
	bus_case("over COM2", COM2_BASE - 4, 8);
	bus_case("no ports", 0x100, 0);
	bus_case("past 0xffff", 0xfffe, 4);
	bus_case("at 0xffff", 0xffff, 1);
	bus_case("a seventh", 0x100, 1);
	bus_case("an eighth", 0x101, 1);
	bus_case("a ninth", 0x102, 1);
	bus_case("over the eighth, when full", 0x101, 1);
}

int main(void)
{
	fresh_board();
	uart_cases();
	other_port_cases();
	other_exit_cases();
	end_cases();
	bus_cases();
	return 0;
}
