/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_NAT_CT_H
#define SIPALG_NAT_CT_H

#include "nat.h"

/*
 * Conntrack side of the bindings (libnetfilter_conntrack over ctnetlink):
 * deleting the flows of ended calls, and listing which bindings still
 * carry traffic.  Only entries with the daemon's mark are looked at; the
 * kernel filters them, so the cost follows our flows, not the table.
 */

struct nat_ct;

/* nat_ct_open - handle for flows marked ct_mark; NULL on error. */
struct nat_ct *nat_ct_open(uint32_t ct_mark);

void nat_ct_close(struct nat_ct *h);

/* nat_ct_forget - nat_ops.forget: for each of e[0..n) whose far end is
 * known, delete the phone's flow to it and its flow to the public port by
 * exact tuple (no table walk).  Returns the count deleted. */
int nat_ct_forget(void *ctx, const struct nat_elem *e, unsigned n);

/* nat_ct_sweep - nat_ops.sweep: delete every marked flow whose inside or
 * public end is one of e[0..n), in one dump of the table per 1024
 * bindings.  Returns the count deleted. */
int nat_ct_sweep(void *ctx, const struct nat_elem *e, unsigned n);

/* nat_ct_unstale - nat_ops.unstale: delete each flow by its exact
 * original tuple (no dump).  Returns the number deleted. */
int nat_ct_unstale(void *ctx, const struct nat_flow *f, unsigned n);

/*
 * nat_ct_each_inside - call fn for the inside address:port of every marked
 * flow (the source of the original direction for flows a phone started,
 * the source of the reply direction for flows from outside), with the
 * seconds since the flow's last packet (from its remaining timeout: each
 * packet resets it to the UDP timeout in force).  Returns 0 or -1.
 */
int nat_ct_each_inside(struct nat_ct *h,
		       void (*fn)(void *ctx, const union addr *a,
				  uint16_t port, uint32_t idle),
		       void *ctx);

/*
 * nat_ct_flush_sip - at start: delete every UDP flow with one of the SIP
 * ports at either end, whoever made it, so the next SIP packets create
 * flows under the daemon's bindings instead of keeping a MASQUERADE
 * mapping made while it was down (which would clash with a binding on the
 * same public port).  Returns the count or -1.
 */
int nat_ct_flush_sip(struct nat_ct *h, const uint16_t *ports, unsigned n);

#endif
