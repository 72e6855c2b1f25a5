/* fib: the doubly recursive Fibonacci function: calls and returns. */
#include <stdio.h>

static long fib(long n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(void)
{
	volatile long n = 35; /* SIZE */

	printf("%ld\n", fib(n));
	return 0;
}
