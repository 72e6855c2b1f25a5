/* sieve: the sieve of Eratosthenes over an array, run several times. */
#include <stdio.h>

static long mem[1000000];

static long sieve(long limit)
{
	long count = 0;

	for (long i = 0; i < limit; i++)
		mem[i] = 0;
	for (long i = 2; i < limit; i++) {
		if (mem[i] == 0) {
			count++;
			for (long j = i * i; j < limit; j += i)
				mem[j] = 1;
		}
	}
	return count;
}

int main(void)
{
	volatile long rounds = 8; /* SIZE */
	long count = 0;

	for (long r = 0; r < rounds; r++)
		count = sieve(1000000);
	printf("%ld\n", count);
	return 0;
}
