/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_SPAN_H
#define SIPALG_SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * A span is a slice of a message that the scanners found: offset and length
 * into the buffer they were given.  Scanners never copy; a span with len 0
 * means "absent" unless a flag says otherwise.
 */
struct span {
	uint32_t off;
	uint32_t len;
};

static inline const char *span_ptr(const char *buf, struct span s)
{
	return buf + s.off;
}

static inline bool span_eq(const char *buf, struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len == n && memcmp(buf + s.off, lit, n) == 0;
}

static inline uint32_t span_end(struct span s)
{
	return s.off + s.len;
}

#endif
