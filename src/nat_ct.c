/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "log.h"
#include "nat_ct.h"
#include "nat_ctmap.h"
#include "nat_ctev.h"

#define CT_BATCH 1024
#define CT_DEL_BATCH 64		/* deletes sent in one datagram */
#define CT_DEL_ROOM 256		/* bytes for one delete request */
#define CT_MAX_FLOWS (1u << 20)	/* flows the event record holds */

struct nat_ct;

static void resync(struct nat_ct *h);

struct nat_ct {
	struct nfct_handle *dump;	/* dumps run on this one ... */
	struct nfct_handle *cmd;	/* ... deletes on this one */
	struct mnl_socket *del;		/* deletes by tuple, batched */
	struct mnl_socket *maps;	/* filtered dumps of one host's flows */
	uint32_t seq;
	uint32_t mark;
	/* The UDP timeouts a packet resets a flow to: one-way, and once
	 * replies were seen (this network namespace's sysctls). */
	uint32_t udp_timeout, udp_stream;
	struct nat_ctev *ev;	/* our flows by binding; NULL: none */
	unsigned long walks;	/* full dumps of the conntrack table */
	/* The public ports other inside sockets hold (nat_ct_port_other),
	 * as one dump found them for one asking socket: a new binding's
	 * candidates are answered from it, one dump a binding. */
	struct {
		union addr pub, in;
		uint16_t in_port;
		uint64_t at_ms;		/* 0: empty */
		uint8_t other[8192];
	} ports;
};

static uint32_t read_sysctl(const char *path, uint32_t dflt)
{
	FILE *f = fopen(path, "r");
	unsigned v;

	if (!f)
		return dflt;
	if (fscanf(f, "%u", &v) != 1 || v == 0)
		v = dflt;
	fclose(f);
	return v;
}

struct nat_ct *nat_ct_open(uint32_t ct_mark)
{
	struct nat_ct *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->mark = ct_mark;
	h->udp_timeout = read_sysctl(
		"/proc/sys/net/netfilter/nf_conntrack_udp_timeout", 30);
	h->udp_stream = read_sysctl(
		"/proc/sys/net/netfilter/nf_conntrack_udp_timeout_stream", 120);
	h->dump = nfct_open(CONNTRACK, 0);
	h->cmd = nfct_open(CONNTRACK, 0);
	if (!h->dump || !h->cmd) {
		log_warn("conntrack: nfct_open");
		nat_ct_close(h);
		return NULL;
	}
	h->del = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK |
					     SOCK_CLOEXEC);
	if (!h->del || mnl_socket_bind(h->del, 0, MNL_SOCKET_AUTOPID) < 0) {
		log_warn("conntrack: netlink socket");
		nat_ct_close(h);
		return NULL;
	}
	h->maps = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!h->maps || mnl_socket_bind(h->maps, 0, MNL_SOCKET_AUTOPID) < 0) {
		log_warn("conntrack: netlink socket");
		nat_ct_close(h);
		return NULL;
	}
	/* Acks without the request copied back: 64 of them fit easily. */
	mnl_socket_setsockopt(h->del, NETLINK_CAP_ACK, &(int){ 1 },
			      sizeof(int));
	/* Without the event record every cleanup walks the table. */
	h->ev = nat_ctev_open(ct_mark, CT_MAX_FLOWS);
	if (!h->ev)
		log_warnx("conntrack: no event socket; ended calls' flows "
			  "are found by walking the table");
	else
		resync(h);	/* flows of ours may predate us */
	return h;
}

void nat_ct_close(struct nat_ct *h)
{
	if (!h)
		return;
	if (h->dump)
		nfct_close(h->dump);
	if (h->cmd)
		nfct_close(h->cmd);
	if (h->del)
		mnl_socket_close(h->del);
	nat_ctev_close(h->ev);
	if (h->maps)
		mnl_socket_close(h->maps);
	free(h);
}

int nat_ct_events_fd(const struct nat_ct *h)
{
	return h->ev ? nat_ctev_fd(h->ev) : -1;
}

void nat_ct_events_read(struct nat_ct *h)
{
	if (h->ev)
		nat_ctev_read(h->ev);
}

unsigned long nat_ct_walks(const struct nat_ct *h)
{
	return h->walks;
}

unsigned nat_ct_flows(const struct nat_ct *h)
{
	return h->ev ? nat_ctev_count(h->ev) : 0;
}

struct sweep_set;

struct dump_ctx {
	int (*fn)(struct dump_ctx *d, const struct nf_conntrack *ct);
	struct nf_conntrack *hit[CT_BATCH];
	unsigned n_hit;
	const struct sweep_set *set;
	void (*each)(void *ctx, const union addr *a, uint16_t port,
		     uint32_t idle);
	const struct nat_ct *h;
	void *each_ctx;
	const uint16_t *ports;
	unsigned n_ports;
};

static int destroy_hits(struct nat_ct *h, struct dump_ctx *d);

static int dump_cb(enum nf_conntrack_msg_type type, struct nf_conntrack *ct,
		   void *data)
{
	struct dump_ctx *d = data;

	(void)type;
	return d->fn(d, ct);
}

static int ct_dump(struct nat_ct *h, struct dump_ctx *d, bool ours)
{
	struct nfct_filter_dump *f = nfct_filter_dump_create();
	struct nfct_filter_dump_mark m = { h->mark, 0xffffffff };
	uint8_t family = AF_INET;
	int rc;

	if (!f)
		return -1;
	h->walks++;
	if (ours)
		nfct_filter_dump_set_attr(f, NFCT_FILTER_DUMP_MARK, &m);
	nfct_filter_dump_set_attr_u8(f, NFCT_FILTER_DUMP_L3NUM, family);
	nfct_callback_register(h->dump, NFCT_T_ALL, dump_cb, d);
	rc = nfct_query(h->dump, NFCT_Q_DUMP_FILTER, f);
	nfct_callback_unregister(h->dump);
	nfct_filter_dump_destroy(f);
	return rc;
}

/* The bindings a sweep looks for, hashed by address and port: a flow
 * matches when its original source or reply source is an inside
 * address:port, or its original destination a public one. */
#define SWEEP_HASH 4096		/* slots; at most half used */

struct sweep_set {
	struct sweep_key {
		uint32_t addr;		/* network order; 0 = empty slot */
		uint16_t port;		/* host order */
	} slot[SWEEP_HASH];
};

static unsigned key_hash(uint32_t addr, uint16_t port)
{
	return ((addr * 2654435761u) ^ (port * 40503u)) & (SWEEP_HASH - 1);
}

static void set_add(struct sweep_set *s, uint32_t addr, uint16_t port)
{
	unsigned i = key_hash(addr, port);

	while (s->slot[i].addr && (s->slot[i].addr != addr ||
				   s->slot[i].port != port))
		i = (i + 1) & (SWEEP_HASH - 1);
	s->slot[i].addr = addr;
	s->slot[i].port = port;
}

static bool set_has(const struct sweep_set *s, uint32_t addr, uint16_t port)
{
	unsigned i = key_hash(addr, port);

	while (s->slot[i].addr) {
		if (s->slot[i].addr == addr && s->slot[i].port == port)
			return true;
		i = (i + 1) & (SWEEP_HASH - 1);
	}
	return false;
}

static bool end_in(const struct sweep_set *s, const struct nf_conntrack *ct,
		   int ip_attr, int port_attr)
{
	return set_has(s, nfct_get_attr_u32(ct, ip_attr),
		       ntohs(nfct_get_attr_u16(ct, port_attr)));
}

static int forget_cb(struct dump_ctx *d, const struct nf_conntrack *ct)
{
	if (nfct_get_attr_u8(ct, ATTR_L4PROTO) != IPPROTO_UDP)
		return NFCT_CB_CONTINUE;
	if ((end_in(d->set, ct, ATTR_ORIG_IPV4_SRC, ATTR_ORIG_PORT_SRC) ||
	     end_in(d->set, ct, ATTR_REPL_IPV4_SRC, ATTR_REPL_PORT_SRC) ||
	     end_in(d->set, ct, ATTR_ORIG_IPV4_DST, ATTR_ORIG_PORT_DST)) &&
	    d->n_hit < CT_BATCH)
		d->hit[d->n_hit++] = nfct_clone(ct);
	return NFCT_CB_CONTINUE;
}

/* Without a fresh event record: walk the table for e's flows. */
static int sweep_walk(struct nat_ct *h, const struct nat_elem *e, unsigned n)
{
	static struct sweep_set set;
	struct dump_ctx d = { .fn = forget_cb, .set = &set };
	unsigned i, done = 0;
	int deleted = 0;

	/* In rounds of at most half the table's slots. */
	while (done < n) {
		memset(&set, 0, sizeof(set));
		for (i = 0; done < n && i < SWEEP_HASH / 4; i++, done++) {
			if (e[done].family != AF_INET)
				continue;
			set_add(&set, e[done].in_addr.v4.s_addr,
				e[done].in_port);
			set_add(&set, e[done].pub_addr.v4.s_addr,
				e[done].pub_port);
		}
		d.n_hit = 0;
		if (ct_dump(h, &d, true) < 0)
			log_warn("conntrack: dump");
		deleted += destroy_hits(h, &d);
	}
	return deleted;
}

/* Without a fresh event record: the flows to the far end the SDP named,
 * by tuple (flows to elsewhere wait for sweep_walk). */
static int forget_peer(void *ctx, const struct nat_elem *e, unsigned n)
{
	struct nat_flow f[2 * 64];
	unsigned i, k = 0;
	int deleted = 0, r;

	for (i = 0; i < n; i++) {
		if (e[i].family != AF_INET || !e[i].peer_port)
			continue;
		f[k++] = (struct nat_flow){ AF_INET, e[i].in_addr,
					    e[i].peer_addr, e[i].in_port,
					    e[i].peer_port };
		f[k++] = (struct nat_flow){ AF_INET, e[i].peer_addr,
					    e[i].pub_addr, e[i].peer_port,
					    e[i].pub_port };
		if (k + 2 > sizeof(f) / sizeof(f[0]) || i + 1 == n) {
			r = nat_ct_unstale(ctx, f, k);
			deleted += r > 0 ? r : 0;
			k = 0;
		}
	}
	if (k) {
		r = nat_ct_unstale(ctx, f, k);
		deleted += r > 0 ? r : 0;
	}
	return deleted;
}

static int resync_cb(struct dump_ctx *d, const struct nf_conntrack *ct)
{
	nat_ctev_add_ct(d->h->ev, ct);
	return NFCT_CB_CONTINUE;
}

/* The event record lost events (or is new): rebuild it from one walk of
 * the table.  Events that arrive meanwhile are read afterwards: a flow
 * filed twice is ignored, a destroyed one dropped. */
static void resync(struct nat_ct *h)
{
	struct dump_ctx d = { .fn = resync_cb, .h = h };

	nat_ctev_reset(h->ev);
	if (ct_dump(h, &d, true) < 0) {
		log_warn("conntrack: dump");
		return;
	}
	nat_ctev_read(h->ev);
	log_info("conntrack: %u flows of ours found by a walk of the table",
		 nat_ctev_count(h->ev));
}

/* Delete the flows the event record filed under e's inside ends. */
static int forget_filed(struct nat_ct *h, const struct nat_elem *e,
			unsigned n)
{
	struct nat_flow f[CT_DEL_BATCH];
	unsigned i, k;
	int deleted = 0, r;

	nat_ctev_read(h->ev);
	for (i = 0; i < n; i++) {
		if (e[i].family != AF_INET)
			continue;
		do {
			k = nat_ctev_take(h->ev, &e[i].in_addr, e[i].in_port,
					  f, CT_DEL_BATCH);
			r = k ? nat_ct_unstale(h, f, k) : 0;
			deleted += r > 0 ? r : 0;
		} while (k == CT_DEL_BATCH);
	}
	return deleted;
}

int nat_ct_forget(void *ctx, const struct nat_elem *e, unsigned n)
{
	struct nat_ct *h = ctx;
	int deleted = 0;

	if (h->ev) {
		deleted = forget_filed(h, e, n);
		if (!nat_ctev_stale(h->ev))
			return deleted;
	}
	return deleted + forget_peer(ctx, e, n);
}

int nat_ct_sweep(void *ctx, const struct nat_elem *e, unsigned n)
{
	struct nat_ct *h = ctx;

	if (!h->ev)
		return sweep_walk(h, e, n);
	if (nat_ctev_stale(h->ev))
		resync(h);
	return forget_filed(h, e, n);
}

/* Read the acks of n requests sent with sequence numbers from seq0; the
 * kernel handled them inside sendto, so they are all queued already and
 * the socket never blocks.  Returns how many were deleted. */
static int del_acks(struct nat_ct *h, uint32_t seq0, unsigned n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned got = 0;
	int deleted = 0;

	while (got < n) {
		ssize_t k = mnl_socket_recvfrom(h->del, buf, sizeof(buf));
		const struct nlmsghdr *nlh = (const void *)buf;
		int len = (int)k;

		if (k < 0) {
			if (errno != EAGAIN)
				log_warn("conntrack: delete acks");
			break;
		}
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_seq - seq0 >= n ||
			    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
				continue;
			got++;
			if (!e->error)
				deleted++;
			else if (e->error != -ENOENT)
				log_warnx("conntrack: delete media flow: %s",
					  strerror(-e->error));
		}
	}
	return deleted;
}

/* One datagram of up to CT_DEL_BATCH delete requests, by tuple. */
static int del_batch(struct nat_ct *h, struct nf_conntrack *ct,
		     const struct nat_flow *f, unsigned n)
{
	static char buf[CT_DEL_BATCH * CT_DEL_ROOM];
	uint32_t seq0 = h->seq;
	unsigned i, k = 0;
	size_t off = 0;

	for (i = 0; i < n; i++) {
		struct nlmsghdr *nlh;
		struct nfgenmsg *nfg;

		if (f[i].family != AF_INET)
			continue;
		nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
		nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_UDP);
		nfct_set_attr_u32(ct, ATTR_IPV4_SRC, f[i].src.v4.s_addr);
		nfct_set_attr_u32(ct, ATTR_IPV4_DST, f[i].dst.v4.s_addr);
		nfct_set_attr_u16(ct, ATTR_PORT_SRC, htons(f[i].sport));
		nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(f[i].dport));
		nlh = mnl_nlmsg_put_header(buf + off);
		nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) |
				  IPCTNL_MSG_CT_DELETE;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		nlh->nlmsg_seq = h->seq++;
		nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
		nfg->nfgen_family = AF_INET;
		nfg->version = NFNETLINK_V0;
		nfg->res_id = 0;
		if (nfct_nlmsg_build(nlh, ct) < 0 ||
		    nlh->nlmsg_len > CT_DEL_ROOM) {
			h->seq--;	/* cannot happen for a UDP tuple */
			continue;
		}
		off += nlh->nlmsg_len;
		k++;
	}
	if (!k)
		return 0;
	if (mnl_socket_sendto(h->del, buf, off) < 0) {
		log_warn("conntrack: delete media flows");
		return 0;
	}
	return del_acks(h, seq0, k);
}

int nat_ct_unstale(void *ctx, const struct nat_flow *f, unsigned n)
{
	struct nat_ct *h = ctx;
	struct nf_conntrack *ct;
	int deleted = 0;
	unsigned i;

	ct = nfct_new();
	if (!ct)
		return -1;
	for (i = 0; i < n; i += CT_DEL_BATCH)
		deleted += del_batch(h, ct, f + i,
				     n - i < CT_DEL_BATCH ? n - i
							  : CT_DEL_BATCH);
	nfct_destroy(ct);
	return deleted;
}

static int destroy_hits(struct nat_ct *h, struct dump_ctx *d)
{
	unsigned i;
	int deleted = 0;

	for (i = 0; i < d->n_hit; i++) {
		if (!d->hit[i])
			continue;
		if (nfct_query(h->cmd, NFCT_Q_DESTROY, d->hit[i]) == 0)
			deleted++;
		else if (errno != ENOENT)
			log_warn("conntrack: delete");
		nfct_destroy(d->hit[i]);
	}
	return deleted;
}

static bool port_listed(uint16_t p, const uint16_t *ports, unsigned n)
{
	while (n--)
		if (ports[n] == p)
			return true;
	return false;
}

static int sip_flow_cb(struct dump_ctx *d, const struct nf_conntrack *ct)
{
	static const int attrs[] = { ATTR_ORIG_PORT_SRC, ATTR_ORIG_PORT_DST,
				     ATTR_REPL_PORT_SRC, ATTR_REPL_PORT_DST };
	unsigned i;

	if (nfct_get_attr_u8(ct, ATTR_L4PROTO) != IPPROTO_UDP)
		return NFCT_CB_CONTINUE;
	for (i = 0; i < 4; i++) {
		uint16_t p = ntohs(nfct_get_attr_u16(ct, attrs[i]));

		if (port_listed(p, d->ports, d->n_ports)) {
			if (d->n_hit < CT_BATCH)
				d->hit[d->n_hit++] = nfct_clone(ct);
			break;
		}
	}
	return NFCT_CB_CONTINUE;
}

int nat_ct_flush_sip(struct nat_ct *h, const uint16_t *ports, unsigned n)
{
	return nat_ct_flush_sip_adopt(h, ports, n, NULL, NULL);
}

/* A flow an inside socket started that went out through source NAT only:
 * its reply goes to another address than it came from, and it comes
 * from where it was sent (no destination NAT, unlike the flows a binding
 * let in). */
static bool snat_only(const struct nf_conntrack *ct)
{
	return nfct_get_attr_u32(ct, ATTR_ORIG_IPV4_SRC) !=
	       nfct_get_attr_u32(ct, ATTR_REPL_IPV4_DST) &&
	       nfct_get_attr_u32(ct, ATTR_ORIG_IPV4_DST) ==
	       nfct_get_attr_u32(ct, ATTR_REPL_IPV4_SRC);
}

static void adopt_hits(const struct dump_ctx *d,
		       void (*fn)(void *ctx, const struct nat_map *m,
				  const union addr *in),
		       void *ctx)
{
	struct nat_map m;
	union addr in;
	unsigned i;

	for (i = 0; fn && i < d->n_hit; i++) {
		const struct nf_conntrack *ct = d->hit[i];

		if (!ct || !snat_only(ct))
			continue;
		memset(&m, 0, sizeof(m));
		memset(&in, 0, sizeof(in));
		in.v4.s_addr = nfct_get_attr_u32(ct, ATTR_ORIG_IPV4_SRC);
		m.in_port = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_SRC));
		m.pub_addr.v4.s_addr = nfct_get_attr_u32(ct,
							 ATTR_REPL_IPV4_DST);
		m.pub_port = ntohs(nfct_get_attr_u16(ct, ATTR_REPL_PORT_DST));
		fn(ctx, &m, &in);
	}
}

int nat_ct_flush_sip_adopt(struct nat_ct *h, const uint16_t *ports,
			   unsigned n,
			   void (*fn)(void *ctx, const struct nat_map *m,
				      const union addr *in),
			   void *ctx)
{
	struct dump_ctx d = { .fn = sip_flow_cb, .ports = ports,
			      .n_ports = n };

	if (ct_dump(h, &d, false) < 0) {
		log_warn("conntrack: dump");
		return -1;
	}
	adopt_hits(&d, fn, ctx);
	return destroy_hits(h, &d);
}

/* Seconds since ct's last packet.  A flow that has seen replies is
 * refreshed to the stream timeout (after its first two seconds, when it
 * may still get the short one: then this reads as long idle and the
 * caller keeps its own newer time), a one-way flow to the short one. */
static uint32_t ct_idle(const struct nat_ct *h, const struct nf_conntrack *ct)
{
	uint32_t left = nfct_get_attr_u32(ct, ATTR_TIMEOUT);
	uint32_t full = (nfct_get_attr_u32(ct, ATTR_STATUS) & IPS_SEEN_REPLY) ?
			h->udp_stream : h->udp_timeout;

	return full > left ? full - left : 0;
}

static int each_cb(struct dump_ctx *d, const struct nf_conntrack *ct)
{
	uint32_t idle;
	union addr a;

	if (nfct_get_attr_u8(ct, ATTR_L4PROTO) != IPPROTO_UDP)
		return NFCT_CB_CONTINUE;
	idle = ct_idle(d->h, ct);
	a.v4.s_addr = nfct_get_attr_u32(ct, ATTR_ORIG_IPV4_SRC);
	d->each(d->each_ctx, &a,
		ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_SRC)), idle);
	a.v4.s_addr = nfct_get_attr_u32(ct, ATTR_REPL_IPV4_SRC);
	d->each(d->each_ctx, &a,
		ntohs(nfct_get_attr_u16(ct, ATTR_REPL_PORT_SRC)), idle);
	return NFCT_CB_CONTINUE;
}

typedef void (*each_fn)(void *ctx, const union addr *a, uint16_t port,
			uint32_t idle);

/* A filed flow's answer: its idleness for each inside end it is filed
 * under; a flow the kernel no longer has is dropped from the record. */
static void get_answer(struct nat_ct *h, const struct nlmsghdr *nlh,
		       const struct nat_ctev_ent *e, struct nf_conntrack *ct,
		       each_fn fn, void *ctx)
{
	uint32_t idle;
	unsigned k;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		nat_ctev_drop(h->ev, &e->orig);
		return;
	}
	if (nfct_nlmsg_parse(nlh, ct) < 0)
		return;
	idle = ct_idle(h, ct);
	for (k = 0; k < 2; k++)
		if (e->key_port[k])
			fn(ctx, &e->key_addr[k], e->key_port[k], idle);
}

/* Ask the kernel for up to CT_DEL_BATCH filed flows by tuple, in one
 * datagram (each a hash lookup, no walk); answers are queued before
 * sendto returns. */
static void get_batch(struct nat_ct *h, const struct nat_ctev_ent *e,
		      unsigned n, struct nf_conntrack *ct, each_fn fn,
		      void *ctx)
{
	static char buf[CT_DEL_BATCH * CT_DEL_ROOM];
	char rx[MNL_SOCKET_BUFFER_SIZE];
	uint32_t seq0 = h->seq;
	unsigned i, got = 0;
	size_t off = 0;

	for (i = 0; i < n; i++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + off);
		struct nfgenmsg *nfg;

		nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
		nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_UDP);
		nfct_set_attr_u32(ct, ATTR_IPV4_SRC, e[i].orig.src.v4.s_addr);
		nfct_set_attr_u32(ct, ATTR_IPV4_DST, e[i].orig.dst.v4.s_addr);
		nfct_set_attr_u16(ct, ATTR_PORT_SRC, htons(e[i].orig.sport));
		nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(e[i].orig.dport));
		nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) |
				  IPCTNL_MSG_CT_GET;
		nlh->nlmsg_flags = NLM_F_REQUEST;
		nlh->nlmsg_seq = h->seq++;
		nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
		nfg->nfgen_family = AF_INET;
		nfg->version = NFNETLINK_V0;
		nfct_nlmsg_build(nlh, ct);
		off += nlh->nlmsg_len;
	}
	if (mnl_socket_sendto(h->del, buf, off) < 0) {
		log_warn("conntrack: media flow lookups");
		return;
	}
	while (got < n) {
		ssize_t k = mnl_socket_recvfrom(h->del, rx, sizeof(rx));
		const struct nlmsghdr *nlh = (const void *)rx;
		int len = (int)k;

		if (k < 0)
			break;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			uint32_t j = nlh->nlmsg_seq - seq0;

			if (j >= n)
				continue;
			got++;
			get_answer(h, nlh, &e[j], ct, fn, ctx);
		}
	}
}

/* Idleness of the filed flows, looked up one by one. */
static int each_filed(struct nat_ct *h, each_fn fn, void *ctx)
{
	unsigned n = nat_ctev_count(h->ev), i;
	struct nat_ctev_ent *e;
	struct nf_conntrack *ct;

	if (!n)
		return 0;
	e = malloc(n * sizeof(*e));
	ct = nfct_new();
	if (!e || !ct) {
		free(e);
		if (ct)
			nfct_destroy(ct);
		return -1;
	}
	n = nat_ctev_list(h->ev, e, n);
	for (i = 0; i < n; i += CT_DEL_BATCH)
		get_batch(h, e + i, n - i < CT_DEL_BATCH ? n - i : CT_DEL_BATCH,
			  ct, fn, ctx);
	nfct_destroy(ct);
	free(e);
	return 0;
}

int nat_ct_each_inside(struct nat_ct *h,
		       void (*fn)(void *ctx, const union addr *a,
				  uint16_t port, uint32_t idle),
		       void *ctx)
{
	struct dump_ctx d = { .fn = each_cb, .each = fn, .each_ctx = ctx,
			      .h = h };

	if (h->ev) {
		nat_ctev_read(h->ev);
		if (nat_ctev_stale(h->ev))
			resync(h);
		return each_filed(h, fn, ctx);
	}
	return ct_dump(h, &d, true);
}

#define CT_MAPS_SEQ 0x5a1a0000u

int nat_ct_host_maps(void *ctx, int family, const union addr *in,
		     struct nat_map *out, unsigned cap)
{
	struct nat_ct *h = ctx;

	if (family != AF_INET || !h)
		return 0;
	return nat_ctmap_query(h->maps, CT_MAPS_SEQ + (h->seq++ & 0xffff),
			       in, out, cap);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* How long one dump answers for the same asking socket: the questions
 * of one binding's port choice come within microseconds; a later
 * message asks the kernel again. */
#define PORTS_FRESH_MS 50

bool nat_ct_port_other(void *ctx, int family, const union addr *pub,
		       uint16_t port, const union addr *a, uint16_t in_port)
{
	struct nat_ct *h = ctx;
	uint64_t now;

	if (family != AF_INET || !h)
		return false;
	now = mono_ms();
	if (!h->ports.at_ms || now - h->ports.at_ms > PORTS_FRESH_MS ||
	    h->ports.pub.v4.s_addr != pub->v4.s_addr ||
	    h->ports.in.v4.s_addr != a->v4.s_addr ||
	    h->ports.in_port != in_port) {
		h->ports.at_ms = 0;
		if (nat_ctmap_ports_other(h->maps,
					  CT_MAPS_SEQ + (h->seq++ & 0xffff),
					  pub, a, in_port, h->ports.other) < 0)
			return false;
		h->ports.pub = *pub;
		h->ports.in = *a;
		h->ports.in_port = in_port;
		h->ports.at_ms = now;
	}
	return h->ports.other[port / 8] & (1u << (port % 8));
}
