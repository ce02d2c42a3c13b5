/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "nat_nft.h"
#include "nat_nft_int.h"
#include "nftx.h"

/* ---- IPv6: pinholes without NAT, table ip6 sipalg ---- */

static void nft6_put_set(struct nat_nft *h, struct batch *bt, uint16_t excl)
{
	static const struct nat_nft_set pin6 = {
		.name = "pin6", .family = NFPROTO_IPV6, .id = SET_ID_PIN6,
		.key_type = TYPE_IPV6_PORT, .key_len = KEY6_LEN
	}, filt6 = {
		.name = "filt6", .family = NFPROTO_IPV6, .id = SET_ID_FILT6,
		.key_type = TYPE_IPV6_PORT, .key_len = KEY6_LEN
	}, from6 = {
		.name = "from6", .family = NFPROTO_IPV6, .id = SET_ID_FROM6,
		.key_type = TYPE_FROM6, .key_len = FROM6_KEY_LEN
	}, pin6t = {
		.name = "pin6t", .family = NFPROTO_IPV6, .id = SET_ID_PIN6T,
		.key_type = TYPE_FROM6, .key_len = FROM6_KEY_LEN
	};

	nat_nft_put_set(h, bt, &pin6, excl);
	/* A table an older version kept has no filter sets: never
	 * exclusive (they are empty when new). */
	nat_nft_put_set(h, bt, &filt6, 0);
	nat_nft_put_set(h, bt, &from6, 0);
	nat_nft_put_set(h, bt, &pin6t, 0);
}

/* The key source . destination . destination port into registers 1,
 * 1+16 and 1+32 (from6 and pin6t). */
static void nft6_src_dst_port(struct nftnl_rule *r)
{
	nftx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, NFT_REG_1);
	nftx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 24, 16, NFT_REG32_04);
	nftx_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_08);
}

/* One rule of pre6 into bt. */
static void nft6_rule_send(struct nat_nft *h, struct batch *bt,
			   struct nftnl_rule *r, const char *what)
{
	nftx_rule_put(nat_nft_msg(h, bt, NFT_MSG_NEWRULE,
				  NLM_F_CREATE | NLM_F_APPEND, what),
		      r);
	mnl_nlmsg_batch_next(bt->b);
}

/* tcp, ip6 saddr . ip6 daddr . tcp dport in @pin6t -> mark the flow: a
 * registrar's new connection to a phone registered over TCP. */
static void nft6_put_tcp_rule(struct nat_nft *h, struct batch *bt)
{
	struct nftnl_rule *r = nftx_rule(NFT_TABLE, "pre6", NFPROTO_IPV6);

	nftx_l4proto(r, IPPROTO_TCP);
	nft6_src_dst_port(r);
	nftx_lookup(r, "pin6t", SET_ID_PIN6T, 0);
	nftx_ct_mark_set(r, h->ct_mark, REG_MARK);
	nft6_rule_send(h, bt, r, "create rule pre6 (TCP registrations)");
}

/* ct direction original: a packet of a flow the outside started (not a
 * reply in one the phone started). */
static void nft6_ct_original(struct nftnl_rule *r)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");
	uint8_t dir = 0;	/* IP_CT_DIR_ORIGINAL */

	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_DIRECTION);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
	nftx_cmp(r, NFT_CMP_EQ, &dir, sizeof(dir));
}

/* media_from = sdp (as table ip's chain from): iifname OUTSIDE udp
 * ct direction original, ip6 daddr . udp dport @filt6, ip6 saddr . ip6
 * daddr . udp dport not in @from6 -> counter drop.  Before the mark rule:
 * a dropped packet makes no flow.  Flows the phone started itself are
 * its own business (the hole is the phone's own address and port, which
 * it may use for other flows), whatever filt6 still holds. */
static void nft6_put_from_rule(struct nat_nft *h, struct batch *bt)
{
	struct nftnl_rule *r = nftx_rule(NFT_TABLE, "pre6", NFPROTO_IPV6);

	nftx_ifname(r, NFT_META_IIFNAME, NFT_CMP_EQ, h->outside);
	nftx_l4proto(r, IPPROTO_UDP);
	nft6_ct_original(r);
	nftx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 24, 16, NFT_REG_1);
	nftx_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_04);
	nftx_lookup(r, "filt6", SET_ID_FILT6, 0);
	nft6_src_dst_port(r);
	nftx_lookup(r, "from6", SET_ID_FROM6, NFTX_INV);
	nftx_count_verdict(r, NF_DROP);
	nft6_rule_send(h, bt, r, "create rule pre6 (media_from)");
}

static void nft6_put_chain(struct nat_nft *h, struct batch *bt)
{
	/* After conntrack (-200), so the flow exists to be marked. */
	nat_nft_put_chain(h, bt, "pre6", NF_INET_PRE_ROUTING, -150, "filter");
}

/* udp, ip6 daddr . udp dport in @pin6 -> mark the flow; the installed
 * FORWARD rule accepts the mark, so the hole lets new flows in. */
static void nft6_put_rule(struct nat_nft *h, struct batch *bt)
{
	struct nftnl_rule *r;

	nft6_put_from_rule(h, bt);
	nft6_put_tcp_rule(h, bt);
	r = nftx_rule(NFT_TABLE, "pre6", NFPROTO_IPV6);
	nftx_l4proto(r, IPPROTO_UDP);
	nftx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 24, 16, NFT_REG_1);
	nftx_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_04);
	nftx_lookup(r, "pin6", SET_ID_PIN6, 0);
	nftx_ct_mark_set(r, h->ct_mark, REG_MARK);
	nft6_rule_send(h, bt, r, "create rule pre6");
}

int nat_nft_open6(struct nat_nft *h)
{
	struct batch bt;

	nat_nft_batch_start(h, &bt);
	bt.family = NFPROTO_IPV6;
	nat_nft_put_table(h, &bt, NFT_MSG_NEWTABLE, "create ip6 table");
	nat_nft_put_table(h, &bt, NFT_MSG_DELTABLE, "delete old ip6 table");
	nat_nft_put_table(h, &bt, NFT_MSG_NEWTABLE, "create ip6 table");
	nft6_put_set(h, &bt, NLM_F_EXCL);
	nft6_put_chain(h, &bt);
	nft6_put_rule(h, &bt);
	if (nat_nft_batch_send(h, &bt) < 0)
		return -1;
	h->v6 = true;
	return 0;
}

int nat_nft_open6_keep(struct nat_nft *h)
{
	struct batch bt;

	nat_nft_batch_start(h, &bt);
	bt.family = NFPROTO_IPV6;
	nat_nft_put_table(h, &bt, NFT_MSG_NEWTABLE, "create ip6 table");
	nft6_put_set(h, &bt, 0);
	nft6_put_chain(h, &bt);
	/* The rule anew (the mark may have changed), the elements kept. */
	nat_nft_put_flush(h, &bt, "pre6", "flush chain");
	nft6_put_rule(h, &bt);
	if (nat_nft_batch_send(h, &bt) < 0)
		return -1;
	h->v6 = true;
	return 0;
}

void nat_nft_close6(struct nat_nft *h)
{
	struct batch bt;

	if (!h || !h->v6)
		return;
	nat_nft_batch_start(h, &bt);
	bt.family = NFPROTO_IPV6;
	nat_nft_put_table(h, &bt, NFT_MSG_DELTABLE, "delete ip6 table");
	if (nat_nft_batch_send(h, &bt) == 0)
		h->v6 = false;
}

/* One element of filt6 (from < 0) or of from6 (the admitted source
 * e->from[from]) into list at index i. */
static void from6_elem(struct nlmsghdr *nlh, unsigned i,
		       const struct nat_elem *e, int from, bool add)
{
	uint8_t k[FROM6_KEY_LEN] = { 0 };
	uint16_t p = htons(e->in_port);
	size_t o = from < 0 ? 0 : 16;

	if (from >= 0)
		memcpy(k, &e->from[from].v6, 16);
	memcpy(k + o, &e->in_addr.v6, 16);
	memcpy(k + o + 16, &p, 2);
	nat_nft_elem_put(nlh, i, k, from < 0 ? KEY6_LEN : FROM6_KEY_LEN, add,
			 e->timeout);
}

static void from6_set(struct nat_nft *h, struct batch *bt, bool add,
		      bool from, const struct nat_elem *e, unsigned n)
{
	struct nlmsghdr *nlh;
	struct nlattr *list;
	unsigned i, j, k = 0;

	for (i = 0; i < n; i++)
		k += e[i].filter ? (from ? e[i].n_from : 1u) : 0u;
	if (!k)
		return;
	nlh = nat_nft_msg(h, bt, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
			  add ? NLM_F_CREATE : 0,
			  from ? (add ? "add from6 elements"
				      : "delete from6 elements")
			       : (add ? "add filt6 elements"
				      : "delete filt6 elements"));
	list = nat_nft_elems_start(nlh, from ? "from6" : "filt6");
	for (i = 0, k = 0; i < n; i++) {
		if (!e[i].filter)
			continue;
		if (!from)
			from6_elem(nlh, ++k, &e[i], -1, add);
		for (j = 0; from && j < e[i].n_from && j < NAT_FROM_MAX; j++)
			from6_elem(nlh, ++k, &e[i], (int)j, add);
	}
	mnl_attr_nest_end(nlh, list);
	mnl_nlmsg_batch_next(bt->b);
}

void nat_pin6t_put(struct nat_nft *h, struct batch *bt, bool add,
		   const struct nat_elem *e, unsigned n)
{
	struct nlmsghdr *nlh;
	struct nlattr *list;
	unsigned i, k = 0;

	for (i = 0; i < n; i++)
		k += e[i].proto == IPPROTO_TCP && e[i].n_from;
	if (!k)
		return;
	nlh = nat_nft_msg(h, bt, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
			  add ? NLM_F_CREATE : 0,
			  add ? "add pin6t elements" : "delete pin6t elements");
	list = nat_nft_elems_start(nlh, "pin6t");
	for (i = 0, k = 0; i < n; i++)
		if (e[i].proto == IPPROTO_TCP && e[i].n_from)
			from6_elem(nlh, ++k, &e[i], 0, add);
	mnl_attr_nest_end(nlh, list);
	mnl_nlmsg_batch_next(bt->b);
}

void nat_from6_put(struct nat_nft *h, struct batch *bt, bool add,
		   const struct nat_elem *e, unsigned n)
{
	from6_set(h, bt, add, false, e, n);
	from6_set(h, bt, add, true, e, n);
}

/* Listing the pin6 set a stop left, so that a restart takes its holes
 * over (restart.c).  The key: 16 address bytes, the port (network
 * order), padding. */

static int dump6_elem(struct nat_nft_dump *d, struct nftnl_set_elem *el)
{
	uint32_t kl = 0;
	const uint8_t *k = nftnl_set_elem_get(el, NFTNL_SET_ELEM_KEY, &kl);
	struct nat_elem *e;
	uint16_t p;

	if (!k || kl < 18)
		return 0;
	e = nat_nft_dump_next(d, el);
	if (!e)
		return -1;
	e->family = AF_INET6;
	memcpy(&e->in_addr.v6, k, 16);
	memcpy(&p, k + 16, 2);
	e->in_port = ntohs(p);
	e->pub_addr = e->in_addr;
	e->pub_port = e->in_port;
	return 0;
}

int nat_nft_dump6(struct nat_nft *h, struct nat_elem **out)
{
	struct nat_nft_dump d = { .elem = dump6_elem };

	return nat_nft_dump_set(h, NFPROTO_IPV6, "pin6", &d, out);
}
