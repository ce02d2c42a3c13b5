/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nat_keep.h"

#define KEEP_MIN_SLOTS 1024

struct keep_slot {
	bool used;
	uint64_t expires;	/* monotonic seconds */
	struct nat_elem e;
};

struct nat_keep {
	int (*apply)(void *, const struct nat_plan *);
	void *ctx;
	struct keep_slot *slot;
	size_t n_slots;		/* a power of two */
	size_t n_used;
};

static uint64_t keep_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

static size_t keep_hash(const struct nat_elem *e)
{
	const uint8_t *p = (const uint8_t *)&e->pub_addr;
	uint64_t h = 1469598103934665603ULL ^ e->pub_port;

	for (size_t i = 0; i < sizeof(e->pub_addr); i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29));
}

static bool keep_same(const struct nat_elem *a, const struct nat_elem *b)
{
	return a->family == b->family && a->pub_port == b->pub_port &&
	       !memcmp(&a->pub_addr, &b->pub_addr, sizeof(a->pub_addr));
}

/* The slot holding e's public side, or the empty slot where it goes. */
static size_t keep_find(const struct nat_keep *k, const struct nat_elem *e)
{
	size_t mask = k->n_slots - 1, i = keep_hash(e) & mask;

	while (k->slot[i].used && !keep_same(&k->slot[i].e, e))
		i = (i + 1) & mask;
	return i;
}

static int keep_grow(struct nat_keep *k)
{
	struct keep_slot *old = k->slot;
	size_t n_old = k->n_slots, i;

	k->slot = calloc(n_old * 2, sizeof(*k->slot));
	if (!k->slot) {
		k->slot = old;
		return -1;
	}
	k->n_slots = n_old * 2;
	for (i = 0; i < n_old; i++)
		if (old[i].used)
			k->slot[keep_find(k, &old[i].e)] = old[i];
	free(old);
	return 0;
}

/* A full copy is a worse copy, not a failure: the kernel has the
 * binding either way; only a later restore would miss it. */
static void keep_put(struct nat_keep *k, const struct nat_elem *e,
		     uint64_t now)
{
	size_t i;

	if (2 * (k->n_used + 1) > k->n_slots && keep_grow(k) < 0)
		return;
	i = keep_find(k, e);
	if (!k->slot[i].used)
		k->n_used++;
	k->slot[i].used = true;
	k->slot[i].e = *e;
	k->slot[i].expires = now + e->timeout;
}

/* Linear probing: remove by shifting the following run back, so that no
 * lookup stops early at the hole. */
static void keep_del(struct nat_keep *k, const struct nat_elem *e)
{
	size_t mask = k->n_slots - 1, i = keep_find(k, e), j = i;

	if (!k->slot[i].used)
		return;
	k->slot[i].used = false;
	k->n_used--;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!k->slot[j].used)
			return;
		home = keep_hash(&k->slot[j].e) & mask;
		/* Stays when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		k->slot[i] = k->slot[j];
		k->slot[j].used = false;
		i = j;
	}
}

struct nat_keep *nat_keep_new(int (*apply)(void *, const struct nat_plan *),
			      void *ctx)
{
	struct nat_keep *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->apply = apply;
	k->ctx = ctx;
	k->n_slots = KEEP_MIN_SLOTS;
	k->slot = calloc(k->n_slots, sizeof(*k->slot));
	if (!k->slot) {
		free(k);
		return NULL;
	}
	return k;
}

void nat_keep_free(struct nat_keep *k)
{
	if (!k)
		return;
	free(k->slot);
	free(k);
}

int nat_keep_apply(void *ctx, const struct nat_plan *p)
{
	struct nat_keep *k = ctx;
	uint64_t now;
	unsigned i;

	if (k->apply(k->ctx, p) < 0)
		return -1;
	now = keep_now();
	for (i = 0; i < p->n_del; i++)
		keep_del(k, &p->del[i]);
	for (i = 0; i < p->n_add; i++)
		keep_put(k, &p->add[i], now);
	return 0;
}

static int keep_flush(struct nat_keep *k, struct nat_plan *p, int *n)
{
	if (!p->n_add)
		return 0;
	if (k->apply(k->ctx, p) < 0)
		return -1;
	*n += (int)p->n_add;
	nat_plan_init(p);
	return 0;
}

/* Every live binding through the backend again, in plan-sized batches,
 * each with what is left of its timeout but at most cap; del: delete it
 * first in the same batch (the kernel has it: a new timeout). */
static int keep_reinstall(struct nat_keep *k, uint32_t cap, bool del)
{
	uint64_t now = keep_now();
	struct nat_plan *p = malloc(sizeof(*p));
	int n = 0, rc = 0;
	size_t i;

	if (!p)
		return -1;
	nat_plan_init(p);
	for (i = 0; i < k->n_slots && rc == 0; i++) {
		struct keep_slot *s = &k->slot[i];
		uint64_t left = s->expires > now ? s->expires - now : 0;

		if (!s->used || !left)
			continue;
		if (del)
			nat_plan_del(p, &s->e);
		nat_plan_add(p, &s->e);
		p->add[p->n_add - 1].timeout = (uint32_t)(left < cap ? left
								     : cap);
		if (p->n_add == NAT_PLAN_MAX)
			rc = keep_flush(k, p, &n);
	}
	if (rc == 0)
		rc = keep_flush(k, p, &n);
	free(p);
	return rc < 0 ? -1 : n;
}

int nat_keep_restore(struct nat_keep *k)
{
	return keep_reinstall(k, UINT32_MAX, false);
}

void nat_keep_clear(struct nat_keep *k)
{
	memset(k->slot, 0, k->n_slots * sizeof(*k->slot));
	k->n_used = 0;
}

int nat_keep_list(const struct nat_keep *k, struct nat_elem **out)
{
	size_t i, n = 0;

	*out = malloc((k->n_used ? k->n_used : 1) * sizeof(**out));
	if (!*out)
		return -1;
	for (i = 0; i < k->n_slots; i++)
		if (k->slot[i].used)
			(*out)[n++] = k->slot[i].e;
	return (int)n;
}

void nat_keep_adopt(struct nat_keep *k, const struct nat_elem *e)
{
	keep_put(k, e, keep_now());
}

int nat_keep_cap(struct nat_keep *k, uint32_t secs)
{
	return keep_reinstall(k, secs, true);
}

unsigned nat_keep_count(const struct nat_keep *k)
{
	return (unsigned)k->n_used;
}
