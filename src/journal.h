/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_JOURNAL_H
#define SIPALG_JOURNAL_H

#include "call.h"

/*
 * What one message's plan did to the call state, so that it can be undone
 * exactly (the kernel refused the batch, the plan overflowed, an edit
 * could not be applied) or kept (journal_forget).  The planner creates new
 * bindings and calls (later lookups in the same message must find them)
 * and changes existing ones only after journal_binding / journal_call
 * saved them; it never frees or unlinks anything: ends and releases are
 * intents the commit step carries out.
 */

#define JOURNAL_MAX_CREATED 80
#define JOURNAL_MAX_SAVED 96

struct journal_bsave {
	struct binding *b;
	struct binding was;
	struct sig_state sig;	/* valid when b->sig */
};

struct journal {
	struct calls *t;
	bool full;		/* something could not be recorded: the plan
				 * must fail (and roll back what was) */
	struct binding *created[JOURNAL_MAX_CREATED];
	unsigned n_created;
	struct call *new_call;	/* created by this plan, or NULL */
	struct journal_bsave saved[JOURNAL_MAX_SAVED];
	unsigned n_saved;
	/* The one existing call a message can change (its Call-ID's). */
	struct call *k;
	/* k as it was (bytes of struct call: it ends in a flexible array,
	 * which cannot be a member here) */
	unsigned char k_was[sizeof(struct call)]
		__attribute__((aligned(__alignof__(struct call))));
	struct binding *k_bind[CALL_MAX_BIND];
	struct call_remote k_remote[CALL_MAX_REMOTE];
	uint32_t media_next, sig_next;	/* the pools' cursors */
};

/* journal_begin - an empty journal over table t (records the pools'
 * cursors). */
void journal_begin(struct journal *j, struct calls *t);

/* journal_created_binding / journal_created_call - this plan made b / k.
 * At capacity j->full is set (the caller fails the plan). */
void journal_created_binding(struct journal *j, struct binding *b);
void journal_created_call(struct journal *j, struct call *k);

/* journal_room - n more created bindings can be recorded; when not,
 * j->full is set (the caller creates nothing and fails the plan). */
bool journal_room(struct journal *j, unsigned n);

/* journal_is_new - b was created by this plan (needs no saving). */
bool journal_is_new(const struct journal *j, const struct binding *b);

/*
 * journal_binding / journal_call - about to change b / k: save it unless
 * saved already or created by this plan.  0, or -1 with j->full set when
 * there is no room (the caller must not change it and must fail).
 */
int journal_binding(struct journal *j, struct binding *b);
int journal_call(struct journal *j, struct call *k);

/*
 * journal_undo - put everything back as it was at journal_begin: saved
 * objects restored (their places in the sweep's heaps too), created
 * bindings and call unlinked and freed, pool cursors restored.  The
 * journal is empty afterwards.
 */
void journal_undo(struct journal *j);

/* journal_forget - keep the changes; the journal is empty afterwards. */
void journal_forget(struct journal *j);

#endif
