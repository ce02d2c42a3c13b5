/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "log.h"
#include "nat_ct6.h"

#define CT6_HITS 256

struct nat_ct6 {
	struct nfct_handle *dump;	/* dumps run on this one ... */
	struct nfct_handle *cmd;	/* ... deletes on this one */
	uint32_t mark;
};

struct ct6_walk {
	const struct nat_elem *e;
	unsigned n;
	struct nf_conntrack *hit[CT6_HITS];
	unsigned n_hit;
};

struct nat_ct6 *nat_ct6_open(uint32_t ct_mark)
{
	struct nat_ct6 *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->mark = ct_mark;
	h->dump = nfct_open(CONNTRACK, 0);
	h->cmd = nfct_open(CONNTRACK, 0);
	if (!h->dump || !h->cmd) {
		log_warn("conntrack (IPv6): nfct_open");
		nat_ct6_close(h);
		return NULL;
	}
	return h;
}

void nat_ct6_close(struct nat_ct6 *h)
{
	if (!h)
		return;
	if (h->dump)
		nfct_close(h->dump);
	if (h->cmd)
		nfct_close(h->cmd);
	free(h);
}

static bool ct6_is_hole(const struct ct6_walk *w, const void *addr,
			uint16_t port)
{
	unsigned i;

	for (i = 0; i < w->n; i++)
		if (w->e[i].in_port == port &&
		    !memcmp(&w->e[i].in_addr.v6, addr, 16))
			return true;
	return false;
}

static int ct6_cb(enum nf_conntrack_msg_type type, struct nf_conntrack *ct,
		  void *data)
{
	struct ct6_walk *w = data;
	const void *dst;
	uint16_t dport;

	(void)type;
	if (nfct_get_attr_u8(ct, ATTR_L4PROTO) != IPPROTO_UDP ||
	    w->n_hit == CT6_HITS)
		return NFCT_CB_CONTINUE;
	dst = nfct_get_attr(ct, ATTR_IPV6_DST);
	dport = ntohs(nfct_get_attr_u16(ct, ATTR_PORT_DST));
	if (!dst || !ct6_is_hole(w, dst, dport))
		return NFCT_CB_CONTINUE;
	w->hit[w->n_hit++] = nfct_clone(ct);
	return NFCT_CB_CONTINUE;
}

int nat_ct6_forget(void *ctx, const struct nat_elem *e, unsigned n)
{
	struct nat_ct6 *h = ctx;
	struct nfct_filter_dump *f;
	struct nfct_filter_dump_mark m;
	struct ct6_walk w = { .e = e, .n = n };
	int done = 0;
	unsigned i;

	if (!h || !n)
		return 0;
	f = nfct_filter_dump_create();
	if (!f)
		return -1;
	m.val = h->mark;
	m.mask = 0xffffffff;
	nfct_filter_dump_set_attr(f, NFCT_FILTER_DUMP_MARK, &m);
	nfct_filter_dump_set_attr_u8(f, NFCT_FILTER_DUMP_L3NUM, AF_INET6);
	nfct_callback_register(h->dump, NFCT_T_ALL, ct6_cb, &w);
	if (nfct_query(h->dump, NFCT_Q_DUMP_FILTER, f) < 0)
		log_warn("conntrack (IPv6): dump");
	nfct_callback_unregister(h->dump);
	nfct_filter_dump_destroy(f);
	for (i = 0; i < w.n_hit; i++) {
		if (nfct_query(h->cmd, NFCT_Q_DESTROY, w.hit[i]) == 0)
			done++;
		nfct_destroy(w.hit[i]);
	}
	return done;
}
