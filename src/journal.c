/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "call_int.h"
#include "journal.h"

/* Undo for one message's plan (see journal.h): saved copies of what it
 * changed, the list of what it created. */

void journal_begin(struct journal *j, struct calls *t)
{
	j->t = t;
	j->full = false;
	j->n_created = 0;
	j->new_call = NULL;
	j->n_saved = 0;
	j->k = NULL;
	j->media_next = t->media_next;
	j->sig_next = t->sig_next;
}

void journal_created_binding(struct journal *j, struct binding *b)
{
	if (j->n_created == JOURNAL_MAX_CREATED) {
		j->full = true;
		return;
	}
	j->created[j->n_created++] = b;
}

void journal_created_call(struct journal *j, struct call *k)
{
	if (j->new_call)
		j->full = true;	/* one Call-ID per message: cannot happen */
	else
		j->new_call = k;
}

bool journal_room(struct journal *j, unsigned n)
{
	if (j->n_created + n <= JOURNAL_MAX_CREATED)
		return true;
	j->full = true;
	return false;
}

bool journal_is_new(const struct journal *j, const struct binding *b)
{
	unsigned i;

	for (i = 0; i < j->n_created; i++)
		if (j->created[i] == b)
			return true;
	return false;
}

int journal_binding(struct journal *j, struct binding *b)
{
	struct journal_bsave *s;
	unsigned i;

	if (journal_is_new(j, b))
		return 0;
	for (i = 0; i < j->n_saved; i++)
		if (j->saved[i].b == b)
			return 0;
	if (j->n_saved == JOURNAL_MAX_SAVED) {
		j->full = true;
		return -1;
	}
	s = &j->saved[j->n_saved++];
	s->b = b;
	s->was = *b;
	if (b->sig)
		s->sig = *b->sig;
	return 0;
}

int journal_call(struct journal *j, struct call *k)
{
	if (k == j->new_call || k == j->k)
		return 0;
	if (j->k) {
		j->full = true;
		return -1;
	}
	j->k = k;
	memcpy(j->k_was, k, sizeof(j->k_was));
	if (k->n_bind)
		memcpy(j->k_bind, k->bind, k->n_bind * sizeof(*k->bind));
	if (k->n_remote)
		memcpy(j->k_remote, k->remote,
		       k->n_remote * sizeof(*k->remote));
	return 0;
}

/* The arrays only grow while a plan runs (calls_remote_size and
 * call_hold keep their capacity), so the old contents fit back. */
static void call_restore(struct journal *j)
{
	struct call *k = j->k, *next = k->next;
	struct binding **bind = k->bind;
	struct call_remote *remote = k->remote;
	unsigned cap_bind = k->cap_bind, cap_remote = k->cap_remote;
	uint32_t at = k->sweep.i;

	memcpy(k, j->k_was, sizeof(j->k_was));
	k->next = next;
	k->sweep.i = at;
	k->bind = bind;
	k->cap_bind = cap_bind;
	k->remote = remote;
	k->cap_remote = cap_remote;
	if (k->n_bind)
		memcpy(k->bind, j->k_bind, k->n_bind * sizeof(*k->bind));
	if (k->n_remote)
		memcpy(k->remote, j->k_remote,
		       k->n_remote * sizeof(*k->remote));
	heap_fix(&j->t->calls_due, &k->sweep);
}

static void binding_restore(struct journal *j, struct journal_bsave *s)
{
	struct binding *b = s->b, was = s->was;

	was.next = b->next;
	was.sig = b->sig;
	*b = was;
	if (b->sig) {
		uint32_t at = b->sig->sweep.i;

		*b->sig = s->sig;
		b->sig->sweep.i = at;
		heap_fix(&j->t->sig_due, &b->sig->sweep);
	}
}

void journal_undo(struct journal *j)
{
	unsigned i;

	if (j->k)
		call_restore(j);
	for (i = j->n_saved; i-- > 0;)
		binding_restore(j, &j->saved[i]);
	for (i = j->n_created; i-- > 0;)
		calls_binding_drop(j->t, j->created[i]);
	if (j->new_call)
		calls_discard(j->t, j->new_call);
	j->t->media_next = j->media_next;
	j->t->sig_next = j->sig_next;
	journal_begin(j, j->t);
}

void journal_forget(struct journal *j)
{
	journal_begin(j, j->t);
}
