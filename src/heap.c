/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>

#include "heap.h"

/* A binary min-heap of due times (the sweep's calls and signalling
 * bindings): a tick looks only at what may have expired. */

static void heap_put(struct heap *h, unsigned i, struct heap_node *x)
{
	h->v[i] = x;
	x->i = i;
}

static void heap_up(struct heap *h, unsigned i)
{
	struct heap_node *x = h->v[i];

	while (i) {
		unsigned up = (i - 1) / 2;

		if (h->v[up]->due <= x->due)
			break;
		heap_put(h, i, h->v[up]);
		i = up;
	}
	heap_put(h, i, x);
}

static void heap_down(struct heap *h, unsigned i)
{
	struct heap_node *x = h->v[i];

	for (;;) {
		unsigned c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1]->due < h->v[c]->due)
			c++;
		if (x->due <= h->v[c]->due)
			break;
		heap_put(h, i, h->v[c]);
		i = c;
	}
	heap_put(h, i, x);
}

int heap_add(struct heap *h, struct heap_node *x)
{
	if (h->n == h->cap) {
		unsigned cap = h->cap ? 2 * h->cap : 1024;
		struct heap_node **v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -1;
		h->v = v;
		h->cap = cap;
	}
	heap_put(h, h->n++, x);
	heap_up(h, x->i);
	return 0;
}

void heap_fix(struct heap *h, struct heap_node *x)
{
	heap_up(h, x->i);
	heap_down(h, x->i);
}

void heap_del(struct heap *h, struct heap_node *x)
{
	struct heap_node *last = h->v[--h->n];

	if (last == x)
		return;
	heap_put(h, x->i, last);
	heap_fix(h, last);
}

struct heap_node *heap_due(const struct heap *h, uint64_t now)
{
	return h->n && h->v[0]->due <= now ? h->v[0] : NULL;
}

void heap_rebuild(struct heap *h)
{
	unsigned i;

	for (i = h->n / 2; i-- > 0;)
		heap_down(h, i);
}
