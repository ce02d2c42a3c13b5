/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "rw.h"


void rewrite_note_created(struct rw_result *r, struct binding *b)
{
	if (r->n_created < RW_MAX_CREATED)
		r->created[r->n_created++] = b;
}

/* --- the plan ------------------------------------------------------------ */

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



int rewrite_plan(const struct rw_ctx *ctx, const struct sip_msg *m,
		 struct rw_result *r)
{
	int rc;

	edits_init(&r->edits);
	nat_plan_init(&r->plan);
	r->n_created = 0;
	r->n_gone = 0;
	r->n_stale = 0;
	r->media_call = NULL;
	r->skip = NULL;
	r->limit = NULL;
	r->n_media = 0;
	if (sip_hdr_find(m, SIP_HDR_CALL_ID, 0) < 0) {
		r->skip = "no Call-ID";
		return -1;
	}
	if (ctx->dir == RW_OUT)
		rc = rw_out_plan(ctx, m, r);
	else if (rw_addr_inside(ctx, &ctx->src) && rw_hairpin_is(ctx, m))
		rc = rw_hairpin_plan(ctx, m, r);
	else
		rc = rw_in_plan(ctx, m, r);
	if (rc == 0)
		rw_dialog_life(ctx, m, r);
	if (rc == 0 && fix_content_length(m, r) < 0)
		rc = -1;
	if (rc == 0 && (r->edits.overflow || r->plan.overflow)) {
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

void rewrite_rollback(const struct rw_ctx *ctx, struct rw_result *r)
{
	unsigned i;

	/* Newest first: media pairs were noted after their call's sig.
	 * A new media pair is let go by the call that took it first, so the
	 * call keeps no pointer to freed memory. */
	for (i = r->n_created; i-- > 0;) {
		struct binding *b = r->created[i];

		if (b->kind == BIND_MEDIA && r->media_call)
			calls_unhold(r->media_call, b);
		if (!b->users)
			calls_binding_drop(ctx->calls, b);
	}
	r->n_created = 0;
	r->n_stale = 0;
}
