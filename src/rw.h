/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_RW_H
#define SIPALG_RW_H

#include "rewrite.h"

/*
 * Internal to the rewrite policy (rewrite.c and rw_*.c, one concern each):
 * what the files share.  Nothing outside the planner includes this.
 * Every function is pure over the message, the context and the call
 * state; the ones taking a struct rw_result add edits or kernel work to
 * it and return 0, or -1 when the message must pass unchanged.
 */

/* ---- rw_addr.c: addresses in messages ---- */

/* rw_addr_parse - span s of buf as an address literal of family (IPv6
 * may be bracketed).  True and *a set, else false. */
bool rw_addr_parse(const char *buf, struct span s, int family,
		   union addr *a);

/* rw_addr_eq - a and b are the same address of family. */
bool rw_addr_eq(int family, const union addr *a, const union addr *b);

/* rw_addr_inside - a is the packet's inside party or in an inside
 * network. */
bool rw_addr_inside(const struct rw_ctx *x, const union addr *a);

/* rw_addr_span_inside - span s parses (into *a) as an inside address. */
bool rw_addr_span_inside(const struct rw_ctx *x, const char *buf,
			 struct span s, union addr *a);

/* rw_addr_span_pub - span s parses as one of the public addresses. */
bool rw_addr_span_pub(const struct rw_ctx *x, const char *buf,
		      struct span s);

/* rw_addr_pub_hostport - "host:port" text of binding b's public side
 * into out (capacity cap). */
void rw_addr_pub_hostport(const struct rw_ctx *x, const struct binding *b,
			  char *out, size_t cap);

/* rw_addr_hostport_span - the span covering host[:port] of hp. */
struct span rw_addr_hostport_span(const struct sip_hostport *hp);

/* ---- rw_conn.c: SIP over TCP, the connection as the binding ---- */

/* rw_conn_out - hp names the phone that sent m on connection x->conn:
 * point it at the connection's public side, remembering the phone's text
 * in save (cap bytes) when save is not NULL.  1 edited, 0 not the
 * phone's address, -1 the edit list is full. */
int rw_conn_out(const struct rw_ctx *x, const struct sip_msg *m,
		const struct sip_hostport *hp, char *save, size_t cap,
		struct rw_result *r);

/* rw_conn_in - hp names x->conn's public side: restore saved (the text
 * the phone wrote; empty: the phone's address and port).  1, 0 or -1. */
int rw_conn_in(const struct rw_ctx *x, const struct sip_msg *m,
	       const struct sip_hostport *hp, const char *saved,
	       struct rw_result *r);

/* rw_conn_contacts - restore every Contact of inbound m naming the
 * connection.  0 or -1. */
int rw_conn_contacts(const struct rw_ctx *x, const struct sip_msg *m,
		     struct rw_result *r);
/* ---- rw_policy.c: what a message may open ---- */

/* The reasons, as counted (pointer-equal strings). */
extern const char *const RW_WHY_OTHER_HOST;
extern const char *const RW_WHY_SPECIAL;
extern const char *const RW_WHY_LOW_PORT;
extern const char *const RW_WHY_MEDIA_RANGE;
extern const char *const RW_WHY_RTCP_WRAP;
extern const char *const RW_WHY_BYE_TAGS;
extern const char *const RW_WHY_REG_2XX;
extern const char *const RW_WHY_ENDED_2XX;
extern const char *const RW_WHY_CALLID_REUSE;
extern const char *const RW_WHY_NOT_REGISTERED;

/* rw_policy_special - a is an address no phone can own: the gateway's
 * own, an inside network's network or broadcast address, multicast,
 * loopback, unspecified. */
bool rw_policy_special(const struct rw_ctx *x, const union addr *a);

/* rw_policy_bind - may outbound x bind inside a:port (signalling)?  NULL
 * when it may, else the reason it may not. */
const char *rw_policy_bind(const struct rw_ctx *x, const union addr *a,
			   uint16_t port);

/* rw_policy_media - the same for a media pair a:rtp / a:rtcp (rtcp may be
 * past 65535: RTP+1 of port 65535). */
const char *rw_policy_media(const struct rw_ctx *x, const union addr *a,
			    uint32_t rtp, uint32_t rtcp);

/* rw_policy_note - count reason why for this message (once). */
void rw_policy_note(struct rw_result *r, const char *why);

/* ---- rw_map.c: the kernel's mappings of the sender's sockets ---- */

/* rw_map_pub - the public port the kernel maps inside socket a:in_port
 * to on x->pub, when a is the packet's sender and a mapping is known;
 * else 0. */
uint16_t rw_map_pub(const struct rw_ctx *x, const union addr *a,
		    uint16_t in_port);

/* rw_map_in - the sender's inside port that the kernel maps to
 * x->pub:pub_port, or 0. */
uint16_t rw_map_in(const struct rw_ctx *x, uint16_t pub_port);

/* ---- rewrite.c: the plan ---- */

/* rewrite_note_created - remember b as created by this message (dropped
 * again by rewrite_rollback). */
void rewrite_note_created(struct rw_result *r, struct binding *b);

/* rewrite_save_binding / rewrite_save_call - about to change existing b
 * / k: saved for rewrite_rollback.  0, or -1 (r->skip set: no room; the
 * caller must not change it and fails the plan). */
int rewrite_save_binding(struct rw_result *r, struct binding *b);
int rewrite_save_call(struct rw_result *r, struct call *k);

/* ---- rw_out.c: outbound signalling ---- */

/* rw_out_plan - the outbound rewrite of m: Via, Contact, Record-Route,
 * the source flow's binding, the call and its SDP.  0 or -1. */
int rw_out_plan(const struct rw_ctx *x, const struct sip_msg *m,
		struct rw_result *r);

/* ---- rw_body.c: the SDP in a body ---- */

/* rw_body_sdp - the SDP of m: the whole body, or the SDP part of a
 * multipart body (*sdp).  False when there is none. */
bool rw_body_sdp(const struct sip_msg *m, struct span *sdp);

/* rw_body_is_sdp - m carries an SDP. */
bool rw_body_is_sdp(const struct sip_msg *m);

/* ---- rw_media.c: SDP and media bindings ---- */

/* rw_media_out - rewrite the SDP of outbound m (if any); with call k,
 * bind its media.  0 or -1. */
int rw_media_out(const struct rw_ctx *x, const struct sip_msg *m,
		 struct call *k, struct rw_result *r);

/* rw_media_note_remote - remember where the far end's SDP in m sends
 * each stream of its call. */
void rw_media_note_remote(const struct rw_ctx *x, const struct sip_msg *m,
			  struct rw_result *r);

/* ---- rw_dialog.c: call life ---- */

/* rw_dialog_call - the call of m's Call-ID; with create a new one when
 * absent (NULL and r->limit set at a limit).  NULL without Call-ID. */
struct call *rw_dialog_call(const struct rw_ctx *x, const struct sip_msg *m,
			    bool create, struct rw_result *r);

/* rw_dialog_hash - 32-bit hash of span s (tags, Call-IDs, AORs). */
uint32_t rw_dialog_hash(const char *buf, struct span s);

/* rw_dialog_cseq - m's CSeq number, 0 when unreadable. */
uint32_t rw_dialog_cseq(const struct sip_msg *m);

/* rw_dialog_hold_sig - call k holds signalling binding b (once).  0, or
 * -1 when it could not be recorded for rollback. */
int rw_dialog_hold_sig(struct rw_result *r, struct call *k,
		       struct binding *b);

/* rw_dialog_names - whether m's tags name one of k's dialogs (true while
 * k has none recorded). */
bool rw_dialog_names(const struct call *k, const struct sip_msg *m);

/* rw_dialog_may_have_session - m's method can carry or change a
 * session (INVITE, ACK, PRACK, UPDATE). */
bool rw_dialog_may_have_session(const struct sip_msg *m);

/* rw_dialog_life - the call state changes that follow from m itself
 * (confirmation, dialog end, stale streams). */
void rw_dialog_life(const struct rw_ctx *x, const struct sip_msg *m,
		    struct rw_result *r);

/* ---- rw_in.c: inbound ---- */

/* rw_in_plan - the inbound rewrite of m (outside -> inside).  0 or -1. */
int rw_in_plan(const struct rw_ctx *x, const struct sip_msg *m,
	       struct rw_result *r);

/* rw_in_request / rw_in_response - restore the inside side of an
 * inbound request (Request-URI, Route) or response (Via, Contact,
 * Record-Route, registrations).  0 or -1. */
int rw_in_request(const struct rw_ctx *x, const struct sip_msg *m,
		  struct rw_result *r);
int rw_in_response(const struct rw_ctx *x, const struct sip_msg *m,
		   struct rw_result *r);

/* rw_in_restore_uri - put b's inside host:port back in hp when hp names
 * b's public side.  0 or -1. */
int rw_in_restore_uri(const struct rw_ctx *x, const struct sip_msg *m,
		      const struct sip_hostport *hp,
		      const struct binding *b, struct rw_result *r);

/* rw_in_pub_binding - the signalling binding hp (public address and
 * port) names; mine: only the packet's destination's own.  Or NULL. */
struct binding *rw_in_pub_binding(const struct rw_ctx *x,
				  const struct sip_msg *m,
				  const struct sip_hostport *hp, bool mine);

/* ---- rw_reg.c: registrations and subscriptions ---- */

/* rw_reg_aor_text - the address-of-record of REGISTER m (its To URI,
 * without name or parameters) as text into out (cap bytes, cut to fit;
 * "" without a To header). */
void rw_reg_aor_text(const struct sip_msg *m, char *out, size_t cap);

/* rw_reg_contacts - restore the Contacts of inbound response m; with
 * reg_ok (a fresh 2xx to REGISTER) apply the expiries granted.  0/-1. */
int rw_reg_contacts(const struct rw_ctx *x, const struct sip_msg *m,
		    bool reg_ok, struct rw_result *r);

/* rw_reg_fresh - is 2xx-to-REGISTER m newer than the last one applied to
 * the phone's binding?  Records it when it is. */
bool rw_reg_fresh(const struct rw_ctx *x, const struct sip_msg *m,
		  struct rw_result *r);

/* rw_reg_user - hash of the user part of the URI in item whose host:port
 * is hp (the hash of nothing when it has none). */
uint32_t rw_reg_user(const char *buf, struct span item,
		     const struct sip_hostport *hp);

/* rw_reg_ruri_user - rw_reg_user of m's Request-URI into *user: the
 * registered Contact it names.  False when the URI has no host:port. */
bool rw_reg_ruri_user(const struct sip_msg *m, uint32_t *user);

/* rw_reg_sender_ok - does incoming_from (c) let src reach a phone
 * registered through registrar (both of family)? */
bool rw_reg_sender_ok(const struct conf *c, int family,
		      const union addr *registrar, const union addr *src);

/* rw_reg_inbound - may inbound out-of-dialog request m reach the phone?
 * NULL, or why not (the packet is dropped): it arrived on a registration
 * binding without naming a registered Contact, or from a sender
 * incoming_from does not allow. */
const char *rw_reg_inbound(const struct rw_ctx *x, const struct sip_msg *m);

/* rw_reg_sent - outbound REGISTER m leaves through the phone's binding b
 * (saved by the caller): remember it for its 2xx. */
void rw_reg_sent(const struct rw_ctx *x, const struct sip_msg *m,
		 struct binding *b);

/* rw_reg_subscribed - a 2xx to SUBSCRIBE keeps the phone's binding for
 * the subscription's life. */
void rw_reg_subscribed(const struct rw_ctx *x, const struct sip_msg *m,
		       struct rw_result *r);

/* ---- rw_hairpin.c: inside -> public address -> inside ---- */

/* rw_hairpin_is - m reaches this inside host through a public binding. */
bool rw_hairpin_is(const struct rw_ctx *x, const struct sip_msg *m);

/* rw_hairpin_plan - rewrite hairpinned m: sender's side outbound,
 * receiver's side inbound.  0 or -1. */
int rw_hairpin_plan(const struct rw_ctx *x, const struct sip_msg *m,
		    struct rw_result *r);

#endif
