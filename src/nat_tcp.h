/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_NAT_TCP_H
#define SIPALG_NAT_TCP_H

#include "stream.h"

/*
 * The conntrack side of SIP over TCP (libnetfilter_conntrack): the public
 * address and port the NAT gave a connection, and window tracking made
 * liberal for that connection.  The gateway changes the length of its
 * messages, so the receiver acknowledges sequence numbers conntrack never
 * saw the sender use; without the NFQUEUE conntrack glue (the kernel's own
 * sequence adjustment) conntrack would mark those ACKs INVALID and a
 * stateful firewall would drop them.
 */

struct nat_tcp;

/* nat_tcp_open - a ctnetlink handle; NULL on error (logged). */
struct nat_tcp *nat_tcp_open(void);

void nat_tcp_close(struct nat_tcp *t);

/*
 * nat_tcp_conn - look up c's conntrack entry: c->sig.pub and pub_port
 * become its public side (the reply direction's destination when the
 * inside host connected, the original destination otherwise), and the
 * entry's TCP window tracking is made liberal both ways (IPv6, no NAT:
 * the public side is the phone's own).  0, or -1 when
 * there is no such entry.  ctx is the struct nat_tcp.
 */
int nat_tcp_conn(void *ctx, struct stream_conn *c);

/* The conntrack mark bit of a SIP-port TCP connection the daemon needs to
 * see no more (not SIP, not followed, nothing changed): the rules let its
 * segments pass without queueing them. */
#define NAT_TCP_PASS_MARK 0x40000000u

/*
 * nat_tcp_bypass - set NAT_TCP_PASS_MARK on the conntrack entry of the
 * connection (family AF_INET or AF_INET6) inside in:in_port <-> outside
 * out:out_port (whichever end
 * opened it), keeping the mark's other bits.  Quietly nothing when there
 * is no such entry.  ctx is the struct nat_tcp.
 */
void nat_tcp_bypass(void *ctx, int family, const union addr *in,
		    uint16_t in_port, const union addr *out, uint16_t out_port);

#endif
