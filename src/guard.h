/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_GUARD_H
#define SIPALG_GUARD_H

#include <stdbool.h>

#include "divert.h"
#include "nat_keep.h"
#include "nat_nft.h"

/*
 * Keeps the daemon's kernel state in place.  A firewall reload (Debian's
 * "systemctl reload nftables" runs a file that starts with "flush
 * ruleset") deletes every table, ours included; nothing tells the daemon.
 * guard_check, run from the timer, asks the kernel whether the daemon's
 * NAT table and (with the nft backend) its divert chain are still there
 * and installs them again, bindings included, when they are not.  With
 * the iptables backend it can only notice that the iptables-nft divert
 * chain went and say so (the unit's reload runs sipalg-rules again).
 */

struct guard {
	struct divert *divert;	/* checks; owns the divert table when nft */
	struct nat_nft *nft;
	struct nat_keep *keep;
	bool nft_backend;
	bool ipt_seen;		/* SIPALG_QUEUE (iptables-nft) was there */
	bool ipt_gone_said;
};

/*
 * guard_init - remember what is there now (the iptables-nft divert
 * chain).  g's handles are the caller's and outlive it.
 */
void guard_init(struct guard *g);

/* guard_check - one check, repairs as described above.  Returns the
 * number of things installed again (0: all was in place). */
int guard_check(struct guard *g);

#endif
