/* both.c - one binary with both machines in it: each prints 7. */
#include <stdio.h>

int stack_side(const char *text);
int reg_side(const char *text);

int main(void)
{
	int stack = stack_side(".func main 0 0\n\tpush 7\n\tprint\n\thalt\n");
	int reg = reg_side(".func main 0 1\n\tloadi r0, 7\n\tprint r0\n\thalt\n");

	fflush(stdout);
	return stack == 0 && reg == 0 ? 0 : 1;
}
