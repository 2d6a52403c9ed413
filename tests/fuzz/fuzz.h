/*
 * What every libFuzzer target shares: the entry point's prototype (the
 * targets are built with -Wmissing-prototypes) and CHECK, an assertion
 * that stays in release builds and stops the fuzzer on a broken
 * invariant.
 */
#ifndef BERTH_TESTS_FUZZ_H
#define BERTH_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

#endif
