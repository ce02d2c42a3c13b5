/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "call_int.h"

/* The call table, keyed by Call-ID, and what calls hold. */

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
	hash_key_random(&t->key);
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
	/* The array never shrinks: a plan that is undone puts its old
	 * contents back (journal.c). */
	if (n > k->cap_remote) {
		r = realloc(k->remote, n * sizeof(*r));
		if (!r)
			return -1;
		k->remote = r;
		k->cap_remote = n;
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
	quota_free_all(t);
	free(t->by_pub);
	free(t->calls_due.v);
	free(t->sig_due.v);
	free(t);
}

int call_hold(struct call *k, struct binding *b)
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

static uint32_t call_hash(const struct calls *t, const char *id, uint32_t len)
{
	/* Keyed: a Call-ID is whatever the sender wrote (30,000 colliding
	 * ones made FNV chains 30 times slower). */
	return (uint32_t)hash_keyed(&t->key, id, len) % CALL_HASH;
}

struct call *calls_find(struct calls *t, const char *id, uint32_t len)
{
	struct call *k = t->by_id[call_hash(t, id, len)];

	for (; k; k = k->next)
		if (k->callid_len == len && memcmp(k->callid, id, len) == 0)
			return k;
	return NULL;
}

uint64_t calls_callid_key(const struct calls *t, const char *id,
			  uint32_t len)
{
	return hash_keyed(&t->key, id, len);
}

void calls_dialog_ended(struct calls *t, uint64_t id, uint32_t a, uint32_t b,
			uint64_t now)
{
	unsigned i = t->ended_next++ % CALLS_ENDED;

	t->ended[i].id = id;
	t->ended[i].a = a;
	t->ended[i].b = b;
	t->ended[i].at = now;
}

bool calls_dialog_was_ended(const struct calls *t, uint64_t id, uint32_t a,
			    uint32_t b, uint64_t now)
{
	unsigned i;

	for (i = 0; i < CALLS_ENDED; i++) {
		if (t->ended[i].id != id || !t->ended[i].at ||
		    now > t->ended[i].at + 32)
			continue;
		if ((t->ended[i].a == a && t->ended[i].b == b) ||
		    (t->ended[i].a == b && t->ended[i].b == a))
			return true;
	}
	return false;
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
	h = call_hash(t, id, len);
	k->next = t->by_id[h];
	t->by_id[h] = k;
	k->sweep.due = sweep_call_due(t, k);
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

static void call_unlink(struct calls *t, struct call *k)
{
	struct call **pp = &t->by_id[call_hash(t, k->callid, k->callid_len)];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == k) {
			*pp = k->next;
			t->n_calls--;
			break;
		}
	}
	heap_del(&t->calls_due, &k->sweep);
	if (k->q_host_set)
		quota_sub(t, k->q_family, &k->q_host, Q_CALLS);
	if (k->q_setup)
		quota_sub(t, k->q_family, &k->q_src, Q_SETUPS);
}

int calls_admit(struct calls *t, struct call *k, int family,
		const union addr *host, const union addr *setup_src,
		const char **limit)
{
	const struct conf *c = t->conf;

	if (quota_count(t, family, host, Q_CALLS) >= c->max_calls_per_host) {
		*limit = "max_calls_per_host";
		return -1;
	}
	if (setup_src && quota_count(t, family, setup_src, Q_SETUPS) >=
			 c->max_inbound_setups_per_source) {
		*limit = "max_inbound_setups_per_source";
		return -1;
	}
	if (quota_add(t, family, host, Q_CALLS) < 0) {
		*limit = "memory";
		return -1;
	}
	k->q_family = family;
	memcpy(&k->q_host, host, addr_len(family));
	k->q_host_set = true;
	if (setup_src) {
		if (quota_add(t, family, setup_src, Q_SETUPS) < 0) {
			*limit = "memory";
			return -1;	/* the call's end takes Q_CALLS back */
		}
		memcpy(&k->q_src, setup_src, addr_len(family));
		k->q_setup = true;
	}
	return 0;
}

void calls_answered(struct calls *t, struct call *k)
{
	if (!k->q_setup)
		return;
	quota_sub(t, k->q_family, &k->q_src, Q_SETUPS);
	k->q_setup = false;
}

void calls_media_elem(const struct calls *t, const struct call *k,
		      const struct binding *b, struct nat_elem *e)
{
	calls_elem(t, b, e);
	if (b->m_index < k->n_remote) {
		e->peer_addr = k->remote[b->m_index].addr;
		e->peer_port = b->is_rtcp ? k->remote[b->m_index].rtcp
					  : k->remote[b->m_index].rtp;
	}
}

static bool from_has(const struct binding *b, const union addr *a)
{
	unsigned i;

	for (i = 0; i < b->n_from; i++)
		if (!memcmp(&b->from[i], a, sizeof(*a)))
			return true;
	return false;
}

static void from_add(struct binding *b, const union addr *a)
{
	static const union addr zero;

	if (memcmp(a, &zero, sizeof(zero)) && !from_has(b, a) &&
	    b->n_from < NAT_FROM_MAX)
		b->from[b->n_from++] = *a;
}

bool calls_media_from(const struct calls *t, const struct call *k,
		      struct binding *b)
{
	struct binding want = { .filter = t->conf->media_from ==
						   MEDIA_FROM_SDP &&
					   b->family == AF_INET };

	if (want.filter) {
		/* The stream's far end as its SDP names it (symmetric RTP
		 * sends from there), then the outside party of the
		 * signalling (a far end behind its own NAT sends its media
		 * from the address its SIP comes from). */
		if (b->m_index < k->n_remote && k->remote[b->m_index].rtp)
			from_add(&want, &k->remote[b->m_index].addr);
		from_add(&want, &k->peer);
	}
	if (want.filter == b->filter && want.n_from == b->n_from &&
	    !memcmp(want.from, b->from, sizeof(want.from)))
		return false;
	b->filter = want.filter;
	b->n_from = want.n_from;
	memcpy(b->from, want.from, sizeof(b->from));
	return true;
}

/* Let go of one hold on media binding b; the last hold removes it from
 * the kernel (plan, unless NULL) and from conntrack (gone). */
static void media_unhold(struct calls *t, const struct call *k,
			 struct binding *b, struct nat_plan *plan,
			 struct nat_elem *gone, unsigned *n_gone)
{
	struct nat_elem e;

	if (--b->users)
		return;
	if (plan) {
		calls_media_elem(t, k, b, &e);
		nat_plan_del(plan, &e);
		gone[(*n_gone)++] = e;
	}
	calls_binding_drop(t, b);
}

void calls_end(struct calls *t, struct call *k, struct nat_plan *plan,
	       struct nat_elem *gone, unsigned *n_gone)
{
	unsigned i, n = 0;

	if (t->end_hook)
		t->end_hook(t->end_ctx, k, t->end_why);
	for (i = 0; i < k->n_bind; i++)
		media_unhold(t, k, k->bind[i], plan, gone, &n);
	if (n_gone)
		*n_gone = n;
	if (k->sig && k->sig->users && !--k->sig->users)
		calls_sig_rekey(t, k->sig);
	call_unlink(t, k);
	call_free(k);
}

void calls_discard(struct calls *t, struct call *k)
{
	call_unlink(t, k);
	call_free(k);
}

void calls_let_go(struct calls *t, struct call *k, struct binding *b)
{
	unsigned i;

	for (i = 0; i < k->n_bind; i++)
		if (k->bind[i] == b) {
			k->bind[i] = k->bind[--k->n_bind];
			media_unhold(t, k, b, NULL, NULL, NULL);
			return;
		}
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

void calls_stats(const struct calls *t, struct calls_stats *s)
{
	s->calls = t->n_calls;
	s->sig_bindings = t->n_sig;
	s->media_bindings = t->n_media;
}

void calls_each_call(struct calls *t,
		     void (*fn)(void *ctx, const struct call *k), void *ctx)
{
	unsigned i;

	for (i = 0; i < CALL_HASH; i++) {
		const struct call *k;

		for (k = t->by_id[i]; k; k = k->next)
			fn(ctx, k);
	}
}

void calls_inherit_hooks(struct calls *t, const struct calls *from)
{
	t->end_hook = from->end_hook;
	t->end_ctx = from->end_ctx;
	t->prior = from->prior;
	t->kernel = from->kernel;
}

void calls_set_end_hook(struct calls *t, calls_end_fn fn, void *ctx)
{
	t->end_hook = fn;
	t->end_ctx = ctx;
}
