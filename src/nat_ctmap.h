/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_NAT_CTMAP_H
#define SIPALG_NAT_CTMAP_H

#include "nat.h"

struct mnl_socket;

/*
 * nat_ctmap_query - the NAT mappings of inside host in's UDP flows, one
 * per inside port, at most cap into out: one dump on sock (a bound
 * NETLINK_NETFILTER socket, blocking; the kernel answers at once) that
 * the kernel filters by source address (CTA_FILTER), sequence number
 * seq.  Returns the count or -1 (logged).
 */
int nat_ctmap_query(struct mnl_socket *sock, uint32_t seq,
		    const union addr *in, struct nat_map *out, unsigned cap);

/*
 * nat_ctmap_port_other - does the kernel translate a UDP flow to public
 * pub:port (its reply goes there) whose inside end is not in:in_port?
 * One dump on sock filtered by the reply tuple (CTA_FILTER), sequence
 * number seq.  Returns 1 (another socket has that mapping), 0 (none, or
 * only in:in_port's own flows) or -1 (logged).
 */
int nat_ctmap_port_other(struct mnl_socket *sock, uint32_t seq,
			 const union addr *pub, uint16_t port,
			 const union addr *in, uint16_t in_port);

#endif
