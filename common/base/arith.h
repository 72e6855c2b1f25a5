/* arith.h - the arithmetic both interpreters share, defined once so the two
 * machines cannot disagree: 64-bit two's complement that wraps around, and
 * division that truncates toward zero.
 *
 * C leaves signed overflow undefined, so the sums are done in uint64_t,
 * where C defines wrap-around, and converted back (gcc defines that
 * conversion).  INT64_MIN / -1 overflows in C; the machines say it wraps to
 * INT64_MIN, and INT64_MIN % -1 is 0.  Callers check for a zero divisor.
 */
#ifndef COMMON_ARITH_H
#define COMMON_ARITH_H

#include <stdint.h>

static inline int64_t wrap_add(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

static inline int64_t wrap_sub(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a - (uint64_t)b);
}

static inline int64_t wrap_mul(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a * (uint64_t)b);
}

static inline int64_t checked_div(int64_t a, int64_t b)
{
	return b == -1 ? wrap_sub(0, a) : a / b;
}

static inline int64_t checked_mod(int64_t a, int64_t b)
{
	return b == -1 ? 0 : a % b;
}

#endif
