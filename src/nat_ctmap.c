/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "log.h"
#include "nat_ctmap.h"

/* The kernel's NAT mappings of one inside host's UDP sockets: a conntrack
 * dump the kernel filters by source address (issue 12, endpoint-
 * independent mapping: bindings adopt what the kernel already made). */

/* The kernel's dump filter (CTA_FILTER, Linux 5.8): which attributes of
 * CTA_TUPLE_ORIG must match.  Bit values from nf_conntrack_netlink.c
 * (CTA_FILTER_F_CTA_IP_SRC, CTA_FILTER_F_CTA_PROTO_NUM); not in the uapi
 * headers. */
#define CT_FILTER_IP_SRC (1u << 0)
#define CT_FILTER_IP_DST (1u << 1)
#define CT_FILTER_PROTO_NUM (1u << 3)

struct maps_ctx {
	const union addr *in;
	struct nat_map *out;
	unsigned n, cap;
	struct nf_conntrack *ct;
};

static void maps_put(struct maps_ctx *mc, uint16_t port, uint32_t pub,
		     uint16_t pub_port)
{
	unsigned i;

	for (i = 0; i < mc->n; i++)
		if (mc->out[i].in_port == port)
			return;		/* one mapping per socket: the first */
	if (mc->n == mc->cap)
		return;
	memset(&mc->out[mc->n], 0, sizeof(mc->out[mc->n]));
	mc->out[mc->n].in_port = port;
	mc->out[mc->n].pub_addr.v4.s_addr = pub;
	mc->out[mc->n].pub_port = pub_port;
	mc->n++;
}

/* One flow of the dump: a flow the host started whose reply goes to
 * another address (source NAT) is a mapping of its source port.  The
 * source is checked here too, in case the kernel ignored the filter. */
static int maps_cb(const struct nlmsghdr *nlh, void *data)
{
	struct maps_ctx *mc = data;
	struct nf_conntrack *ct = mc->ct;
	uint32_t src, rdst;

	if (nfct_nlmsg_parse(nlh, ct) < 0)
		return MNL_CB_OK;
	src = nfct_get_attr_u32(ct, ATTR_ORIG_IPV4_SRC);
	rdst = nfct_get_attr_u32(ct, ATTR_REPL_IPV4_DST);
	if (nfct_get_attr_u8(ct, ATTR_L4PROTO) == IPPROTO_UDP &&
	    src == mc->in->v4.s_addr && rdst != src)
		maps_put(mc, ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_SRC)),
			 rdst, ntohs(nfct_get_attr_u16(ct, ATTR_REPL_PORT_DST)));
	return MNL_CB_OK;
}

/* A dump request the kernel filters: by the original tuple's source
 * address (reply false: one host's flows) or by the reply tuple's
 * destination address (reply true: the flows NATed to the public
 * address); UDP only. */
static struct nlmsghdr *dump_request(char *buf, uint32_t seq, bool reply,
				     uint32_t addr)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;
	struct nlattr *tuple, *nest;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_INET;
	nfg->version = NFNETLINK_V0;
	tuple = mnl_attr_nest_start(nlh, reply ? CTA_TUPLE_REPLY
					       : CTA_TUPLE_ORIG);
	nest = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put_u32(nlh, reply ? CTA_IP_V4_DST : CTA_IP_V4_SRC, addr);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, IPPROTO_UDP);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_nest_end(nlh, tuple);
	nest = mnl_attr_nest_start(nlh, CTA_FILTER);
	mnl_attr_put_u32(nlh, CTA_FILTER_ORIG_FLAGS,
			 reply ? 0 : CT_FILTER_IP_SRC | CT_FILTER_PROTO_NUM);
	mnl_attr_put_u32(nlh, CTA_FILTER_REPLY_FLAGS,
			 reply ? CT_FILTER_IP_DST | CT_FILTER_PROTO_NUM : 0);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

/* Send request nlh (in buf, 32 KiB) on sock and run cb over every flow
 * of the answer.  The kernel answers a dump at once: the reads do not
 * wait on anything but the kernel walking its table.  0 or -1 (logged,
 * naming what was asked). */
static int dump_run(struct mnl_socket *sock, char *buf, size_t size,
		    const struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
		    const char *what)
{
	uint32_t portid = mnl_socket_get_portid(sock), seq = nlh->nlmsg_seq;
	ssize_t n;
	int rc = MNL_CB_OK;

	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0) {
		log_warn("conntrack: %s", what);
		return -1;
	}
	while (rc > MNL_CB_STOP) {
		n = mnl_socket_recvfrom(sock, buf, size);
		if (n <= 0)
			break;
		rc = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
	}
	if (rc < 0)
		log_warn("conntrack: %s", what);
	return rc < 0 ? -1 : 0;
}

int nat_ctmap_query(struct mnl_socket *sock, uint32_t seq,
		    const union addr *in, struct nat_map *out, unsigned cap)
{
	static char buf[32768];	/* a dump datagram */
	struct maps_ctx mc = { .in = in, .out = out, .cap = cap };
	int rc;

	mc.ct = nfct_new();
	if (!mc.ct)
		return -1;
	rc = dump_run(sock, buf, sizeof(buf),
		      dump_request(buf, seq, false, in->v4.s_addr),
		      maps_cb, &mc, "mappings of a host");
	nfct_destroy(mc.ct);
	return rc < 0 ? -1 : (int)mc.n;
}

/* Which public ports other sockets hold: the flows whose reply goes to
 * the public address. */
struct port_ctx {
	uint32_t pub, in;
	uint16_t in_port;	/* host order */
	uint8_t *other;		/* a bit per port */
	struct nf_conntrack *ct;
};

/* One flow of the dump: its reply goes to the public address (checked
 * here too, in case the kernel ignored the filter); unless its inside
 * end is the asking socket, its public port is another socket's. */
static int port_cb(const struct nlmsghdr *nlh, void *data)
{
	struct port_ctx *pc = data;
	struct nf_conntrack *ct = pc->ct;
	uint16_t p;

	if (nfct_nlmsg_parse(nlh, ct) < 0 ||
	    nfct_get_attr_u8(ct, ATTR_L4PROTO) != IPPROTO_UDP ||
	    nfct_get_attr_u32(ct, ATTR_REPL_IPV4_DST) != pc->pub)
		return MNL_CB_OK;
	if (nfct_get_attr_u32(ct, ATTR_ORIG_IPV4_SRC) != pc->in ||
	    ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_SRC)) != pc->in_port) {
		p = ntohs(nfct_get_attr_u16(ct, ATTR_REPL_PORT_DST));
		pc->other[p / 8] |= (uint8_t)(1u << (p % 8));
	}
	return MNL_CB_OK;
}

int nat_ctmap_ports_other(struct mnl_socket *sock, uint32_t seq,
			  const union addr *pub, const union addr *in,
			  uint16_t in_port, uint8_t other[8192])
{
	static char buf[32768];	/* a dump datagram */
	struct port_ctx pc = { .pub = pub->v4.s_addr, .in = in->v4.s_addr,
			       .in_port = in_port, .other = other };
	int rc;

	memset(other, 0, 8192);
	pc.ct = nfct_new();
	if (!pc.ct)
		return -1;
	rc = dump_run(sock, buf, sizeof(buf),
		      dump_request(buf, seq, true, pc.pub), port_cb, &pc,
		      "flows on the public address");
	nfct_destroy(pc.ct);
	return rc;
}
