/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_NAT_REC_H
#define SIPALG_NAT_REC_H

#include "nat.h"

/*
 * A NAT backend that touches no kernel: it records every binding the
 * pipeline would install or remove, in order, for sipalg-replay's summary.
 * apply always succeeds (unless recording itself runs out of memory);
 * forget and unstale only count.
 */

struct nat_rec_ent {
	struct nat_elem e;
	uint64_t packet;	/* nat_rec.packet when it was applied */
	bool add;		/* installed (true) or removed */
};

struct nat_rec {
	struct nat_rec_ent *ent;
	size_t n, cap;
	uint64_t packet;	/* set by the caller before each packet */
	uint64_t applies;	/* batches applied */
	uint64_t added, removed;
	uint64_t forget_calls, forgotten;
	uint64_t unstale;	/* early media flows the daemon would delete */
	bool oom;		/* some entries were not recorded */
};

/* nat_rec_init / nat_rec_free - an empty recorder, and its memory back. */
void nat_rec_init(struct nat_rec *r);
void nat_rec_free(struct nat_rec *r);

/* nat_rec_ops - backend operations that record into r. */
struct nat_ops nat_rec_ops(struct nat_rec *r);

int nat_rec_apply(void *ctx, const struct nat_plan *plan);
int nat_rec_forget(void *ctx, const struct nat_elem *e, unsigned n);
int nat_rec_unstale(void *ctx, const struct nat_flow *f, unsigned n);

#endif
