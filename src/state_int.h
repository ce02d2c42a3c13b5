/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_STATE_INT_H
#define SIPALG_STATE_INT_H

/* Inside the state file's reader and writer: what state.c and state6.c
 * (the IPv6 pinhole records) share. */

#include "state.h"

#define STATE_MAX_TOK 40
#define STATE_LINE_MAX 8192

struct rd {
	char line[STATE_LINE_MAX];
	char *tok[STATE_MAX_TOK];
	unsigned n_tok, lineno;
	unsigned version;		/* of the file's header */
	struct state_set *s;
	struct binding *sig;		/* the S that R lines belong to */
	struct state_call *call;	/* the C that H, D, P, B belong to */
	char *why;
	size_t whylen;
};

/* state_fail - why = "line N: what"; returns -1. */
int state_fail(struct rd *r, const char *what);

/* state_tok_* - field i of the line as a number at most max, a port
 * (0 only when zero_ok), a "=..." text into out[0..cap) (length *len);
 * 0, or -1 with why set. */
int state_tok_u64(struct rd *r, unsigned i, uint64_t max, uint64_t *v);
int state_tok_u32(struct rd *r, unsigned i, uint32_t max, uint32_t *v);
int state_tok_port(struct rd *r, unsigned i, bool zero_ok, uint16_t *v);
int state_tok_text(struct rd *r, unsigned i, char *out, size_t cap,
		   size_t *len);
int state_tok_str(struct rd *r, unsigned i, char *out, size_t cap);

/* state_grow - room for one more element of size sz in *v (n used,
 * capacity *cap).  0, or -1 when out of memory or at the record cap. */
int state_grow(void **v, unsigned n, unsigned *cap, size_t sz);

/* state_put_text - " =" and bytes p[0..n), escaped as %XX where they
 * would split or confuse a line. */
void state_put_text(struct buf *b, const char *p, size_t n);

/* state6_format - the G6 and C6 records of p's registrations and calls
 * onto b. */
void state6_format(const struct pin6 *p, struct buf *b);

/* state6_record - parse the G6 or C6 line in r into r->s. */
int state6_record(struct rd *r);

#endif
