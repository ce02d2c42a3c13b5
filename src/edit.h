/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_EDIT_H
#define SIPALG_EDIT_H

#include "span.h"

/*
 * An edit list: splices "replace buf[off, off + len) with text" planned
 * against one message and applied once, back to front in effect.  Edits
 * may not overlap; texts live in the list's own arena.
 */

#define EDIT_MAX 128
#define EDIT_TEXT_MAX 4096

struct edit {
	uint32_t off;
	uint32_t len;
	uint16_t text_off;
	uint16_t text_len;
};

struct edits {
	struct edit e[EDIT_MAX];
	unsigned n;
	uint16_t text_used;
	char text[EDIT_TEXT_MAX];
	bool overflow;		/* an add did not fit: the plan is unusable */
};

/* edits_init - empty list. */
void edits_init(struct edits *l);

/*
 * edits_add - plan replacing s with text[0..n).  Returns 0, or -1 (and
 * sets l->overflow) when the list or its arena is full.  Order of adds
 * does not matter; overlaps are detected by edits_apply.
 */
int edits_add(struct edits *l, struct span s, const char *text, size_t n);

/* edits_add_str - edits_add with a NUL-terminated text. */
int edits_add_str(struct edits *l, struct span s, const char *text);

/* edits_delta - growth in bytes (may be negative) of the edits that lie
 * entirely within [from, to). */
long edits_delta(const struct edits *l, uint32_t from, uint32_t to);

/*
 * edits_apply - write in[0..in_len) with the edits applied to out (cap
 * bytes).  Returns the new length, or -1 when edits overlap, fall outside
 * the input, or out is too small.  in and out must not overlap.
 */
long edits_apply(struct edits *l, const char *in, uint32_t in_len,
		 char *out, uint32_t cap);

/* edits_text - the replacement text of edit e. */
const char *edits_text(const struct edits *l, const struct edit *e);

#endif
