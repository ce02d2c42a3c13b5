/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_HEAP_H
#define SIPALG_HEAP_H

#include <stdint.h>

/* A place in a min-heap of due times: the sweep looks at its owner when
 * due comes (never later than the owner can expire). */
struct heap_node {
	uint64_t due;
	uint32_t i;
};

/* A binary min-heap of nodes owned by their containers (the heap holds
 * pointers only; v is the heap's own, freed by the owner with free()). */
struct heap {
	struct heap_node **v;
	unsigned n, cap;
};

/* heap_add - insert x (x->due set).  0, or -1 out of memory (h as was). */
int heap_add(struct heap *h, struct heap_node *x);

/* heap_fix - x's due time changed: move it to its place. */
void heap_fix(struct heap *h, struct heap_node *x);

/* heap_del - remove x (which must be in h). */
void heap_del(struct heap *h, struct heap_node *x);

/* heap_due - the node at the top when it is due at now, else NULL. */
struct heap_node *heap_due(const struct heap *h, uint64_t now);

/* heap_rebuild - restore the order after many due times changed. */
void heap_rebuild(struct heap *h);

#endif
