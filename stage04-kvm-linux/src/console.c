/* console.c - stdin to the guest, with the terminal in raw mode.
 *
 * A guest shell expects a terminal of its own: every key as it is typed,
 * no line editing or echo by the host (the guest echoes), Ctrl-C to the
 * guest's foreground program rather than to the monitor.  That is the
 * terminal's raw mode.  Leaving a terminal raw after the monitor exits
 * makes the user's shell unusable, so the saved settings are put back on
 * every way the process can end: exit(), and every fatal signal that can
 * be caught.
 *
 * Input comes from a thread of its own, blocked in read(): a guest idling
 * in HLT causes no exits, so the vCPU thread would never get a chance to
 * look at stdin.  A pipe or /dev/null works as well as a terminal: at end
 * of input the thread stops, and the guest just sees no more bytes.
 */
#include "console.h"
#include "helper_thread.h"
#include "run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved_termios;
static volatile sig_atomic_t termios_saved;
static struct uart *console_uart;
static bool stdin_is_terminal;
static void (*escape_handler)(void);
/* What each fatal signal did before raw mode: put back before dying. */
static struct sigaction previous_action[NSIG];

void console_restore(void)
{
	if (termios_saved) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
		termios_saved = 0;
	}
}

/* ANCHOR: fatal-signal */
/* A fatal signal: restore the terminal, then let the signal do what it
 * would have done (die, or a sanitizer's report), so the exit status still
 * names it.  A signal sent by a process (si_code <= 0) is raised again: it
 * stays blocked until this handler returns, then acts as before.  A fault
 * the CPU raised (SIGSEGV, SIGFPE...) needs no raise: returning runs the
 * faulting instruction again, which faults again, with its true address. */
static void on_fatal_signal(int signo, siginfo_t *info, void *context)
{
	int saved_errno = errno;

	(void)context;
	console_restore();
	sigaction(signo, &previous_action[signo], NULL);
	if (info->si_code <= 0)
		raise(signo);
	errno = saved_errno;
}

/* Every signal whose default is to end the process and that can be
 * caught, but those run.c handles (SIGALRM, SIGUSR1, VCPU_KICK) and SIGPIPE, which
 * it ignores: a console nobody reads is a write error the VM ends on.  A
 * signal the monitor was started with ignored (nohup, a shell's trap '')
 * stays ignored.  SIGKILL cannot be caught: after it, `stty sane` is the
 * only way back. */
static void catch_fatal_signal(int signo, const struct sigaction *sa)
{
	sigaction(signo, NULL, &previous_action[signo]);
	if (previous_action[signo].sa_handler != SIG_IGN)
		sigaction(signo, sa, NULL);
}

static void catch_fatal_signals(void)
{
	static const int fatal[] = {
		SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE,
		SIGSEGV, SIGUSR2, SIGTERM, SIGSTKFLT, SIGXCPU, SIGXFSZ, SIGVTALRM,
		SIGPROF, SIGIO, SIGPWR, SIGSYS,
	};
	struct sigaction sa = { .sa_sigaction = on_fatal_signal, .sa_flags = SA_SIGINFO };

	sigfillset(&sa.sa_mask);          /* one restore at a time */
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		catch_fatal_signal(fatal[i], &sa);
	for (int signo = SIGRTMIN; signo <= SIGRTMAX; signo++)
		if (signo != VCPU_KICK)           /* run.c's, to stop a vCPU */
			catch_fatal_signal(signo, &sa);
}
/* ANCHOR_END: fatal-signal */

static int enter_raw_mode(struct error_report *err)
{
	struct termios raw;

	if (tcgetattr(STDIN_FILENO, &saved_termios) != 0) {
		report_set(err, 0, 0, "cannot read the terminal's settings: %s",
			   strerror(errno));
		return -1;
	}
	termios_saved = 1;
	atexit(console_restore);
	catch_fatal_signals();
	raw = saved_termios;
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) != 0) {
		report_set(err, 0, 0, "cannot put the terminal in raw mode: %s",
			   strerror(errno));
		return -1;
	}
	return 0;
}

/* ANCHOR: escape */
/* Passes a terminal's bytes on, catching the escape sequence. */
static void type_keys(const uint8_t *keys, ssize_t n, bool *after_escape)
{
	for (ssize_t i = 0; i < n; i++) {
		if (*after_escape) {
			*after_escape = false;
			if (keys[i] == 'x') {
				escape_handler();
				return;
			}
			if (keys[i] != CONSOLE_ESCAPE)
				uart_receive(console_uart, CONSOLE_ESCAPE);
		} else if (keys[i] == CONSOLE_ESCAPE) {
			*after_escape = true;
			continue;
		}
		uart_receive(console_uart, keys[i]);
	}
}
/* ANCHOR_END: escape */

static void *input_thread(void *unused)
{
	bool after_escape = false;
	uint8_t buffer[256];

	(void)unused;
	for (;;) {
		ssize_t n = read(STDIN_FILENO, buffer, sizeof(buffer));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;          /* end of input: the guest sees no more */
		if (stdin_is_terminal) {
			type_keys(buffer, n, &after_escape);
		} else {
			for (ssize_t i = 0; i < n; i++)
				uart_receive(console_uart, buffer[i]);
		}
	}
}

int console_start(struct uart *uart, void (*on_escape)(void),
		  struct error_report *err)
{
	pthread_t thread;
	int ret;

	console_uart = uart;
	escape_handler = on_escape;
	stdin_is_terminal = isatty(STDIN_FILENO);
	if (stdin_is_terminal && enter_raw_mode(err) != 0)
		return -1;
	ret = helper_thread_start(&thread, input_thread, NULL);
	if (ret != 0) {
		report_set(err, 0, 0, "cannot start the input thread: %s", strerror(ret));
		return -1;
	}
	/* Never joined: it may sit in read() until the process exits. */
	pthread_detach(thread);
	return 0;
}
