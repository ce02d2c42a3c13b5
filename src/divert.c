/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/xt_NFQUEUE.h>
#include <linux/rtnetlink.h>

#include "divert.h"
#include "log.h"
#include "nftx.h"

#define DIVERT_TABLE "sipalg"
#define DIVERT_CHAIN "divert"
#define DIVERT_FWD_CHAIN "zones"
/* NF_IP_PRI_MANGLE: the same place as iptables' mangle POSTROUTING
 * (after the forward filter, before NAT). */
#define DIVERT_PRIO (-150)
#define DIVERT_BUF (64 * 1024)
/* = NAT_TCP_PASS_MARK (nat_tcp.h): the connections the daemon let go. */
#define DIVERT_TCP_PASS_MARK 0x40000000u
/* The xtables NFQUEUE target revision whose info is xt_NFQ_info_v3. */
#define NFQUEUE_TG_REV 3

struct divert {
	struct mnl_socket *nl;
	uint32_t seq;
	const struct conf *conf;
	bool installed;		/* we created the table */
	bool use_xt;		/* no nft queue expression: xt target */
	char *buf;
};

/* ---- one transaction ------------------------------------------------- */

static struct nlmsghdr *tx_msg(struct divert *d, struct mnl_nlmsg_batch *b,
			       uint16_t type, uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), type,
				     NFPROTO_INET, flags | NLM_F_ACK,
				     d->seq++);
}

/* Read answers until every message of [first, last] was acked or one
 * failed; at most a second per read (the kernel may not answer). */
static int tx_acks(struct divert *d, uint32_t first, uint32_t last)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t acked = 0, want = last - first + 1;
	int err = 0;

	while (acked < want) {
		ssize_t n = mnl_socket_recvfrom(d->nl, buf, sizeof(buf));
		const struct nlmsghdr *nlh = (const void *)buf;
		int len = (int)n;

		if (n < 0)
			return -1;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_seq < first || nlh->nlmsg_seq > last)
				continue;
			acked++;
			if (e->error && !err)
				err = -e->error;
		}
		if (err)
			break;
	}
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

/* ---- the rules ------------------------------------------------------- */

static void rule_port(struct nftnl_rule *r, uint8_t proto, bool dst,
		      uint16_t port)
{
	uint16_t p = htons(port);

	nftx_l4proto(r, proto);
	nftx_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, dst ? 2 : 0, 2,
		     NFT_REG_1);
	nftx_cmp(r, NFT_CMP_EQ, &p, sizeof(p));
}

/* fib saddr type != local: SIP the router sends itself (a PBX on the
 * gateway) is not forwarded traffic and not ours to rewrite (iptables:
 * -m addrtype ! --src-type LOCAL). */
static void rule_not_local(struct nftnl_rule *r)
{
	struct nftnl_expr *e = nftnl_expr_alloc("fib");
	uint32_t local = RTN_LOCAL;

	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_SADDR);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
	nftx_cmp(r, NFT_CMP_NEQ, &local, sizeof(local));
}

/* queue num N bypass: with nobody bound to the queue the packet passes
 * (fail open).  Without nft_queue, the xtables target does the same. */
static void rule_queue(struct nftnl_rule *r, uint16_t num, bool xt)
{
	struct nftnl_expr *e;

	if (xt) {
		/* libnftnl keeps (and later frees) this pointer: no copy. */
		struct xt_NFQ_info_v3 *info = calloc(1, sizeof(*info));

		e = nftnl_expr_alloc("target");
		if (info) {
			info->queuenum = num;
			info->queues_total = 1;
			info->flags = NFQ_FLAG_BYPASS;
			nftnl_expr_set(e, NFTNL_EXPR_TG_INFO, info,
				       sizeof(*info));
		}
		nftnl_expr_set_str(e, NFTNL_EXPR_TG_NAME, "NFQUEUE");
		nftnl_expr_set_u32(e, NFTNL_EXPR_TG_REV, NFQUEUE_TG_REV);
	} else {
		e = nftnl_expr_alloc("queue");
		nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_NUM, num);
		nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_TOTAL, 1);
		nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_FLAGS,
				   NFT_QUEUE_FLAG_BYPASS);
	}
	nftnl_rule_add_expr(r, e);
}

static void put_rule(struct divert *d, struct mnl_nlmsg_batch *b,
		     const char *ifname, uint8_t proto, bool dst,
		     uint16_t port)
{
	struct nftnl_rule *r = nftx_rule(DIVERT_TABLE, DIVERT_CHAIN,
					 NFPROTO_INET);

	nftx_ifname(r, NFT_META_OIFNAME, NFT_CMP_EQ, ifname);
	rule_port(r, proto, dst, port);
	rule_not_local(r);
	rule_queue(r, d->conf->queue, d->use_xt);
	nftx_rule_put(tx_msg(d, b, NFT_MSG_NEWRULE,
			     NLM_F_CREATE | NLM_F_APPEND), r);
	mnl_nlmsg_batch_next(b);
}

static void put_table(struct divert *d, struct mnl_nlmsg_batch *b,
		      uint16_t type)
{
	uint16_t fl = type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0;

	nftx_table_put(tx_msg(d, b, type, fl), DIVERT_TABLE, NFPROTO_INET);
	mnl_nlmsg_batch_next(b);
}

static void put_chain(struct divert *d, struct mnl_nlmsg_batch *b,
		      const char *name, uint32_t hook, int32_t prio)
{
	nftx_chain_put(tx_msg(d, b, NFT_MSG_NEWCHAIN, NLM_F_CREATE),
		       DIVERT_TABLE, name, hook, prio, "filter");
	mnl_nlmsg_batch_next(b);
}

/* meta l4proto tcp ct mark & BIT == BIT counter return: a TCP connection the
 * daemon marked as needing it no more (not SIP, not followed, nothing
 * changed, nat_tcp_bypass) passes unqueued. */
static void put_pass_rule(struct divert *d, struct mnl_nlmsg_batch *b)
{
	struct nftnl_rule *r = nftx_rule(DIVERT_TABLE, DIVERT_CHAIN,
					 NFPROTO_INET);
	struct nftnl_expr *e;
	uint32_t bit = DIVERT_TCP_PASS_MARK, zero = 0;

	nftx_l4proto(r, IPPROTO_TCP);
	nftx_ct_mark_load(r);
	e = nftnl_expr_alloc("bitwise");
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, sizeof(bit));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &bit, sizeof(bit));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, sizeof(zero));
	nftnl_rule_add_expr(r, e);
	nftx_cmp(r, NFT_CMP_NEQ, &zero, sizeof(zero));
	/* Counted, as the iptables rule is: what passed unqueued. */
	nftx_count_verdict(r, NFT_RETURN);
	nftx_rule_put(tx_msg(d, b, NFT_MSG_NEWRULE,
			     NLM_F_CREATE | NLM_F_APPEND), r);
	mnl_nlmsg_batch_next(b);
}

/*
 * ct mark MARK iifname != OUTSIDE iifname != INSIDE counter drop: the
 * administrator's forward chain accepts the daemon's mark (README), and
 * with this backend that rule is theirs, often a plain "ct mark MARK
 * accept".  The daemon's holes are for the outside (their reason) and the
 * inside (hairpin, the phones' own side); a flow its maps marked that
 * arrives from another zone of the router (a DMZ, a guest network) is
 * dropped here, as the iptables backend's SIPALG_FWD leaves it to the
 * firewall's policy (issue 11).
 */
static void put_fwd_rule(struct divert *d, struct mnl_nlmsg_batch *b)
{
	struct nftnl_rule *r = nftx_rule(DIVERT_TABLE, DIVERT_FWD_CHAIN,
					 NFPROTO_INET);
	uint32_t mark = d->conf->ct_mark;

	nftx_ct_mark_load(r);
	nftx_cmp(r, NFT_CMP_EQ, &mark, sizeof(mark));
	nftx_ifname(r, NFT_META_IIFNAME, NFT_CMP_NEQ,
		    d->conf->outside_interface);
	nftx_ifname(r, NFT_META_IIFNAME, NFT_CMP_NEQ,
		    d->conf->inside_interface);
	nftx_count_verdict(r, NF_DROP);
	nftx_rule_put(tx_msg(d, b, NFT_MSG_NEWRULE,
			     NLM_F_CREATE | NLM_F_APPEND), r);
	mnl_nlmsg_batch_next(b);
}

static void put_rules(struct divert *d, struct mnl_nlmsg_batch *b)
{
	const struct conf *c = d->conf;
	const char *dev[2] = { c->outside_interface, c->inside_interface };
	/* SIP over TCP too: every segment of a connection on a SIP port
	 * (the daemon follows each stream from its SYN). */
	const uint8_t proto[2] = { IPPROTO_UDP, IPPROTO_TCP };
	unsigned i, k, t;

	put_pass_rule(d, b);
	for (i = 0; i < 2; i++)
		for (t = 0; t < 2; t++)
			for (k = 0; k < c->n_sip_ports; k++) {
				put_rule(d, b, dev[i], proto[t], true,
					 c->sip_ports[k]);
				put_rule(d, b, dev[i], proto[t], false,
					 c->sip_ports[k]);
			}
}

/* One transaction: begin, msgs, end.  mk adds the messages. */
static int tx_run(struct divert *d,
		  void (*mk)(struct divert *, struct mnl_nlmsg_batch *))
{
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(d->buf, DIVERT_BUF);
	uint32_t first;
	int rc = -1;

	nftnl_batch_begin(mnl_nlmsg_batch_current(b), d->seq++);
	mnl_nlmsg_batch_next(b);
	first = d->seq;
	mk(d, b);
	nftnl_batch_end(mnl_nlmsg_batch_current(b), d->seq++);
	mnl_nlmsg_batch_next(b);
	if (mnl_socket_sendto(d->nl, mnl_nlmsg_batch_head(b),
			      mnl_nlmsg_batch_size(b)) >= 0)
		rc = tx_acks(d, first, d->seq - 2);
	mnl_nlmsg_batch_stop(b);
	return rc;
}

/* add + delete + add: replaces a table left by an earlier run without
 * failing when there is none. */
static void mk_install(struct divert *d, struct mnl_nlmsg_batch *b)
{
	put_table(d, b, NFT_MSG_NEWTABLE);
	put_table(d, b, NFT_MSG_DELTABLE);
	put_table(d, b, NFT_MSG_NEWTABLE);
	put_chain(d, b, DIVERT_CHAIN, NF_INET_POST_ROUTING, DIVERT_PRIO);
	put_rules(d, b);
	/* Just before the usual filter priority; its one rule only drops,
	 * so where the administrator's own chains sit does not matter (a
	 * drop in any base chain is final). */
	put_chain(d, b, DIVERT_FWD_CHAIN, NF_INET_FORWARD, -1);
	put_fwd_rule(d, b);
}

static void mk_remove(struct divert *d, struct mnl_nlmsg_batch *b)
{
	put_table(d, b, NFT_MSG_DELTABLE);
}

int divert_install(struct divert *d)
{
	if (tx_run(d, mk_install) == 0)
		goto installed;
	/* ENOENT: the kernel has no "queue" expression (CONFIG_NFT_QUEUE
	 * off); EOPNOTSUPP from some kernels for the same.  The xtables
	 * target through nft_compat is what iptables-nft uses there. */
	if (d->use_xt || (errno != ENOENT && errno != EOPNOTSUPP))
		goto failed;
	d->use_xt = true;
	log_info("divert: no nft queue expression in this kernel; using the "
		 "xtables NFQUEUE target through nft_compat");
	if (tx_run(d, mk_install) == 0)
		goto installed;
failed:
	log_warn("divert: cannot install table inet %s", DIVERT_TABLE);
	return -1;
installed:
	d->installed = true;
	return 0;
}

/* ---- checks ---------------------------------------------------------- */

static int chain_answer(const struct nlmsghdr *nlh, void *data)
{
	*(int *)data = 1;
	return MNL_CB_OK;
}

int divert_has_chain(struct divert *d, int family, const char *table,
		     const char *chain)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;
	uint32_t seq = d->seq++;
	int found = 0, rc;
	ssize_t n;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, (uint16_t)family,
				    NLM_F_ACK, seq);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chain);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	if (mnl_socket_sendto(d->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		n = mnl_socket_recvfrom(d->nl, buf, sizeof(buf));
		if (n < 0)
			return -1;
		rc = mnl_cb_run(buf, (size_t)n, seq,
				mnl_socket_get_portid(d->nl), chain_answer,
				&found);
	} while (rc > 0);
	if (rc < 0 && errno != ENOENT)
		return -1;
	return found;
}

int divert_installed(struct divert *d)
{
	return divert_has_chain(d, NFPROTO_INET, DIVERT_TABLE, DIVERT_CHAIN);
}

static bool path_has(const char *prog)
{
	const char *path = getenv("PATH");
	char dir[4096];

	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
		       "/sbin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		if (n && n < sizeof(dir) - strlen(prog) - 2) {
			snprintf(dir, sizeof(dir), "%.*s/%s", (int)n, path,
				 prog);
			if (access(dir, X_OK) == 0)
				return true;
		}
		path += n + (path[n] == ':');
	}
	return false;
}

bool divert_wanted(const struct conf *c)
{
	if (c->rules_backend == CONF_RULES_AUTO)
		return !path_has("iptables");
	return c->rules_backend == CONF_RULES_NFT;
}

/* ---- life ------------------------------------------------------------ */

struct divert *divert_open(const struct conf *c, bool install)
{
	struct divert *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->conf = c;
	d->seq = (uint32_t)time(NULL);
	d->buf = malloc(DIVERT_BUF);
	d->nl = nftx_socket();
	if (!d->buf || !d->nl) {
		log_warn("divert: netlink socket");
		goto free_handle;
	}
	if (install && divert_install(d) < 0)
		goto free_handle;
	return d;

free_handle:
	divert_close(d, false);
	return NULL;
}

void divert_close(struct divert *d, bool remove)
{
	if (!d)
		return;
	if (remove && d->installed && tx_run(d, mk_remove) < 0 &&
	    errno != ENOENT)
		log_warn("divert: cannot delete table inet %s", DIVERT_TABLE);
	if (d->nl)
		mnl_socket_close(d->nl);
	free(d->buf);
	free(d);
}
