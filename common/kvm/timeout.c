/* timeout.c - the monitors' --timeout.
 *
 * A timeout is a promise that a guest which never stops is stopped.  Two
 * ways to break it: accept a value the timer cannot represent (inf, NaN,
 * seconds beyond time_t), or let a tiny value truncate to zero, which
 * setitimer() reads as "disarm".  So the parser keeps to a sane range and
 * the conversion rounds up, to at least one microsecond.
 */
#include "kvm/timeout.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int parse_seconds(const char *option, const char *text, double *seconds,
		  struct error_report *err)
{
	char *end;
	double value;

	/* strtod skips leading blanks and reads "inf", "nan" and hex floats;
	 * a number of seconds is none of those. */
	if (!isdigit((unsigned char)text[0]) && text[0] != '.')
		goto bad;
	value = strtod(text, &end);
	if (end == text || *end != '\0' || !(value > 0 && value <= TIMEOUT_MAX_SECONDS) ||
	    (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')))
		goto bad;
	*seconds = value;
	return 0;
bad:
	report_set(err, 0, 0, "%s needs seconds, more than 0 and at most %.0f, not '%s'",
		   option, TIMEOUT_MAX_SECONDS, text);
	return -1;
}

struct itimerval timeout_timer(double seconds)
{
	/* In range, seconds * 1e6 is below 2^53, so a long long holds it
	 * and the comparison below sees any fraction truncation dropped. */
	double microseconds = seconds * 1e6;
	long long us = (long long)microseconds;
	struct itimerval timer = { 0 };

	if ((double)us < microseconds)
		us++;
	if (us < 1)
		us = 1;

	timer.it_value.tv_sec = (time_t)(us / 1000000);
	timer.it_value.tv_usec = (suseconds_t)(us % 1000000);
	return timer;
}

int timeout_arm(double seconds, struct error_report *err)
{
	struct itimerval timer;

	if (seconds <= 0)
		return 0;
	timer = timeout_timer(seconds);
	if (setitimer(ITIMER_REAL, &timer, NULL) != 0) {
		report_set(err, 0, 0, "cannot set the timeout: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void timeout_disarm(void)
{
	setitimer(ITIMER_REAL, &(struct itimerval){ 0 }, NULL);
}
