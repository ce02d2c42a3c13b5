/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
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
	};

	nat_nft_put_set(h, bt, &pin6, excl);
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
	struct nftnl_rule *r = nftx_rule(NFT_TABLE, "pre6", NFPROTO_IPV6);

	nftx_l4proto(r, IPPROTO_UDP);
	nftx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 24, 16, NFT_REG_1);
	nftx_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_04);
	nftx_lookup(r, "pin6", SET_ID_PIN6, 0);
	nftx_ct_mark_set(r, h->ct_mark, REG_MARK);
	nftx_rule_put(nat_nft_msg(h, bt, NFT_MSG_NEWRULE,
				  NLM_F_CREATE | NLM_F_APPEND,
				  "create rule pre6"),
		      r);
	mnl_nlmsg_batch_next(bt->b);
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
