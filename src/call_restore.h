/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_CALL_RESTORE_H
#define SIPALG_CALL_RESTORE_H

#include "call.h"
#include "state.h"

/*
 * Rebuilding the call table from a state file's records (state.c) at
 * start, keeping only what the kernel still holds.  Part of the call
 * state (it links records into the tables); pure.
 */

/* have - whether the kernel holds element e now (its inside and public
 * sockets as given; timeout ignored). */
typedef bool (*calls_have_fn)(void *ctx, const struct nat_elem *e);

struct calls_restored {
	unsigned sig, media, calls, regs;	/* taken */
	unsigned bind_dropped, calls_dropped;	/* not: gone from the
						 * kernel, or clashing */
	struct nat_elem *fix;	/* malloc'd: the taken bindings' elements
				 * with the timeout the kernel should give
				 * them from now (not the grace cap) */
	unsigned n_fix;
};

/*
 * calls_restore - link s's records into t (normally empty but for what
 * was adopted): a binding only when have() finds its element in the
 * kernel and neither its inside nor its public socket is taken in t; a
 * call only when its signalling binding (if it names one) and every
 * media binding it holds were taken.  Media bindings no call takes are
 * left out.  now: monotonic seconds.  The records stay s's; *out is
 * filled (out->fix the caller frees).  0, or -1 out of memory (what was
 * linked until then stays, each part whole).
 */
int calls_restore(struct calls *t, const struct state_set *s,
		  calls_have_fn have, void *ctx, uint64_t now,
		  struct calls_restored *out);

/* calls_publics - t's public addresses into out[0..cap); the count. */
unsigned calls_publics(const struct calls *t, union addr *out, unsigned cap);

#endif
