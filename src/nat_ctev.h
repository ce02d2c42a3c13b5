/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_NAT_CTEV_H
#define SIPALG_NAT_CTEV_H

#include "nat.h"

/*
 * The daemon's conntrack flows, learnt as the kernel creates them: a
 * conntrack event socket subscribed to new and destroyed flows, filtered
 * in the kernel to UDP flows carrying the daemon's mark (the mark its NAT
 * rules set), so flows of other traffic cost nothing here.  Each flow is
 * filed under the inside address:port of the binding(s) that translated
 * it: its original source when it was source-NATed (a phone's flow out),
 * its reply source when it was destination-NATed (a flow from outside to
 * a phone).  At a binding's end its flows are taken by that key and
 * deleted by exact tuple - no walk of the conntrack table.
 *
 * The record is complete only while no event was lost.  When the socket
 * overflows (ENOBUFS) it is marked stale; the owner (nat_ct.c) then walks
 * the table once, rebuilds the record from what it finds and marks it
 * fresh again.  It starts stale: flows may predate the daemon.
 */

struct nat_ctev;
struct nf_conntrack;

/* nat_ctev_open - subscribe to the flows marked ct_mark; NULL on error
 * (logged).  max_flows bounds the record (beyond it: stale). */
struct nat_ctev *nat_ctev_open(uint32_t ct_mark, unsigned max_flows);

void nat_ctev_close(struct nat_ctev *v);

/* nat_ctev_fd - the event socket, to poll for input. */
int nat_ctev_fd(const struct nat_ctev *v);

/* nat_ctev_read - handle every event waiting (never blocks).  Returns the
 * number handled; a lost event marks the record stale. */
int nat_ctev_read(struct nat_ctev *v);

/* nat_ctev_stale - whether flows may be missing from the record. */
bool nat_ctev_stale(const struct nat_ctev *v);

/* nat_ctev_reset - forget every flow and mark the record fresh; the caller
 * then adds what a walk of the table finds (nat_ctev_add_ct).  Events
 * waiting in the socket are read first and dropped. */
void nat_ctev_reset(struct nat_ctev *v);

/* nat_ctev_add - file one flow: its original tuple, the original
 * destination and the reply source and destination (for which end was
 * translated).  Ignored (and counted) when it is there already. */
void nat_ctev_add(struct nat_ctev *v, const struct nat_flow *orig,
		  const union addr *repl_src, uint16_t repl_sport,
		  const union addr *repl_dst, uint16_t repl_dport);

/* nat_ctev_add_ct - nat_ctev_add for a flow as libnetfilter_conntrack
 * parsed it (a walk's entry); IPv4 UDP only. */
void nat_ctev_add_ct(struct nat_ctev *v, const struct nf_conntrack *ct);

/* nat_ctev_take - remove the flows filed under inside a:port and copy
 * their original tuples to out[0..max); returns how many were copied (the
 * rest stay filed when more than max). */
unsigned nat_ctev_take(struct nat_ctev *v, const union addr *a,
		       uint16_t port, struct nat_flow *out, unsigned max);

/* nat_ctev_drop - remove the flow with this original tuple, if filed. */
void nat_ctev_drop(struct nat_ctev *v, const struct nat_flow *orig);

/* nat_ctev_count - flows filed now. */
unsigned nat_ctev_count(const struct nat_ctev *v);

/* nat_ctev_list - up to max filed flows: original tuples and the inside
 * keys they are filed under (port 0: none).  Returns the count. */
struct nat_ctev_ent {
	struct nat_flow orig;
	union addr key_addr[2];
	uint16_t key_port[2];
};
unsigned nat_ctev_list(const struct nat_ctev *v, struct nat_ctev_ent *out,
		       unsigned max);

#endif
