/* diag.c - error messages and exit statuses shared by every stage. */
#include "base/diag.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *program_name = "staged-vms";

void diag_init(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	program_name = slash ? slash + 1 : argv0;
}

const char *diag_program(void)
{
	return program_name;
}

static int stdout_errno;     /* why a write to stdout failed, 0 if unknown */

void flush_stdout(void)
{
	if (fflush(stdout) != 0 && stdout_errno == 0)
		stdout_errno = errno;
}

static bool write_error_reported;

/* stdio only notes a failed write in the stream's error flag, so a program
 * that never looks ends with status 0 and its output lost.  A closed
 * stdout that nothing was written to is no error. */
static bool report_write_error(void)
{
	flush_stdout();
	if (!ferror(stdout) || write_error_reported)
		return false;
	write_error_reported = true;
	if (stdout_errno != 0)
		fprintf(stderr, "%s: error: write error: %s\n", program_name,
			strerror(stdout_errno));
	else
		fprintf(stderr, "%s: error: write error\n", program_name);
	return true;
}

int finish_stdout(int status)
{
	return report_write_error() || write_error_reported ? EXIT_BAD_INPUT : status;
}

/* The exit handler, for every way out that did not call finish_stdout()
 * (die(), a command that printed and returned). */
static void check_stdout_at_end(void)
{
	if (report_write_error())
		_exit(EXIT_BAD_INPUT);   /* exit() may not be called again from here */
}

/* A standard descriptor the program was started without is held open, so
 * that no file the program opens later takes its number and receives what
 * was meant for the terminal, and held the wrong way round, so that using
 * it still fails with EBADF: stdin write-only on /dev/null, stdout and
 * stderr read-only on the root directory (which /dev/stdout cannot reopen
 * for writing either). */
static void hold_if_closed(int fd, const char *path, int flags)
{
	if (fcntl(fd, F_GETFD) == -1 && errno == EBADF)
		(void)open(path, flags);   /* the lowest free number: fd */
}

void check_stdout_at_exit(void)
{
	hold_if_closed(STDIN_FILENO, "/dev/null", O_WRONLY);
	hold_if_closed(STDOUT_FILENO, "/", O_RDONLY | O_DIRECTORY);
	hold_if_closed(STDERR_FILENO, "/", O_RDONLY | O_DIRECTORY);
	atexit(check_stdout_at_end);
}

void report_set(struct error_report *err, int line, int col,
		const char *fmt, ...)
{
	va_list ap;

	if (err->failed)
		return;
	err->failed = true;
	err->line = line;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

void report_prefix(struct error_report *err, const char *prefix)
{
	char message[sizeof(err->message)];

	snprintf(message, sizeof(message), "%s%s", prefix, err->message);
	memcpy(err->message, message, sizeof(message));
}

static void vprint_error(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: error: ", program_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void print_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_error(fmt, ap);
	va_end(ap);
}

void print_report(const char *file, const struct error_report *err)
{
	if (err->line > 0)
		fprintf(stderr, "%s:%d:%d: error: %s\n", file, err->line,
			err->col, err->message);
	else
		print_error("%s: %s", file, err->message);
}

noreturn void die(enum exit_status status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_error(fmt, ap);
	va_end(ap);
	exit(status);
}

noreturn void die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_error(fmt, ap);
	va_end(ap);
	fprintf(stderr, "(%s --help shows the usage)\n", program_name);
	exit(EXIT_BAD_INPUT);
}

noreturn void die_report(enum exit_status status, const char *file,
			 const struct error_report *err)
{
	print_report(file, err);
	exit(status);
}

noreturn void exercise_todo(const char *id)
{
	die(EXIT_BAD_INPUT, "exercise %s is not done yet: see its statement in book/",
	    id);
}

void exercise_pending(const char *id)
{
	/* A stub may run a million times a run (ex1.3's runs on every call); the
	 * student needs to read it once.  A starter kit has a few dozen stubs. */
	static const char *told[64];
	size_t n;

	for (n = 0; n < sizeof(told) / sizeof(told[0]) && told[n]; n++)
		if (strcmp(told[n], id) == 0)
			return;
	if (n < sizeof(told) / sizeof(told[0]))
		told[n] = id;
	fprintf(stderr, "%s: exercise %s is not done yet: see its statement in book/\n",
		program_name, id);
}
