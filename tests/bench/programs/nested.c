/* nested: a nested loop of arithmetic. */
#include <stdio.h>

int main(void)
{
	volatile long n = 3000; /* SIZE */
	long s = 0;

	for (long i = 0; i < n; i++)
		for (long j = 0; j < n; j++)
			s = (s + i * j + 7) % 1000003;
	printf("%ld\n", s);
	return 0;
}
