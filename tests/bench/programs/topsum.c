/* topsum: the same loop in C (volatile bound: no closed form). */
#include <stdio.h>
int main(void)
{
	volatile long n = 30000000; /* SIZE */
	long s = 0;
	for (long i = 0; i < n; i++)
		s += i % 7;
	printf("%ld\n", s);
	return 0;
}
