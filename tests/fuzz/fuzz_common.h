/* fuzz_common.h - what every harness shares: the machines print what their
 * programs print, which a fuzzer does not want to see. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>

enum { FUZZ_MAX_STEPS = 20000 };   /* bounded execution: no fuzz input hangs */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!freopen("/dev/null", "w", stdout))
		return 1;
	return 0;
}

#endif
