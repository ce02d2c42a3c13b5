/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "call.h"

/* Bucket counts: short chains up to about 100,000 calls (a binding per
 * phone and two per stream); 1 MiB of heads in all. */
#define BIND_HASH 65536
#define CALL_HASH 65536
/* Margin added to kernel timeouts: the daemon removes elements itself;
 * the kernel timeout only cleans up after a daemon that died. */
#define KERNEL_MARGIN 60

struct heap {
	struct heap_node **v;
	unsigned n, cap;
};

struct calls {
	const struct conf *conf;
	int pub_family;
	union addr pub[CALLS_MAX_PUB];
	unsigned n_pub;
	unsigned cur_pub;		/* for bindings made now */
	struct binding *by_in[BIND_HASH];
	struct binding **by_pub;	/* [address index * 65536 + port] */
	struct call *by_id[CALL_HASH];
	/* Every call and every signalling binding in a binary min-heap by
	 * due time: a tick looks only at what may have expired. */
	struct heap calls_due, sig_due;
	uint32_t media_next;	/* next-fit cursors keep recently freed */
	uint32_t sig_next;	/* ports out of use for a while */
	unsigned n_calls, n_sig, n_media;
};

static uint32_t hash_bytes(const void *p, size_t n, uint32_t h)
{
	const unsigned char *c = p;

	while (n--)
		h = (h ^ *c++) * 16777619u;
	return h;
}

static size_t addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

static uint32_t bind_hash(int family, const union addr *a, uint16_t port)
{
	uint32_t h = hash_bytes(a, addr_len(family), 2166136261u);

	return hash_bytes(&port, sizeof(port), h) % BIND_HASH;
}

static bool addr_eq(int family, const union addr *a, const union addr *b)
{
	return memcmp(a, b, addr_len(family)) == 0;
}

/* ---- the sweep's heaps ------------------------------------------------- */

static void heap_put(struct heap *h, unsigned i, struct heap_node *x)
{
	h->v[i] = x;
	x->i = i;
}

static void heap_up(struct heap *h, unsigned i)
{
	struct heap_node *x = h->v[i];

	while (i) {
		unsigned up = (i - 1) / 2;

		if (h->v[up]->due <= x->due)
			break;
		heap_put(h, i, h->v[up]);
		i = up;
	}
	heap_put(h, i, x);
}

static void heap_down(struct heap *h, unsigned i)
{
	struct heap_node *x = h->v[i];

	for (;;) {
		unsigned c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1]->due < h->v[c]->due)
			c++;
		if (x->due <= h->v[c]->due)
			break;
		heap_put(h, i, h->v[c]);
		i = c;
	}
	heap_put(h, i, x);
}

static int heap_add(struct heap *h, struct heap_node *x)
{
	if (h->n == h->cap) {
		unsigned cap = h->cap ? 2 * h->cap : 1024;
		struct heap_node **v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -1;
		h->v = v;
		h->cap = cap;
	}
	heap_put(h, h->n++, x);
	heap_up(h, x->i);
	return 0;
}

/* x's due time changed: move it to its place. */
static void heap_fix(struct heap *h, struct heap_node *x)
{
	heap_up(h, x->i);
	heap_down(h, x->i);
}

static void heap_del(struct heap *h, struct heap_node *x)
{
	struct heap_node *last = h->v[--h->n];

	if (last == x)
		return;
	heap_put(h, x->i, last);
	heap_fix(h, last);
}

/* The node at the top when it is due at now, else NULL. */
static struct heap_node *heap_due(const struct heap *h, uint64_t now)
{
	return h->n && h->v[0]->due <= now ? h->v[0] : NULL;
}

#define container_of(p, type, member) \
	((type *)(void *)((char *)(p) - offsetof(type, member)))

void calls_sig_rekey(struct calls *t, struct binding *b)
{
	if (b->kind != BIND_SIG || b->users)
		return;
	b->sig->sweep.due = b->expires;
	heap_fix(&t->sig_due, &b->sig->sweep);
}

/* When k could first expire, from what the daemon knows now (media seen
 * later only moves it on). */
static uint64_t call_due(const struct calls *t, const struct call *k)
{
	uint64_t d = k->media_seen + t->conf->media_idle_timeout;

	if (k->max_end < d)
		d = k->max_end;
	if (k->setup_deadline && k->setup_deadline < d)
		d = k->setup_deadline;
	return d;
}

struct calls *calls_new(const struct conf *c)
{
	struct calls *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	/* One public address until calls_set_public says which. */
	t->by_pub = calloc(65536, sizeof(*t->by_pub));
	if (!t->by_pub) {
		free(t);
		return NULL;
	}
	t->n_pub = 1;
	t->conf = c;
	t->media_next = c->media_port_min;
	t->sig_next = c->signalling_port_min;
	return t;
}

static void call_free(struct call *k)
{
	free(k->bind);
	free(k->remote);
	free(k);
}

int calls_remote_size(struct call *k, unsigned n)
{
	struct call_remote *r;

	if (n > CALL_MAX_REMOTE)
		n = CALL_MAX_REMOTE;
	if (n > k->n_remote) {
		r = realloc(k->remote, n * sizeof(*r));
		if (!r)
			return -1;
		k->remote = r;
	}
	k->n_remote = n;
	return 0;
}

void calls_free(struct calls *t)
{
	unsigned i;

	if (!t)
		return;
	for (i = 0; i < CALL_HASH; i++) {
		struct call *k = t->by_id[i], *n;

		for (; k; k = n) {
			n = k->next;
			call_free(k);
		}
	}
	for (i = 0; i < BIND_HASH; i++) {
		struct binding *b = t->by_in[i], *n;

		for (; b; b = n) {
			n = b->next;
			free(b->sig);
			free(b);
		}
	}
	free(t->by_pub);
	free(t->calls_due.v);
	free(t->sig_due.v);
	free(t);
}

void calls_set_conf(struct calls *t, const struct conf *c)
{
	unsigned i;

	t->conf = c;
	/* Timeouts may have shortened: every call's due time again. */
	for (i = 0; i < t->calls_due.n; i++) {
		struct heap_node *x = t->calls_due.v[i];

		x->due = call_due(t, container_of(x, struct call, sweep));
	}
	for (i = t->calls_due.n / 2; i-- > 0;)
		heap_down(&t->calls_due, i);
}

static unsigned bind_count(const struct calls *t)
{
	return t->n_sig + t->n_media;
}

int calls_set_public(struct calls *t, int family, const union addr *pub,
		     unsigned n)
{
	struct binding **by;

	if (!n || n > CALLS_MAX_PUB || bind_count(t))
		return -1;
	by = calloc((size_t)n * 65536, sizeof(*by));
	if (!by)
		return -1;
	free(t->by_pub);
	t->by_pub = by;
	t->pub_family = family;
	memcpy(t->pub, pub, n * sizeof(*pub));
	t->n_pub = n;
	t->cur_pub = 0;
	return 0;
}

int calls_set_public_conf(struct calls *t, const union addr *first,
			  const struct conf *c)
{
	union addr pub[CALLS_MAX_PUB];
	unsigned i, n = 1;

	pub[0] = *first;
	for (i = 0; i < c->n_public_pool && n < CALLS_MAX_PUB; i++) {
		if (c->public_pool[i].s_addr == first->v4.s_addr)
			continue;
		memset(&pub[n], 0, sizeof(pub[n]));
		pub[n++].v4 = c->public_pool[i];
	}
	return calls_set_public(t, AF_INET, pub, n);
}

static int pub_index(const struct calls *t, int family, const union addr *a)
{
	unsigned i;

	if (family != t->pub_family)
		return -1;
	for (i = 0; i < t->n_pub; i++)
		if (addr_eq(family, &t->pub[i], a))
			return (int)i;
	return -1;
}

bool calls_is_public(const struct calls *t, int family, const union addr *a)
{
	return pub_index(t, family, a) >= 0;
}

const union addr *calls_pub_addr(const struct calls *t,
				 const struct binding *b)
{
	return &t->pub[b->pub_i];
}

const union addr *calls_pick_public(struct calls *t, int family,
				    const union addr *a)
{
	t->cur_pub = t->n_pub > 1 ? hash_bytes(a, addr_len(family),
					       2166136261u) % t->n_pub
				  : 0;
	return &t->pub[t->cur_pub];
}

/* The slot of public port p on the address bindings are made on now. */
static struct binding **pub_slot(struct calls *t, uint32_t p)
{
	return &t->by_pub[t->cur_pub * 65536u + p];
}

struct binding *calls_binding_find(struct calls *t, int family,
				   const union addr *a, uint16_t port)
{
	struct binding *b = t->by_in[bind_hash(family, a, port)];

	for (; b; b = b->next)
		if (b->family == family && b->in_port == port &&
		    addr_eq(family, &b->in_addr, a))
			return b;
	return NULL;
}

struct binding *calls_binding_by_pub(struct calls *t, int family,
				     const union addr *a, uint16_t p)
{
	int i;

	if (t->n_pub == 1)
		return t->by_pub[p];	/* the port says it: as before pools */
	i = pub_index(t, family, a);
	return i < 0 ? NULL : t->by_pub[(unsigned)i * 65536u + p];
}

/* Next free port in [lo, hi] with the given step, starting at *cur;
 * want (if in range and free) is tried first.  0 when none. */
static uint16_t pool_take(struct calls *t, uint32_t lo, uint32_t hi,
			  unsigned step, uint32_t *cur, uint32_t want)
{
	uint32_t n = (hi - lo + 1) / step, i, p;

	if (want >= lo && want + step - 1 <= hi && (want - lo) % step == 0 &&
	    !*pub_slot(t, want) && (step == 1 || !*pub_slot(t, want + 1)))
		return (uint16_t)want;
	for (i = 0; i < n; i++) {
		p = *cur;
		*cur = p + step > hi ? lo : p + step;
		if (!*pub_slot(t, p) && (step == 1 || !*pub_slot(t, p + 1)))
			return (uint16_t)p;
	}
	return 0;
}

static struct binding *bind_new(struct calls *t, enum bind_kind kind,
				int family, const union addr *a,
				uint16_t port, uint16_t pub)
{
	struct binding *b = calloc(1, sizeof(*b));
	uint32_t h;

	if (!b)
		return NULL;
	if (kind == BIND_SIG && !(b->sig = calloc(1, sizeof(*b->sig)))) {
		free(b);
		return NULL;
	}
	b->kind = kind;
	b->family = family;
	b->in_addr = *a;
	b->in_port = port;
	b->pub_port = pub;
	b->pub_i = (uint8_t)t->cur_pub;
	h = bind_hash(family, a, port);
	b->next = t->by_in[h];
	t->by_in[h] = b;
	*pub_slot(t, pub) = b;
	if (kind == BIND_SIG) {
		b->sig->owner = b;
		b->sig->sweep.due = 0;	/* calls_sig_get sets it */
		if (heap_add(&t->sig_due, &b->sig->sweep) < 0) {
			t->by_in[h] = b->next;
			*pub_slot(t, pub) = NULL;
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
	struct binding **pp = &t->by_in[bind_hash(b->family, &b->in_addr,
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
	free(b->sig);
	free(b);
}

struct binding *calls_sig_get(struct calls *t, int family,
			      const union addr *a, uint16_t port,
			      uint64_t now, bool *created,
			      const char **limit)
{
	struct binding *b = calls_binding_find(t, family, a, port);
	const struct conf *c = t->conf;
	uint16_t pub;

	*created = false;
	if (b && b->kind != BIND_SIG) {
		*limit = "SIP from a media port";	/* one port, one mapping */
		return NULL;
	}
	if (b)
		return b;
	if (bind_count(t) >= c->max_bindings) {
		*limit = "max_bindings";
		return NULL;
	}
	pub = pool_take(t, c->signalling_port_min, c->signalling_port_max, 1,
			&t->sig_next, port);
	if (!pub) {
		*limit = "signalling_ports";
		return NULL;
	}
	b = bind_new(t, BIND_SIG, family, a, port, pub);
	if (!b) {
		*limit = "memory";
		return NULL;
	}
	b->expires = now + c->call_setup_timeout;
	calls_sig_rekey(t, b);
	*created = true;
	return b;
}

static int call_hold(struct call *k, struct binding *b)
{
	unsigned i;

	for (i = 0; i < k->n_bind; i++)
		if (k->bind[i] == b)
			return 0;
	if (k->n_bind >= CALL_MAX_BIND)
		return -1;
	if (k->n_bind == k->cap_bind) {
		unsigned cap = k->cap_bind ? 2 * k->cap_bind : 4;
		struct binding **v = realloc(k->bind, cap * sizeof(*v));

		if (!v)
			return -1;
		k->bind = v;
		k->cap_bind = cap;
	}
	k->bind[k->n_bind++] = b;
	b->users++;
	return 0;
}

void calls_unhold(struct call *k, struct binding *b)
{
	unsigned i;

	for (i = 0; i < k->n_bind; i++)
		if (k->bind[i] == b) {
			k->bind[i] = k->bind[--k->n_bind];
			b->users--;
			return;
		}
}

int calls_media_get(struct calls *t, struct call *k, int family,
		    const union addr *a, uint16_t rtp, uint16_t rtcp,
		    struct binding **b_rtp, struct binding **b_rtcp,
		    bool *created, const char **limit)
{
	const struct conf *c = t->conf;
	struct binding *r, *q;
	uint16_t pub;

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
	if (bind_count(t) + 2 > c->max_bindings) {
		*limit = "max_bindings";
		return -1;
	}
	if (k->n_bind + 2 > CALL_MAX_BIND) {
		*limit = "media streams per call";
		return -1;
	}
	pub = pool_take(t, c->media_port_min, c->media_port_max - 1, 2,
			&t->media_next, 0);
	if (!pub) {
		*limit = "media_ports";
		return -1;
	}
	r = bind_new(t, BIND_MEDIA, family, a, rtp, pub);
	q = r ? bind_new(t, BIND_MEDIA, family, a, rtcp, pub + 1) : NULL;
	if (!q) {
		if (r)
			calls_binding_drop(t, r);
		*limit = "memory";
		return -1;
	}
	if (call_hold(k, r) || call_hold(k, q)) {
		calls_unhold(k, r);
		calls_binding_drop(t, r);
		calls_binding_drop(t, q);
		*limit = "memory";
		return -1;
	}
	*b_rtp = r;
	*b_rtcp = q;
	*created = true;
	return 0;
}

static uint32_t call_hash(const char *id, uint32_t len)
{
	return hash_bytes(id, len, 2166136261u) % CALL_HASH;
}

struct call *calls_find(struct calls *t, const char *id, uint32_t len)
{
	struct call *k = t->by_id[call_hash(id, len)];

	for (; k; k = k->next)
		if (k->callid_len == len && memcmp(k->callid, id, len) == 0)
			return k;
	return NULL;
}

struct call *calls_get(struct calls *t, const char *id, uint32_t len,
		       uint64_t now, bool *created, const char **limit)
{
	struct call *k = calls_find(t, id, len);
	uint32_t h;

	*created = false;
	if (k)
		return k;
	if (t->n_calls >= t->conf->max_calls) {
		*limit = "max_calls";
		return NULL;
	}
	k = calloc(1, sizeof(*k) + len);
	if (!k) {
		*limit = "memory";
		return NULL;
	}
	memcpy(k->callid, id, len);
	k->callid_len = len;
	k->created = now;
	k->media_seen = now;
	k->setup_deadline = now + t->conf->call_setup_timeout;
	k->max_end = now + t->conf->call_max_duration;
	h = call_hash(id, len);
	k->next = t->by_id[h];
	t->by_id[h] = k;
	k->sweep.due = call_due(t, k);
	if (heap_add(&t->calls_due, &k->sweep) < 0) {
		t->by_id[h] = k->next;
		free(k);
		*limit = "memory";
		return NULL;
	}
	t->n_calls++;
	*created = true;
	return k;
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
}

static void call_unlink(struct calls *t, struct call *k)
{
	struct call **pp = &t->by_id[call_hash(k->callid, k->callid_len)];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == k) {
			*pp = k->next;
			t->n_calls--;
			break;
		}
	}
	heap_del(&t->calls_due, &k->sweep);
}

/* Let go of one hold on media binding b; the last hold removes it from
 * the kernel (plan) and from conntrack (gone). */
static void media_unhold(struct calls *t, const struct call *k,
			 struct binding *b, struct nat_plan *plan,
			 struct nat_elem *gone, unsigned *n_gone)
{
	struct nat_elem e;

	if (--b->users)
		return;
	calls_elem(t, b, &e);
	if (b->m_index < k->n_remote) {
		e.peer_addr = k->remote[b->m_index].addr;
		e.peer_port = b->is_rtcp ? k->remote[b->m_index].rtcp
					 : k->remote[b->m_index].rtp;
	}
	nat_plan_del(plan, &e);
	gone[(*n_gone)++] = e;
	calls_binding_drop(t, b);
}

void calls_end(struct calls *t, struct call *k, struct nat_plan *plan,
	       struct nat_elem *gone, unsigned *n_gone)
{
	unsigned i;

	*n_gone = 0;
	for (i = 0; i < k->n_bind; i++)
		media_unhold(t, k, k->bind[i], plan, gone, n_gone);
	if (k->sig && k->sig->users && !--k->sig->users)
		calls_sig_rekey(t, k->sig);
	call_unlink(t, k);
	call_free(k);
}

unsigned calls_release(struct calls *t, struct call *k,
		       bool (*pick)(void *ctx, const struct binding *b),
		       void *ctx, struct nat_plan *plan, struct nat_elem *gone,
		       unsigned *n_gone, unsigned max_gone)
{
	unsigned i = 0, n = 0;

	while (i < k->n_bind) {
		struct binding *b = k->bind[i];

		if (!pick(ctx, b) || (b->users == 1 && *n_gone >= max_gone)) {
			i++;
			continue;
		}
		k->bind[i] = k->bind[--k->n_bind];
		n++;
		media_unhold(t, k, b, plan, gone, n_gone);
	}
	return n;
}

void calls_note_sdp(struct call *k, int family, const union addr *a)
{
	size_t n = family == AF_INET6 ? 16 : 4;
	unsigned i;

	for (i = 0; i < k->n_host; i++)
		if (!memcmp(&k->host_sdp[i].addr, a, n))
			break;
	if (i == k->n_host) {
		if (k->n_host == CALL_MAX_HOSTS)
			return;		/* not tracked: never pruned */
		k->n_host++;
		memset(&k->host_sdp[i].addr, 0, sizeof(k->host_sdp[i].addr));
		memcpy(&k->host_sdp[i].addr, a, n);
	}
	k->host_sdp[i].seq = k->sdp_seq;
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

static bool call_expired(const struct calls *t, const struct call *k,
			 uint64_t now)
{
	if (k->setup_deadline && now >= k->setup_deadline)
		return true;
	if (now >= k->max_end)
		return true;
	return now >= k->media_seen + t->conf->media_idle_timeout;
}

static void call_media_refresh(struct call *k)
{
	unsigned i;

	for (i = 0; i < k->n_bind; i++)
		if (k->bind[i]->seen > k->media_seen)
			k->media_seen = k->bind[i]->seen;
}

static unsigned sweep_calls(struct calls *t, uint64_t now,
			    struct nat_plan *plan, struct nat_elem *gone,
			    unsigned max_gone, unsigned *n_gone)
{
	struct nat_elem g[CALL_MAX_BIND];
	unsigned j, n, ended = 0;
	struct heap_node *x;
	struct call *k;

	while ((x = heap_due(&t->calls_due, now))) {
		k = container_of(x, struct call, sweep);
		call_media_refresh(k);
		if (!call_expired(t, k, now)) {
			x->due = call_due(t, k);
			if (x->due <= now)	/* cannot happen: not expired */
				x->due = now + 1;
			heap_fix(&t->calls_due, x);
			continue;
		}
		if (*n_gone + k->n_bind > max_gone ||
		    plan->n_del + k->n_bind > NAT_PLAN_MAX)
			return ended;	/* the rest next time */
		calls_end(t, k, plan, g, &n);
		for (j = 0; j < n; j++)
			gone[(*n_gone)++] = g[j];
		ended++;
	}
	return ended;
}

static void sweep_sig(struct calls *t, uint64_t now, struct nat_plan *plan)
{
	struct heap_node *x;
	struct binding *b;
	struct nat_elem e;

	while ((x = heap_due(&t->sig_due, now))) {
		b = container_of(x, struct sig_state, sweep)->owner;
		if (b->users || now < b->expires) {
			/* Held by a call (the last one's end re-keys it), or
			 * kept alive since. */
			x->due = b->users ? UINT64_MAX : b->expires;
			heap_fix(&t->sig_due, x);
			continue;
		}
		if (plan->n_del >= NAT_PLAN_MAX)
			return;
		calls_elem(t, b, &e);
		if (b->kernel_until > now)
			nat_plan_del(plan, &e);
		calls_binding_drop(t, b);
	}
}

unsigned calls_sweep(struct calls *t, uint64_t now, struct nat_plan *plan,
		     struct nat_elem *gone, unsigned max_gone,
		     unsigned *n_gone)
{
	unsigned ended;

	*n_gone = 0;
	ended = sweep_calls(t, now, plan, gone, max_gone, n_gone);
	sweep_sig(t, now, plan);
	return ended;
}

void calls_media_touch(struct calls *t, int family, const union addr *a,
		       uint16_t port, uint64_t when)
{
	struct binding *b = calls_binding_find(t, family, a, port);

	if (b && b->kind == BIND_MEDIA && when > b->seen)
		b->seen = when;
}

void calls_stats(const struct calls *t, struct calls_stats *s)
{
	s->calls = t->n_calls;
	s->sig_bindings = t->n_sig;
	s->media_bindings = t->n_media;
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

void nat_plan_init(struct nat_plan *p)
{
	p->n_add = 0;
	p->n_del = 0;
	p->overflow = false;
}

int nat_plan_add(struct nat_plan *p, const struct nat_elem *e)
{
	if (p->n_add >= NAT_PLAN_MAX) {
		p->overflow = true;
		return -1;
	}
	p->add[p->n_add++] = *e;
	return 0;
}

int nat_plan_del(struct nat_plan *p, const struct nat_elem *e)
{
	if (p->n_del >= NAT_PLAN_MAX) {
		p->overflow = true;
		return -1;
	}
	p->del[p->n_del++] = *e;
	return 0;
}
