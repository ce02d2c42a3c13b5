/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "call_int.h"
#include "call_restore.h"

/* The call table rebuilt from a state file's records. */

struct restore {
	struct calls *t;
	calls_have_fn have;
	void *ctx;
	uint64_t now;
	struct binding **media;	/* the media records, sorted by inside */
	unsigned n_media;
	struct calls_restored *out;
	unsigned cap_fix;
};

unsigned calls_publics(const struct calls *t, union addr *out, unsigned cap)
{
	unsigned n = t->n_pub < cap ? t->n_pub : cap;

	memcpy(out, t->pub, n * sizeof(*out));
	return n;
}

static int ref_cmp(const union addr *a, uint16_t pa, const union addr *b,
		   uint16_t pb)
{
	int c = memcmp(&a->v4, &b->v4, sizeof(a->v4));

	return c ? c : (int)pa - (int)pb;
}

static int media_cmp(const void *x, const void *y)
{
	const struct binding *a = *(struct binding *const *)x;
	const struct binding *b = *(struct binding *const *)y;

	return ref_cmp(&a->in_addr, a->in_port, &b->in_addr, b->in_port);
}

static const struct binding *media_record(const struct restore *r,
					  const struct state_ref *ref)
{
	unsigned lo = 0, hi = r->n_media;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct binding *b = r->media[mid];
		int c = ref_cmp(&ref->a, ref->port, &b->in_addr, b->in_port);

		if (!c)
			return b;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Record x as one to re-install with timeout until - now. */
static int restore_fix(struct restore *r, const struct binding *b,
		       uint64_t until)
{
	struct calls_restored *o = r->out;
	struct nat_elem *v;

	if (until <= r->now)
		return 0;	/* the kernel's own timeout stays */
	if (o->n_fix == r->cap_fix) {
		r->cap_fix = r->cap_fix ? 2 * r->cap_fix : 64;
		v = realloc(o->fix, r->cap_fix * sizeof(*v));
		if (!v)
			return -1;
		o->fix = v;
	}
	calls_elem(r->t, b, &o->fix[o->n_fix]);
	o->fix[o->n_fix++].timeout = (uint32_t)(until - r->now >
						UINT32_MAX ? UINT32_MAX
							   : until - r->now);
	return 0;
}

/* A binding like record x, when the kernel holds x's element and t has
 * neither of its sockets.  NULL otherwise (or no memory). */
static struct binding *restore_binding(struct restore *r,
				       const struct binding *x)
{
	struct calls *t = r->t;
	struct binding *b;
	struct heap_node sweep;
	struct nat_elem e;
	unsigned cur = t->cur_pub;

	if (x->pub_i >= t->n_pub ||
	    calls_binding_find(t, AF_INET, &x->in_addr, x->in_port) ||
	    t->by_pub[x->pub_i * 65536u + x->pub_port])
		return NULL;
	t->cur_pub = x->pub_i;
	calls_elem(t, x, &e);
	b = r->have(r->ctx, &e) ? binding_new(t, x->kind, AF_INET, &x->in_addr,
					      x->in_port, x->pub_port)
				: NULL;
	t->cur_pub = cur;
	if (!b)
		return NULL;
	b->expires = x->expires;
	b->kernel_until = x->kernel_until;
	b->seen = x->seen;
	b->sdp_seq = x->sdp_seq;
	b->m_index = x->m_index;
	b->is_rtcp = x->is_rtcp;
	/* The sources the kernel admits (media_from), as the last run
	 * installed them: the elements are replaced and later removed
	 * with exactly these. */
	b->filter = x->filter;
	b->n_from = x->n_from;
	memcpy(b->from, x->from, sizeof(b->from));
	if (b->kind == BIND_SIG) {
		/* Everything but its place in the sweep's heap. */
		sweep = b->sig->sweep;
		*b->sig = *x->sig;
		b->sig->sweep = sweep;
		b->sig->owner = b;
		calls_sig_rekey(t, b);
	}
	return b;
}

/* The call's fields from record x (k is new: holds nothing yet). */
static int restore_call_fields(struct calls *t, struct call *k,
			       const struct call *x)
{
	k->peer = x->peer;
	k->created = x->created;
	k->setup_deadline = x->setup_deadline;
	k->max_end = x->max_end;
	k->media_seen = x->media_seen;
	k->invite_cseq = x->invite_cseq;
	k->sdp_seq = x->sdp_seq;
	memcpy(k->host_sdp, x->host_sdp, sizeof(k->host_sdp));
	k->n_host = x->n_host;
	k->confirmed = x->confirmed;
	memcpy(k->dlg_tag, x->dlg_tag, sizeof(k->dlg_tag));
	memcpy(k->dlg_host, x->dlg_host, sizeof(k->dlg_host));
	k->n_dlg = x->n_dlg;
	if (x->n_remote && calls_remote_size(k, x->n_remote) < 0)
		return -1;
	if (x->n_remote)
		memcpy(k->remote, x->remote, x->n_remote * sizeof(*k->remote));
	k->q_family = AF_INET;
	if (x->q_host_set && quota_add(t, AF_INET, &x->q_host, Q_CALLS) == 0) {
		k->q_host = x->q_host;
		k->q_host_set = true;
	}
	if (x->q_setup && quota_add(t, AF_INET, &x->q_src, Q_SETUPS) == 0) {
		k->q_src = x->q_src;
		k->q_setup = true;
	}
	return 0;
}

/* The media bindings call record c holds, each found in t or taken from
 * its record (made[i] says which).  The count, or -1 when one cannot be
 * had (those made are dropped again). */
static int restore_media(struct restore *r, const struct state_call *c,
			 struct binding **held, bool *made)
{
	const struct binding *x;
	unsigned i, j;

	for (i = 0; i < c->n_media; i++) {
		held[i] = calls_binding_find(r->t, AF_INET, &c->media[i].a,
					     c->media[i].port);
		made[i] = false;
		if (held[i] && held[i]->kind == BIND_MEDIA)
			continue;
		x = held[i] ? NULL : media_record(r, &c->media[i]);
		held[i] = x ? restore_binding(r, x) : NULL;
		made[i] = held[i] != NULL;
		if (!held[i])
			break;
	}
	if (i == c->n_media)
		return (int)i;
	for (j = 0; j < i; j++)
		if (made[j])
			calls_binding_drop(r->t, held[j]);
	return -1;
}

/* Undo a call taken in part: k (may be NULL) lets go and goes, the
 * bindings made for it go. */
static void restore_undo(struct calls *t, struct call *k,
			 struct binding **held, const bool *made, int n)
{
	int i;

	for (i = 0; k && i < (int)k->n_bind; i++)
		k->bind[i]->users--;
	if (k)
		calls_discard(t, k);
	for (i = 0; i < n; i++)
		if (made[i])
			calls_binding_drop(t, held[i]);
}

/* Call record c into t, when all it holds can be had.  1 taken, 0 not,
 * -1 no memory. */
static int restore_call(struct restore *r, const struct state_call *c)
{
	struct calls *t = r->t;
	struct binding *sig = NULL, *held[CALL_MAX_BIND];
	bool made[CALL_MAX_BIND], created = false;
	const char *limit;
	struct call *k = NULL;
	int n, i;

	if (c->sig.port) {
		sig = calls_binding_find(t, AF_INET, &c->sig.a, c->sig.port);
		if (!sig || sig->kind != BIND_SIG)
			return 0;
	}
	if (calls_find(t, c->k->callid, c->k->callid_len))
		return 0;
	n = restore_media(r, c, held, made);
	if (n < 0)
		return 0;
	k = calls_get(t, c->k->callid, c->k->callid_len, r->now, &created,
		      &limit);
	for (i = 0; k && i < n; i++)
		if (call_hold(k, held[i]) < 0)
			break;
	if (!k || i < n || restore_call_fields(t, k, c->k) < 0) {
		restore_undo(t, k, held, made, n);
		return k ? -1 : 0;
	}
	for (i = 0; i < n; i++) {
		if (!made[i])
			continue;
		r->out->media++;
		if (restore_fix(r, held[i], k->max_end + KERNEL_MARGIN) < 0)
			return -1;
	}
	if (sig) {
		k->sig = sig;
		sig->users++;
	}
	k->sweep.due = sweep_call_due(t, k);
	heap_fix(&t->calls_due, &k->sweep);
	return 1;
}

static int restore_sigs(struct restore *r, const struct state_set *s)
{
	struct calls_restored *o = r->out;
	struct binding *b;
	unsigned i;

	for (i = 0; i < s->n_bind; i++) {
		if (s->bind[i]->kind != BIND_SIG)
			continue;
		b = restore_binding(r, s->bind[i]);
		if (!b) {
			o->bind_dropped++;
			continue;
		}
		o->sig++;
		o->regs += b->sig->n_reg;
		if (restore_fix(r, b, b->kernel_until) < 0)
			return -1;
	}
	return 0;
}

/* Sorted pointers to s's media records, for the calls' lookups. */
static int restore_index(struct restore *r, const struct state_set *s)
{
	unsigned i;

	r->media = malloc((s->n_bind ? s->n_bind : 1) * sizeof(*r->media));
	if (!r->media)
		return -1;
	for (i = 0; i < s->n_bind; i++)
		if (s->bind[i]->kind == BIND_MEDIA)
			r->media[r->n_media++] = s->bind[i];
	qsort(r->media, r->n_media, sizeof(*r->media), media_cmp);
	return 0;
}

int calls_restore(struct calls *t, const struct state_set *s,
		  calls_have_fn have, void *ctx, uint64_t now,
		  struct calls_restored *out)
{
	struct restore r = { t, have, ctx, now, NULL, 0, out, 0 };
	unsigned i;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (restore_index(&r, s) < 0 || restore_sigs(&r, s) < 0)
		rc = -1;
	for (i = 0; rc == 0 && i < s->n_call; i++) {
		rc = restore_call(&r, &s->call[i]);
		if (rc == 0)
			out->calls_dropped++;
		out->calls += rc == 1;
		rc = rc < 0 ? -1 : 0;
	}
	if (r.n_media > out->media)
		out->bind_dropped += r.n_media - out->media;
	free(r.media);
	return rc;
}
