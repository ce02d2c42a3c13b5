/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_PIN6_H
#define SIPALG_PIN6_H

#include "conf.h"
#include "nat.h"
#include "sip.h"

/*
 * IPv6 pinholes: phones with global addresses behind a stateful firewall,
 * no NAT.  Nothing in a message is rewritten; what the message says opens
 * or closes holes in the firewall for the phone's own address:
 * - a registration pinhole (the Contact's port) from a 2xx to a REGISTER
 *   the phone sent, for the expiry the registrar granted, so requests to
 *   the registered Contact reach the phone after its UDP flow expired;
 * - media pinholes for the streams the phone's own SDP names, from its
 *   offer or answer until the call ends (BYE, a final failure, the set-up
 *   timeout or the maximum duration).
 * Only the sender's own address is ever opened, on ports at or above
 * bind_port_min (the rules of the IPv4 planner: NAT Slipstreaming).
 * With media_from = sdp a call's holes admit only the far end: the
 * address its newest SDP names and the outside party of the signalling
 * (nat_elem filter and from, as IPv4 media bindings).
 * Pinholes are nat_elem with family AF_INET6 and the public side equal to
 * the inside side; pure: the caller installs the plan, then commits.
 */

#define PIN6_MAX_CALLS 2048
#define PIN6_MAX_REGS 1024
#define PIN6_CALL_PINS 16
#define PIN6_ID_MAX 128		/* longer Call-IDs pass statelessly */
#define PIN6_AOR_MAX 96

struct pin6;

/* One message as pin6 sees it. */
struct pin6_msg {
	const struct sip_msg *m;
	bool outbound;		/* from an inside phone */
	union addr src, dst;	/* AF_INET6 */
	uint16_t sport, dport;
	bool tcp;		/* a message of a TCP stream */
	uint64_t now;		/* seconds */
};

/* What a planned message will change once its plan is installed. */
struct pin6_intent {
	int kind;		/* PIN6_I_* */
	int slot;		/* call or registration slot */
	bool ended;		/* the message ends a call */
	bool drop;		/* with pin6_plan's -1: drop the message */
	const char *note;	/* ignored by policy, passes (RW_WHY_*) */
	_Alignas(16) unsigned char rec[512];	/* the slot's new content */
};

enum { PIN6_I_NONE = 0, PIN6_I_CALL, PIN6_I_REG, PIN6_I_PENDING,
       PIN6_I_OFFER };

/* pin6_new - empty state using the expiries of c (which must outlive
 * it); NULL when out of memory. */
struct pin6 *pin6_new(const struct conf *c);

void pin6_free(struct pin6 *p);

/*
 * pin6_plan - the pinholes message pm opens, refreshes or closes: kernel
 * work appended to plan (removals whose flows must go also to gone, up to
 * cap, count in *n_gone) and the state change into *in.  Touches no state.
 * Returns 0 (in->note set: the policy ignored what it asked, counted,
 * and it passes), or -1 with *why when the message is left alone and
 * counted (nothing planned; in->drop: it must be dropped - an
 * out-of-dialog request to a registered phone that names no Contact it
 * registered, or whose sender incoming_from refuses).
 * The IPv4 rules apply: per-host quotas (max_calls_per_host,
 * max_media_per_host streams, max_signalling_per_host registrations),
 * and a BYE ends a call only from its phone or with the tags of one of
 * its dialogs.
 */
int pin6_plan(const struct pin6 *p, const struct pin6_msg *pm,
	      struct nat_plan *plan, struct nat_elem *gone, unsigned cap,
	      unsigned *n_gone, struct pin6_intent *in, const char **why);

/* pin6_commit - apply intent in (from pin6_plan) after the kernel
 * accepted its plan. */
void pin6_commit(struct pin6 *p, const struct pin6_intent *in);

/*
 * pin6_sweep - end calls and registrations expired at now: their
 * removals into plan and gone (as pin6_plan).  Returns how many ended.
 * State changes at once: expired holes also leave the kernel by their
 * own timeout, so a refused removal is harmless.
 */
unsigned pin6_sweep(struct pin6 *p, uint64_t now, struct nat_plan *plan,
		    struct nat_elem *gone, unsigned cap, unsigned *n_gone);

/* pin6_counts - live calls, registrations and pinholes. */
void pin6_counts(const struct pin6 *p, unsigned *calls, unsigned *regs,
		 unsigned *pins);

/*
 * pin6_end_plan - the operator ends the IPv6 call with Call-ID id[0..len):
 * its holes' removals into plan and gone (as pin6_plan).  Touches no
 * state: after the kernel took the plan, pin6_end_commit(p, slot).
 * Returns the call's slot, or -1 when there is no such call.
 */
int pin6_end_plan(const struct pin6 *p, const char *id, uint32_t len,
		  struct nat_plan *plan, struct nat_elem *gone, unsigned cap,
		  unsigned *n_gone);

/* pin6_end_commit - forget call slot (from pin6_end_plan). */
void pin6_end_commit(struct pin6 *p, int slot);

/* What the operator's listings show of one IPv6 call: its pinholes are
 * port[0..n_port) of phone (RTP and RTCP alike). */
struct pin6_call_info {
	const char *id;
	unsigned id_len;
	const union addr *phone;
	const uint16_t *port;
	unsigned n_port;
	bool confirmed;
	uint64_t created, expires;	/* seconds, pin6_msg.now's clock */
};

/* ... and of one registration pinhole (the phone's Contact port). */
struct pin6_reg_info {
	const char *aor;		/* "" when unknown */
	const union addr *phone;
	uint16_t port;
	uint64_t expires;
};

/* pin6_each_call, pin6_each_reg - visit every live call / installed
 * registration pinhole (p may be NULL: none).  The infos point into p:
 * valid during the call only. */
void pin6_each_call(const struct pin6 *p,
		    void (*fn)(void *ctx, const struct pin6_call_info *c),
		    void *ctx);
void pin6_each_reg(const struct pin6 *p,
		   void (*fn)(void *ctx, const struct pin6_reg_info *g),
		   void *ctx);

/*
 * pin6_restore_call, pin6_restore_reg - a call / an installed
 * registration of the last run (records as pin6_int.h lays them out, read
 * from the state file) into a free slot of p; its holes the kernel still
 * holds.  0, or -1 when p is full, the record is out of range, or p has
 * that Call-ID / that phone's port already.
 */
struct pin6_call;
struct pin6_reg;
int pin6_restore_call(struct pin6 *p, const struct pin6_call *k);
int pin6_restore_reg(struct pin6 *p, const struct pin6_reg *g);

#endif
