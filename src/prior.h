/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_PRIOR_H
#define SIPALG_PRIOR_H

#include "call.h"
#include "nat.h"

/*
 * The bindings a previous run left in the kernel, found at start (a
 * restart, an upgrade, a crash): the kernel keeps forwarding them (media
 * of calls in progress, incoming calls to registered phones), so the new
 * run must not hand their public ports to anyone else, and gives their
 * own inside sockets the same ports back.  A fixed set, looked up by
 * either side; an entry counts until its kernel timeout.
 */

struct prior;

/* prior_new - the set of e[0..n) (timeouts: seconds left, from now).
 * NULL: no memory. */
struct prior *prior_new(const struct nat_elem *e, unsigned n);

void prior_free(struct prior *p);

/* prior_hooks - the calls_prior that consults p. */
struct calls_prior prior_hooks(struct prior *p);

/* prior_each - fn(ctx, e, left) for each entry still alive (left:
 * seconds until its kernel timeout); for the operator's listing. */
void prior_each(const struct prior *p,
		void (*fn)(void *ctx, const struct nat_elem *e, uint64_t left),
		void *ctx);

/* prior_get - the entry on public pub:port while it is alive, or NULL
 * (p may be NULL: none). */
const struct nat_elem *prior_get(const struct prior *p, const union addr *pub,
				 uint16_t port);

/* prior_count - entries still alive. */
unsigned prior_count(const struct prior *p);

#endif
