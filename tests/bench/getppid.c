/* getppid: the cost of one plain system call, to set a VM exit against.
 * Prints nanoseconds per call, over a million calls. */
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	enum { CALLS = 1000000 };
	struct timespec start, end;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int i = 0; i < CALLS; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &end);
	printf("%.1f\n", ((double)(end.tv_sec - start.tv_sec) * 1e9 +
			  (double)(end.tv_nsec - start.tv_nsec)) / CALLS);
	return 0;
}
