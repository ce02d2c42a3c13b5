/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_WAN_H
#define SIPALG_WAN_H

#include <stdbool.h>

#include "conf.h"
#include "rewrite.h"

/*
 * The interfaces as they are now, and a watch on them.  A DHCP renewal
 * gives the outside interface another address, a PPPoE reconnect makes a
 * new ppp0 (another ifindex), and at boot it may not exist yet: the
 * daemon reads them again whenever rtnetlink says a link or an IPv4
 * address changed, instead of once at start.
 */

#define WAN_MAX_OWN 32

struct wan_view {
	unsigned in_ifindex, out_ifindex;	/* 0: no such interface */
	bool have_pub;
	union addr pub;			/* IPv4: public_address, or the first
					 * address of outside_interface */
	struct prefix inside[RW_MAX_INSIDE];	/* inside_networks, or the
						 * inside interface's */
	unsigned n_inside;
	union addr own[WAN_MAX_OWN];	/* every IPv4 address of the router
					 * itself (never bound for a host) */
	unsigned n_own;
};

/* wan_read - fill *v from the system and c.  0, or -1 when the
 * interface addresses cannot be read at all. */
int wan_read(const struct conf *c, struct wan_view *v);

/* wan_ready - both interfaces exist and the public address is known. */
bool wan_ready(const struct wan_view *v);

/*
 * wan_check - for "sipalgd -n": print a warning to stderr for what the
 * daemon would not use as written: an interface that does not exist now
 * (it waits for it), an IPv6 public_address (it takes the outside
 * interface's IPv4 address instead).  Returns the number of warnings.
 */
unsigned wan_check(const struct conf *c);

struct wan;

/* wan_open - an rtnetlink socket that hears link and IPv4 address
 * changes.  NULL (reason logged) on error. */
struct wan *wan_open(void);

void wan_close(struct wan *w);

/* wan_fd - the descriptor to poll. */
int wan_fd(const struct wan *w);

/* wan_drain - read what is queued; true when any of it was a link or
 * address change (then wan_read again).  On an overrun (ENOBUFS: events
 * lost) it answers true as well. */
bool wan_drain(struct wan *w);

#endif
