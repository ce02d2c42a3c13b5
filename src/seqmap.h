/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_SEQMAP_H
#define SIPALG_SEQMAP_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Sequence number translation for one direction of a TCP connection whose
 * payload the gateway lengthened or shortened.  The sender numbers its
 * bytes in the original stream; the receiver sees the new one.  Each
 * rewritten message whose length changed is a region: original bytes
 * [o_start, o_end) became new bytes [n_start, n_end).  Outside regions the
 * two streams differ by a constant.  A position inside a region has no
 * exact counterpart: it is rounded to the region's start or end, which
 * only ever makes the gateway send a little more, or acknowledge a little
 * less, than the exact answer (both safe: TCP discards duplicates and
 * retransmits what was not acknowledged).  Arithmetic wraps (RFC 793).
 */

#define SEQMAP_REGIONS 32

struct seqmap_region {
	uint32_t o_start, o_end;
	uint32_t n_start, n_end;
};

struct seqmap {
	uint32_t base;		/* new - original before the oldest region */
	struct seqmap_region r[SEQMAP_REGIONS];
	unsigned n;
};

/* seqmap_init - no change yet: every position maps to itself. */
void seqmap_init(struct seqmap *m);

/*
 * seqmap_add - original [o_start, o_end) is carried as new [n_start,
 * n_end).  Regions are added in stream order.  With SEQMAP_REGIONS kept,
 * the oldest is folded into the constant (its bytes are long acknowledged).
 */
void seqmap_add(struct seqmap *m, uint32_t o_start, uint32_t o_end,
		uint32_t n_start, uint32_t n_end);

/* seqmap_to_new - the new position of original position o; inside a
 * region its start (up = false) or end (up = true). */
uint32_t seqmap_to_new(const struct seqmap *m, uint32_t o, bool up);

/* seqmap_to_orig - the original position of new position p (an ACK or
 * SACK edge from the receiver); inside a region its start or end. */
uint32_t seqmap_to_orig(const struct seqmap *m, uint32_t p, bool up);

/* seqmap_delta - new - original after the newest region (0: no change). */
uint32_t seqmap_delta(const struct seqmap *m);

/* seq_before - a comes before b in sequence space (RFC 793 3.3). */
static inline bool seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

#endif
