/* timeout.h - the monitors' --timeout: parsed once, armed as a timer that
 * always fires. */
#ifndef COMMON_TIMEOUT_H
#define COMMON_TIMEOUT_H

#include <sys/time.h>

#include "base/diag.h"

/* The longest timeout accepted: about eleven and a half days, far inside
 * what a time_t and a double's exact seconds can hold. */
#define TIMEOUT_MAX_SECONDS 1000000.0

/* Parses the SECONDS of an option such as --timeout: a plain decimal number
 * (fraction and exponent allowed), more than 0 and at most
 * TIMEOUT_MAX_SECONDS, with nothing before or after it.  Returns 0, or -1
 * with err saying what was wrong with the option. */
int parse_seconds(const char *option, const char *text, double *seconds,
		  struct error_report *err);

/* The timer for a timeout parse_seconds() accepted, rounded up to whole
 * microseconds (the interval timer's unit): never the all-zero value that
 * would disarm the timer instead of arming it. */
struct itimerval timeout_timer(double seconds);

/* Arms the process's real-time timer: SIGALRM in seconds (0: no timeout).
 * Returns 0, or -1 with err. */
int timeout_arm(double seconds, struct error_report *err);

/* Disarms it: the run is over, a late SIGALRM would find nothing to stop. */
void timeout_disarm(void);

#endif
