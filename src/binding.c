/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "call_int.h"

/* The binding table: inside address:port <-> public port. */

static uint32_t bind_hash(const struct calls *t, int family,
			  const union addr *a, uint16_t port)
{
	unsigned char key[18];

	/* Keyed: phones pick their own ports and addresses. */
	memcpy(key, a, addr_len(family));
	memcpy(key + addr_len(family), &port, sizeof(port));
	return (uint32_t)hash_keyed(&t->key, key, addr_len(family) + 2) %
	       BIND_HASH;
}
struct binding *calls_binding_find(struct calls *t, int family,
				   const union addr *a, uint16_t port)
{
	struct binding *b = t->by_in[bind_hash(t, family, a, port)];

	for (; b; b = b->next)
		if (b->family == family && b->in_port == port &&
		    addr_eq(family, &b->in_addr, a))
			return b;
	return NULL;
}

struct binding *binding_new(struct calls *t, enum bind_kind kind,
				int family, const union addr *a,
				uint16_t port, uint16_t pub)
{
	struct binding *b = calloc(1, sizeof(*b));
	enum quota_kind qk = kind == BIND_SIG ? Q_SIG : Q_MEDIA;
	uint32_t h;

	if (!b)
		return NULL;
	if ((kind == BIND_SIG && !(b->sig = calloc(1, sizeof(*b->sig)))) ||
	    quota_add(t, family, a, qk) < 0) {
		free(b->sig);
		free(b);
		return NULL;
	}
	b->kind = kind;
	b->family = family;
	b->in_addr = *a;
	b->in_port = port;
	b->pub_port = pub;
	b->pub_i = (uint8_t)t->cur_pub;
	h = bind_hash(t, family, a, port);
	b->next = t->by_in[h];
	t->by_in[h] = b;
	*pool_slot(t, pub) = b;
	if (kind == BIND_SIG) {
		b->sig->owner = b;
		b->sig->sweep.due = 0;	/* calls_sig_get sets it */
		if (heap_add(&t->sig_due, &b->sig->sweep) < 0) {
			t->by_in[h] = b->next;
			*pool_slot(t, pub) = NULL;
			quota_sub(t, family, a, qk);
			free(b->sig);
			free(b);
			return NULL;
		}
		t->n_sig++;
	} else {
		t->n_media++;
	}
	return b;
}

void calls_binding_drop(struct calls *t, struct binding *b)
{
	struct binding **pp = &t->by_in[bind_hash(t, b->family, &b->in_addr,
						  b->in_port)];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == b) {
			*pp = b->next;
			break;
		}
	}
	if (t->by_pub[b->pub_i * 65536u + b->pub_port] == b)
		t->by_pub[b->pub_i * 65536u + b->pub_port] = NULL;
	if (b->kind == BIND_SIG) {
		t->n_sig--;
		heap_del(&t->sig_due, &b->sig->sweep);
	} else {
		t->n_media--;
	}
	quota_sub(t, b->family, &b->in_addr,
		  b->kind == BIND_SIG ? Q_SIG : Q_MEDIA);
	free(b->sig);
	free(b);
}

/* A public port the kernel already maps this inside socket to, when no
 * binding holds it: taken whatever the pools say (the mapping exists;
 * choosing another would make the phone's address depend on where it
 * sends, RFC 4787 REQ-1).  0 when there is none or it is taken. */
static uint16_t adopt_port(struct calls *t, uint16_t adopt)
{
	return adopt && !*pool_slot(t, adopt) ? adopt : 0;
}

/* The same for a signalling socket who, when the kernel gives that port
 * to no other inside socket as well (plain masquerading reuses a public
 * port towards other hosts): a port two sockets share is neither's to
 * bind, else the other's requests and responses would go to this one. */
static uint16_t adopt_sig(struct calls *t, uint16_t adopt,
			  const struct pool_who *who)
{
	return adopt_port(t, adopt) &&
	       !calls_port_other(t, who->family, who->a, who->port, adopt)
		       ? adopt : 0;
}

bool calls_sig_room(const struct calls *t, int family, const union addr *a)
{
	return binding_count(t) < t->conf->max_bindings &&
	       quota_count(t, family, a, Q_SIG) <
		       t->conf->max_signalling_per_host;
}

struct binding *calls_sig_get(struct calls *t, int family,
			      const union addr *a, uint16_t port,
			      uint64_t now, bool *created,
			      const char **limit)
{
	return calls_sig_get_at(t, family, a, port, 0, now, created, limit);
}

struct binding *calls_sig_get_at(struct calls *t, int family,
				 const union addr *a, uint16_t port,
				 uint16_t adopt, uint64_t now, bool *created,
				 const char **limit)
{
	struct binding *b = calls_binding_find(t, family, a, port);
	const struct conf *c = t->conf;
	const struct pool_who who = { family, a, port };
	uint16_t pub;

	*created = false;
	if (b && b->kind != BIND_SIG) {
		*limit = "SIP from a media port";	/* one port, one mapping */
		return NULL;
	}
	if (b)
		return b;
	if (!calls_sig_room(t, family, a)) {
		*limit = binding_count(t) >= c->max_bindings
				 ? "max_bindings" : "max_signalling_per_host";
		return NULL;
	}
	pub = adopt_sig(t, adopt, &who);
	if (!pub)
		pub = adopt_port(t, pool_prior(t, family, a, port));
	if (!pub)
		pub = pool_take(t, c->signalling_port_min,
				c->signalling_port_max, 1, &t->sig_next, port,
				&who);
	if (!pub) {
		*limit = "signalling_ports";
		return NULL;
	}
	b = binding_new(t, BIND_SIG, family, a, port, pub);
	if (!b) {
		*limit = "memory";
		return NULL;
	}
	b->expires = now + c->call_setup_timeout;
	calls_sig_rekey(t, b);
	*created = true;
	return b;
}

int calls_media_get(struct calls *t, struct call *k, int family,
		    const union addr *a, uint16_t rtp, uint16_t rtcp,
		    struct binding **b_rtp, struct binding **b_rtcp,
		    bool *created, const char **limit)
{
	return calls_media_get_at(t, k, family, a, rtp, rtcp, 0, 0, b_rtp,
				  b_rtcp, created, limit);
}

/* The public ports of a new media pair: the adopted ones when both are
 * free, else an even/odd pair from the media pool.  0 when none. */
static uint16_t media_pub(struct calls *t, uint16_t pub_rtp,
			  uint16_t pub_rtcp, uint16_t *rtcp)
{
	const struct conf *c = t->conf;
	uint16_t pub;

	if (pub_rtp && pub_rtcp && pub_rtp != pub_rtcp &&
	    adopt_port(t, pub_rtp) && adopt_port(t, pub_rtcp)) {
		*rtcp = pub_rtcp;
		return pub_rtp;
	}
	/* Not asked of the kernel (a query per call would cost every
	 * call setup; the media pool is the daemon's own range). */
	pub = pool_take(t, c->media_port_min, c->media_port_max - 1, 2,
			&t->media_next, 0, NULL);
	*rtcp = pub + 1;
	return pub;
}

/* Why a new RTP/RTCP pair of host a in call k would break a limit, or
 * NULL when it fits. */
static const char *media_limit(const struct calls *t, const struct call *k,
			       int family, const union addr *a)
{
	const struct conf *c = t->conf;

	if (binding_count(t) + 2 > c->max_bindings)
		return "max_bindings";
	if (quota_count(t, family, a, Q_MEDIA) / 2 >= c->max_media_per_host)
		return "max_media_per_host";
	if (k->n_bind + 2 > CALL_MAX_BIND)
		return "media streams per call";
	return NULL;
}

/* The pair's two bindings (public ports pub, pub2), held by k: 0, or -1
 * (out of memory) with neither left behind. */
static int media_pair_new(struct calls *t, struct call *k, int family,
			  const union addr *a, uint16_t rtp, uint16_t rtcp,
			  uint16_t pub, uint16_t pub2, struct binding **b_rtp,
			  struct binding **b_rtcp)
{
	struct binding *r, *q;

	r = binding_new(t, BIND_MEDIA, family, a, rtp, pub);
	q = r ? binding_new(t, BIND_MEDIA, family, a, rtcp, pub2) : NULL;
	if (!q) {
		if (r)
			calls_binding_drop(t, r);
		return -1;
	}
	if (call_hold(k, r) || call_hold(k, q)) {
		calls_unhold(k, r);
		calls_binding_drop(t, r);
		calls_binding_drop(t, q);
		return -1;
	}
	*b_rtp = r;
	*b_rtcp = q;
	return 0;
}

int calls_media_get_at(struct calls *t, struct call *k, int family,
		       const union addr *a, uint16_t rtp, uint16_t rtcp,
		       uint16_t pub_rtp, uint16_t pub_rtcp,
		       struct binding **b_rtp, struct binding **b_rtcp,
		       bool *created, const char **limit)
{
	struct binding *r, *q;
	uint16_t pub, pub2;
	const char *why;

	*created = false;
	r = calls_binding_find(t, family, a, rtp);
	q = calls_binding_find(t, family, a, rtcp);
	if (r && q && r->kind == BIND_MEDIA && q->kind == BIND_MEDIA) {
		if (call_hold(k, r) || call_hold(k, q)) {
			*limit = "media streams per call";
			return -1;
		}
		*b_rtp = r;
		*b_rtcp = q;
		return 0;
	}
	if (r || q) {
		/* The inside port is a signalling port or half a pair:
		 * refuse rather than map one port two ways. */
		*limit = "port already bound";
		return -1;
	}
	why = media_limit(t, k, family, a);
	if (why) {
		*limit = why;
		return -1;
	}
	if (!pub_rtp || !pub_rtcp) {
		/* The kernel still maps these sockets as a run before us
		 * left them: keep that, or the new element would clash. */
		pub_rtp = pool_prior(t, family, a, rtp);
		pub_rtcp = pool_prior(t, family, a, rtcp);
	}
	pub = media_pub(t, pub_rtp, pub_rtcp, &pub2);
	if (!pub) {
		*limit = "media_ports";
		return -1;
	}
	if (media_pair_new(t, k, family, a, rtp, rtcp, pub, pub2, b_rtp,
			   b_rtcp) < 0) {
		*limit = "memory";
		return -1;
	}
	*created = true;
	return 0;
}

void calls_elem(const struct calls *t, const struct binding *b,
		struct nat_elem *e)
{
	memset(e, 0, sizeof(*e));
	e->family = b->family;
	e->proto = 17;
	e->in_addr = b->in_addr;
	e->in_port = b->in_port;
	e->pub_addr = t->pub[b->pub_i];
	e->pub_port = b->pub_port;
	e->filter = b->filter;
	e->n_from = b->n_from;
	memcpy(e->from, b->from, sizeof(e->from));
}

void calls_binding_refresh(struct calls *t, struct binding *b, uint64_t until,
			   uint64_t now, struct nat_plan *plan)
{
	struct nat_elem e;

	if (b->kernel_until >= until + KERNEL_MARGIN / 2)
		return;
	calls_elem(t, b, &e);
	if (b->kernel_until > now)
		nat_plan_del(plan, &e);
	e.timeout = (uint32_t)(until - now) + KERNEL_MARGIN;
	nat_plan_add(plan, &e);
	b->kernel_until = until + KERNEL_MARGIN;
}

void calls_media_touch(struct calls *t, int family, const union addr *a,
		       uint16_t port, uint64_t when)
{
	struct binding *b = calls_binding_find(t, family, a, port);

	if (b && b->kind == BIND_MEDIA && when > b->seen)
		b->seen = when;
}

void calls_each_binding(struct calls *t,
			void (*fn)(void *ctx, const struct binding *b),
			void *ctx)
{
	unsigned i;

	for (i = 0; i < BIND_HASH; i++) {
		const struct binding *b;

		for (b = t->by_in[i]; b; b = b->next)
			fn(ctx, b);
	}
}
