/* loop: a long counting loop. */
#include <stdio.h>

int main(void)
{
	volatile long n = 30000000; /* SIZE */
	volatile long sum = 0;

	for (long i = 0; i < n; i++)
		sum = sum + i;
	printf("%ld\n", sum);
	return 0;
}
