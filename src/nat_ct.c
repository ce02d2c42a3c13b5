/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "log.h"
#include "nat_ct.h"

#define CT_BATCH 256

struct nat_ct {
	struct nfct_handle *dump;	/* dumps run on this one ... */
	struct nfct_handle *cmd;	/* ... deletes on this one */
	uint32_t mark;
	/* The UDP timeouts a packet resets a flow to: one-way, and once
	 * replies were seen (this network namespace's sysctls). */
	uint32_t udp_timeout, udp_stream;
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
	free(h);
}

struct dump_ctx {
	int (*fn)(struct dump_ctx *d, const struct nf_conntrack *ct);
	struct nf_conntrack *hit[CT_BATCH];
	unsigned n_hit;
	const struct nat_elem *e;
	unsigned n_e;
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
	if (ours)
		nfct_filter_dump_set_attr(f, NFCT_FILTER_DUMP_MARK, &m);
	nfct_filter_dump_set_attr_u8(f, NFCT_FILTER_DUMP_L3NUM, family);
	nfct_callback_register(h->dump, NFCT_T_ALL, dump_cb, d);
	rc = nfct_query(h->dump, NFCT_Q_DUMP_FILTER, f);
	nfct_callback_unregister(h->dump);
	nfct_filter_dump_destroy(f);
	return rc;
}

static bool end_is(const struct nf_conntrack *ct, int ip_attr, int port_attr,
		   const union addr *a, uint16_t port)
{
	return nfct_get_attr_u32(ct, ip_attr) == a->v4.s_addr &&
	       nfct_get_attr_u16(ct, port_attr) == htons(port);
}

static bool ct_matches(const struct nf_conntrack *ct, const struct nat_elem *e)
{
	if (nfct_get_attr_u8(ct, ATTR_L4PROTO) != IPPROTO_UDP)
		return false;
	return end_is(ct, ATTR_ORIG_IPV4_SRC, ATTR_ORIG_PORT_SRC, &e->in_addr,
		      e->in_port) ||
	       end_is(ct, ATTR_REPL_IPV4_SRC, ATTR_REPL_PORT_SRC, &e->in_addr,
		      e->in_port) ||
	       end_is(ct, ATTR_ORIG_IPV4_DST, ATTR_ORIG_PORT_DST,
		      &e->pub_addr, e->pub_port);
}

static int forget_cb(struct dump_ctx *d, const struct nf_conntrack *ct)
{
	unsigned i;

	for (i = 0; i < d->n_e; i++) {
		if (!ct_matches(ct, &d->e[i]))
			continue;
		if (d->n_hit < CT_BATCH)
			d->hit[d->n_hit++] = nfct_clone(ct);
		break;
	}
	return NFCT_CB_CONTINUE;
}

int nat_ct_forget(void *ctx, const struct nat_elem *e, unsigned n)
{
	struct nat_ct *h = ctx;
	struct dump_ctx d = { .fn = forget_cb, .e = e, .n_e = n };

	if (ct_dump(h, &d, true) < 0)
		log_warn("conntrack: dump");
	return destroy_hits(h, &d);
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
	for (i = 0; i < n; i++) {
		if (f[i].family != AF_INET)
			continue;
		nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
		nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_UDP);
		nfct_set_attr_u32(ct, ATTR_IPV4_SRC, f[i].src.v4.s_addr);
		nfct_set_attr_u32(ct, ATTR_IPV4_DST, f[i].dst.v4.s_addr);
		nfct_set_attr_u16(ct, ATTR_PORT_SRC, htons(f[i].sport));
		nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(f[i].dport));
		if (nfct_query(h->cmd, NFCT_Q_DESTROY, ct) == 0)
			deleted++;
		else if (errno != ENOENT)
			log_warn("conntrack: delete stale media flow");
	}
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
	struct dump_ctx d = { .fn = sip_flow_cb, .ports = ports,
			      .n_ports = n };

	if (ct_dump(h, &d, false) < 0) {
		log_warn("conntrack: dump");
		return -1;
	}
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

int nat_ct_each_inside(struct nat_ct *h,
		       void (*fn)(void *ctx, const union addr *a,
				  uint16_t port, uint32_t idle),
		       void *ctx)
{
	struct dump_ctx d = { .fn = each_cb, .each = fn, .each_ctx = ctx,
			      .h = h };

	return ct_dump(h, &d, true);
}
