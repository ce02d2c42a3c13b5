/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nf_conntrack_tcp.h>

#include "log.h"
#include "nat_tcp.h"

struct nat_tcp {
	struct nfct_handle *h;
	struct nf_conntrack *got;	/* the answer to a GET */
	bool found;
};

static int got_cb(enum nf_conntrack_msg_type type, struct nf_conntrack *ct,
		  void *data)
{
	struct nat_tcp *t = data;

	(void)type;
	nfct_copy(t->got, ct, NFCT_CP_OVERRIDE);
	t->found = true;
	/* Not NFCT_CB_STOP: the kernel's ACK follows the answer, and left
	 * unread it would be taken as the answer to the next query (a GET
	 * "succeeding" with no entry, an UPDATE not waiting for its own). */
	return NFCT_CB_CONTINUE;
}

struct nat_tcp *nat_tcp_open(void)
{
	struct nat_tcp *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->h = nfct_open(CONNTRACK, 0);
	t->got = nfct_new();
	if (!t->h || !t->got) {
		log_warn("conntrack: nfct_open (TCP)");
		nat_tcp_close(t);
		return NULL;
	}
	nfct_callback_register(t->h, NFCT_T_ALL, got_cb, t);
	return t;
}

void nat_tcp_close(struct nat_tcp *t)
{
	if (!t)
		return;
	if (t->h)
		nfct_close(t->h);
	if (t->got)
		nfct_destroy(t->got);
	free(t);
}

/* The tuple inside -> outside: the original direction when the inside
 * host connected, else the reply direction. */
static void tuple_set(struct nf_conntrack *ct, const struct stream_conn *c)
{
	bool o = c->from_inside;

	nfct_set_attr_u8(ct, ATTR_L3PROTO, (uint8_t)c->family);
	nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_TCP);
	if (c->family == AF_INET6) {
		nfct_set_attr(ct, o ? ATTR_IPV6_SRC : ATTR_REPL_IPV6_SRC,
			      &c->in_addr.v6);
		nfct_set_attr(ct, o ? ATTR_IPV6_DST : ATTR_REPL_IPV6_DST,
			      &c->out_addr.v6);
	} else {
		nfct_set_attr_u32(ct, o ? ATTR_IPV4_SRC : ATTR_REPL_IPV4_SRC,
				  c->in_addr.v4.s_addr);
		nfct_set_attr_u32(ct, o ? ATTR_IPV4_DST : ATTR_REPL_IPV4_DST,
				  c->out_addr.v4.s_addr);
	}
	nfct_set_attr_u16(ct, o ? ATTR_PORT_SRC : ATTR_REPL_PORT_SRC,
			  htons(c->in_port));
	nfct_set_attr_u16(ct, o ? ATTR_PORT_DST : ATTR_REPL_PORT_DST,
			  htons(c->out_port));
}

static int find(struct nat_tcp *t, struct stream_conn *c);

/* IP_CT_TCP_FLAG_BE_LIBERAL on both directions of the entry found. */
static void make_liberal(struct nat_tcp *t)
{
	struct nf_conntrack *ct = nfct_new();

	if (!ct)
		return;
	nfct_copy(ct, t->got, NFCT_CP_ORIG);
	nfct_set_attr_u8(ct, ATTR_TCP_FLAGS_ORIG, IP_CT_TCP_FLAG_BE_LIBERAL);
	nfct_set_attr_u8(ct, ATTR_TCP_MASK_ORIG, IP_CT_TCP_FLAG_BE_LIBERAL);
	nfct_set_attr_u8(ct, ATTR_TCP_FLAGS_REPL, IP_CT_TCP_FLAG_BE_LIBERAL);
	nfct_set_attr_u8(ct, ATTR_TCP_MASK_REPL, IP_CT_TCP_FLAG_BE_LIBERAL);
	if (nfct_query(t->h, NFCT_Q_UPDATE, ct) < 0)
		log_warn("conntrack: liberal window tracking for a SIP/TCP "
			 "connection");
	nfct_destroy(ct);
}

int nat_tcp_conn(void *ctx, struct stream_conn *c)
{
	struct nat_tcp *t = ctx;

	if (find(t, c) < 0)
		return -1;
	if (c->family == AF_INET6) {	/* no NAT: the phone's own */
		c->sig.pub = c->in_addr;
		c->sig.pub_port = c->in_port;
	} else if (c->from_inside) {
		c->sig.pub.v4.s_addr = nfct_get_attr_u32(t->got,
							 ATTR_REPL_IPV4_DST);
		c->sig.pub_port = ntohs(nfct_get_attr_u16(t->got,
							  ATTR_REPL_PORT_DST));
	} else {
		c->sig.pub.v4.s_addr = nfct_get_attr_u32(t->got, ATTR_IPV4_DST);
		c->sig.pub_port = ntohs(nfct_get_attr_u16(t->got,
							  ATTR_PORT_DST));
	}
	make_liberal(t);
	return 0;
}

/* Find the entry inside -> outside as the original or the reply tuple. */
static int find(struct nat_tcp *t, struct stream_conn *c)
{
	struct nf_conntrack *ct;
	int rc;

	ct = nfct_new();
	if (!ct)
		return -1;
	tuple_set(ct, c);
	t->found = false;
	rc = nfct_query(t->h, NFCT_Q_GET, ct);
	nfct_destroy(ct);
	return rc < 0 || !t->found ? -1 : 0;
}

void nat_tcp_bypass(void *ctx, int family, const union addr *in,
		    uint16_t in_port, const union addr *out, uint16_t out_port)
{
	struct nat_tcp *t = ctx;
	struct stream_conn c = { .family = family,
				 .in_addr = *in, .out_addr = *out,
				 .in_port = in_port, .out_port = out_port,
				 .from_inside = true };
	struct nf_conntrack *ct;

	if (find(t, &c) < 0) {
		c.from_inside = false;
		if (find(t, &c) < 0)
			return;
	}
	ct = nfct_new();
	if (!ct)
		return;
	nfct_copy(ct, t->got, NFCT_CP_ORIG);
	nfct_set_attr_u32(ct, ATTR_MARK,
			  nfct_get_attr_u32(t->got, ATTR_MARK) |
				  NAT_TCP_PASS_MARK);
	if (nfct_query(t->h, NFCT_Q_UPDATE, ct) < 0)
		log_warn("conntrack: mark a TCP connection to pass unqueued");
	nfct_destroy(ct);
}

