/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_RESTART_H
#define SIPALG_RESTART_H

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

/* restart_leave - cap keep's bindings to grace seconds and let go of
 * nft without deleting the table. */
void restart_leave(struct nat_nft *nft, struct nat_keep *keep,
		   uint32_t grace);

#endif
