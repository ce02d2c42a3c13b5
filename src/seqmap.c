/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "seqmap.h"

void seqmap_init(struct seqmap *m)
{
	m->base = 0;
	m->n = 0;
}

void seqmap_add(struct seqmap *m, uint32_t o_start, uint32_t o_end,
		uint32_t n_start, uint32_t n_end)
{
	struct seqmap_region *r;

	if (m->n == SEQMAP_REGIONS) {
		m->base = m->r[0].n_end - m->r[0].o_end;
		memmove(m->r, m->r + 1, sizeof(m->r[0]) * --m->n);
	}
	r = &m->r[m->n++];
	r->o_start = o_start;
	r->o_end = o_end;
	r->n_start = n_start;
	r->n_end = n_end;
}

uint32_t seqmap_delta(const struct seqmap *m)
{
	if (!m->n)
		return m->base;
	return m->r[m->n - 1].n_end - m->r[m->n - 1].o_end;
}

/* Newest region starting at or before x, in the original (orig = true)
 * or the new numbering; NULL when x precedes them all. */
static const struct seqmap_region *region_at(const struct seqmap *m,
					     uint32_t x, bool orig)
{
	unsigned i;

	for (i = m->n; i-- > 0;) {
		uint32_t start = orig ? m->r[i].o_start : m->r[i].n_start;

		if (!seq_before(x, start))
			return &m->r[i];
	}
	return NULL;
}

uint32_t seqmap_to_new(const struct seqmap *m, uint32_t o, bool up)
{
	const struct seqmap_region *r = region_at(m, o, true);

	if (!r)
		return o + m->base;
	if (!seq_before(o, r->o_end))
		return o + (r->n_end - r->o_end);
	if (o == r->o_start)
		return r->n_start;
	return up ? r->n_end : r->n_start;
}

uint32_t seqmap_to_orig(const struct seqmap *m, uint32_t p, bool up)
{
	const struct seqmap_region *r = region_at(m, p, false);

	if (!r)
		return p - m->base;
	if (!seq_before(p, r->n_end))
		return p - (r->n_end - r->o_end);
	if (p == r->n_start)
		return r->o_start;
	return up ? r->o_end : r->o_start;
}
