/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_REWRITE_H
#define SIPALG_REWRITE_H

#include "call.h"
#include "edit.h"
#include "journal.h"
#include "sdp.h"
#include "sip.h"
#include "stream.h"

/*
 * The rewrite policy: one scanned SIP message, its direction and the call
 * state in, the edits to make and the kernel bindings to install out.
 * Pure: no I/O.  The planner records what it changes in the call state
 * (journal.h) and frees nothing; the caller commits once the kernel
 * accepted the plan, or rolls back.
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
#define RW_MAX_STALE 32
#define RW_MAX_NOTES 8

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
	/* SIP over TCP: the connection the message travels on (its public
	 * side and the phone's own texts); NULL for UDP. */
	struct stream_sig *conn;
	const union addr *own;		/* the gateway's own addresses */
	unsigned n_own;
	/* The kernel's existing NAT mappings of the sending inside host's
	 * sockets (outbound and hairpin), for bindings that must match what
	 * a NAT-aware phone learned; n_maps 0 when none were looked up. */
	const struct nat_map *maps;
	unsigned n_maps;
	/* Dual stack: the IPv4 media of a message that travels over IPv6
	 * (family is AF_INET; the phone's IPv4 address is src outbound, dst
	 * inbound, the other side zero).  Only the call and its SDP's IPv4
	 * streams are planned: Via, Contact, routes, registrations and
	 * signalling bindings are IPv6 matters and left as they are. */
	bool media_only;
};

enum rw_action { RW_NONE = 0, RW_END_CALL };

struct rw_result {
	struct edits edits;
	struct nat_plan plan;
	/* What the plan did to the call state (new bindings and calls, saved
	 * copies of what it changed): rewrite_rollback undoes it,
	 * rewrite_commit keeps it. */
	struct journal j;
	/* Intents the commit carries out (the planner frees nothing): the
	 * message's call ends, or lets go of the listed media bindings.
	 * Their kernel side is in plan, their flows in gone. */
	struct call *end;
	struct call *call;	/* the message's call, when it has one */
	struct call *rel_call;
	struct binding *rel[CALL_MAX_BIND];
	unsigned n_rel;
	/* A dialog the message's BYE ends, remembered at the commit
	 * (calls_dialog_ended) when ended_set. */
	bool ended_set;
	uint64_t ended_id;
	uint32_t ended_tag[2];
	/* Media bindings whose conntrack entries to forget after the
	 * verdict (calls that ended). */
	struct nat_elem gone[CALL_MAX_BIND];
	unsigned n_gone;
	/* Flows to delete once the message's bindings are in the kernel,
	 * before its verdict: the phone's media to the far end that may
	 * predate the binding this message installs. */
	struct nat_flow stale[RW_MAX_STALE];
	unsigned n_stale;
	const char *skip;	/* set when the message must pass unchanged:
				 * the reason, for the counters */
	const char *limit;	/* set when a configured limit was hit */
	const char *drop;	/* set when the packet must be dropped (the
				 * policy, whatever fail_closed says) */
	/* What the message named and the policy did not bind (it passes
	 * as written), once per reason: counted by the caller. */
	const char *note[RW_MAX_NOTES];
	unsigned n_note;
	int n_media;		/* media streams bound */
};

/*
 * rewrite_plan - plan the rewrite of m (scanned from buf) travelling in
 * ctx->dir.  Fills *r.  Returns 0 when r holds a plan (possibly empty):
 * the caller then calls rewrite_commit once the kernel accepted r->plan,
 * or rewrite_rollback.  Returns -1 when the message must pass unchanged
 * (r->skip or r->limit says why); the call state is then as it was.
 */
int rewrite_plan(const struct rw_ctx *ctx, const struct sip_msg *m,
		 struct rw_result *r);

/* rewrite_commit - the kernel holds r->plan: carry out the plan's intents
 * (calls that end, media bindings let go) and keep its changes. */
void rewrite_commit(const struct rw_ctx *ctx, struct rw_result *r);

/* rewrite_from_inside - the packet's source is an inside host (every
 * outbound packet; inbound only hairpinned ones). */
bool rewrite_from_inside(const struct rw_ctx *ctx);

/* rewrite_rollback - the plan is not carried out (kernel refused, an edit
 * could not be applied): the call state, the port pools and the plan's
 * kernel work go back to how they were before rewrite_plan. */
void rewrite_rollback(const struct rw_ctx *ctx, struct rw_result *r);

/* rewrite_addr_text - the text form of a (IPv6 without brackets). */
void rewrite_addr_text(int family, const union addr *a, char *out,
		       size_t cap);

#endif
