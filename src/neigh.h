/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_NEIGH_H
#define SIPALG_NEIGH_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"

/*
 * The kernel's neighbour table (ARP and NDP) as the daemon last heard
 * it: address -> link-layer address, per interface.  It proves that two
 * addresses of different families belong to one host: a dual-stack phone
 * signalling over IPv6 whose SDP names an IPv4 address gets IPv4 media
 * bindings only when the router's neighbour entries of its IPv6 source
 * and of that IPv4 address carry the same link-layer address on the same
 * interface (another inside host cannot open a path to its neighbour's
 * IPv4 address by naming it).  The table is fed by rtnetlink messages
 * (a dump at start, RTM_NEWNEIGH / RTM_DELNEIGH events after it: the
 * packet path only reads it, never asks the kernel).  Pure: the messages
 * come in as bytes (neigh_nl.c reads them off the socket).
 */

#define NEIGH_MAX 4096		/* entries; more are not learnt (counted) */
#define NEIGH_LL_MAX 8

struct neigh;

/* neigh_new - an empty table; NULL when out of memory. */
struct neigh *neigh_new(void);

void neigh_free(struct neigh *n);

/*
 * neigh_note - the kernel says family/a on interface ifindex has
 * link-layer address ll[0..ll_len) (ll_len 0, or a state without a
 * usable address: it has none now, the entry goes).  0, or -1 when the
 * table is full (not learnt; counted in neigh_full).
 */
int neigh_note(struct neigh *n, int family, const union addr *a,
	       unsigned ifindex, const unsigned char *ll, size_t ll_len);

/* neigh_forget - the kernel removed family/a on ifindex. */
void neigh_forget(struct neigh *n, int family, const union addr *a,
		  unsigned ifindex);

/*
 * neigh_msgs - apply the rtnetlink datagram buf[0..len) (RTM_NEWNEIGH and
 * RTM_DELNEIGH messages; anything else, and malformed messages, are
 * skipped).  Returns how many neighbour messages it applied.
 */
unsigned neigh_msgs(struct neigh *n, const void *buf, size_t len);

/*
 * neigh_same_host - true when the table has both the IPv6 address a6 and
 * the IPv4 address a4 on interface ifindex with the same (non-empty)
 * link-layer address: one host owns both.  False when either is unknown.
 */
bool neigh_same_host(const struct neigh *n, unsigned ifindex,
		     const union addr *a6, const union addr *a4);

/* neigh_count, neigh_full - entries held; notes refused, table full. */
unsigned neigh_count(const struct neigh *n);
unsigned long neigh_full(const struct neigh *n);

/* ---- neigh_nl.c: the rtnetlink socket ---- */

struct neigh_nl;

/* neigh_nl_open - a non-blocking rtnetlink socket subscribed to
 * neighbour events, with a dump of the table requested (its answer
 * arrives like events).  NULL (reason logged) on error. */
struct neigh_nl *neigh_nl_open(void);

void neigh_nl_close(struct neigh_nl *s);

/* neigh_nl_fd - the descriptor to poll. */
int neigh_nl_fd(const struct neigh_nl *s);

/* neigh_nl_drain - read what is queued into n without blocking.  On an
 * overrun (events lost) a new dump is requested. */
void neigh_nl_drain(struct neigh_nl *s, struct neigh *n);

#endif
