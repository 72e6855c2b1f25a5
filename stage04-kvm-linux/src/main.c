/* main.c - the kvm-linux command: boot a Linux kernel in a microVM. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot_params.h"
#include "console.h"
#include "base/file.h"
#include "layout.h"
#include "loader.h"
#include "mptable.h"
#include "run.h"
#include "kvm/clock.h"
#include "kvm/timeout.h"

static const char usage[] =
	"usage: kvm-linux --kernel KERNEL [--initrd CPIO] [options]\n"
	"Boots a Linux kernel (a bzImage or an ELF vmlinux) on KVM vCPUs, with\n"
	"a 16550A serial console on stdin/stdout and virtio-mmio disks and network.\n"
	"\n"
	"  --kernel FILE        the kernel to boot\n"
	"  --initrd FILE        an initramfs (cpio, may be compressed)\n"
	"  --cmdline STRING     appended to the default kernel command line\n"
	"  --disk FILE[,ro]     a raw disk image as a virtio block device (vda, vdb,\n"
	"                       ... in order; up to 4; ,ro: read-only); boot from it\n"
	"                       with --cmdline root=/dev/vda\n"
	"  --net tap=NAME[,mac=MAC]  a virtio network device on an existing TAP\n"
	"                       (ip tuntap add NAME mode tap user $USER)\n"
	"  --rng                a virtio entropy device, random bytes from the host\n"
	"  --virtio-notify exit|eventfd  how a virtio driver's notifications reach\n"
	"                       the devices and their interrupts the guest: exit (the\n"
	"                       default) an MMIO exit to the monitor per QueueNotify\n"
	"                       write and a KVM_IRQ_LINE per interrupt; eventfd, as\n"
	"                       Firecracker, KVM_IOEVENTFD and KVM_IRQFD, no exit\n"
	"  --mem SIZE           guest RAM, e.g. 256M or 1G (32M to 3G; default 128M)\n"
	"  --cpus N             vCPUs, 1 to 8 (default 1), announced by an MP table\n"
	"                       (on kvm_pvm Linux does not yet boot past starting\n"
	"                       its second CPU: book chapter 5)\n"
	"  --timeout SECONDS    end the VM (exit status 1) if it runs this long\n"
	"  --notice-after SECONDS  a bzImage that prints nothing this long gets a\n"
	"                       note on stderr of why that may be (default 25)\n"
	"  --stats              a JSON object of timings and counts as stderr's last line\n"
	"  --trace-exits        one line per VM exit on stderr\n"
	"  --dry-run            load into memory and print where everything went,\n"
	"                       without KVM\n"
	"  --dump-zero-page FILE  with --dry-run: write the zero page to FILE\n"
	"  --dump-mptable FILE  with --dry-run: write the MP table's KiB to FILE\n"
	"  --kvm-device PATH    the KVM device (default /dev/kvm)\n"
	"\n"
	"On a terminal, Ctrl-A x ends the VM (Ctrl-A Ctrl-A sends Ctrl-A).\n"
	"exit status: 0 the guest rebooted (its way of ending) or the user ended it;\n"
	"1 the guest failed (kernel panic, triple fault, timeout, or userspace could\n"
	"not run on this host); 2 bad input or usage, no usable KVM, or a console\n"
	"(stdout) that cannot be written, as when its reader went away\n";

/* ANCHOR: default-cmdline */
/* A serial console; reboot through the i8042 and at once on panic, so the
 * monitor sees the end; and no probing for hardware that is not there. */
static const char default_cmdline[] =
	"console=ttyS0 reboot=k panic=-1 8250.nr_uarts=1 i8042.noaux "
	"i8042.nomux i8042.nopnp pci=off io_delay=none";
/* ANCHOR_END: default-cmdline */

struct disk_option {
	const char *path;
	bool read_only;
};

struct options {
	const char *kernel, *initrd, *cmdline, *device, *zero_page_file, *mptable_file;
	unsigned cpus;
	struct disk_option disks[BOARD_MAX_DISKS];
	int ndisks;
	char *tap, *mac;                 /* --net tap=NAME[,mac=MAC] */
	bool rng;
	uint64_t mem_size;
	double timeout, notice_after;
	bool stats, trace_exits, dry_run;
	enum virtio_notify notify;
};

static uint64_t parse_size(const char *text)
{
	char *end;
	unsigned long long n = strtoull(text, &end, 10);
	unsigned shift = 0;

	if (end == text || text[0] == '-')
		die_usage("--mem needs a size such as 256M, not '%s'", text);
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if ((shift && end[1] != '\0') || (!shift && *end != '\0'))
		die_usage("--mem needs a size such as 256M, not '%s'", text);
	if (n > GUEST_MEMORY_MAX >> shift || (n << shift) < GUEST_MEMORY_MIN ||
	    (n << shift) % 4096 != 0)
		die_usage("--mem %s: guest memory must be from 32M to 3G, in whole pages",
			  text);
	return n << shift;
}

static unsigned parse_cpus(const char *text)
{
	char *end;
	unsigned long n = strtoul(text, &end, 10);

	if (!isdigit((unsigned char)text[0]) || *end != '\0' || n < 1 || n > VM_MAX_VCPUS)
		die_usage("--cpus needs a number of vCPUs from 1 to %d, not '%s'", VM_MAX_VCPUS,
			  text);
	return (unsigned)n;
}

/* --disk FILE or FILE,ro.  As in QEMU's and Firecracker's options, a
 * comma separates the file from its flags, so a file name with a comma in
 * it is refused. */
static void parse_disk(char *text, struct options *o)
{
	size_t len = strlen(text);
	struct disk_option *d;

	if (o->ndisks == BOARD_MAX_DISKS)
		die_usage("--disk: at most %d disks", BOARD_MAX_DISKS);
	d = &o->disks[o->ndisks++];
	if (len > 3 && strcmp(text + len - 3, ",ro") == 0) {
		text[len - 3] = '\0';           /* the path points into the argument */
		d->read_only = true;
	}
	d->path = text;
	if (!d->path[0] || strchr(d->path, ','))
		die_usage("--disk needs FILE or FILE,ro, not '%s%s'", text,
			  d->read_only ? ",ro" : "");
}

/* --net tap=NAME or tap=NAME,mac=MAC: the names point into the argument. */
static void parse_net(char *text, struct options *o)
{
	char *comma = strchr(text, ',');

	if (o->tap)
		die_usage("--net: one network device only");
	if (strncmp(text, "tap=", 4) != 0 || (comma && strncmp(comma + 1, "mac=", 4) != 0))
		die_usage("--net needs tap=NAME[,mac=MAC], not '%s'", text);
	if (comma) {
		*comma = '\0';
		o->mac = comma + 5;
	}
	o->tap = text + 4;
}

static enum virtio_notify parse_notify(const char *text)
{
	if (strcmp(text, "exit") == 0)
		return NOTIFY_BY_EXIT;
	if (strcmp(text, "eventfd") == 0)
		return NOTIFY_BY_EVENTFD;
	die_usage("--virtio-notify needs exit or eventfd, not '%s'", text);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	struct error_report err = { 0 };

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		bool has_value = i + 1 < argc;

		if (strcmp(arg, "--help") == 0) {
			fputs(usage, stdout);
			exit(EXIT_OK);
		} else if (strcmp(arg, "--kernel") == 0 && has_value) {
			o->kernel = argv[++i];
		} else if (strcmp(arg, "--initrd") == 0 && has_value) {
			o->initrd = argv[++i];
		} else if (strcmp(arg, "--cmdline") == 0 && has_value) {
			o->cmdline = argv[++i];
		} else if (strcmp(arg, "--disk") == 0 && has_value) {
			parse_disk(argv[++i], o);
		} else if (strcmp(arg, "--net") == 0 && has_value) {
			parse_net(argv[++i], o);
		} else if (strcmp(arg, "--rng") == 0) {
			o->rng = true;
		} else if (strncmp(arg, "--virtio-notify=", 16) == 0) {
			o->notify = parse_notify(arg + 16);
		} else if (strcmp(arg, "--virtio-notify") == 0 && has_value) {
			o->notify = parse_notify(argv[++i]);
		} else if (strcmp(arg, "--cpus") == 0 && has_value) {
			o->cpus = parse_cpus(argv[++i]);
		} else if (strcmp(arg, "--mem") == 0 && has_value) {
			o->mem_size = parse_size(argv[++i]);
		} else if (strcmp(arg, "--timeout") == 0 && has_value) {
			if (parse_seconds("--timeout", argv[++i], &o->timeout, &err) != 0)
				die_usage("%s", err.message);
		} else if (strcmp(arg, "--notice-after") == 0 && has_value) {
			if (parse_seconds("--notice-after", argv[++i], &o->notice_after,
					  &err) != 0)
				die_usage("%s", err.message);
		} else if (strcmp(arg, "--stats") == 0) {
			o->stats = true;
		} else if (strcmp(arg, "--trace-exits") == 0) {
			o->trace_exits = true;
		} else if (strcmp(arg, "--dry-run") == 0) {
			o->dry_run = true;
		} else if (strcmp(arg, "--dump-zero-page") == 0 && has_value) {
			o->zero_page_file = argv[++i];
		} else if (strcmp(arg, "--dump-mptable") == 0 && has_value) {
			o->mptable_file = argv[++i];
		} else if (strcmp(arg, "--kvm-device") == 0 && has_value) {
			o->device = argv[++i];
		} else {
			die_usage("unexpected argument '%s'", arg);
		}
	}
	if (!o->kernel)
		die_usage("no kernel given (--kernel FILE)");
	if (o->zero_page_file && !o->dry_run)
		die_usage("--dump-zero-page goes with --dry-run");
	if (o->mptable_file && !o->dry_run)
		die_usage("--dump-mptable goes with --dry-run");
}

/* The command line the kernel gets: the defaults, what this host needs,
 * then the user's (later options win). */
static char *build_cmdline(const struct options *o, const struct machine *m)
{
	char virtio[VIRTIO_SLOTS * 48];
	const char *parts[] = { default_cmdline, host_quirks_cmdline(&m->quirks), virtio,
				o->cmdline ? o->cmdline : "" };
	size_t size = 1, used = 0;
	char *cmdline;

	machine_virtio_cmdline(m, virtio, sizeof(virtio));
	for (size_t i = 0; i < 4; i++)
		size += strlen(parts[i]) + 1;
	cmdline = malloc(size);
	if (!cmdline)
		die(EXIT_BAD_INPUT, "out of memory");
	cmdline[0] = '\0';
	for (size_t i = 0; i < 4; i++)
		if (parts[i][0])
			used += (size_t)snprintf(cmdline + used, size - used, "%s%s",
						 used ? " " : "", parts[i]);
	return cmdline;
}

static void print_devices(const struct bus *bus)
{
	for (int i = 0; i < bus->nranges; i++)
		printf("port 0x%04x-0x%04x  %s\n", bus->ranges[i].base,
		       bus->ranges[i].base + bus->ranges[i].count - 1, bus->ranges[i].name);
	for (int i = 0; i < bus->nwindows; i++)
		printf("mmio 0x%08llx-0x%08llx  %s\n", (unsigned long long)bus->windows[i].base,
		       (unsigned long long)(bus->windows[i].base + bus->windows[i].size - 1),
		       bus->windows[i].name);
}

/* The disks and the TAP are opened before anything else is built, so that
 * a missing or unusable file is the same error with or without KVM. */
static void open_devices(const struct options *o, struct machine *m)
{
	struct error_report err = { 0 };

	for (int d = 0; d < o->ndisks; d++) {
		if (virtio_blk_open(&m->disks[d], o->disks[d].path, o->disks[d].read_only,
				    &err) != 0)
			die(EXIT_BAD_INPUT, "%s", err.message);
		m->ndisks++;
	}
	if (o->tap) {
		if (virtio_net_open_tap(&m->net, o->tap, o->mac, &err) != 0)
			die(EXIT_BAD_INPUT, "%s", err.message);
		m->has_net = true;
	}
	m->has_rng = o->rng;
}

/* The threads that reach the devices end before the devices' files close:
 * the network's receiver, then the eventfds' waiter. */
static void close_devices(struct machine *m)
{
	if (m->has_net)
		virtio_net_stop(&m->net);
	machine_unwire_eventfds(m);
	if (m->has_net)
		virtio_net_close(&m->net);
	for (int d = 0; d < m->ndisks; d++)
		virtio_blk_close(&m->disks[d]);
}

static const char *end_name(enum vm_end end)
{
	static const char *const names[] = {
		[VM_RUNNING] = "running",
		[END_REBOOT] = "reboot", [END_ESCAPE] = "escape", [END_PANIC] = "panic",
		[END_TRIPLE_FAULT] = "triple_fault", [END_TIMEOUT] = "timeout",
		[END_CONSOLE_LOST] = "console_lost", [END_ERROR] = "error",
	};
	return names[end];
}

static void print_ms(const char *name, uint64_t ns)
{
	if (ns)
		fprintf(stderr, ", \"%s\": %.1f", name, (double)ns / 1e6);
	else
		fprintf(stderr, ", \"%s\": null", name);
}

/* What a virtio device's conversation with its driver cost: exits to the
 * monitor (all, and those for QueueNotify), notifications that came by
 * eventfd instead, interrupts raised each way; and closes its object. */
static void print_notify_costs(const struct virtio_slot *s)
{
	const struct virtio_mmio *t = s->transport;

	fprintf(stderr, ", \"mmio_exits\": %" PRIu64 ", \"queue_notify_exits\": %" PRIu64
		", \"eventfd_notifies\": %" PRIu64 ", \"irq_line_ioctls\": %" PRIu64
		", \"irqfd_signals\": %" PRIu64 "}", t->mmio_exits, t->notify_exits,
		t->eventfd_notifies, s->irq_line_ioctls, s->irqfd_signals);
}

static void print_stats(const struct machine *m, enum vm_end end, int status)
{
	uint64_t guest, monitor;
	const char *sep = "";
	int slot = 0;

	resident_memory(&m->vm.mem, &guest, &monitor);
	if (m->com2_mid_line)
		fputc('\n', stderr);       /* the object must start a line of its own */
	fprintf(stderr, "{\"end\": \"%s\", \"exit_status\": %d, \"host_kvm\": \"%s\"",
		end_name(end), status, m->quirks.active ? "kvm_pvm" : "hardware");
	print_ms("kernel_first_output_ms", m->timer.first_output_ns);
	print_ms("run_init_ms", m->timer.run_init_ns);
	print_ms("boot_to_init_ms", m->timer.init_ns);
	print_ms("total_ms", monotonic_ns() - m->timer.start_ns);
	fprintf(stderr, ", \"monitor_rss_kib\": %" PRIu64 ", \"guest_resident_kib\": %"
		PRIu64 ", \"vm_exits\": %" PRIu64 ", \"exits\": {",
		monitor >> 10, guest >> 10, m->exits.total);
	exit_counts_print(&m->exits, stderr);
	fprintf(stderr, "}, \"vcpus\": %u, \"ended_by_vcpu\": ", m->vm.nvcpus);
	fprintf(stderr, m->ended_by >= 0 ? "%d" : "null", m->ended_by);
	fprintf(stderr, ", \"vm_exits_per_vcpu\": [");
	for (unsigned i = 0; i < m->vm.nvcpus; i++)
		fprintf(stderr, "%s%" PRIu64, i ? ", " : "", m->vcpu_exits[i].total);
	fprintf(stderr, "], \"unhandled_ports\": {");
	for (uint32_t port = 0; port < 65536; port++) {
		if (!m->bus.unhandled_ports[port])
			continue;
		fprintf(stderr, "%s\"0x%x\": %u", sep, port, m->bus.unhandled_ports[port]);
		sep = ", ";
	}
	fprintf(stderr, "}, \"unhandled_mmio\": %" PRIu64 ", \"quirks_completed\": {",
		m->bus.unhandled_mmio);
	for (int q = 0; q < QUIRKS; q++)
		fprintf(stderr, "%s\"%s\": %" PRIu64, q ? ", " : "",
			quirk_name((enum quirk)q), m->quirks.completed[q]);
	fprintf(stderr, "}, \"virtio_notify\": \"%s\", \"virtio\": {",
		m->notify == NOTIFY_BY_EVENTFD ? "eventfd" : "exit");
	/* The devices in their slots' order: the disks, the network, rng. */
	sep = "";
	for (int d = 0; d < m->ndisks; d++) {
		const struct virtio_blk *b = &m->disks[d];

		fprintf(stderr, "%s\"vd%c\": {\"reads\": %" PRIu64 ", \"writes\": %" PRIu64
			", \"flushes\": %" PRIu64 ", \"discards\": %" PRIu64 ", \"other\": %"
			PRIu64 ", \"bad_requests\": %" PRIu64, sep, 'a' + d,
			b->requests[BLK_READS], b->requests[BLK_WRITES], b->requests[BLK_FLUSHES],
			b->requests[BLK_DISCARDS], b->requests[BLK_OTHERS],
			b->transport.bad_requests);
		print_notify_costs(&m->slots[slot++]);
		sep = ", ";
	}
	if (m->has_net) {
		fprintf(stderr, "%s\"net\": {\"rx_packets\": %" PRIu64 ", \"tx_packets\": %"
			PRIu64 ", \"bad_requests\": %" PRIu64, sep,
			m->net.rx_packets, m->net.tx_packets, m->net.transport.bad_requests);
		print_notify_costs(&m->slots[slot++]);
		sep = ", ";
	}
	if (m->has_rng) {
		fprintf(stderr, "%s\"rng\": {\"requests\": %" PRIu64 ", \"bytes\": %" PRIu64
			", \"bad_requests\": %" PRIu64, sep,
			m->rng.requests, m->rng.bytes, m->rng.transport.bad_requests);
		print_notify_costs(&m->slots[slot]);
	}
	fprintf(stderr, "}}\n");
}

/* ANCHOR: outcome */
/* Says how the VM ended and returns the exit status. */
static int report_end(const struct machine *m, enum vm_end end,
		      const struct error_report *err, double timeout)
{
	int status = EXIT_GUEST_FAILED;

	switch (end) {
	case END_REBOOT:
		status = EXIT_OK;
		break;
	case END_ESCAPE:
		fprintf(stderr, "\n%s: ended by Ctrl-A x\n", diag_program());
		status = EXIT_OK;
		break;
	case END_PANIC:
		print_error("the guest kernel panicked: %s", m->log.panic[0] ?
			    m->log.panic : "(KVM reported a crash)");
		break;
	case END_TRIPLE_FAULT:
		print_error("the guest triple-faulted (an exception while handling a "
			    "double fault): the vCPU is reset, the VM ends");
		break;
	case END_TIMEOUT:
		print_error("the VM did not end within %g seconds (--timeout)", timeout);
		break;
	case END_CONSOLE_LOST:
		/* Like any write error on stdout: exit 2.  Not 0 (the guest's
		 * output was lost) and not 1 (the guest did nothing wrong). */
		if (m->console_errno == EPIPE)
			print_error("the console's reader went away (stdout: %s), so the "
				    "VM ends", strerror(m->console_errno));
		else
			print_error("write error on the console (stdout: %s), so the VM "
				    "ends", strerror(m->console_errno));
		status = EXIT_BAD_INPUT;
		break;
	case END_ERROR:
	case VM_RUNNING:              /* (run_machine() never returns it) */
		print_error("%s", err->message);
		if (m->ended_by >= 0)
			kvm_vcpu_dump(&m->vm.vcpus[m->ended_by]);
		break;
	}
	/* Never let a failed boot pass for a working one: on kvm_pvm the
	 * kernel gets as far as starting init, and no further. */
	if (status != EXIT_OK && m->quirks.active && m->timer.run_init_ns &&
	    !m->timer.init_ns)
		print_error("the kernel reached 'Run /init', but userspace cannot run "
			    "on this host: its KVM is kvm_pvm, which mis-delivers a "
			    "user program's first system call (see book/05-kvm-linux.md; "
			    "on hardware KVM the boot goes on to init)");
	return status;
}
/* ANCHOR_END: outcome */

/* ANCHOR: load-or-die */
/* The files are mapped, not read: their sizes are checked before any byte
 * is touched, the loader looks only at the headers until everything fits,
 * and only then copies.  A refused image or initrd, however large, costs
 * the few pages its headers are in. */
static void load_or_die(const struct options *o, const struct guest_memory *mem,
			const char *cmdline, struct boot_layout *layout)
{
	struct error_report err = { 0 };
	struct boot_inputs in = { .cmdline = cmdline };
	uint64_t above_1mib = mem->size - KERNEL_LOAD_ADDRESS;

	/* A vmlinux may carry far more than it loads (symbols, debug
	 * information): its file may be larger than guest memory. */
	in.kernel = map_file(o->kernel, GUEST_MEMORY_MAX, &in.kernel_size, &err);
	if (!in.kernel)
		die_report(EXIT_BAD_INPUT, o->kernel, &err);
	if (o->initrd) {
		in.initrd = map_file(o->initrd, GUEST_MEMORY_MAX, &in.initrd_size, &err);
		if (!in.initrd)
			die_report(EXIT_BAD_INPUT, o->initrd, &err);
		if (in.initrd_size > above_1mib)
			die(EXIT_BAD_INPUT, "%s: the initrd is %zu bytes, more than the "
			    "%" PRIu64 " MiB of guest memory above 1 MiB: raise --mem",
			    o->initrd, in.initrd_size, above_1mib >> 20);
	}
	if (load_kernel(mem, &in, layout, &err) != 0)
		die_report(EXIT_BAD_INPUT, o->kernel, &err);
	unmap_file(in.kernel, in.kernel_size);
	if (in.initrd)
		unmap_file(in.initrd, in.initrd_size);
}
/* ANCHOR_END: load-or-die */

/* ANCHOR: silence-notice */
/* Where the vmlinux of a bzImage usually is: beside it (the kit's kernel
 * cache), or at the top of the kernel tree it was built in.  Fills path
 * and returns true if one of them exists. */
static bool vmlinux_beside(const char *bzimage, char *path, size_t size)
{
	static const char *const places[] = { "vmlinux", "../../../vmlinux" };
	const char *slash = strrchr(bzimage, '/');
	int dir_len = slash ? (int)(slash - bzimage + 1) : 0;

	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		int n = snprintf(path, size, "%.*s%s", dir_len, bzimage, places[i]);

		if (n > 0 && (size_t)n < size && access(path, R_OK) == 0)
			return true;
	}
	return false;
}

/* A bzImage decompresses itself before it prints a byte.  On hardware
 * that takes a second; under a software KVM it runs under instruction
 * emulation and can take over ten minutes, and the boot looks hung. */
static void watch_bzimage_silence(struct machine *m, const struct options *o)
{
	char vmlinux[4096], notice[4096 + 400];

	if (!vmlinux_beside(o->kernel, vmlinux, sizeof(vmlinux)))
		snprintf(vmlinux, sizeof(vmlinux), "vmlinux, from the kernel's build tree");
	snprintf(notice, sizeof(notice), "%s: note: the guest has printed nothing for "
		 "%g s; a bzImage first decompresses itself, which under a software KVM "
		 "%s runs under instruction emulation and can take over ten minutes: "
		 "boot the ELF vmlinux instead, which starts at once (--kernel %s)",
		 diag_program(), o->notice_after,
		 m->quirks.active ? "(this host's is kvm_pvm)" : "(such as kvm_pvm)", vmlinux);
	boot_timer_watch_silence(&m->timer, o->notice_after, notice);
}
/* ANCHOR_END: silence-notice */

static void dry_run(const struct options *o, struct machine *m,
		    const struct guest_memory *mem, const struct boot_layout *layout,
		    const char *cmdline, size_t mptable_size, unsigned isa_interrupts)
{
	enum bus_add_result added;

	loader_report(mem, layout, cmdline);
	printf("0x%08x  MP table, %zu bytes: %u processor%s, the I/O APIC, %u ISA "
	       "interrupts\n", MPTABLE_ADDRESS, mptable_size, o->cpus, o->cpus > 1 ? "s" : "",
	       isa_interrupts);
	m->vm.vm_fd = -1;                  /* no VM: the device table only */
	added = machine_add_devices(m);
	if (added != BUS_ADDED)
		die(EXIT_BAD_INPUT, "%s", bus_add_error(added));
	print_devices(&m->bus);
	if (m->bus.nwindows)
		printf("virtio notification: %s\n", m->notify == NOTIFY_BY_EVENTFD ?
		       "eventfd (KVM_IOEVENTFD on each queue's QueueNotify, KVM_IRQFD on "
		       "each device's line)" :
		       "exit (each QueueNotify write an MMIO exit, each interrupt a "
		       "KVM_IRQ_LINE ioctl)");
	if (o->zero_page_file)
		write_file_or_die(o->zero_page_file,
				  gpa_ptr(mem, ZERO_PAGE_ADDRESS, ZERO_PAGE_SIZE),
				  ZERO_PAGE_SIZE);
	if (o->mptable_file)
		write_file_or_die(o->mptable_file, gpa_ptr(mem, MPTABLE_ADDRESS, MPTABLE_MAX),
				  MPTABLE_MAX);
	close_devices(m);
}

int main(int argc, char **argv)
{
	struct options o = { .device = "/dev/kvm", .mem_size = GUEST_MEMORY_DEFAULT,
			     .notice_after = 25, .cpus = 1 };
	static struct machine m;            /* large (port counts): not on the stack */
	struct error_report err = { 0 };
	struct guest_memory mem;
	struct boot_layout layout;
	size_t mptable_size;
	unsigned isa_interrupts;
	enum bus_add_result added;
	enum vm_end end;
	char *cmdline;
	int status;

	diag_init(argv[0]);
	check_stdout_at_exit();
	boot_timer_start(&m.timer);
	parse_options(argc, argv, &o);
	open_devices(&o, &m);
	host_quirks_detect(&m.quirks);
	cmdline = build_cmdline(&o, &m);
	m.notify = o.notify;

	/* Memory and the kernel come first, KVM after: a bad image is
	 * reported the same way on every machine, with or without KVM. */
	if (guest_memory_map(&mem, o.mem_size) != 0)
		die(EXIT_BAD_INPUT, "cannot map %" PRIu64 " MiB of guest memory",
		    o.mem_size >> 20);
	load_or_die(&o, &mem, cmdline, &layout);
	mptable_size = mptable_write(&mem, (int)o.cpus, &isa_interrupts, &err);
	if (mptable_size == 0)
		die(EXIT_BAD_INPUT, "%s", err.message);
	if (o.dry_run) {
		dry_run(&o, &m, &mem, &layout, cmdline, mptable_size, isa_interrupts);
		guest_memory_unmap(&mem);
		free(cmdline);
		return EXIT_OK;
	}
	if (vm_create(&m.vm, o.device, &mem, o.cpus, &err) != 0 ||
	    vcpu_enter_64bit(&m.vm, layout.entry, &err) != 0) {
		vm_destroy(&m.vm);
		die(EXIT_BAD_INPUT, "%s", err.message);
	}
	added = machine_add_devices(&m);
	if (added != BUS_ADDED)
		die(EXIT_BAD_INPUT, "%s", bus_add_error(added));
	if (m.notify == NOTIFY_BY_EVENTFD && machine_wire_eventfds(&m, &err) != 0)
		die(EXIT_BAD_INPUT, "%s", err.message);
	if (install_run_signals(&err) != 0 ||
	    console_start(&m.uart, request_escape, &err) != 0 ||
	    (m.has_net && virtio_net_start(&m.net, &err) != 0))
		die(EXIT_BAD_INPUT, "%s", err.message);
	m.trace_exits = o.trace_exits;
	if (layout.format == KERNEL_BZIMAGE)
		watch_bzimage_silence(&m, &o);

	end = run_machine(&m, o.timeout, &err);
	boot_timer_end_watch();
	console_restore();
	status = finish_stdout(report_end(&m, end, &err, o.timeout));
	if (o.stats)
		print_stats(&m, end, status);
	close_devices(&m);
	vm_destroy(&m.vm);
	free(cmdline);
	return status;
}
