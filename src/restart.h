/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_RESTART_H
#define SIPALG_RESTART_H

#include "alg.h"
#include "call.h"
#include "nat_keep.h"
#include "nat_nft.h"
#include "prior.h"

/*
 * Bindings outlive the process.  At a stop the daemon leaves its table
 * in the kernel, every element capped to restart_grace seconds; the next
 * run keeps that table (nat_nft_open_keep), finds the elements and never
 * hands their public ports to another socket, while the kernel goes on
 * forwarding them (calls in progress, incoming calls to registered
 * phones).  A stop for good (sipalg-rules remove) deletes the table; one
 * never followed by a start leaves nothing open past the grace period.
 */

/*
 * restart_adopt - record what an earlier run left in nft (into keep) and
 * make t consult it.  Returns the set (the caller frees it with
 * prior_free after t), or NULL when there was none.
 */
struct prior *restart_adopt(struct nat_nft *nft, struct nat_keep *keep,
			    struct calls *t);

/* restart_leave - cap keep's bindings (IPv6 pinholes too) to grace
 * seconds and let go of nft without deleting its tables. */
void restart_leave(struct nat_nft *nft, struct nat_keep *keep,
		   uint32_t grace);

/*
 * The state file (state.h): what the kernel's elements cannot say about
 * the calls and registrations they carry.  Written as the state changes,
 * at most once a second from the timer (the whole file, to a temporary
 * name, then renamed over the old one: a reader sees the old file or the
 * new, never half), at least every restart_grace / 2 seconds (so the file
 * a crash leaves is fresh enough to be taken), and at a stop.  No fsync:
 * the kernel's elements do not outlive the machine either.
 */
struct restart_writer {
	uint64_t at;			/* monotonic s of the last write */
	uint32_t gap;			/* s until the next may be written:
					 * longer when writing took long */
	uint64_t packets, ended;	/* what the state was then */
	struct calls_stats st;
	bool failing;			/* the last write failed (logged) */
	char boot_id[40];
};

/*
 * restart_restore - rebuild a's call table from c->state_file: only what
 * prior p (the kernel's elements found at start) still holds; the kept
 * elements get their own timeouts back through a->nat (not the grace
 * cap).  A missing file is no error; a corrupt, truncated, stale or
 * foreign one is refused with one log line and nothing is restored.
 */
void restart_restore(struct alg *a, const struct prior *p,
		     struct restart_writer *w);

/*
 * restart_restore6 - after nat_nft_open6_keep: record the IPv6 pinholes
 * an earlier run left in nft (into keep, so a flush re-installs and the
 * next stop caps them) and give a->pin6 the state file's IPv6 calls and
 * registrations whose holes the kernel still holds, those holes again
 * with their own timeouts.  Records without their hole, or expired, are
 * left out; a refused file restores nothing (logged).
 */
void restart_restore6(struct alg *a, struct nat_nft *nft,
		      struct nat_keep *keep, struct restart_writer *w);

/* restart_tick - write the state file when the state changed (or the
 * last write is getting old); at most once a second. */
void restart_tick(struct alg *a, struct restart_writer *w);

/* restart_save - write the state file now (at a stop).  0 or -1. */
int restart_save(struct alg *a, struct restart_writer *w);

/* restart_check - for -n: warn (stderr) when c's state file cannot be
 * written where it is configured.  Returns the number of warnings. */
unsigned restart_check(const struct conf *c);

#endif
