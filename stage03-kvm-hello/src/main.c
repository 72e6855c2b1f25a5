/* main.c - the kvm-hello command: run a flat guest image on a raw vCPU. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "kvm/clock.h"
#include "kvm/timeout.h"
#include "modes.h"
#include "run.h"
#include "vm.h"

static const char usage[] =
	"usage: kvm-hello [options] GUEST\n"
	"Runs a flat guest image, loaded at 0x1000, on one KVM vCPU.\n"
	"\n"
	"  --mode=real|long     start in 16-bit real mode (default) or in 64-bit\n"
	"                       long mode set up by the monitor\n"
	"  --reg NAME=VALUE     set a register first (ax bx cx dx si di)\n"
	"  --timeout SECONDS    stop a guest that does not halt in time\n"
	"  --stats              a JSON object of exit counts as stderr's last line\n"
	"  --trace-exits        one line per VM exit on stderr\n"
	"  --strict-mmio        an access to unbacked memory ends the run\n"
	"  --kvm-device PATH    the KVM device (default /dev/kvm)\n"
	"\n"
	"Guest devices: port 0x3f8 out writes a byte to stdout; port 0x3f9 in\n"
	"reads the next byte of stdin (all ones when there is none); port 0xe9\n"
	"out writes a byte to stderr.\n"
	"exit status: 0 the guest halted, 1 it failed (crash, timeout),\n"
	"2 bad input or usage, or no usable KVM\n";

struct options {
	enum cpu_mode mode;
	struct initial_regs regs;
	struct run_options run;
	int show_stats;
	const char *device, *guest;
};

static void set_register(struct initial_regs *regs, const char *text)
{
	static const char *const names[] = { "ax", "bx", "cx", "dx", "si", "di" };
	uint64_t *slots[] = { &regs->rax, &regs->rbx, &regs->rcx, &regs->rdx,
			      &regs->rsi, &regs->rdi };
	const char *eq = strchr(text, '=');
	char *end;

	for (size_t i = 0; eq && i < sizeof(names) / sizeof(names[0]); i++) {
		if ((size_t)(eq - text) == strlen(names[i]) &&
		    strncmp(text, names[i], eq - text) == 0) {
			*slots[i] = strtoull(eq + 1, &end, 0);
			if (eq[1] == '\0' || *end != '\0')
				die_usage("--reg %s: not a number", text);
			return;
		}
	}
	die_usage("--reg takes NAME=VALUE with NAME one of ax bx cx dx si di, not '%s'",
		  text);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	struct error_report err = { 0 };

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--help") == 0) {
			fputs(usage, stdout);
			exit(EXIT_OK);
		} else if (strcmp(arg, "--mode=real") == 0) {
			o->mode = MODE_REAL;
		} else if (strcmp(arg, "--mode=long") == 0) {
			o->mode = MODE_LONG;
		} else if (strcmp(arg, "--reg") == 0 && i + 1 < argc) {
			set_register(&o->regs, argv[++i]);
		} else if (strcmp(arg, "--timeout") == 0 && i + 1 < argc) {
			if (parse_seconds("--timeout", argv[++i], &o->run.timeout, &err) != 0)
				die_usage("%s", err.message);
		} else if (strcmp(arg, "--stats") == 0) {
			o->show_stats = 1;
		} else if (strcmp(arg, "--trace-exits") == 0) {
			o->run.trace_exits = true;
		} else if (strcmp(arg, "--strict-mmio") == 0) {
			o->run.strict_mmio = true;
		} else if (strcmp(arg, "--kvm-device") == 0 && i + 1 < argc) {
			o->device = argv[++i];
		} else if (arg[0] != '-' && !o->guest) {
			o->guest = arg;
		} else {
			die_usage("unexpected argument '%s'", arg);
		}
	}
	if (!o->guest)
		die_usage("no guest image given");
}

static void print_stats(const struct run_stats *stats, uint64_t total_ns)
{
	const char *sep = "";

	fprintf(stderr, "{\"exits\": {");
	exit_counts_print(&stats->exits, stderr);
	fprintf(stderr, "}, \"vm_exits\": %llu, \"io_exits\": {",
		(unsigned long long)stats->exits.total);
	for (uint32_t port = 0; port < 65536; port++) {
		if (!stats->by_port[port])
			continue;
		fprintf(stderr, "%s\"0x%x\": %llu", sep, port,
			(unsigned long long)stats->by_port[port]);
		sep = ", ";
	}
	fprintf(stderr, "}, \"guest_ns\": %llu, \"total_ns\": %llu}\n",
		(unsigned long long)stats->guest_ns, (unsigned long long)total_ns);
}

int main(int argc, char **argv)
{
	struct options o = { .mode = MODE_REAL, .device = "/dev/kvm" };
	struct error_report err = { 0 };
	static struct run_stats stats;      /* large: not on the stack */
	uint64_t start_ns = monotonic_ns();
	struct vm vm;
	unsigned char *image;
	size_t size;
	enum run_step step;
	int status;

	diag_init(argv[0]);
	check_stdout_at_exit();
	parse_options(argc, argv, &o);

	/* The image is checked before KVM is touched, so a bad file is
	 * reported the same way on every machine. */
	image = read_file_or_die(o.guest, GUEST_IMAGE_MAX, &size);
	if (check_image_size(size, &err) != 0)
		die_report(EXIT_BAD_INPUT, o.guest, &err);
	if (vm_create(&vm, o.device, &err) != 0 ||
	    vm_load_image(&vm, image, size, &err) != 0 ||
	    setup_vcpu(&vm, o.mode, &o.regs, &err) != 0) {
		vm_destroy(&vm);
		die_report(EXIT_BAD_INPUT, o.guest, &err);
	}
	free(image);

	step = run_vcpu(&vm, &o.run, &stats, &err);
	flush_stdout();
	if (step != RUN_HALTED) {
		print_report(o.guest, &err);
		kvm_vcpu_dump(&vm.vcpu);
	}
	status = finish_stdout(step == RUN_HALTED ? EXIT_OK : EXIT_GUEST_FAILED);
	if (o.show_stats)
		print_stats(&stats, monotonic_ns() - start_ns);
	vm_destroy(&vm);
	return status;
}
