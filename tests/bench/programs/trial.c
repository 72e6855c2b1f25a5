/* trial: counts the primes below a bound by trial division, one call each. */
#include <stdio.h>
static __attribute__((noinline)) long is_prime(long n)
{
	if (n < 2)
		return 0;
	for (long d = 2; d * d <= n; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

int main(void)
{
	volatile long bound = 600000; /* SIZE */
	long count = 0;
	for (long k = 0; k < bound; k++)
		count += is_prime(k);
	printf("%ld\n", count);
	return 0;
}
