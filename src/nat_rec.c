/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nat_rec.c - the recording NAT backend of sipalg-replay.
 */
#include <stdlib.h>
#include <string.h>

#include "nat_rec.h"

void nat_rec_init(struct nat_rec *r)
{
	memset(r, 0, sizeof(*r));
}

void nat_rec_free(struct nat_rec *r)
{
	free(r->ent);
	nat_rec_init(r);
}

static void rec_one(struct nat_rec *r, const struct nat_elem *e, bool add)
{
	struct nat_rec_ent *x;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;

		x = realloc(r->ent, cap * sizeof(*x));
		if (!x) {
			r->oom = true;
			return;
		}
		r->ent = x;
		r->cap = cap;
	}
	x = &r->ent[r->n++];
	x->e = *e;
	x->packet = r->packet;
	x->add = add;
}

int nat_rec_apply(void *ctx, const struct nat_plan *plan)
{
	struct nat_rec *r = ctx;
	unsigned i;

	r->applies++;
	for (i = 0; i < plan->n_del; i++)
		rec_one(r, &plan->del[i], false);
	for (i = 0; i < plan->n_add; i++)
		rec_one(r, &plan->add[i], true);
	r->removed += plan->n_del;
	r->added += plan->n_add;
	return 0;
}

int nat_rec_forget(void *ctx, const struct nat_elem *e, unsigned n)
{
	struct nat_rec *r = ctx;

	(void)e;
	r->forget_calls++;
	r->forgotten += n;
	return 0;
}

int nat_rec_unstale(void *ctx, const struct nat_flow *f, unsigned n)
{
	struct nat_rec *r = ctx;

	(void)f;
	r->unstale += n;
	return 0;
}

struct nat_ops nat_rec_ops(struct nat_rec *r)
{
	return (struct nat_ops){
		.name = "record",
		.apply = nat_rec_apply,
		.forget = nat_rec_forget,
		.ctx = r,
		.forget_ctx = r,
		.unstale = nat_rec_unstale,
	};
}
