/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "log.h"
#include "nat_nft.h"
#include "nat_nft_int.h"

/* The packet path's side of the backend: a plan's elements (bindings in
 * snat4/dnat4 and the media_from sets, pinholes in pin6) added and
 * removed in one transaction. */

/* The element list of set name in nlh, laid out as libnftnl does; the
 * elements go into the returned nest (elems_put).  Built directly: the
 * library's objects cost an allocation per element on the packet path. */
struct nlattr *nat_nft_elems_start(struct nlmsghdr *nlh, const char *name)
{
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, name);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NFT_TABLE);
	return mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
}

/* Element i (from 1) of the list: its key, and when adding its timeout
 * and (data not NULL: a map) its data. */
static void elems_put(struct nlmsghdr *nlh, unsigned i, const void *key,
		      size_t klen, const void *data, size_t dlen, bool add,
		      uint32_t timeout_s);

void nat_nft_elem_put(struct nlmsghdr *nlh, unsigned i, const void *key,
		      size_t klen, bool add, uint32_t timeout_s)
{
	elems_put(nlh, i, key, klen, NULL, 0, add, timeout_s);
}

static void elems_put(struct nlmsghdr *nlh, unsigned i, const void *key,
		      size_t klen, const void *data, size_t dlen, bool add,
		      uint32_t timeout_s)
{
	struct nlattr *el = mnl_attr_nest_start(nlh, (uint16_t)i), *v;

	if (add)
		mnl_attr_put_u64(nlh, NFTA_SET_ELEM_TIMEOUT,
				 htobe64((uint64_t)timeout_s * 1000));
	v = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, klen, key);
	mnl_attr_nest_end(nlh, v);
	if (add && data) {
		v = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
		mnl_attr_put(nlh, NFTA_DATA_VALUE, dlen, data);
		mnl_attr_nest_end(nlh, v);
	}
	mnl_attr_nest_end(nlh, el);
}

/* One message adding (or deleting) the elements of one map. */
static void put_elems(struct nat_nft *h, struct batch *bt, bool dnat,
		      bool add, const struct nat_elem *e, unsigned n)
{
	struct nlmsghdr *nlh;
	struct nlattr *list;
	unsigned i;

	nlh = nat_nft_msg(h, bt, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
			add ? NLM_F_CREATE : 0,
			add ? (dnat ? "add dnat4 elements"
				    : "add snat4 elements")
			    : (dnat ? "delete dnat4 elements"
				    : "delete snat4 elements"));
	list = nat_nft_elems_start(nlh, dnat ? "dnat4" : "snat4");
	for (i = 0; i < n; i++) {
		uint8_t in[KEY_LEN], pub[KEY_LEN];

		nat_nft_key_pack(in, &e[i].in_addr, e[i].in_port);
		nat_nft_key_pack(pub, &e[i].pub_addr, e[i].pub_port);
		elems_put(nlh, i + 1, dnat ? pub : in, KEY_LEN,
			  dnat ? in : pub, KEY_LEN, add, e[i].timeout);
	}
	mnl_attr_nest_end(nlh, list);
	mnl_nlmsg_batch_next(bt->b);
}

static void put_pins6(struct nat_nft *h, struct batch *bt, bool add,
		      const struct nat_elem *e, unsigned n)
{
	struct nlmsghdr *nlh;
	struct nlattr *list;
	unsigned i, k_udp = 0;

	bt->family = NFPROTO_IPV6;
	for (i = 0; i < n; i++)
		k_udp += e[i].proto != IPPROTO_TCP;
	nat_pin6t_put(h, bt, add, e, n);	/* TCP registrations */
	if (!k_udp) {
		bt->family = NFPROTO_IPV4;
		return;
	}
	nlh = nat_nft_msg(h, bt, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
			add ? NLM_F_CREATE : 0,
			add ? "add pin6 elements" : "delete pin6 elements");
	list = nat_nft_elems_start(nlh, "pin6");
	for (i = 0, k_udp = 0; i < n; i++) {
		uint8_t k[KEY6_LEN] = { 0 };
		uint16_t p = htons(e[i].in_port);

		if (e[i].proto == IPPROTO_TCP)
			continue;
		memcpy(k, &e[i].in_addr.v6, 16);
		memcpy(k + 16, &p, 2);
		elems_put(nlh, ++k_udp, k, KEY6_LEN, NULL, 0, add,
			  e[i].timeout);
	}
	mnl_attr_nest_end(nlh, list);
	mnl_nlmsg_batch_next(bt->b);
	nat_from6_put(h, bt, add, e, n);
	bt->family = NFPROTO_IPV4;
}

/* The elements of e[0..n) of family, copied to out; their count. */
static unsigned elems_of(int family, const struct nat_elem *e, unsigned n,
			 struct nat_elem *out)
{
	unsigned i, k = 0;

	for (i = 0; i < n; i++)
		if ((e[i].family == AF_INET6) == (family == AF_INET6))
			out[k++] = e[i];
	return k;
}

int nat_nft_apply_once(struct nat_nft *h, const struct nat_elem *del,
		       unsigned n_del, const struct nat_elem *add,
		       unsigned n_add)
{
	static struct nat_elem d4[NAT_PLAN_MAX], a4[NAT_PLAN_MAX];
	static struct nat_elem d6[NAT_PLAN_MAX], a6[NAT_PLAN_MAX];
	unsigned nd4, na4, nd6, na6;
	struct batch bt;

	if (!n_del && !n_add)
		return 0;
	if (n_del > NAT_PLAN_MAX || n_add > NAT_PLAN_MAX) {
		errno = E2BIG;
		return -1;
	}
	nd4 = elems_of(AF_INET, del, n_del, d4);
	na4 = elems_of(AF_INET, add, n_add, a4);
	nd6 = elems_of(AF_INET6, del, n_del, d6);
	na6 = elems_of(AF_INET6, add, n_add, a6);
	if ((nd6 || na6) && !h->v6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	h->txns++;
	h->n_add += n_add;
	h->n_del += n_del;
	nat_nft_batch_start(h, &bt);
	if (nd4) {
		put_elems(h, &bt, false, false, d4, nd4);
		put_elems(h, &bt, true, false, d4, nd4);
		nat_from_put(h, &bt, false, d4, nd4);
	}
	if (nd6)
		put_pins6(h, &bt, false, d6, nd6);
	if (na4) {
		put_elems(h, &bt, false, true, a4, na4);
		put_elems(h, &bt, true, true, a4, na4);
		nat_from_put(h, &bt, true, a4, na4);
	}
	if (na6)
		put_pins6(h, &bt, true, a6, na6);
	return nat_nft_batch_send(h, &bt);
}

static void elem_log(const char *what, const struct nat_elem *e)
{
	char in[ADDR_TEXT], pub[ADDR_TEXT];

	/* Debug, not info: several lines per call, each a write to the
	 * journal, cost more than the call's own work at a few thousand
	 * calls a second (the per-call line says what a call held). */
	if (log_level < 2)
		return;
	addr_ntop(e->family, &e->in_addr, in, sizeof(in), true);
	if (e->family == AF_INET6) {
		log_debug("pinhole %s %s:%u timeout %us", what, in,
			  e->in_port, e->timeout);
		return;
	}
	addr_ntop(e->family, &e->pub_addr, pub, sizeof(pub), true);
	log_debug("binding %s %s:%u <-> %s:%u timeout %us", what, in,
		  e->in_port, pub, e->pub_port, e->timeout);
}

int nat_nft_apply(void *ctx, const struct nat_plan *p)
{
	struct nat_nft *h = ctx;
	unsigned i;

	for (i = 0; i < p->n_del; i++)
		elem_log("del", &p->del[i]);
	for (i = 0; i < p->n_add; i++)
		elem_log("add", &p->add[i]);
	if (nat_nft_apply_once(h, p->del, p->n_del, p->add, p->n_add) == 0)
		return 0;
	if (!p->n_del || errno != ENOENT)
		return -1;
	/* An element the daemon still knew had gone (kernel timeout): the
	 * whole batch was refused.  Delete one by one, then add. */
	for (i = 0; i < p->n_del; i++)
		nat_nft_apply_once(h, &p->del[i], 1, NULL, 0);
	return nat_nft_apply_once(h, NULL, 0, p->add, p->n_add);
}
