/* clock.h - the monitors' one clock: monotonic nanoseconds, for the time
 * spent in KVM_RUN and the boot's milestones. */
#ifndef COMMON_KVM_CLOCK_H
#define COMMON_KVM_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
