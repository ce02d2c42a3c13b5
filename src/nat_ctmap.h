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
 * nat_ctmap_ports_other - the public ports on pub that the kernel gives
 * UDP flows of inside sockets other than in:in_port (their reply goes to
 * pub:port): a bit per port in other (8192 bytes, cleared first).  One
 * dump on sock the kernel filters by the reply tuple's address
 * (CTA_FILTER), sequence number seq.  0 or -1 (logged).
 */
int nat_ctmap_ports_other(struct mnl_socket *sock, uint32_t seq,
			  const union addr *pub, const union addr *in,
			  uint16_t in_port, uint8_t other[8192]);

#endif
