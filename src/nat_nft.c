/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "log.h"
#include "nat_nft.h"
#include "nat_nft_int.h"

static void batch_start(struct nat_nft *h, struct batch *bt)
{
	bt->b = mnl_nlmsg_batch_start(h->buf, BATCH_SIZE);
	bt->n = 0;
	bt->last = NULL;
	bt->family = NFPROTO_IPV4;
	nftnl_batch_begin(mnl_nlmsg_batch_current(bt->b), h->seq++);
	mnl_nlmsg_batch_next(bt->b);
}

struct nlmsghdr *nat_nft_msg(struct nat_nft *h, struct batch *bt,
				  uint16_t type, uint16_t flags,
				  const char *what)
{
	if (bt->n < sizeof(bt->what) / sizeof(bt->what[0]))
		bt->what[bt->n] = what;
	if (!bt->n++)
		bt->first_seq = h->seq;
	if (bt->last)
		bt->last->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
	bt->last = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(bt->b), type,
					 bt->family, flags | NLM_F_ACK,
					 h->seq++);
	return bt->last;
}

/* Read errors until the last message's ack; never wait more than a
 * second: the packet path must not hang on a kernel that stopped
 * answering. */
static int batch_acks(struct nat_nft *h, const struct batch *bt)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t last = bt->first_seq + bt->n - 1;
	bool done = false;
	int err = 0;

	while (!done) {
		ssize_t n = mnl_socket_recvfrom(h->nl, buf, sizeof(buf));
		const struct nlmsghdr *nlh = (const void *)buf;
		int len = (int)n;

		if (n < 0)
			return -1;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			uint32_t i = nlh->nlmsg_seq - bt->first_seq;

			/* Ours: a message, or the batch start (a failed
			 * commit is reported there). */
			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_seq + 1 - bt->first_seq > bt->n)
				continue;
			if (e->error && !err) {
				err = -e->error;
				log_warnx("nft: %s failed: %s",
					  i < 8 && bt->what[i] ? bt->what[i]
							       : "batch",
					  strerror(err));
			}
			if (nlh->nlmsg_seq == last)
				done = true;
		}
	}
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

static int batch_send(struct nat_nft *h, struct batch *bt)
{
	nftnl_batch_end(mnl_nlmsg_batch_current(bt->b), h->seq++);
	mnl_nlmsg_batch_next(bt->b);
	if (mnl_socket_sendto(h->nl, mnl_nlmsg_batch_head(bt->b),
			      mnl_nlmsg_batch_size(bt->b)) < 0) {
		log_warn("nft: send batch");
		mnl_nlmsg_batch_stop(bt->b);
		return -1;
	}
	mnl_nlmsg_batch_stop(bt->b);
	return batch_acks(h, bt);
}

static void put_table(struct nat_nft *h, struct batch *bt, uint16_t type,
		      const char *what)
{
	struct nftnl_table *t = nftnl_table_alloc();
	uint16_t fl = type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0;
	struct nlmsghdr *nlh = nat_nft_msg(h, bt, type, fl, what);

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NFT_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, bt->family);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	mnl_nlmsg_batch_next(bt->b);
}

static void put_map(struct nat_nft *h, struct batch *bt, const char *name,
		    uint32_t id, uint16_t excl)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_IPV4);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, TYPE_IPV4_PORT);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, KEY_LEN);
	nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, TYPE_IPV4_PORT);
	nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, KEY_LEN);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_MAP | NFT_SET_TIMEOUT);
	/* Timeouts are a backstop (the daemon removes its elements), and a
	 * lookup never matches an expired element: the garbage collector,
	 * which walks every element, need not run every second (with
	 * 200,000 elements it took 20-25 ms of CPU per second). */
	nftnl_set_set_u32(s, NFTNL_SET_GC_INTERVAL, GC_INTERVAL_MS);
	nlh = nat_nft_msg(h, bt, NFT_MSG_NEWSET, NLM_F_CREATE | excl,
			"create map");
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	mnl_nlmsg_batch_next(bt->b);
}

void nat_nft_put_chain(struct nat_nft *h, struct batch *bt, const char *name,
		       uint32_t hook, int32_t prio, const char *type)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NFT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = nat_nft_msg(h, bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE, "create chain");
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	mnl_nlmsg_batch_next(bt->b);
}

void nat_nft_put_set(struct nat_nft *h, struct batch *bt,
		     const struct nat_nft_set *d, uint16_t excl)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, d->name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, d->family);
	nftnl_set_set_u32(s, NFTNL_SET_ID, d->id);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, d->key_type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, d->key_len);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_TIMEOUT);
	/* Timeouts are a backstop (the daemon removes its elements), and a
	 * lookup never matches an expired element: the garbage collector,
	 * which walks every element, need not run every second. */
	nftnl_set_set_u32(s, NFTNL_SET_GC_INTERVAL, GC_INTERVAL_MS);
	nlh = nat_nft_msg(h, bt, NFT_MSG_NEWSET, NLM_F_CREATE | excl,
			  "create set");
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	mnl_nlmsg_batch_next(bt->b);
}

static void expr_add(struct nftnl_rule *r, struct nftnl_expr *e)
{
	nftnl_rule_add_expr(r, e);
}

void nat_nft_rule_udp(struct nftnl_rule *r)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");
	uint8_t udp = IPPROTO_UDP;

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_L4PROTO);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	expr_add(r, e);
	e = nftnl_expr_alloc("cmp");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, &udp, sizeof(udp));
	expr_add(r, e);
}

void nat_nft_rule_payload(struct nftnl_rule *r, uint32_t base, uint32_t off,
			 uint32_t len, uint32_t reg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg);
	expr_add(r, e);
}

static void rule_lookup(struct nftnl_rule *r, const char *set, uint32_t id)
{
	struct nftnl_expr *e = nftnl_expr_alloc("lookup");

	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, id);
	expr_add(r, e);
}

static void rule_mark(struct nftnl_rule *r, uint32_t mark)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, REG_MARK);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &mark, sizeof(mark));
	expr_add(r, e);
	e = nftnl_expr_alloc("ct");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_MARK);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_SREG, REG_MARK);
	expr_add(r, e);
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
	expr_add(r, e);
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
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
	nat_nft_rule_udp(r);
	nat_nft_rule_payload(r, NFT_PAYLOAD_NETWORK_HEADER, dst ? 16 : 12, 4,
		     NFT_REG_1);
	nat_nft_rule_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, dst ? 2 : 0, 2,
		     NFT_REG32_01);
	rule_lookup(r, dst ? "dnat4" : "snat4",
		    dst ? SET_ID_DNAT : SET_ID_SNAT);
	rule_mark(r, h->ct_mark);
	rule_nat(r, dst ? NFT_NAT_DNAT : NFT_NAT_SNAT);
	nlh = nat_nft_msg(h, bt, NFT_MSG_NEWRULE,
			NLM_F_CREATE | NLM_F_APPEND, "create rule");
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	mnl_nlmsg_batch_next(bt->b);
}

static int nft_setup(struct nat_nft *h)
{
	struct batch bt;

	batch_start(h, &bt);
	/* add + delete + add: replaces a table left by an earlier run
	 * without failing when there is none. */
	put_table(h, &bt, NFT_MSG_NEWTABLE, "create table");
	put_table(h, &bt, NFT_MSG_DELTABLE, "delete old table");
	put_table(h, &bt, NFT_MSG_NEWTABLE, "create table");
	put_map(h, &bt, "snat4", SET_ID_SNAT, NLM_F_EXCL);
	put_map(h, &bt, "dnat4", SET_ID_DNAT, NLM_F_EXCL);
	/* One step ahead of the usual NAT priorities: the first NAT chain
	 * that binds a flow wins, so ours precede MASQUERADE/DNAT rules. */
	nat_nft_put_chain(h, &bt, "pre", NF_INET_PRE_ROUTING, -101, "nat");
	nat_nft_put_chain(h, &bt, "post", NF_INET_POST_ROUTING, 99, "nat");
	put_nat_rule(h, &bt, "pre", true);
	put_nat_rule(h, &bt, "post", false);
	nat_from_setup(h, &bt, true);
	return batch_send(h, &bt);
}

static void put_flush(struct nat_nft *h, struct batch *bt, const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nlh = nat_nft_msg(h, bt, NFT_MSG_DELRULE, 0, "flush chain");
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	mnl_nlmsg_batch_next(bt->b);
}

/* Keep a table an earlier run left, elements and all (a restart): the
 * maps and chains are made only where missing, the two rules anew (the
 * mark may have changed). */
static int nft_setup_keep(struct nat_nft *h)
{
	struct batch bt;

	batch_start(h, &bt);
	put_table(h, &bt, NFT_MSG_NEWTABLE, "create table");
	put_map(h, &bt, "snat4", SET_ID_SNAT, 0);
	put_map(h, &bt, "dnat4", SET_ID_DNAT, 0);
	nat_nft_put_chain(h, &bt, "pre", NF_INET_PRE_ROUTING, -101, "nat");
	nat_nft_put_chain(h, &bt, "post", NF_INET_POST_ROUTING, 99, "nat");
	put_flush(h, &bt, "pre");
	put_flush(h, &bt, "post");
	put_nat_rule(h, &bt, "pre", true);
	put_nat_rule(h, &bt, "post", false);
	nat_from_setup(h, &bt, false);
	return batch_send(h, &bt);
}

static int apply_once(struct nat_nft *h, const struct nat_elem *del,
		      unsigned n_del, const struct nat_elem *add,
		      unsigned n_add);

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
	if (apply_once(h, NULL, 0, &e, 1) < 0)
		return false;
	e.timeout = 3600;
	left = apply_once(h, NULL, 0, &e, 1) < 0 ? 0 : probe_left(h, k);
	apply_once(h, &e, 1, NULL, 0);
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
	struct timeval tv = { 1, 0 };

	if (!h)
		return NULL;
	h->buf = malloc(BATCH_SIZE);
	h->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!h->buf || !h->nl || mnl_socket_bind(h->nl, 0, MNL_SOCKET_AUTOPID)) {
		log_warn("nft: netlink socket");
		goto free_handle;
	}
	setsockopt(mnl_socket_get_fd(h->nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
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

static void key_unpack(const uint8_t *k, union addr *a, uint16_t *port)
{
	uint16_t p;

	memset(a, 0, sizeof(*a));
	memcpy(&a->v4, k, 4);
	memcpy(&p, k + 4, 2);
	*port = ntohs(p);
}

static int dump_elem(struct nat_nft_dump *d, struct nftnl_set_elem *el)
{
	uint32_t kl = 0, dl = 0;
	const uint8_t *k = nftnl_set_elem_get(el, NFTNL_SET_ELEM_KEY, &kl);
	const uint8_t *v = nftnl_set_elem_get(el, NFTNL_SET_ELEM_DATA, &dl);
	struct nat_elem *e;

	if (!k || !v || kl < 6 || dl < 6)
		return 0;
	e = nat_nft_dump_next(d, el);
	if (!e)
		return -1;
	e->family = AF_INET;
	key_unpack(k, &e->pub_addr, &e->pub_port);
	key_unpack(v, &e->in_addr, &e->in_port);
	return 0;
}

struct nat_elem *nat_nft_dump_next(struct nat_nft_dump *d,
				   struct nftnl_set_elem *el)
{
	struct nat_elem *e;

	if (d->n == d->cap) {
		void *m = realloc(d->e, (d->cap * 2 + 64) * sizeof(*d->e));

		if (!m)
			return NULL;
		d->e = m;
		d->cap = d->cap * 2 + 64;
	}
	e = &d->e[d->n++];
	memset(e, 0, sizeof(*e));
	e->proto = IPPROTO_UDP;
	if (nftnl_set_elem_is_set(el, NFTNL_SET_ELEM_EXPIRATION))
		e->timeout = (uint32_t)(nftnl_set_elem_get_u64(
				el, NFTNL_SET_ELEM_EXPIRATION) / 1000);
	return e;
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nat_nft_dump *d = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *el;
	int rc = MNL_CB_OK;

	if (!s || nftnl_set_elems_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return MNL_CB_ERROR;
	}
	it = nftnl_set_elems_iter_create(s);
	for (el = it ? nftnl_set_elems_iter_next(it) : NULL; el;
	     el = nftnl_set_elems_iter_next(it))
		if (d->elem(d, el) < 0)
			rc = MNL_CB_ERROR;
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return rc;
}

int nat_nft_dump_set(struct nat_nft *h, uint16_t family, const char *set,
		     struct nat_nft_dump *d, struct nat_elem **out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	uint32_t seq = h->seq++;
	ssize_t n;
	int rc;

	*out = NULL;
	if (!s)
		return -1;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, family,
				    NLM_F_DUMP, seq);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	if (mnl_socket_sendto(h->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		n = mnl_socket_recvfrom(h->nl, buf, sizeof(buf));
		rc = n < 0 ? -1 : mnl_cb_run(buf, (size_t)n, seq, h->portid,
					     dump_cb, d);
	} while (rc > 0);
	if (rc < 0 && errno != ENOENT) {
		free(d->e);
		return -1;
	}
	*out = d->e;
	return (int)d->n;
}

int nat_nft_dump(struct nat_nft *h, struct nat_elem **out)
{
	struct nat_nft_dump d = { .elem = dump_elem };

	return nat_nft_dump_set(h, NFPROTO_IPV4, "dnat4", &d, out);
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
	batch_start(h, &bt);
	put_table(h, &bt, NFT_MSG_DELTABLE, "delete table");
	if (h->v6) {
		bt.family = NFPROTO_IPV6;
		put_table(h, &bt, NFT_MSG_DELTABLE, "delete ip6 table");
	}
	batch_send(h, &bt);
	mnl_socket_close(h->nl);
	free(h->buf);
	free(h);
}

void nat_nft_close6(struct nat_nft *h)
{
	struct batch bt;

	if (!h || !h->v6)
		return;
	batch_start(h, &bt);
	bt.family = NFPROTO_IPV6;
	put_table(h, &bt, NFT_MSG_DELTABLE, "delete ip6 table");
	if (batch_send(h, &bt) == 0)
		h->v6 = false;
}

void nat_nft_key_pack(uint8_t *k, const union addr *a, uint16_t port)
{
	uint16_t p = htons(port);

	memset(k, 0, KEY_LEN);
	memcpy(k, &a->v4, 4);
	memcpy(k + 4, &p, 2);
}

/* The element list of set name in nlh, laid out as libnftnl does; the
 * elements go into the returned nest (elems_put).  Built directly: the
 * library's objects cost an allocation per element on the packet path. */
static struct nlattr *elems_start(struct nlmsghdr *nlh, const char *name)
{
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, name);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NFT_TABLE);
	return mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
}

/* Element i (from 1) of the list: its key, and when adding its timeout
 * and (data not NULL: a map) its data. */
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
	list = elems_start(nlh, dnat ? "dnat4" : "snat4");
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

/* ---- IPv6: pinholes without NAT, table ip6 sipalg ---- */

/* ipv6_addr (8) . inet_service (13); 16 address bytes + the port padded
 * to 4. */
#define TYPE_IPV6_PORT ((8 << 6) | 13)
#define KEY6_LEN 20
#define SET_ID_PIN6 3

static void nft6_put_set(struct nat_nft *h, struct batch *bt, uint16_t excl)
{
	static const struct nat_nft_set pin6 = {
		"pin6", NFPROTO_IPV6, SET_ID_PIN6, TYPE_IPV6_PORT, KEY6_LEN
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
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, "pre6");
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_IPV6);
	nat_nft_rule_udp(r);
	nat_nft_rule_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 24, 16, NFT_REG_1);
	nat_nft_rule_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_04);
	{
		struct nftnl_expr *e = nftnl_expr_alloc("lookup");

		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, "pin6");
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, SET_ID_PIN6);
		expr_add(r, e);
	}
	rule_mark(r, h->ct_mark);
	nlh = nat_nft_msg(h, bt, NFT_MSG_NEWRULE,
			NLM_F_CREATE | NLM_F_APPEND, "create rule pre6");
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	mnl_nlmsg_batch_next(bt->b);
}

int nat_nft_open6(struct nat_nft *h)
{
	struct batch bt;

	batch_start(h, &bt);
	bt.family = NFPROTO_IPV6;
	put_table(h, &bt, NFT_MSG_NEWTABLE, "create ip6 table");
	put_table(h, &bt, NFT_MSG_DELTABLE, "delete old ip6 table");
	put_table(h, &bt, NFT_MSG_NEWTABLE, "create ip6 table");
	nft6_put_set(h, &bt, NLM_F_EXCL);
	nft6_put_chain(h, &bt);
	nft6_put_rule(h, &bt);
	if (batch_send(h, &bt) < 0)
		return -1;
	h->v6 = true;
	return 0;
}

int nat_nft_open6_keep(struct nat_nft *h)
{
	struct batch bt;

	batch_start(h, &bt);
	bt.family = NFPROTO_IPV6;
	put_table(h, &bt, NFT_MSG_NEWTABLE, "create ip6 table");
	nft6_put_set(h, &bt, 0);
	nft6_put_chain(h, &bt);
	/* The rule anew (the mark may have changed), the elements kept. */
	put_flush(h, &bt, "pre6");
	nft6_put_rule(h, &bt);
	if (batch_send(h, &bt) < 0)
		return -1;
	h->v6 = true;
	return 0;
}

static void nft6_put_pins(struct nat_nft *h, struct batch *bt, bool add,
			  const struct nat_elem *e, unsigned n)
{
	struct nlmsghdr *nlh;
	struct nlattr *list;
	unsigned i;

	bt->family = NFPROTO_IPV6;
	nlh = nat_nft_msg(h, bt, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
			add ? NLM_F_CREATE : 0,
			add ? "add pin6 elements" : "delete pin6 elements");
	list = elems_start(nlh, "pin6");
	for (i = 0; i < n; i++) {
		uint8_t k[KEY6_LEN] = { 0 };
		uint16_t p = htons(e[i].in_port);

		memcpy(k, &e[i].in_addr.v6, 16);
		memcpy(k + 16, &p, 2);
		elems_put(nlh, i + 1, k, KEY6_LEN, NULL, 0, add,
			  e[i].timeout);
	}
	mnl_attr_nest_end(nlh, list);
	mnl_nlmsg_batch_next(bt->b);
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

static int apply_once(struct nat_nft *h, const struct nat_elem *del,
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
	batch_start(h, &bt);
	if (nd4) {
		put_elems(h, &bt, false, false, d4, nd4);
		put_elems(h, &bt, true, false, d4, nd4);
		nat_from_put(h, &bt, false, d4, nd4);
	}
	if (nd6)
		nft6_put_pins(h, &bt, false, d6, nd6);
	if (na4) {
		put_elems(h, &bt, false, true, a4, na4);
		put_elems(h, &bt, true, true, a4, na4);
		nat_from_put(h, &bt, true, a4, na4);
	}
	if (na6)
		nft6_put_pins(h, &bt, true, a6, na6);
	return batch_send(h, &bt);
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
	if (apply_once(h, p->del, p->n_del, p->add, p->n_add) == 0)
		return 0;
	if (!p->n_del || errno != ENOENT)
		return -1;
	/* An element the daemon still knew had gone (kernel timeout): the
	 * whole batch was refused.  Delete one by one, then add. */
	for (i = 0; i < p->n_del; i++)
		apply_once(h, &p->del[i], 1, NULL, 0);
	return apply_once(h, NULL, 0, p->add, p->n_add);
}
