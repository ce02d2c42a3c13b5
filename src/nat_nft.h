/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_NAT_NFT_H
#define SIPALG_NAT_NFT_H

#include "nat.h"

/*
 * The nftables backend: table "ip sipalg" with two maps,
 *   snat4: inside addr . port -> public addr . port   (postrouting, srcnat-1)
 *   dnat4: public addr . port -> inside addr . port   (prerouting, dstnat-1)
 * whose NAT rules also set the configured conntrack mark, so a stateful
 * firewall can accept exactly the flows the daemon opened; and the
 * media_from filter (nat_from.c) for packets arriving on the outside
 * interface (outside, in nat_nft_open).  Elements carry
 * timeouts.  All changes go over one persistent netlink socket, one batch
 * per call.
 */

struct nat_nft;

/*
 * nat_nft_open - replace any existing table with a fresh one.  Returns the
 * handle or NULL (errno set, reason logged).
 */
struct nat_nft *nat_nft_open(uint32_t ct_mark, const char *outside);

/*
 * nat_nft_reset - create the table again, empty (after something deleted
 * it, or to start over).  0, or -1 (reason logged).
 */
int nat_nft_reset(struct nat_nft *h);

/*
 * nat_nft_open6 - also install (replacing any left over) the IPv6
 * pinhole table: "table ip6 sipalg", set pin6 of ip6 daddr . udp dport
 * with timeouts, and a prerouting rule marking flows to them.  After it,
 * nat_nft_apply takes AF_INET6 elements (no NAT: their inside side is the
 * hole).  Returns 0 or -1.
 */
int nat_nft_open6(struct nat_nft *h);

/*
 * nat_nft_open_keep - like nat_nft_open, but a table an earlier run left
 * keeps its elements (bindings in use survive a restart).
 */
struct nat_nft *nat_nft_open_keep(uint32_t ct_mark, const char *outside);

/*
 * nat_nft_dump - every DNAT element now in the table (pub_* the key,
 * in_* the data, timeout the seconds it has left) in a malloc'd *out
 * (the caller frees it; NULL when none).  Returns the count or -1.
 */
int nat_nft_dump(struct nat_nft *h, struct nat_elem **out);

/*
 * nat_nft_open6_keep - like nat_nft_open6, but a table ip6 sipalg an
 * earlier run left keeps its pin6 elements (pinholes in use survive a
 * restart; the stop capped them to restart_grace).  Returns 0 or -1.
 */
int nat_nft_open6_keep(struct nat_nft *h);

/*
 * nat_nft_dump6 - every element now in the pin6 set (family AF_INET6,
 * in_* and pub_* both the hole, timeout the seconds it has left) in a
 * malloc'd *out (the caller frees it; NULL when none).  Returns the
 * count or -1.
 */
int nat_nft_dump6(struct nat_nft *h, struct nat_elem **out);

/* nat_nft_close6 - delete the IPv6 pinhole table (nat_nft_open6), if
 * there is one. */
void nat_nft_close6(struct nat_nft *h);

/* nat_nft_detach - free h and leave the table as it is (a restart). */
void nat_nft_detach(struct nat_nft *h);

/* nat_nft_close - delete the table and free h (NULL is fine). */
void nat_nft_close(struct nat_nft *h);

/* nat_nft_in_place - whether this kernel updates an element's timeout
 * when it is added again (tried at nat_nft_open): then a refresh is one
 * add, not a removal and an add (nat_ops.refresh_in_place). */
bool nat_nft_in_place(const struct nat_nft *h);

/* nat_nft_counts - binding transactions sent since open, and the
 * elements (bindings or pinholes) added and removed in them. */
void nat_nft_counts(const struct nat_nft *h, uint64_t *txns, uint64_t *adds,
		    uint64_t *dels);

/* nat_nft_apply - nat_ops.apply for this backend (ctx = the handle). */
int nat_nft_apply(void *ctx, const struct nat_plan *plan);

#endif
