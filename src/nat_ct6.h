/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_NAT_CT6_H
#define SIPALG_NAT_CT6_H

#include "nat.h"

/*
 * Conntrack side of the IPv6 pinholes: when a call ends, the flows that
 * came in through its holes are deleted, so a packet sent afterwards meets
 * a closed firewall instead of a flow the hole left behind.
 */

struct nat_ct6;

/* nat_ct6_open - handle for IPv6 flows marked ct_mark; NULL on error. */
struct nat_ct6 *nat_ct6_open(uint32_t ct_mark);

void nat_ct6_close(struct nat_ct6 *h);

/*
 * nat_ct6_forget - delete every marked IPv6 UDP flow whose destination
 * (original direction) is one of the holes e[0..n) (inside address and
 * port), in one dump of the marked flows.  Returns the count deleted, or
 * -1.  ctx is the handle (alg's forget6 signature).
 */
int nat_ct6_forget(void *ctx, const struct nat_elem *e, unsigned n);

#endif
