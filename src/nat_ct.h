/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_NAT_CT_H
#define SIPALG_NAT_CT_H

#include "nat.h"

/*
 * Conntrack side of the bindings (libnetfilter_conntrack over ctnetlink):
 * deleting the flows of ended calls, and listing which bindings still
 * carry traffic.  Only entries with the daemon's mark are looked at, and
 * they are learnt from conntrack events as the kernel creates them
 * (nat_ctev.h), so cleanup and the media scan cost what our flows cost.
 * A dump of the table (filtered by mark inside the kernel, but visiting
 * every bucket under its lock) happens only at start, after lost events,
 * and when there is no event socket.
 */

struct nat_ct;

/* nat_ct_open - handle for flows marked ct_mark; NULL on error. */
struct nat_ct *nat_ct_open(uint32_t ct_mark);

void nat_ct_close(struct nat_ct *h);

/* nat_ct_events_fd - the conntrack event socket through which the daemon
 * learns its flows (nat_ctev.h), to poll; -1 when there is none (then
 * cleanup and the media scan walk the table). */
int nat_ct_events_fd(const struct nat_ct *h);

/* nat_ct_events_read - handle the events waiting on it (never blocks). */
void nat_ct_events_read(struct nat_ct *h);

/* nat_ct_walks - full dumps of the conntrack table so far (each visits
 * every bucket, whatever the filter).  Only at start, after lost events
 * and without an event socket. */
unsigned long nat_ct_walks(const struct nat_ct *h);

/* nat_ct_flows - flows of ours the event record holds now. */
unsigned nat_ct_flows(const struct nat_ct *h);

/* nat_ct_forget - nat_ops.forget: delete the flows the event record
 * filed under each of e[0..n)'s inside end, by exact tuple (no table
 * walk); while the record may miss flows (lost events, no event socket)
 * also the phone's flow to the far end and the far end's flow to the
 * public port, where the far end is known.  Returns the count deleted. */
int nat_ct_forget(void *ctx, const struct nat_elem *e, unsigned n);

/* nat_ct_sweep - nat_ops.sweep: delete every marked flow whose inside or
 * public end is one of e[0..n).  With the event record: the flows filed
 * under them (after one walk that rebuilds the record if it lost events);
 * without: one dump of the table per 1024 bindings.  Returns the count
 * deleted. */
int nat_ct_sweep(void *ctx, const struct nat_elem *e, unsigned n);

/* nat_ct_unstale - nat_ops.unstale: delete each flow by its exact
 * original tuple (no dump).  Returns the number deleted. */
int nat_ct_unstale(void *ctx, const struct nat_flow *f, unsigned n);

/*
 * nat_ct_each_inside - call fn for the inside address:port of every marked
 * flow (the source of the original direction for flows a phone started,
 * the source of the reply direction for flows from outside), with the
 * seconds since the flow's last packet (from its remaining timeout: each
 * packet resets it to the UDP timeout in force).  With the event record
 * each flow it holds is looked up by tuple (no walk); without, the table
 * is dumped.  Returns 0 or -1.
 */
int nat_ct_each_inside(struct nat_ct *h,
		       void (*fn)(void *ctx, const union addr *a,
				  uint16_t port, uint32_t idle),
		       void *ctx);

/*
 * nat_ct_host_maps - nat_ops.host_maps: the NAT mappings of inside host
 * in's UDP flows, one per inside port (the kernel filters the dump by
 * source address, so the cost follows that host's flows plus one pass
 * over the table in the kernel).  Returns the count or -1.
 */
int nat_ct_host_maps(void *ctx, int family, const union addr *in,
		     struct nat_map *out, unsigned cap);

/*
 * nat_ct_port_other - calls_kernel.other: true when the kernel translates
 * a UDP flow of another inside socket than a:in_port to public pub:port
 * (the administrator's masquerading made it: a NAT-aware phone's STUN
 * mapping).  One dump the kernel filters by the reply tuple's address
 * answers every port for the same asking socket for 50 ms (one
 * binding's choice of port costs one dump).  false for IPv6 and when
 * the kernel cannot be asked (logged).
 */
bool nat_ct_port_other(void *ctx, int family, const union addr *pub,
		       uint16_t port, const union addr *a, uint16_t in_port);

/*
 * nat_ct_flush_sip - at start: delete every UDP flow with one of the SIP
 * ports at either end, whoever made it, so the next SIP packets create
 * flows under the daemon's bindings instead of keeping a MASQUERADE
 * mapping made while it was down (which would clash with a binding on the
 * same public port).  Returns the count or -1.
 */
int nat_ct_flush_sip(struct nat_ct *h, const uint16_t *ports, unsigned n);

/*
 * nat_ct_flush_sip_adopt - nat_ct_flush_sip, and before the flows go, fn
 * is told the mapping of every one an inside socket sent out through
 * source NAT alone (in: the socket's address), so the daemon can keep
 * that socket on the same public port (a phone may have learned it).
 */
int nat_ct_flush_sip_adopt(struct nat_ct *h, const uint16_t *ports,
			   unsigned n,
			   void (*fn)(void *ctx, const struct nat_map *m,
				      const union addr *in),
			   void *ctx);

#endif
