/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_REWRITE_H
#define SIPALG_REWRITE_H

#include "call.h"
#include "edit.h"
#include "sdp.h"
#include "sip.h"

/*
 * The rewrite policy: one scanned SIP message, its direction and the call
 * state in, the edits to make and the kernel bindings to install out.
 * Pure: it changes the in-memory call state but performs no I/O; the
 * caller applies the plan, then the edits, or rolls back.
 */

enum rw_dir {
	RW_OUT,		/* inside phone -> outside */
	RW_IN,		/* outside -> inside phone */
};

struct prefix {
	int family;
	union addr addr;
	unsigned len;
};

#define RW_MAX_INSIDE 8
#define RW_MAX_CREATED 80
#define RW_MAX_STALE 32

struct rw_ctx {
	const struct conf *conf;
	struct calls *calls;
	uint64_t now;
	enum rw_dir dir;
	int family;			/* of the packet */
	union addr src, dst;		/* packet addresses as queued */
	uint16_t sport, dport;
	union addr pub;			/* the gateway's public address */
	const struct prefix *inside;	/* networks behind the gateway */
	unsigned n_inside;
};

enum rw_action { RW_NONE = 0, RW_END_CALL };

struct rw_result {
	struct edits edits;
	struct nat_plan plan;
	/* Bindings created for this message, dropped again if the kernel
	 * refuses the plan. */
	struct binding *created[RW_MAX_CREATED];
	unsigned n_created;
	struct call *media_call;	/* holds the media bindings created */
	/* Media bindings whose conntrack entries to forget after the
	 * verdict (calls that ended). */
	struct nat_elem gone[CALL_MAX_BIND];
	unsigned n_gone;
	/* Flows to delete after the verdict: the phone's media to the far
	 * end that may predate the binding this message installs. */
	struct nat_flow stale[RW_MAX_STALE];
	unsigned n_stale;
	const char *skip;	/* set when the message must pass unchanged:
				 * the reason, for the counters */
	const char *limit;	/* set when a configured limit was hit */
	int n_media;		/* media streams bound */
};

/*
 * rewrite_plan - plan the rewrite of m (scanned from buf) travelling in
 * ctx->dir.  Fills *r.  Returns 0 when r holds a plan (possibly empty), -1
 * when the message must pass unchanged (r->skip or r->limit says why); in
 * that case nothing was created in the call state that r does not list.
 */
int rewrite_plan(const struct rw_ctx *ctx, const struct sip_msg *m,
		 struct rw_result *r);

/* rewrite_rollback - undo the bindings r created (kernel refused). */
void rewrite_rollback(const struct rw_ctx *ctx, struct rw_result *r);

/* rewrite_addr_text - the text form of a (IPv6 without brackets). */
void rewrite_addr_text(int family, const union addr *a, char *out,
		       size_t cap);

#endif
