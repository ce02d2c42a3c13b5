/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>

#include "edit.h"

void edits_init(struct edits *l)
{
	l->n = 0;
	l->text_used = 0;
	l->overflow = false;
}

int edits_add(struct edits *l, struct span s, const char *text, size_t n)
{
	struct edit *e;

	if (l->n >= EDIT_MAX || n > (size_t)(EDIT_TEXT_MAX - l->text_used)) {
		l->overflow = true;
		return -1;
	}
	e = &l->e[l->n++];
	e->off = s.off;
	e->len = s.len;
	e->text_off = l->text_used;
	e->text_len = (uint16_t)n;
	memcpy(l->text + l->text_used, text, n);
	l->text_used += (uint16_t)n;
	return 0;
}

int edits_add_str(struct edits *l, struct span s, const char *text)
{
	return edits_add(l, s, text, strlen(text));
}

long edits_delta(const struct edits *l, uint32_t from, uint32_t to)
{
	long d = 0;
	unsigned i;

	for (i = 0; i < l->n; i++)
		if (l->e[i].off >= from && l->e[i].off + l->e[i].len <= to)
			d += (long)l->e[i].text_len - (long)l->e[i].len;
	return d;
}

static int edit_cmp(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return 0;
}

long edits_apply(struct edits *l, const char *in, uint32_t in_len,
		 char *out, uint32_t cap)
{
	uint32_t pos = 0, o = 0;
	unsigned i;

	qsort(l->e, l->n, sizeof(l->e[0]), edit_cmp);
	for (i = 0; i < l->n; i++) {
		const struct edit *e = &l->e[i];

		if (e->off < pos || e->off > in_len || e->len > in_len - e->off)
			return -1;
		if ((uint64_t)o + (e->off - pos) + e->text_len > cap)
			return -1;
		memcpy(out + o, in + pos, e->off - pos);
		o += e->off - pos;
		memcpy(out + o, edits_text(l, e), e->text_len);
		o += e->text_len;
		pos = e->off + e->len;
	}
	if ((uint64_t)o + (in_len - pos) > cap)
		return -1;
	memcpy(out + o, in + pos, in_len - pos);
	return (long)(o + (in_len - pos));
}

const char *edits_text(const struct edits *l, const struct edit *e)
{
	return l->text + e->text_off;
}
