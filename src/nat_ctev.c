/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "log.h"
#include "nat_ctev.h"

#define TUPLE_HASH (1u << 16)
#define KEY_HASH (1u << 16)
#define EV_RCVBUF (8 << 20)

/* One filed flow: in the tuple hash, and in the key hash once per inside
 * end that was translated (k[i].f == NULL: that link is unused). */
struct klink {
	struct klink *next, **pprev;
	struct flow *f;
	union addr a;
	uint16_t port;
};

struct flow {
	struct nat_flow orig;
	struct flow *tnext;
	struct klink k[2];
};

struct nat_ctev {
	struct nfct_handle *h;
	struct nf_conntrack *ct;	/* scratch for parsing */
	struct flow *by_tuple[TUPLE_HASH];
	struct klink *by_key[KEY_HASH];
	unsigned n, max;
	bool stale;
	/* several events per read; netlink headers need alignment */
	char buf[65536] __attribute__((aligned(8)));
};

static unsigned tuple_hash(const struct nat_flow *f)
{
	uint32_t h = f->src.v4.s_addr * 2654435761u;

	h ^= f->dst.v4.s_addr * 2246822519u;
	h ^= ((uint32_t)f->sport << 16 | f->dport) * 3266489917u;
	return (h ^ h >> 16) & (TUPLE_HASH - 1);
}

static unsigned key_hash(const union addr *a, uint16_t port)
{
	uint32_t h = (a->v4.s_addr * 2654435761u) ^ (port * 40503u);

	return (h ^ h >> 16) & (KEY_HASH - 1);
}

static bool same_tuple(const struct nat_flow *x, const struct nat_flow *y)
{
	return x->src.v4.s_addr == y->src.v4.s_addr &&
	       x->dst.v4.s_addr == y->dst.v4.s_addr &&
	       x->sport == y->sport && x->dport == y->dport;
}

struct nat_ctev *nat_ctev_open(uint32_t ct_mark, unsigned max_flows)
{
	struct nat_ctev *v = calloc(1, sizeof(*v));
	struct nfct_filter_dump_mark m = { ct_mark, 0xffffffff };
	struct nfct_filter *f = nfct_filter_create();
	int big = EV_RCVBUF;

	if (!v || !f)
		goto fail;
	v->max = max_flows;
	v->stale = true;
	v->ct = nfct_new();
	v->h = nfct_open(CONNTRACK, NF_NETLINK_CONNTRACK_NEW |
					NF_NETLINK_CONNTRACK_DESTROY);
	if (!v->ct || !v->h) {
		log_warn("conntrack events: open");
		goto fail;
	}
	/* Only our flows reach the socket: the kernel runs this filter on
	 * every event of every flow. */
	nfct_filter_add_attr_u32(f, NFCT_FILTER_L4PROTO, IPPROTO_UDP);
	nfct_filter_add_attr(f, NFCT_FILTER_MARK, &m);
	if (nfct_filter_attach(nfct_fd(v->h), f) < 0) {
		log_warn("conntrack events: filter");
		goto fail;
	}
	nfct_filter_destroy(f);
	f = NULL;
	fcntl(nfct_fd(v->h), F_SETFL,
	      fcntl(nfct_fd(v->h), F_GETFL) | O_NONBLOCK);
	setsockopt(nfct_fd(v->h), SOL_SOCKET, SO_RCVBUFFORCE, &big,
		   sizeof(big));
	return v;

fail:
	if (f)
		nfct_filter_destroy(f);
	nat_ctev_close(v);
	return NULL;
}

static void flows_free(struct nat_ctev *v)
{
	unsigned i;

	for (i = 0; i < TUPLE_HASH; i++) {
		struct flow *f = v->by_tuple[i], *next;

		for (; f; f = next) {
			next = f->tnext;
			free(f);
		}
		v->by_tuple[i] = NULL;
	}
	memset(v->by_key, 0, sizeof(v->by_key));
	v->n = 0;
}

void nat_ctev_close(struct nat_ctev *v)
{
	if (!v)
		return;
	flows_free(v);
	if (v->h)
		nfct_close(v->h);
	if (v->ct)
		nfct_destroy(v->ct);
	free(v);
}

int nat_ctev_fd(const struct nat_ctev *v)
{
	return nfct_fd(v->h);
}

bool nat_ctev_stale(const struct nat_ctev *v)
{
	return v->stale;
}

unsigned nat_ctev_count(const struct nat_ctev *v)
{
	return v->n;
}

static struct flow *tuple_find(const struct nat_ctev *v,
			       const struct nat_flow *t)
{
	struct flow *f = v->by_tuple[tuple_hash(t)];

	while (f && !same_tuple(&f->orig, t))
		f = f->tnext;
	return f;
}

static void key_link(struct nat_ctev *v, struct flow *f, unsigned i,
		     const union addr *a, uint16_t port)
{
	struct klink *l = &f->k[i], **head = &v->by_key[key_hash(a, port)];

	l->f = f;
	l->a = *a;
	l->port = port;
	l->next = *head;
	l->pprev = head;
	if (*head)
		(*head)->pprev = &l->next;
	*head = l;
}

static void flow_unlink(struct nat_ctev *v, struct flow *f)
{
	struct flow **p = &v->by_tuple[tuple_hash(&f->orig)];
	unsigned i;

	while (*p && *p != f)
		p = &(*p)->tnext;
	if (*p)
		*p = f->tnext;
	for (i = 0; i < 2; i++) {
		struct klink *l = &f->k[i];

		if (!l->f)
			continue;
		*l->pprev = l->next;
		if (l->next)
			l->next->pprev = l->pprev;
	}
	v->n--;
	free(f);
}

void nat_ctev_add(struct nat_ctev *v, const struct nat_flow *orig,
		  const union addr *repl_src, uint16_t repl_sport,
		  const union addr *repl_dst, uint16_t repl_dport)
{
	bool snat = orig->src.v4.s_addr != repl_dst->v4.s_addr ||
		    orig->sport != repl_dport;
	bool dnat = orig->dst.v4.s_addr != repl_src->v4.s_addr ||
		    orig->dport != repl_sport;
	struct flow *f, **head;

	if (orig->family != AF_INET || (!snat && !dnat) || tuple_find(v, orig))
		return;
	if (v->n >= v->max || !(f = calloc(1, sizeof(*f)))) {
		v->stale = true;	/* a walk will find it */
		return;
	}
	f->orig = *orig;
	head = &v->by_tuple[tuple_hash(orig)];
	f->tnext = *head;
	*head = f;
	if (snat)	/* a phone's flow out: its original source */
		key_link(v, f, 0, &orig->src, orig->sport);
	if (dnat)	/* a flow in to a phone: the reply's source */
		key_link(v, f, 1, repl_src, repl_sport);
	v->n++;
}

void nat_ctev_drop(struct nat_ctev *v, const struct nat_flow *orig)
{
	struct flow *f = tuple_find(v, orig);

	if (f)
		flow_unlink(v, f);
}

unsigned nat_ctev_take(struct nat_ctev *v, const union addr *a,
		       uint16_t port, struct nat_flow *out, unsigned max)
{
	struct klink *l = v->by_key[key_hash(a, port)], *next;
	unsigned n = 0;

	for (; l && n < max; l = next) {
		next = l->next;
		if (l->port != port || l->a.v4.s_addr != a->v4.s_addr)
			continue;
		/* Unlinking l's flow may unlink its other link too, which
		 * may be next: step past both. */
		while (next && next->f == l->f)
			next = next->next;
		out[n++] = l->f->orig;
		flow_unlink(v, l->f);
	}
	return n;
}

unsigned nat_ctev_list(const struct nat_ctev *v, struct nat_ctev_ent *out,
		       unsigned max)
{
	unsigned i, n = 0, k;

	for (i = 0; i < TUPLE_HASH && n < max; i++) {
		const struct flow *f;

		for (f = v->by_tuple[i]; f && n < max; f = f->tnext, n++) {
			memset(&out[n], 0, sizeof(out[n]));
			out[n].orig = f->orig;
			for (k = 0; k < 2; k++) {
				if (!f->k[k].f)
					continue;
				out[n].key_addr[k] = f->k[k].a;
				out[n].key_port[k] = f->k[k].port;
			}
		}
	}
	return n;
}

static void ct_orig(const struct nf_conntrack *ct, struct nat_flow *o)
{
	memset(o, 0, sizeof(*o));
	o->family = AF_INET;
	o->src.v4.s_addr = nfct_get_attr_u32(ct, ATTR_ORIG_IPV4_SRC);
	o->dst.v4.s_addr = nfct_get_attr_u32(ct, ATTR_ORIG_IPV4_DST);
	o->sport = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_SRC));
	o->dport = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST));
}

void nat_ctev_add_ct(struct nat_ctev *v, const struct nf_conntrack *ct)
{
	struct nat_flow o;
	union addr rs, rd;

	if (nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO) != AF_INET ||
	    nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO) != IPPROTO_UDP)
		return;
	ct_orig(ct, &o);
	memset(&rs, 0, sizeof(rs));
	memset(&rd, 0, sizeof(rd));
	rs.v4.s_addr = nfct_get_attr_u32(ct, ATTR_REPL_IPV4_SRC);
	rd.v4.s_addr = nfct_get_attr_u32(ct, ATTR_REPL_IPV4_DST);
	nat_ctev_add(v, &o, &rs, ntohs(nfct_get_attr_u16(ct,
							ATTR_REPL_PORT_SRC)),
		     &rd, ntohs(nfct_get_attr_u16(ct, ATTR_REPL_PORT_DST)));
}

/* One event: file a new flow, drop a destroyed one. */
static void ev_handle(struct nat_ctev *v, const struct nlmsghdr *nlh)
{
	uint8_t type = NFNL_MSG_TYPE(nlh->nlmsg_type);
	struct nf_conntrack *ct = v->ct;
	struct nat_flow o;

	if (type != IPCTNL_MSG_CT_NEW && type != IPCTNL_MSG_CT_DELETE)
		return;
	nfct_set_attr_u8(ct, ATTR_ORIG_L3PROTO, 0);
	if (nfct_nlmsg_parse(nlh, ct) < 0)
		return;
	if (type == IPCTNL_MSG_CT_NEW) {
		nat_ctev_add_ct(v, ct);
		return;
	}
	if (nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO) != AF_INET)
		return;
	ct_orig(ct, &o);
	nat_ctev_drop(v, &o);
}

int nat_ctev_read(struct nat_ctev *v)
{
	int handled = 0;

	for (;;) {
		ssize_t k = recv(nfct_fd(v->h), v->buf, sizeof(v->buf), 0);
		const struct nlmsghdr *nlh = (const void *)v->buf;
		int len = (int)k;

		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* Events were dropped: some flows may be
				 * missing until the next walk. */
				if (!v->stale)
					log_warnx("conntrack events lost; the "
						  "next sweep walks the table");
				v->stale = true;
				continue;
			}
			if (errno != EAGAIN)
				log_warn("conntrack events: receive");
			return handled;
		}
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			ev_handle(v, nlh);
			handled++;
		}
	}
}

void nat_ctev_reset(struct nat_ctev *v)
{
	nat_ctev_read(v);
	flows_free(v);
	v->stale = false;
}
