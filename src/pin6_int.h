/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_PIN6_INT_H
#define SIPALG_PIN6_INT_H

/* Inside pin6: the state and the job pin6.c and pin6_policy.c share. */

#include "pin6.h"

/* A call: the phone whose SDP opened the holes, and their ports. */
struct pin6_call {
	bool used;
	bool confirmed;		/* a 2xx to its INVITE was seen */
	uint8_t id_len;
	char id[PIN6_ID_MAX];
	union addr phone;
	uint16_t port[PIN6_CALL_PINS];
	unsigned n_port;
	uint64_t expires;
	uint64_t created;	/* its first SDP (for the listing) */
	/* media_from = sdp: its holes admit only these two (zero: not
	 * known) - the outside party of its signalling, and the address
	 * the far end's newest SDP names. */
	union addr peer, remote;
	/* Tag pairs (From, To hashes) of its dialogs, from the 1xx/2xx
	 * with a To tag (early and confirmed, forking makes several). */
#define PIN6_DLG 4
	uint32_t dlg[PIN6_DLG][2];
	unsigned n_dlg;
};

/* A phone's registered Contact (address and port), and the REGISTER
 * outstanding for it. */
struct pin6_reg {
	bool used;		/* the pinhole is installed */
	bool pending;		/* a REGISTER awaits its answer */
	union addr phone;
	uint16_t port;
	union addr registrar;	/* where the pending REGISTER went */
	/* Registered over TCP: the hole admits a new connection from
	 * hole_src (the registrar it was opened for) to the Contact port,
	 * and nothing else. */
	bool tcp;
	union addr hole_src;
	uint32_t pend_id;	/* hash of its Call-ID */
	uint32_t pend_cseq;
	uint32_t want;		/* expiry it asked for (s) */
	uint64_t expires;
	char aor[PIN6_AOR_MAX];	/* the last REGISTER's To URI (listing) */
	/* Hashes of the user parts of the Contacts registered on it (an
	 * out-of-dialog request must name one), and of the pending
	 * REGISTER's. */
#define PIN6_USERS 4
	uint32_t user[PIN6_USERS], pend_user[PIN6_USERS];
	unsigned n_user, n_pend_user;
};

/* Call slots by Call-ID (every message looks its call up): chains
 * through next[] from bucket[hash of the id], -1 ends one.  Only
 * pin6_call_set changes a slot's used or id, and keeps them right. */
#define PIN6_CALL_BUCKETS 4096	/* a power of two */

/* An outside party's offer to a phone, kept until the phone's answer
 * makes the call (an IPv6 call exists from the phone's own SDP): where the
 * far end's media comes from, for media_from = sdp. */
struct pin6_offer {
	uint32_t id;		/* hash of the Call-ID */
	union addr phone, peer;	/* the INVITE's destination and source */
	union addr remote;	/* its SDP's address */
};

#define PIN6_OFFERS 64

struct pin6 {
	const struct conf *conf;
	struct pin6_call call[PIN6_MAX_CALLS];
	struct pin6_reg reg[PIN6_MAX_REGS];
	int16_t bucket[PIN6_CALL_BUCKETS];
	int16_t next[PIN6_MAX_CALLS];
	struct pin6_offer offer[PIN6_OFFERS];	/* a ring, newest last */
	unsigned offer_next;
};

/* What one pin6_plan call works with. */
struct pin6_job {
	const struct pin6 *p;
	const struct pin6_msg *pm;
	struct nat_plan *plan;
	struct nat_elem *gone;
	unsigned cap, *n_gone;
	struct pin6_intent *in;
	const char **why;
	unsigned host_ports;	/* the phone's pinholes in its other calls */
};

/* pin6_intent_call - the intent's copy of call slot (copied from the
 * state at the first change this message makes). */
struct pin6_call *pin6_intent_call(struct pin6_job *j, int slot);

/* pin6_session_sdp - m carries an offer or an answer (SDP in an INVITE,
 * ACK, PRACK or UPDATE, or in a 1xx/2xx to one). */
bool pin6_session_sdp(const struct sip_msg *m);

/* pin6_rehole - every hole of call old (as the kernel holds it) again as
 * k has it: its timeout (confirmed or not) and admitted sources.  0 or
 * -1 (*j->why). */
int pin6_rehole(struct pin6_job *j, const struct pin6_call *old,
		const struct pin6_call *k);

/* ---- pin6_from.c: the far end, for media_from = sdp ---- */

/* pin6_far_note - inbound m (of call old, intent copy k) with the far
 * end's SDP: k->remote becomes the address it names (zero: none).  True
 * when that moved.  A message of an answered call that names none of
 * its dialogs moves nothing (noted). */
bool pin6_far_note(struct pin6_job *j, const struct pin6_call *old,
		   struct pin6_call *k);

/* pin6_far_request - an inbound request with SDP: for a known call its
 * holes follow the far end's SDP; an INVITE of no call yet is remembered
 * (PIN6_I_OFFER) for the phone's answer.  0 or -1 (*j->why). */
int pin6_far_request(struct pin6_job *j, struct span id);

/* pin6_offer_take - the address of the newest remembered offer with
 * Call-ID id to the phone answering pm from where the answer goes, into
 * *remote (left as it is when none). */
void pin6_offer_take(const struct pin6 *p, const struct pin6_msg *pm,
		     struct span id, union addr *remote);

/* pin6_fail - *j->why = why; returns -1. */
int pin6_fail(struct pin6_job *j, const char *why);

/* pin6_call_find - the slot of the call with Call-ID id, or -1. */
int pin6_call_find(const struct pin6 *p, const char *buf, struct span id);

/* pin6_call_set - call slot becomes a copy of *k (cleared when k is
 * NULL), its place in the Call-ID index with it. */
void pin6_call_set(struct pin6 *p, int slot, const struct pin6_call *k);

/* pin6_calls_of - calls of phone a; *ports: their pinholes, without
 * call slot skip's. */
unsigned pin6_calls_of(const struct pin6 *p, const union addr *a, int skip,
		       unsigned *ports);

/* pin6_regs_of - registrations (installed or pending) of phone a. */
unsigned pin6_regs_of(const struct pin6 *p, const union addr *a);

/* pin6_dialog_note - k gets the dialog (From, To tags) of m, a 1xx/2xx
 * to INVITE, when it has a To tag. */
void pin6_dialog_note(struct pin6_call *k, const struct sip_msg *m);

/* pin6_dialog_has - whether m's tags name one of k's dialogs (in either
 * order). */
bool pin6_dialog_has(const struct pin6_call *k, const struct sip_msg *m);

/* pin6_contact_next - the next Contact item of m whose host is the IPv6
 * address a, into *item and *hp; *h_i and *pos (both 0 at first) say
 * where the search goes on.  false when none is left. */
bool pin6_contact_next(const struct sip_msg *m, const union addr *a,
		       unsigned *h_i, uint32_t *pos, struct span *item,
		       struct sip_hostport *hp);

/* pin6_contact_users - hashed user parts (at most PIN6_USERS into u,
 * count *n) of m's Contacts naming a:port. */
void pin6_contact_users(const struct sip_msg *m, const union addr *a,
			uint16_t port, uint32_t *u, unsigned *n);

/* pin6_reg_users - g's users with the answered REGISTER's added. */
void pin6_reg_users(struct pin6_reg *g);

/* pin6_inbound - an out-of-dialog request from outside to a registered
 * Contact: 0 when it may reach the phone (or is none of those), -1 with
 * j->in->drop set and *j->why when it must be dropped. */
int pin6_inbound(struct pin6_job *j, struct span id);

#endif
