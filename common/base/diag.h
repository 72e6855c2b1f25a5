/* diag.h - one way to report errors, shared by every stage.
 *
 * Tools print diagnostics on stderr in one of two shapes:
 *     file:line:col: error: message     when there is a source position
 *     program: error: message           otherwise
 * and exit with one of three statuses (see enum exit_status).
 *
 * Library code (assemblers, loaders, verifiers, compilers) never exits: it
 * fills a struct error_report and returns, so that a tool, a test or a fuzzer
 * can decide what happens next.  Only a program's main() calls die().
 */
#ifndef COMMON_DIAG_H
#define COMMON_DIAG_H

#include <stdbool.h>
#include <stdnoreturn.h>

enum exit_status {
	EXIT_OK = 0,          /* the program ran and finished */
	EXIT_GUEST_FAILED = 1, /* the guest program failed at run time */
	EXIT_BAD_INPUT = 2,   /* bad input or bad usage: nothing was run */
};

/* An error handed back by library code instead of exiting. */
struct error_report {
	bool failed;
	int line, col;        /* 1-based source position; 0 when there is none */
	char message[240];
};

#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))

/* Remembers the program name (the last part of argv[0]) for messages. */
void diag_init(const char *argv0);
const char *diag_program(void);

/* Makes the program's end check that everything it wrote to stdout got
 * there: a write error (a full disk, /dev/full, a closed stdout) is reported
 * as "program: error: write error: REASON" and the exit status becomes
 * EXIT_BAD_INPUT, whatever main() returned, as coreutils do.  A standard
 * descriptor the program was started without stays closed to it (EBADF)
 * and is never reused for a file it opens.  Call it in main() right after
 * diag_init(), before any other atexit(), so that it runs last. */
void check_stdout_at_exit(void);

/* The status a program ends with once its output is written: status, or
 * EXIT_BAD_INPUT after reporting a write error on stdout.  A command with
 * --stats calls it before printing them, so that the statistics stay the
 * last line of stderr and tell the real exit status. */
int finish_stdout(int status);

/* fflush(stdout) that remembers why a write failed, for the exit check's
 * message (stdio keeps only the fact that one did).  Use it wherever a
 * program flushes stdout before its end. */
void flush_stdout(void);

/* Records an error; the first one wins, later ones are ignored. */
void report_set(struct error_report *err, int line, int col,
		const char *fmt, ...) PRINTF_LIKE(4, 5);

/* Puts prefix before a recorded error's message, keeping its position. */
void report_prefix(struct error_report *err, const char *prefix);

/* Prints "program: error: message" on stderr. */
void print_error(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Prints a report: "file:line:col: error: message" when it has a position,
 * "program: error: file: message" when it has none. */
void print_report(const char *file, const struct error_report *err);

/* Prints "program: error: message" and exits with status. */
noreturn void die(enum exit_status status, const char *fmt, ...)
	PRINTF_LIKE(2, 3);

/* A command-line mistake: prints "program: error: message" and a pointer to
 * --help, and exits with EXIT_BAD_INPUT. */
noreturn void die_usage(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Prints a report as print_report() does and exits with status. */
noreturn void die_report(enum exit_status status, const char *file,
			 const struct error_report *err);

/* What an exercise's stub calls in a student's starter kit: says which
 * exercise is not done yet and exits with EXIT_BAD_INPUT. */
noreturn void exercise_todo(const char *id);

/* The same for a stub that lets the program go on (its code runs on every
 * run, and the rest of the stage must keep working): says it once per
 * program run, on stderr. */
void exercise_pending(const char *id);

#endif
