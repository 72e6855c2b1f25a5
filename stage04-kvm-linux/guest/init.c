/* init.c - the first and only program the kit's guest runs.
 *
 * It mounts /proc, /sys and /dev, prints a banner saying what it sees, runs
 * the command given on the kernel command line as run="..." (the kernel
 * passes unknown name=value options to init as environment variables) or
 * else an interactive shell, and when that ends, ends the VM.  Without ACPI
 * a power-off only halts the CPU, so init reboots: with reboot=k on the
 * kernel command line that is a reset through the keyboard controller,
 * which a monitor sees and QEMU's -no-reboot turns into an exit.
 *
 * Its first act is one byte to the monitor's boot-timer port: the moment
 * userspace runs, which the monitor reports as boot_to_init_ms.  On a
 * machine with no device at that port (QEMU) the write goes nowhere.
 *
 * As process 1 it must also reap orphans: every process whose parent dies
 * becomes its child.
 *
 * The same program is the initramfs's /init and the disk's /sbin/init
 * (make rootfs): the kernel runs the first from memory, the second after
 * mounting the root file system from the virtio disk, and the banner says
 * which of the two is running.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

enum { BOOT_TIMER_PORT = 0x440 };   /* stage04-kvm-linux/src/boot_timer.h */

static void signal_boot_timer(void)
{
	/* ioperm() lets this process use the port; init runs as root. */
	if (ioperm(BOOT_TIMER_PORT, 1, 1) == 0)
		outb(1, BOOT_TIMER_PORT);
}

static void mount_or_warn(const char *source, const char *target, const char *type)
{
	if (mount(source, target, type, 0, NULL) != 0 && errno != EBUSY)
		fprintf(stderr, "staged-vms init: cannot mount %s: %s\n", target,
			strerror(errno));
}

static void banner(const char *argv0)
{
	struct utsname u;
	struct sysinfo si;
	char cmdline[1024] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = '\0';
		fclose(f);
		cmdline[strcspn(cmdline, "\n")] = '\0';
	}
	uname(&u);
	sysinfo(&si);
	printf("staged-vms init: Linux %s, %ld CPU, %llu MiB\n", u.release,
	       sysconf(_SC_NPROCESSORS_ONLN),
	       (unsigned long long)si.totalram * si.mem_unit >> 20);
	printf("staged-vms init: running as %s, %s\n", argv0,
	       strcmp(argv0, "/init") == 0 ? "from the initramfs" : "from the root file system");
	printf("staged-vms init: cmdline: %s\n", cmdline);
	fflush(stdout);
}

/* Runs the command (or a shell) and waits for it, reaping every other
 * child that dies meanwhile.  Returns its exit status. */
static int run(const char *command)
{
	pid_t child = fork();
	int status;

	if (child < 0)
		return 127;
	if (child == 0) {
		if (command)
			execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		else
			execl("/bin/sh", "sh", "-i", (char *)NULL);
		perror("staged-vms init: cannot run /bin/sh");
		_exit(127);
	}
	for (;;) {
		pid_t done = wait(&status);

		if (done == child)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (done < 0 && errno != EINTR)
			return 127;
	}
}

int main(int argc, char **argv)
{
	const char *command = getenv("run");
	int status;

	signal_boot_timer();
	mount_or_warn("proc", "/proc", "proc");
	mount_or_warn("sysfs", "/sys", "sysfs");
	mount_or_warn("devtmpfs", "/dev", "devtmpfs");
	banner(argc > 0 ? argv[0] : "init");
	status = run(command);
	printf("staged-vms init: %s exited with status %d; rebooting to end the VM\n",
	       command ? "the command" : "the shell", status);
	fflush(stdout);
	sync();
	reboot(RB_AUTOBOOT);
	return 1;     /* reboot() returned: nothing else to do */
}
