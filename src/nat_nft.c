/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>

#include "log.h"
#include "nat_nft.h"
#include "nat_nft_int.h"
#include "nftx.h"

/* The handle's life and table ip sipalg's NAT half: the two maps, the
 * chains and rules that look them up (nat_from.c adds the media_from
 * filter, nat_nft_pin6.c the ip6 table, nat_nft_elem.c the elements). */

/* snat4: inside addr . port -> public; dnat4: public -> inside. */
static void put_maps(struct nat_nft *h, struct batch *bt, uint16_t excl)
{
	static const struct nat_nft_set snat4 = {
		.name = "snat4", .family = NFPROTO_IPV4, .id = SET_ID_SNAT,
		.key_type = TYPE_IPV4_PORT, .key_len = KEY_LEN,
		.data_type = TYPE_IPV4_PORT, .data_len = KEY_LEN
	}, dnat4 = {
		.name = "dnat4", .family = NFPROTO_IPV4, .id = SET_ID_DNAT,
		.key_type = TYPE_IPV4_PORT, .key_len = KEY_LEN,
		.data_type = TYPE_IPV4_PORT, .data_len = KEY_LEN
	};

	nat_nft_put_set(h, bt, &snat4, excl);
	nat_nft_put_set(h, bt, &dnat4, excl);
}

static void rule_nat(struct nftnl_rule *r, uint32_t type)
{
	struct nftnl_expr *e = nftnl_expr_alloc("nat");

	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, type);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MAX, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG32_01);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MAX, NFT_REG32_01);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS,
			   NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED);
	nftnl_rule_add_expr(r, e);
}

/*
 * udp, then (addr . port) -> lookup in the map -> mark the flow -> NAT to
 * the mapped addr . port.  A miss ends the rule: other traffic goes on to
 * the administrator's NAT rules untouched.  dst selects the destination
 * (DNAT) or the source (SNAT) half of the tuple.
 */
static void put_nat_rule(struct nat_nft *h, struct batch *bt,
			 const char *chain, bool dst)
{
	struct nftnl_rule *r = nftx_rule(NFT_TABLE, chain, NFPROTO_IPV4);

	nftx_l4proto(r, IPPROTO_UDP);
	nftx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, dst ? 16 : 12, 4,
		     NFT_REG_1);
	nftx_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, dst ? 2 : 0, 2,
		     NFT_REG32_01);
	nftx_lookup(r, dst ? "dnat4" : "snat4",
		    dst ? SET_ID_DNAT : SET_ID_SNAT, NFTX_MAP);
	nftx_ct_mark_set(r, h->ct_mark, REG_MARK);
	rule_nat(r, dst ? NFT_NAT_DNAT : NFT_NAT_SNAT);
	nftx_rule_put(nat_nft_msg(h, bt, NFT_MSG_NEWRULE,
				  NLM_F_CREATE | NLM_F_APPEND, "create rule"),
		      r);
	mnl_nlmsg_batch_next(bt->b);
}

static int nft_setup(struct nat_nft *h)
{
	struct batch bt;

	nat_nft_batch_start(h, &bt);
	/* add + delete + add: replaces a table left by an earlier run
	 * without failing when there is none. */
	nat_nft_put_table(h, &bt, NFT_MSG_NEWTABLE, "create table");
	nat_nft_put_table(h, &bt, NFT_MSG_DELTABLE, "delete old table");
	nat_nft_put_table(h, &bt, NFT_MSG_NEWTABLE, "create table");
	put_maps(h, &bt, NLM_F_EXCL);
	/* One step ahead of the usual NAT priorities: the first NAT chain
	 * that binds a flow wins, so ours precede MASQUERADE/DNAT rules. */
	nat_nft_put_chain(h, &bt, "pre", NF_INET_PRE_ROUTING, -101, "nat");
	nat_nft_put_chain(h, &bt, "post", NF_INET_POST_ROUTING, 99, "nat");
	put_nat_rule(h, &bt, "pre", true);
	put_nat_rule(h, &bt, "post", false);
	nat_from_setup(h, &bt, true);
	return nat_nft_batch_send(h, &bt);
}

/* Keep a table an earlier run left, elements and all (a restart): the
 * maps and chains are made only where missing, the two rules anew (the
 * mark may have changed). */
static int nft_setup_keep(struct nat_nft *h)
{
	struct batch bt;

	nat_nft_batch_start(h, &bt);
	nat_nft_put_table(h, &bt, NFT_MSG_NEWTABLE, "create table");
	put_maps(h, &bt, 0);
	nat_nft_put_chain(h, &bt, "pre", NF_INET_PRE_ROUTING, -101, "nat");
	nat_nft_put_chain(h, &bt, "post", NF_INET_POST_ROUTING, 99, "nat");
	nat_nft_put_flush(h, &bt, "pre", "flush chain");
	nat_nft_put_flush(h, &bt, "post", "flush chain");
	put_nat_rule(h, &bt, "pre", true);
	put_nat_rule(h, &bt, "post", false);
	nat_from_setup(h, &bt, false);
	return nat_nft_batch_send(h, &bt);
}

static int probe_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;
	uint64_t *left = data;

	if (!s || nftnl_set_elems_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return MNL_CB_OK;
	}
	it = nftnl_set_elems_iter_create(s);
	e = it ? nftnl_set_elems_iter_next(it) : NULL;
	if (e && nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_EXPIRATION))
		*left = nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_EXPIRATION);
	if (it)
		nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

/* Milliseconds left of snat4's element for key k, 0 when unknown. */
static uint64_t probe_left(struct nat_nft *h, const uint8_t *k)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	struct nlmsghdr *nlh;
	uint64_t left = 0;
	uint32_t seq = h->seq++;
	ssize_t n;

	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, "snat4");
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, k, KEY_LEN);
	nftnl_set_elem_add(s, e);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_IPV4,
				    NLM_F_ACK, seq);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	if (mnl_socket_sendto(h->nl, nlh, nlh->nlmsg_len) < 0)
		return 0;
	while ((n = mnl_socket_recvfrom(h->nl, buf, sizeof(buf))) > 0)
		if (mnl_cb_run(buf, (size_t)n, seq, h->portid, probe_cb,
			       &left) <= MNL_CB_STOP)
			break;
	return left;
}

/*
 * Does re-adding an element with a longer timeout update it in place?
 * Newer kernels do (checked on 6.18 with nft); older ones keep the old
 * timeout, so there a refresh stays a removal and an add.  Tried once at
 * start on an element no packet matches (0.0.0.0 port 0).
 */
static bool probe_in_place(struct nat_nft *h)
{
	struct nat_elem e = { .family = AF_INET, .proto = IPPROTO_UDP,
			      .timeout = 60 };
	uint8_t k[KEY_LEN];
	uint64_t left;

	nat_nft_key_pack(k, &e.in_addr, 0);
	if (nat_nft_apply_once(h, NULL, 0, &e, 1) < 0)
		return false;
	e.timeout = 3600;
	left = nat_nft_apply_once(h, NULL, 0, &e, 1) < 0 ? 0 : probe_left(h, k);
	nat_nft_apply_once(h, &e, 1, NULL, 0);
	return left > 60 * 1000;
}

void nat_nft_counts(const struct nat_nft *h, uint64_t *txns, uint64_t *adds,
		    uint64_t *dels)
{
	*txns = h->txns;
	*adds = h->n_add;
	*dels = h->n_del;
}

bool nat_nft_in_place(const struct nat_nft *h)
{
	return h->in_place;
}

static struct nat_nft *nft_open(uint32_t ct_mark, const char *outside,
				int (*setup)(struct nat_nft *))
{
	struct nat_nft *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->buf = malloc(BATCH_SIZE);
	h->nl = nftx_socket();
	if (!h->buf || !h->nl) {
		log_warn("nft: netlink socket");
		goto free_handle;
	}
	h->portid = mnl_socket_get_portid(h->nl);
	h->seq = (uint32_t)time(NULL);
	h->ct_mark = ct_mark;
	memcpy(h->outside, outside,
	       strnlen(outside, sizeof(h->outside) - 1));
	if (setup(h) < 0)
		goto free_handle;
	h->in_place = probe_in_place(h);
	log_info("nft: binding refreshes %s", h->in_place ?
		 "update the element's timeout in place" :
		 "remove and re-add the element (this kernel keeps the old "
		 "timeout on a re-add)");
	return h;

free_handle:
	if (h->nl)
		mnl_socket_close(h->nl);
	free(h->buf);
	free(h);
	return NULL;
}

struct nat_nft *nat_nft_open(uint32_t ct_mark, const char *outside)
{
	return nft_open(ct_mark, outside, nft_setup);
}

struct nat_nft *nat_nft_open_keep(uint32_t ct_mark, const char *outside)
{
	return nft_open(ct_mark, outside, nft_setup_keep);
}

void nat_nft_detach(struct nat_nft *h)
{
	if (!h)
		return;
	mnl_socket_close(h->nl);
	free(h->buf);
	free(h);
}

int nat_nft_reset(struct nat_nft *h)
{
	if (nft_setup(h) < 0)
		return -1;
	/* A flush took the IPv6 pinhole table too. */
	return h->v6 ? nat_nft_open6(h) : 0;
}

void nat_nft_close(struct nat_nft *h)
{
	struct batch bt;

	if (!h)
		return;
	nat_nft_batch_start(h, &bt);
	nat_nft_put_table(h, &bt, NFT_MSG_DELTABLE, "delete table");
	if (h->v6) {
		bt.family = NFPROTO_IPV6;
		nat_nft_put_table(h, &bt, NFT_MSG_DELTABLE, "delete ip6 table");
	}
	nat_nft_batch_send(h, &bt);
	mnl_socket_close(h->nl);
	free(h->buf);
	free(h);
}
