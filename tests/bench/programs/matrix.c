/* matrix: C = A * B for n x n matrices in one flat array; a checksum of C. */
#include <stdio.h>
#include <stdlib.h>
int main(void)
{
	volatile long size = 200; /* SIZE */
	long n = size, nn = n * n;
	long *mem = calloc(3 * nn, sizeof(*mem));
	if (!mem)
		return 1;
	for (long i = 0; i < nn; i++) {
		mem[i] = i % 10;
		mem[nn + i] = i * 3 % 7;
	}
	for (long r = 0; r < n; r++)
		for (long c = 0; c < n; c++) {
			long sum = 0;
			for (long k = 0; k < n; k++)
				sum += mem[r * n + k] * mem[nn + k * n + c];
			mem[2 * nn + r * n + c] = sum;
		}
	long check = 0;
	for (long i = 0; i < nn; i++)
		check = (check * 31 + mem[2 * nn + i]) % 1000000007;
	printf("%ld\n", check);
	free(mem);
	return 0;
}
