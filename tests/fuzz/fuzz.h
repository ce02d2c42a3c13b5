/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_FUZZ_H
#define SIPALG_FUZZ_H

/* Shared by the libFuzzer harnesses: a failed invariant aborts, so
 * libFuzzer saves the input as a crash artifact. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_ASSERT(cond, ...)                                              \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "fuzz check failed: %s: ", #cond);  \
			fprintf(stderr, __VA_ARGS__);                       \
			fputc('\n', stderr);                                \
			abort();                                            \
		}                                                           \
	} while (0)

/* s lies inside [lo, hi). */
#define FUZZ_IN(s, lo, hi)                                                  \
	FUZZ_ASSERT((s).off >= (lo) && (uint64_t)(s).off + (s).len <= (hi), \
		    "span [%u,+%u) outside [%u,%u)", (s).off, (s).len,     \
		    (unsigned)(lo), (unsigned)(hi))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
