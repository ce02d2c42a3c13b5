/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "call_int.h"

/*
 * Per-host counts for the quotas (issue 11): signalling and media
 * bindings and calls per inside host, unanswered inbound calls per outside
 * source.  One entry per host with anything counted, in a table hashed
 * with the random key (an outsider cannot pick colliding addresses).
 */

static uint32_t quota_hash(const struct calls *t, int family,
			   const union addr *a)
{
	return (uint32_t)hash_keyed(&t->key, a, addr_len(family)) %
	       QUOTA_HASH;
}

static struct quota *quota_find(const struct calls *t, int family,
				const union addr *a)
{
	struct quota *q = t->quota[quota_hash(t, family, a)];

	for (; q; q = q->next)
		if (q->family == family && addr_eq(family, &q->a, a))
			return q;
	return NULL;
}

uint32_t quota_count(const struct calls *t, int family, const union addr *a,
		     enum quota_kind kind)
{
	const struct quota *q = quota_find(t, family, a);

	return q ? q->n[kind] : 0;
}

int quota_add(struct calls *t, int family, const union addr *a,
	      enum quota_kind kind)
{
	struct quota *q = quota_find(t, family, a);
	uint32_t h;

	if (!q) {
		q = calloc(1, sizeof(*q));
		if (!q)
			return -1;
		q->family = family;
		memcpy(&q->a, a, addr_len(family));
		h = quota_hash(t, family, a);
		q->next = t->quota[h];
		t->quota[h] = q;
	}
	q->n[kind]++;
	return 0;
}

void quota_sub(struct calls *t, int family, const union addr *a,
	       enum quota_kind kind)
{
	struct quota **pp = &t->quota[quota_hash(t, family, a)], *q;
	unsigned i;

	for (; (q = *pp); pp = &q->next)
		if (q->family == family && addr_eq(family, &q->a, a))
			break;
	if (!q || !q->n[kind])
		return;
	q->n[kind]--;
	for (i = 0; i < QUOTA_KINDS; i++)
		if (q->n[i])
			return;
	*pp = q->next;
	free(q);
}

void quota_free_all(struct calls *t)
{
	unsigned i;

	for (i = 0; i < QUOTA_HASH; i++) {
		struct quota *q = t->quota[i], *n;

		for (; q; q = n) {
			n = q->next;
			free(q);
		}
		t->quota[i] = NULL;
	}
}
