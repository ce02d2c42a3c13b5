/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_NAT_KEEP_H
#define SIPALG_NAT_KEEP_H

#include "nat.h"

/*
 * A copy of the bindings the kernel accepted, so they can be installed
 * again when something removed the daemon's table (a firewall reload's
 * "flush ruleset").  It sits between the pipeline and a backend's apply:
 * every plan goes to the backend first and is recorded only when the
 * backend said yes.  Keyed by the public side (addr . port), which is
 * unique among a daemon's bindings.
 */

struct nat_keep;

/* nat_keep_new - empty copy in front of apply(ctx, plan).  NULL: no
 * memory. */
struct nat_keep *nat_keep_new(int (*apply)(void *, const struct nat_plan *),
			      void *ctx);

void nat_keep_free(struct nat_keep *k);

/* nat_keep_apply - nat_ops.apply (ctx = k): the backend's apply, then
 * the copy follows it when that succeeded.  Returns what apply did. */
int nat_keep_apply(void *ctx, const struct nat_plan *plan);

/*
 * nat_keep_restore - install every recorded binding again through the
 * backend, each with what is left of its timeout (expired ones are
 * dropped).  Returns the number installed, or -1 when a batch failed.
 */
int nat_keep_restore(struct nat_keep *k);

/* nat_keep_clear - forget every binding (the kernel's were deleted). */
void nat_keep_clear(struct nat_keep *k);

/* nat_keep_list - a malloc'd array of every recorded binding in *out
 * (the caller frees it).  Returns the count, or -1 (no memory). */
int nat_keep_list(const struct nat_keep *k, struct nat_elem **out);

/* nat_keep_adopt - record e (in the kernel already, timeout: seconds
 * left) without applying anything. */
void nat_keep_adopt(struct nat_keep *k, const struct nat_elem *e);

/*
 * nat_keep_cap - install every recorded binding again (deleted and added
 * in one batch) with at most secs left: at a stop, so that a restart
 * finds them but a stop for good leaves none open for long.  Returns the
 * number capped, or -1 when a batch failed.
 */
int nat_keep_cap(struct nat_keep *k, uint32_t secs);

/* nat_keep_count - bindings recorded. */
unsigned nat_keep_count(const struct nat_keep *k);

#endif
