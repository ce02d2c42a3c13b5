/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_CALL_H
#define SIPALG_CALL_H

#include "conf.h"
#include "heap.h"
#include "nat.h"

/*
 * Call state: bindings (inside address:port <-> public port), calls keyed
 * by Call-ID, and the public port pools.  Pure: no I/O; time is passed in
 * as monotonic seconds.  The kernel side of a binding is described by
 * nat_elem values that callers collect into a nat_plan.
 */

enum bind_kind { BIND_SIG, BIND_MEDIA };

#define BIND_TEXT_MAX 96
#define CALL_MAX_BIND 64
#define CALL_MAX_DIALOGS 8
#define CALL_TAG_MAX 64
#define CALL_MAX_HOSTS 4
#define SIG_MAX_AOR 4
#define CALL_MAX_REMOTE 16

/* What only a signalling binding carries: the texts the phone wrote for
 * its own address (strict phones compare Via sent-by byte for byte), its
 * registrations, and its place in the sweep's heap. */
struct sig_state {
	char sent_by[BIND_TEXT_MAX];
	char contact_hp[BIND_TEXT_MAX];
	char route_hp[BIND_TEXT_MAX];	/* as in its Record-Route */
	/* Registrations through this binding, per address-of-record (a
	 * phone with several accounts on one port): the binding lives as
	 * long as the longest of them. */
#define SIG_MAX_USERS 4
	struct {
		uint32_t aor;		/* hash of the To URI */
		uint64_t until;
		char aor_uri[BIND_TEXT_MAX];	/* the To URI, for the
						 * operator (cut to fit) */
		/* Hashes of the registered Contacts' user parts (several
		 * Contacts of one AOR may share the binding): out-of-dialog
		 * requests must name one of them. */
		uint32_t user[SIG_MAX_USERS];
		unsigned n_user;
		union addr registrar;	/* where its 2xx came from */
	} reg[SIG_MAX_AOR];
	unsigned n_reg;
	/* The newest REGISTER transaction whose 2xx was applied: an older
	 * 2xx arriving late must not undo a newer one (RFC 3261 10.2.4). */
	uint32_t reg_callid;	/* hash of its Call-ID */
	uint32_t reg_cseq;
	/* The REGISTERs the phone sent lately: a 2xx counts only when it
	 * answers one of them (Call-ID, CSeq, top Via branch) and comes
	 * from where it went. */
	struct {
		uint32_t callid, cseq, branch;
		union addr to;
		uint16_t to_port;
	} reg_sent[SIG_MAX_AOR];
	unsigned n_reg_sent, reg_sent_next;
	/* Its place in the sweep's heap of signalling bindings. */
	struct heap_node sweep;
	struct binding *owner;
};

struct binding {
	enum bind_kind kind;
	int family;
	union addr in_addr;
	uint16_t in_port;
	uint16_t pub_port;
	uint64_t expires;	/* daemon's view; 0 = lives with its calls */
	uint64_t kernel_until;	/* when the kernel element times out */
	uint32_t users;		/* calls that hold this binding */
	uint64_t seen;		/* last time media was seen on it */
	uint32_t sdp_seq;	/* media: the call's SDP that last named it */
	uint8_t m_index;	/* media: its m= line in that SDP */
	bool is_rtcp;		/* media: the RTCP half of its pair */
	uint8_t pub_i;		/* which public address (calls_set_public) */
	/* media_from = sdp: the outside sources the kernel admits to it
	 * (as installed; see struct nat_elem), chosen when it was made. */
	bool filter;
	uint8_t n_from;
	union addr from[NAT_FROM_MAX];
	struct sig_state *sig;	/* signalling only; NULL for media */
	struct binding *next;	/* hash chain by inside address */
};

struct call_remote {
	union addr addr;
	uint16_t rtp, rtcp;	/* 0: declined or not IPv4 */
};

struct call {
	struct call *next;		/* hash chain by Call-ID */
	struct heap_node sweep;	/* in the sweep's heap of calls */
	uint32_t callid_len;
	/* The outside party of its first message (zero: hairpin): another
	 * host's INVITE with this Call-ID joins nothing. */
	union addr peer;
	/* What the quotas count it under: its inside host, and the outside
	 * source of the inbound INVITE that made it until it is answered. */
	int q_family;
	union addr q_host, q_src;
	bool q_host_set, q_setup;
	struct binding *sig;	/* the inside phone's signalling binding */
	struct binding **bind;	/* media, RTP/RTCP pairs (grown as needed,
				 * at most CALL_MAX_BIND) */
	unsigned n_bind, cap_bind;
	uint64_t created;
	uint64_t setup_deadline;	/* 0 once answered */
	uint64_t max_end;
	uint64_t media_seen;
	uint32_t invite_cseq;	/* CSeq of the initial INVITE, 0 unknown */
	uint32_t sdp_seq;	/* inside SDPs seen (offers and answers) */
	/* The newest inside SDP per inside media address: an answer that
	 * completes an offer/answer exchange releases the older bindings
	 * of that address (a stream moved or removed, RFC 3264 8). */
	struct {
		union addr addr;
		uint32_t seq;
	} host_sdp[CALL_MAX_HOSTS];
	unsigned n_host;
	/* The outside side's newest SDP, per m= line (an answer keeps the
	 * offer's order, RFC 3264 6): where the phone's media will go. */
	struct call_remote *remote;
	unsigned n_remote, cap_remote;
	bool confirmed;
	/* Tag pairs of the dialogs a 2xx established (forking makes more
	 * than one per Call-ID, RFC 3261 13.2.2.4), as 32-bit hashes. */
	uint32_t dlg_tag[CALL_MAX_DIALOGS][2];	/* From, To */
	uint32_t dlg_host[CALL_MAX_DIALOGS];	/* its inside party (key) */
	unsigned n_dlg;
	char callid[];		/* callid_len bytes, not NUL-terminated */
};

struct calls;

/* calls_new - empty state sized from c (pools, limits, timeouts); c must
 * outlive the state.  NULL on allocation failure. */
struct calls *calls_new(const struct conf *c);

/* calls_free - release everything (no kernel calls are made). */
void calls_free(struct calls *t);

/* calls_set_conf - switch to a new configuration (SIGHUP); pools keep
 * their allocations. */
void calls_set_conf(struct calls *t, const struct conf *c);

/* calls_sig_room - may host a get one more signalling binding now
 * (max_bindings, max_signalling_per_host)? */
bool calls_sig_room(const struct calls *t, int family, const union addr *a);

/* calls_binding_find - binding of inside addr:port, or NULL. */
struct binding *calls_binding_find(struct calls *t, int family,
				   const union addr *a, uint16_t port);

/* calls_binding_by_pub - binding that owns public address a, port p, or
 * NULL (also when a is not one of the public addresses). */
struct binding *calls_binding_by_pub(struct calls *t, int family,
				     const union addr *a, uint16_t p);

/* calls_is_public - a is one of the public addresses. */
bool calls_is_public(const struct calls *t, int family, const union addr *a);

/* calls_pub_addr - the public address of binding b. */
const union addr *calls_pub_addr(const struct calls *t,
				 const struct binding *b);

/*
 * calls_pick_public - the public address for inside host a, which
 * bindings created from now on get: with several public addresses, each
 * inside host keeps one of them for all its bindings (paired pooling,
 * RFC 4787 REQ-2), picked by a hash of its address.
 */
const union addr *calls_pick_public(struct calls *t, int family,
				    const union addr *a);

/*
 * calls_use_public - make pub the address bindings created from now on
 * get, when it is one of ours (the address an inside socket already
 * has: its binding, or the kernel's masquerading of it, which takes the
 * interface's address whatever the hash of calls_pick_public says).
 * Returns the table's copy of pub, or NULL (not ours; nothing changed).
 */
const union addr *calls_use_public(struct calls *t, int family,
				   const union addr *pub);

/*
 * calls_sig_get - the signalling binding of inside a:port, created with a
 * public port from the signalling pool (the same port as inside when it is
 * free) when absent.  *created tells which.  NULL when the pool or the
 * binding limit is exhausted (*limit names it).
 */
struct binding *calls_sig_get(struct calls *t, int family,
			      const union addr *a, uint16_t port,
			      uint64_t now, bool *created,
			      const char **limit);

/*
 * calls_sig_get_at - calls_sig_get, but a new binding takes public port
 * adopt (the kernel's existing mapping of this inside socket) when no
 * binding holds it, whatever the signalling pool's range; 0: none.
 */
struct binding *calls_sig_get_at(struct calls *t, int family,
				 const union addr *a, uint16_t port,
				 uint16_t adopt, uint64_t now, bool *created,
				 const char **limit);

/*
 * calls_media_get - RTP and RTCP bindings for inside a:rtp / a:rtcp held by
 * call k: reuses the pair k already holds for a:rtp, else allocates an
 * even/odd public pair.  Returns 0 (rtp and rtcp set, *created tells) or
 * -1 with *limit naming the exhausted resource.
 */
int calls_media_get(struct calls *t, struct call *k, int family,
		    const union addr *a, uint16_t rtp, uint16_t rtcp,
		    struct binding **b_rtp, struct binding **b_rtcp,
		    bool *created, const char **limit);

/*
 * calls_media_get_at - calls_media_get, but a new pair takes public ports
 * pub_rtp and pub_rtcp (the mappings a NAT-aware phone learned and wrote
 * in its SDP) when both are free, whatever the media pool's range; else
 * a pool pair.  pub_rtp 0: from the pool.
 */
int calls_media_get_at(struct calls *t, struct call *k, int family,
		       const union addr *a, uint16_t rtp, uint16_t rtcp,
		       uint16_t pub_rtp, uint16_t pub_rtcp,
		       struct binding **b_rtp, struct binding **b_rtcp,
		       bool *created, const char **limit);

/* calls_remote_size - room for n far-end streams in k->remote (n at
 * most CALL_MAX_REMOTE); k->n_remote = n.  0, or -1 (k unchanged). */
int calls_remote_size(struct call *k, unsigned n);

/* calls_unhold - call k lets go of media binding b (not dropped). */
void calls_unhold(struct call *k, struct binding *b);

/* calls_binding_drop - unlink b, return its port and free it.  Only for
 * bindings no call holds (users == 0) or a media binding being rolled
 * back. */
void calls_binding_drop(struct calls *t, struct binding *b);

/*
 * calls_admit - count new call k against its inside host's quota
 * (max_calls_per_host) and, for a call an outside INVITE made, against
 * that source's unanswered calls (max_inbound_setups_per_source).  0, or
 * -1 with *limit naming the quota (the caller discards k).
 */
int calls_admit(struct calls *t, struct call *k, int family,
		const union addr *host, const union addr *setup_src,
		const char **limit);

/* calls_answered - k was answered: it no longer counts against the
 * source of its INVITE. */
void calls_answered(struct calls *t, struct call *k);

/* calls_find - call with this Call-ID, or NULL. */
struct call *calls_find(struct calls *t, const char *id, uint32_t len);

/* calls_callid_key - the table's keyed hash of Call-ID id[0..len). */
uint64_t calls_callid_key(const struct calls *t, const char *id,
			  uint32_t len);

/* calls_dialog_ended - remember at now (seconds) that a BYE ended the
 * dialog of Call-ID key id and tag hashes a and b (either order): a 2xx
 * its UAS retransmits after the BYE passed (RFC 3261 13.3.1.4, up to
 * 64*T1) must not open that dialog's media again.  Bounded (CALLS_ENDED):
 * the oldest is forgotten. */
void calls_dialog_ended(struct calls *t, uint64_t id, uint32_t a, uint32_t b,
			uint64_t now);

/* calls_dialog_was_ended - did a BYE end that dialog within the last 32 s
 * (64*T1)? */
bool calls_dialog_was_ended(const struct calls *t, uint64_t id, uint32_t a,
			    uint32_t b, uint64_t now);

/* calls_get - calls_find, or a new call (NULL with *limit when max_calls
 * is reached or allocation fails). */
struct call *calls_get(struct calls *t, const char *id, uint32_t len,
		       uint64_t now, bool *created, const char **limit);

/*
 * calls_end - remove call k: its media bindings no other call holds are
 * dropped and described in plan->del and in gone[] (for conntrack cleanup,
 * *n_gone of them, at most CALL_MAX_BIND); its hold on the signalling
 * binding is released.  With plan NULL nothing is described (the message
 * planner described them itself; gone and n_gone may be NULL).
 */
void calls_end(struct calls *t, struct call *k, struct nat_plan *plan,
	       struct nat_elem *gone, unsigned *n_gone);

/* calls_discard - unlink and free call k, which no binding counts as a
 * holder any more (a call a failed plan created; its holds were undone). */
void calls_discard(struct calls *t, struct call *k);

/* calls_let_go - call k lets go of media binding b; b is dropped when no
 * other call holds it.  The kernel side was planned by the caller. */
void calls_let_go(struct calls *t, struct call *k, struct binding *b);

/* calls_media_elem - kernel description of k's media binding b, with the
 * far end of its stream when k's remote SDP named one. */
void calls_media_elem(const struct calls *t, const struct call *k,
		      const struct binding *b, struct nat_elem *e);

/*
 * calls_media_from - set media binding b's admitted outside sources
 * (media_from = sdp, IPv4) from call k: the far end k's remote SDP names
 * for b's stream and k's outside party.  Returns true when they changed
 * (the kernel's elements must then be re-installed; save b first).
 */
bool calls_media_from(const struct calls *t, const struct call *k,
		      struct binding *b);

/*
 * calls_release - drop call k's hold on every media binding for which
 * pick(ctx, b) is true; bindings no other call holds are removed:
 * described in plan->del and appended to gone[*n_gone..max_gone).
 * Returns how many bindings k let go of.
 */
unsigned calls_release(struct calls *t, struct call *k,
		       bool (*pick)(void *ctx, const struct binding *b),
		       void *ctx, struct nat_plan *plan, struct nat_elem *gone,
		       unsigned *n_gone, unsigned max_gone);

/* calls_note_sdp - an inside SDP of call k names media address a: record
 * it as that address's newest (k->sdp_seq). */
void calls_note_sdp(struct call *k, int family, const union addr *a);

/* calls_elem - kernel description of binding b (pub = public address). */
void calls_elem(const struct calls *t, const struct binding *b,
		struct nat_elem *e);

/* calls_set_public - the public addresses (pub[0..n), n at least 1, at
 * most CALLS_MAX_PUB) bindings are made on.  Call once, before any
 * binding exists.  0, or -1 (out of memory, bad n). */
#define CALLS_MAX_PUB 16
int calls_set_public(struct calls *t, int family, const union addr *pub,
		     unsigned n);

/* calls_set_public_conf - calls_set_public with first (IPv4) and c's
 * public_pool after it. */
int calls_set_public_conf(struct calls *t, const union addr *first,
			  const struct conf *c);

/*
 * calls_sweep - end what has expired at now: calls past their setup
 * deadline, maximum duration or media idle time, and signalling bindings
 * past their expiry that no call holds.  Kernel work goes to plan, media
 * conntrack cleanup to gone (capacity max_gone).  Returns the number of
 * calls ended.
 */
unsigned calls_sweep(struct calls *t, uint64_t now, struct nat_plan *plan,
		     struct nat_elem *gone, unsigned max_gone,
		     unsigned *n_gone);

/* calls_sig_rekey - signalling binding b's expiry was brought forward
 * (later expiries need nothing): the sweep looks at it in time. */
void calls_sig_rekey(struct calls *t, struct binding *b);

/* calls_media_touch - note media on inside a:port seen at time when (a
 * binding's time only moves forward). */
void calls_media_touch(struct calls *t, int family, const union addr *a,
		       uint16_t port, uint64_t now);

/* calls_binding_refresh - make sure the kernel keeps b until at least
 * until; when it would not, adds a re-install (del + add) to plan. */
void calls_binding_refresh(struct calls *t, struct binding *b, uint64_t until,
			   uint64_t now, struct nat_plan *plan);

struct calls_stats {
	unsigned calls;
	unsigned sig_bindings;
	unsigned media_bindings;
};

void calls_stats(const struct calls *t, struct calls_stats *s);

/* calls_each_binding - visit every binding (for the control view and
 * tests). */
void calls_each_binding(struct calls *t,
			void (*fn)(void *ctx, const struct binding *b),
			void *ctx);

/* calls_each_call - visit every call (for the control view and tests). */
void calls_each_call(struct calls *t,
		     void (*fn)(void *ctx, const struct call *k), void *ctx);

/*
 * calls_set_end_hook - fn(ctx, k, why) is called for every call as it
 * ends, before it is freed (the per-call log line).  why names the timer
 * that ended it ("setup timeout", "media idle", "maximum duration"), or is
 * NULL when a message or the operator did.  fn must not change the table.
 */
/* The bindings a previous run of the daemon left in the kernel (a
 * restart): their public ports are never handed to another inside
 * socket, and their own inside socket gets its old port back. */
struct calls_prior {
	/* port_of - the public port on pub a prior binding gives inside
	 * a:port, or 0. */
	uint16_t (*port_of)(void *ctx, int family, const union addr *a,
			    uint16_t port, const union addr *pub);
	/* holds - true when a prior binding holds pub:port. */
	bool (*holds)(void *ctx, const union addr *pub, uint16_t port);
	void *ctx;
};

/* calls_set_prior - consult p (copied) when handing out ports. */
void calls_set_prior(struct calls *t, const struct calls_prior *p);

/* The kernel's own NAT, outside the daemon's bindings (RFC 4787 REQ-1): a
 * public port the administrator's masquerading already gives another
 * inside socket (a NAT-aware phone's STUN mapping, a phone's traffic
 * before its first SIP) is that socket's mapping; a new binding on it
 * would take it away and send that socket's traffic to another phone. */
struct calls_kernel {
	/* other - true when the kernel translates a flow of an inside
	 * socket other than a:in_port to public pub:port. */
	bool (*other)(void *ctx, int family, const union addr *pub,
		      uint16_t port, const union addr *a, uint16_t in_port);
	void *ctx;
};

/* calls_set_kernel - consult k (copied) before a public port becomes a
 * new signalling binding's or a NAT-aware phone's media binding's. */
void calls_set_kernel(struct calls *t, const struct calls_kernel *k);

/*
 * calls_port_other - true when the kernel (calls_set_kernel) maps public
 * port p, on the public address of host a, for another inside socket
 * than a:in_port; false without a hook.  One kernel query.
 */
bool calls_port_other(struct calls *t, int family, const union addr *a,
		      uint16_t in_port, uint16_t p);

/* calls_inherit_hooks - t gets from's end hook and reserved hook (a new
 * table that replaces from). */
void calls_inherit_hooks(struct calls *t, const struct calls *from);

typedef void (*calls_end_fn)(void *ctx, const struct call *k,
			     const char *why);
void calls_set_end_hook(struct calls *t, calls_end_fn fn, void *ctx);

#endif
