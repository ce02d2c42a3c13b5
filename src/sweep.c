/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "call_int.h"

/* Expiry: calls past their deadlines, registrations past their end. */

void calls_sig_rekey(struct calls *t, struct binding *b)
{
	if (b->kind != BIND_SIG || b->users)
		return;
	b->sig->sweep.due = b->expires;
	heap_fix(&t->sig_due, &b->sig->sweep);
}

/* When k could first expire, from what the daemon knows now (media seen
 * later only moves it on). */
uint64_t sweep_call_due(const struct calls *t, const struct call *k)
{
	uint64_t d = k->media_seen + t->conf->media_idle_timeout;

	if (k->max_end < d)
		d = k->max_end;
	if (k->setup_deadline && k->setup_deadline < d)
		d = k->setup_deadline;
	return d;
}

void calls_set_conf(struct calls *t, const struct conf *c)
{
	unsigned i;

	t->conf = c;
	/* Timeouts may have shortened: every call's due time again. */
	for (i = 0; i < t->calls_due.n; i++) {
		struct heap_node *x = t->calls_due.v[i];

		x->due = sweep_call_due(t, container_of(x, struct call, sweep));
	}
	heap_rebuild(&t->calls_due);
}

/* Which timer ended call k at now, or NULL while none has. */
static const char *call_expired(const struct calls *t, const struct call *k,
				uint64_t now)
{
	if (k->setup_deadline && now >= k->setup_deadline)
		return "setup timeout";
	if (now >= k->max_end)
		return "maximum duration";
	if (now >= k->media_seen + t->conf->media_idle_timeout)
		return "media idle";
	return NULL;
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
			x->due = sweep_call_due(t, k);
			if (x->due <= now)	/* cannot happen: not expired */
				x->due = now + 1;
			heap_fix(&t->calls_due, x);
			continue;
		}
		if (*n_gone + k->n_bind > max_gone ||
		    plan->n_del + k->n_bind > NAT_PLAN_MAX)
			return ended;	/* the rest next time */
		t->end_why = call_expired(t, k, now);
		calls_end(t, k, plan, g, &n);
		t->end_why = NULL;
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
