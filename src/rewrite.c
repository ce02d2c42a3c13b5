/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "rw.h"

/* The plan: one message in, edits, kernel work and intents out; then
 * commit or roll back (rewrite.h). */

void rewrite_note_created(struct rw_result *r, struct binding *b)
{
	journal_created_binding(&r->j, b);
}

int rewrite_save_binding(struct rw_result *r, struct binding *b)
{
	if (journal_binding(&r->j, b) < 0) {
		r->skip = "message too large to plan";
		return -1;
	}
	return 0;
}

int rewrite_save_call(struct rw_result *r, struct call *k)
{
	if (journal_call(&r->j, k) < 0) {
		r->skip = "message too large to plan";
		return -1;
	}
	return 0;
}

static int fix_content_length(const struct sip_msg *m, struct rw_result *r)
{
	long delta, len;
	char txt[24];

	if (!m->has_clen)
		return 0;
	delta = edits_delta(&r->edits, m->body.off, span_end(m->body));
	if (!delta)
		return 0;
	len = (long)m->clen + delta;
	if (len < 0)
		return -1;
	snprintf(txt, sizeof(txt), "%ld", len);
	return edits_add_str(&r->edits, m->clen_value, txt);
}

/* The kernel side of a media binding the commit lets go of: removed when
 * no other call holds it; its flows forgotten after the verdict unless
 * this plan made it (then it was never in the kernel: the removal cancels
 * the add, nat_plan_del). */
static void describe_let_go(const struct rw_ctx *x, const struct call *k,
			    const struct binding *b, struct rw_result *r)
{
	struct nat_elem e;

	if (b->users != 1)
		return;
	calls_media_elem(x->calls, k, b, &e);
	nat_plan_del(&r->plan, &e);
	if (!journal_is_new(&r->j, b) && r->n_gone < CALL_MAX_BIND)
		r->gone[r->n_gone++] = e;
}

/* The intents' kernel work, planned once the whole message was seen: an
 * ending call covers every binding it holds, else the ones let go. */
static void describe_intents(const struct rw_ctx *x, struct rw_result *r)
{
	unsigned i;

	if (r->end) {
		for (i = 0; i < r->end->n_bind; i++)
			describe_let_go(x, r->end, r->end->bind[i], r);
		return;
	}
	for (i = 0; i < r->n_rel; i++)
		describe_let_go(x, r->rel_call, r->rel[i], r);
}

static void result_init(const struct rw_ctx *ctx, struct rw_result *r)
{
	edits_init(&r->edits);
	nat_plan_init(&r->plan);
	journal_begin(&r->j, ctx->calls);
	r->end = NULL;
	r->call = NULL;
	r->rel_call = NULL;
	r->n_rel = 0;
	r->ended_set = false;
	r->n_gone = 0;
	r->n_stale = 0;
	r->skip = NULL;
	r->limit = NULL;
	r->drop = NULL;
	r->n_media = 0;
	r->n_note = 0;
}

bool rewrite_from_inside(const struct rw_ctx *ctx)
{
	return ctx->dir == RW_OUT || rw_addr_inside(ctx, &ctx->src);
}

int rewrite_plan(const struct rw_ctx *ctx, const struct sip_msg *m,
		 struct rw_result *r)
{
	int rc, h;

	result_init(ctx, r);
	h = sip_hdr_find(m, SIP_HDR_CALL_ID, 0);
	if (h < 0) {
		r->skip = "no Call-ID";
		return -1;
	}
	/* No state for it: a Call-ID is copied into the call table, and
	 * 1024 calls of 60 KB each are 60 MB of one host's making. */
	if (m->hdr[h].value.len > ctx->conf->max_callid_length) {
		r->skip = "Call-ID longer than max_callid_length";
		return -1;
	}
	if (ctx->dir == RW_IN && !ctx->media_only &&
	    (r->drop = rw_reg_inbound(ctx, m))) {
		r->skip = r->drop;
		return -1;
	}
	if (ctx->dir == RW_OUT)
		rc = rw_out_plan(ctx, m, r);
	else if (!ctx->conn && !ctx->media_only &&
		 rw_addr_inside(ctx, &ctx->src) &&
		 rw_hairpin_is(ctx, m))
		rc = rw_hairpin_plan(ctx, m, r);
	else
		rc = rw_in_plan(ctx, m, r);
	if (rc == 0)
		rw_dialog_life(ctx, m, r);
	if (rc == 0)
		describe_intents(ctx, r);
	if (rc == 0 && fix_content_length(m, r) < 0)
		rc = -1;
	if (rc == 0 && (r->edits.overflow || r->plan.overflow || r->j.full)) {
		r->skip = "message too large to plan";
		rc = -1;
	}
	if (rc < 0) {
		if (!r->skip && !r->limit)
			r->skip = "rewrite failed";
		rewrite_rollback(ctx, r);
	}
	return rc;
}

void rewrite_commit(const struct rw_ctx *ctx, struct rw_result *r)
{
	unsigned i;

	journal_forget(&r->j);
	if (r->ended_set)
		calls_dialog_ended(ctx->calls, r->ended_id, r->ended_tag[0],
				   r->ended_tag[1], ctx->now);
	r->ended_set = false;
	if (r->call && r->call != r->end && r->call->confirmed)
		calls_answered(ctx->calls, r->call);
	if (r->end)
		calls_end(ctx->calls, r->end, NULL, NULL, NULL);
	else
		for (i = 0; i < r->n_rel; i++)
			calls_let_go(ctx->calls, r->rel_call, r->rel[i]);
	r->end = NULL;
	r->n_rel = 0;
}

void rewrite_rollback(const struct rw_ctx *ctx, struct rw_result *r)
{
	journal_undo(&r->j);
	r->ended_set = false;
	r->end = NULL;
	r->call = NULL;
	r->n_rel = 0;
	r->n_gone = 0;
	r->n_stale = 0;
	nat_plan_init(&r->plan);
}
