/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "log.h"
#include "nat_nft_int.h"
#include "nftx.h"

/* One nftables transaction (a batch and its acks), and the objects the
 * backend's tables share: the table itself, base chains, sets and a
 * chain's flush (their rule expressions: nftx.c). */

void nat_nft_batch_start(struct nat_nft *h, struct batch *bt)
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

int nat_nft_batch_send(struct nat_nft *h, struct batch *bt)
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

void nat_nft_put_table(struct nat_nft *h, struct batch *bt, uint16_t type,
		       const char *what)
{
	uint16_t fl = type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0;

	nftx_table_put(nat_nft_msg(h, bt, type, fl, what), NFT_TABLE,
		       bt->family);
	mnl_nlmsg_batch_next(bt->b);
}

void nat_nft_put_chain(struct nat_nft *h, struct batch *bt, const char *name,
		       uint32_t hook, int32_t prio, const char *type)
{
	nftx_chain_put(nat_nft_msg(h, bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE,
				   "create chain"),
		       NFT_TABLE, name, hook, prio, type);
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
	if (d->data_len) {
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, d->data_type);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, d->data_len);
	}
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_TIMEOUT |
			  (d->data_len ? NFT_SET_MAP : 0));
	/* Timeouts are a backstop (the daemon removes its elements), and a
	 * lookup never matches an expired element: the garbage collector,
	 * which walks every element, need not run every second (with
	 * 200,000 elements it took 20-25 ms of CPU per second). */
	nftnl_set_set_u32(s, NFTNL_SET_GC_INTERVAL, GC_INTERVAL_MS);
	nlh = nat_nft_msg(h, bt, NFT_MSG_NEWSET, NLM_F_CREATE | excl,
			  d->data_len ? "create map" : "create set");
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	mnl_nlmsg_batch_next(bt->b);
}

void nat_nft_put_flush(struct nat_nft *h, struct batch *bt, const char *chain,
		       const char *what)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nlh = nat_nft_msg(h, bt, NFT_MSG_DELRULE, 0, what);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	mnl_nlmsg_batch_next(bt->b);
}
