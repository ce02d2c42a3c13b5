/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_NAT_H
#define SIPALG_NAT_H

#include "conf.h"

/*
 * NAT bindings as the kernel sees them: one element pair in the daemon's
 * nft maps (SNAT inside -> public, DNAT public -> inside) per binding.
 * struct nat_elem is plain data so the pure planner can produce it; the
 * backends (nat_nft.c, nat_ct.c, a recorder in sipalg-replay) consume it.
 */

#define NAT_FROM_MAX 2	/* the far end's SDP address, its signalling */

struct nat_elem {
	int family;		/* AF_INET */
	uint8_t proto;		/* IPPROTO_UDP */
	union addr in_addr;
	uint16_t in_port;
	union addr pub_addr;
	uint16_t pub_port;
	uint32_t timeout;	/* seconds the kernel keeps it; backstop only */
	/* Media: where the far end's SDP said this stream goes (0: not
	 * known), so its flows can be deleted by tuple. */
	union addr peer_addr;
	uint16_t peer_port;
	/* media_from = sdp (media, IPv4): packets from the outside reach
	 * pub_addr:pub_port only from from[0..n_from) (none known yet:
	 * from none); filter false: from any host. */
	bool filter;
	uint8_t n_from;
	union addr from[NAT_FROM_MAX];
};

#define NAT_PLAN_MAX 96

/* What one message needs from the kernel before its verdict. */
struct nat_plan {
	struct nat_elem add[NAT_PLAN_MAX];
	unsigned n_add;
	struct nat_elem del[NAT_PLAN_MAX];
	unsigned n_del;
	bool overflow;
};

/* An existing kernel NAT mapping of one inside socket (UDP): conntrack
 * holds a flow from in_port whose reply goes to pub_addr:pub_port
 * (MASQUERADE made it, e.g. for a STUN request). */
struct nat_map {
	uint16_t in_port;
	union addr pub_addr;
	uint16_t pub_port;
};

/* A conntrack flow by its original-direction tuple (UDP). */
struct nat_flow {
	int family;
	union addr src, dst;
	uint16_t sport, dport;
};

struct nat_ops {
	const char *name;
	/* apply - install plan->add and remove plan->del in one atomic
	 * batch.  Returns 0 or -1 (nothing changed) with errno. */
	int (*apply)(void *ctx, const struct nat_plan *plan);
	/* forget - delete the conntrack entries of these (media) bindings
	 * that can be named by tuple (the far end known), at once, so
	 * packets sent afterwards meet no open flow.  Returns the number
	 * deleted or -1. */
	int (*forget)(void *ctx, const struct nat_elem *e, unsigned n);
	void *ctx;		/* for apply */
	void *forget_ctx;	/* for forget: the conntrack handle */
	/* unstale - delete these flows if they exist: media a phone started
	 * before its binding was installed (it answered and sent at once)
	 * went through plain masquerading and would keep that port.
	 * Optional (NULL: nothing done).  Returns the number deleted. */
	int (*unstale)(void *ctx, const struct nat_flow *f, unsigned n);
	/* sweep - delete every flow of these bindings, whatever its far
	 * end, in one pass over the conntrack table; run from the timer,
	 * off the per-message path.  Optional.  Returns the number deleted. */
	int (*sweep)(void *ctx, const struct nat_elem *e, unsigned n);
	/* host_maps - the kernel's NAT mappings of inside host in's UDP
	 * sockets, at most cap of them into out (one per inside port).
	 * Optional (NULL: none known).  Returns the count or -1. */
	int (*host_maps)(void *ctx, int family, const union addr *in,
			 struct nat_map *out, unsigned cap);
	/* refresh_in_place - adding an element that exists (same keys,
	 * same data) updates its timeout: a refresh is sent as the add
	 * alone.  false: as a removal and an add in one batch. */
	bool refresh_in_place;
	/* counts - optional: the kernel transactions sent since start and
	 * the map elements added and removed in them (counts_ctx). */
	void (*counts)(void *ctx, uint64_t *txns, uint64_t *adds,
		       uint64_t *dels);
	void *counts_ctx;
};

/* nat_plan_init - empty plan. */
void nat_plan_init(struct nat_plan *p);

/* nat_plan_add / nat_plan_del - append; -1 and overflow set when full.
 * A removal of an element this plan adds cancels the add instead (an add
 * and a remove of the same element in one message leave the kernel as it
 * was; a refresh's own earlier removal stays). */
int nat_plan_add(struct nat_plan *p, const struct nat_elem *e);
int nat_plan_del(struct nat_plan *p, const struct nat_elem *e);

#endif
