/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <string.h>

#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "nat_nft_int.h"
#include "nftx.h"

/*
 * media_from = sdp in the kernel (table ip sipalg):
 *   set filt4: public addr . port of the media bindings that filter
 *   set from4: source addr . public addr . port, the far ends admitted
 *   chain from (filter, prerouting, -150: after conntrack, before the
 *   DNAT chain): iifname OUTSIDE udp, ip daddr . udp dport @filt4,
 *   ip saddr . ip daddr . udp dport != @from4 -> counter drop.
 * Every packet is looked at, not only a flow's first: when the far end
 * moves (a re-INVITE), the old one's flow is cut at once.  Dropped
 * before conntrack confirms a new flow, a probe leaves no state that
 * would later shadow the far end's own flow.  Packets from the inside
 * (hairpin) and other zones are not its business (the forward rules'
 * interface scoping is).
 */

#define TYPE_FROM4 ((((7 << 6) | 7) << 6) | 13)
#define FROM_KEY_LEN 12	/* saddr, daddr, port padded to 4 */
#define SET_ID_FILT 5
#define SET_ID_FROM 6
#define FROM_PRIO (-150)

static void put_rule(struct nat_nft *h, struct batch *bt)
{
	struct nftnl_rule *r = nftx_rule(NFT_TABLE, "from", NFPROTO_IPV4);

	nftx_ifname(r, NFT_META_IIFNAME, NFT_CMP_EQ, h->outside);
	nftx_l4proto(r, IPPROTO_UDP);
	/* daddr . dport in @filt4: registers 1 (4 bytes) and 1+4. */
	nftx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, NFT_REG_1);
	nftx_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_01);
	nftx_lookup(r, "filt4", SET_ID_FILT, 0);
	/* saddr . daddr . dport not in @from4. */
	nftx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, NFT_REG_1);
	nftx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, NFT_REG32_01);
	nftx_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_02);
	nftx_lookup(r, "from4", SET_ID_FROM, NFTX_INV);
	nftx_count_verdict(r, NF_DROP);
	nftx_rule_put(nat_nft_msg(h, bt, NFT_MSG_NEWRULE,
				  NLM_F_CREATE | NLM_F_APPEND,
				  "create rule from"),
		      r);
	mnl_nlmsg_batch_next(bt->b);
}

void nat_from_setup(struct nat_nft *h, struct batch *bt, bool excl)
{
	static const struct nat_nft_set filt4 = {
		.name = "filt4", .family = NFPROTO_IPV4, .id = SET_ID_FILT,
		.key_type = TYPE_IPV4_PORT, .key_len = KEY_LEN
	}, from4 = {
		.name = "from4", .family = NFPROTO_IPV4, .id = SET_ID_FROM,
		.key_type = TYPE_FROM4, .key_len = FROM_KEY_LEN
	};
	uint16_t x = excl ? NLM_F_EXCL : 0;

	nat_nft_put_set(h, bt, &filt4, x);
	nat_nft_put_set(h, bt, &from4, x);
	nat_nft_put_chain(h, bt, "from", NF_INET_PRE_ROUTING, FROM_PRIO,
			  "filter");
	if (!excl)
		nat_nft_put_flush(h, bt, "from", "flush chain from");
	put_rule(h, bt);
}

static bool filtered(const struct nat_elem *e)
{
	return e->filter && e->family == AF_INET;
}

static void elem_key(struct nftnl_set *s, const void *k, uint32_t len,
		     const struct nat_elem *e, bool add)
{
	struct nftnl_set_elem *el = nftnl_set_elem_alloc();

	nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, k, len);
	if (add)
		nftnl_set_elem_set_u64(el, NFTNL_SET_ELEM_TIMEOUT,
				       (uint64_t)e->timeout * 1000);
	nftnl_set_elem_add(s, el);
}

/* One message for one set: filt4 (from false) or from4. */
static void put_set_elems(struct nat_nft *h, struct batch *bt, bool add,
			  bool from, const struct nat_elem *e, unsigned n)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	unsigned i, j, k = 0;

	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, from ? "from4" : "filt4");
	for (i = 0; i < n; i++) {
		uint8_t key[FROM_KEY_LEN];

		if (!filtered(&e[i]))
			continue;
		if (!from) {
			nat_nft_key_pack(key, &e[i].pub_addr, e[i].pub_port);
			elem_key(s, key, KEY_LEN, &e[i], add);
			k++;
			continue;
		}
		for (j = 0; j < e[i].n_from && j < NAT_FROM_MAX; j++) {
			memcpy(key, &e[i].from[j].v4, 4);
			nat_nft_key_pack(key + 4, &e[i].pub_addr,
					 e[i].pub_port);
			elem_key(s, key, FROM_KEY_LEN, &e[i], add);
			k++;
		}
	}
	if (!k) {
		nftnl_set_free(s);
		return;
	}
	nlh = nat_nft_msg(h, bt, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
			  add ? NLM_F_CREATE : 0,
			  from ? (add ? "add from4 elements"
				      : "delete from4 elements")
			       : (add ? "add filt4 elements"
				      : "delete filt4 elements"));
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	mnl_nlmsg_batch_next(bt->b);
}

void nat_from_put(struct nat_nft *h, struct batch *bt, bool add,
		  const struct nat_elem *e, unsigned n)
{
	put_set_elems(h, bt, add, false, e, n);
	put_set_elems(h, bt, add, true, e, n);
}
