/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_STATE_H
#define SIPALG_STATE_H

#include "buf.h"
#include "call.h"

/*
 * The state file: what the kernel cannot hold about the bindings it keeps
 * across a restart (registrations, dialogs, the far ends of media), so
 * the next run rebuilds its tables.  Pure: text in, records out; the file
 * itself is read and written by restart.c.
 *
 * Format (version 2; version 1 is the same without G6 and C6 and still
 * loads), one record a line, fields split by one space:
 *
 *   sipalg-state 1
 *   boot BOOT-ID                  /proc/sys/kernel/random/boot_id
 *   written SECONDS               CLOCK_MONOTONIC when written
 *   public N ADDR...              the public addresses, in pool order
 *   ports MEDIA-MIN MEDIA-MAX SIG-MIN SIG-MAX
 *   S ...   a signalling binding, followed by its R lines
 *   R ...   one registration (address-of-record) of the S before it
 *   M ...   a media binding
 *   C ...   a call, followed by its H, D, P and B lines
 *   G6 PHONE PORT EXPIRES REGISTRAR PENDING PEND-ID PEND-CSEQ WANT =AOR
 *      NUSER USER... PEND-USER...
 *           an IPv6 registration pinhole (pin6_reg; NUSER user hashes,
 *           then the pending REGISTER's, at most 4 each)
 *   C6 =CALL-ID PHONE EXPIRES CREATED CONFIRMED NPORT PORT... FROM TO...
 *           an IPv6 call's media pinholes (pin6_call; 1 to 16 ports, then
 *           its dialogs' tag hash pairs, at most 4)
 *   end LINES FNV                 lines before it; FNV-1a (32 bit, hex)
 *                                 of every byte before "end"
 *
 * Times are CLOCK_MONOTONIC seconds, valid only within one boot (the
 * kernel's elements do not outlive one either).  Texts are written as
 * "=" followed by the bytes, '%' and bytes outside 0x21..0x7e as %XX.
 * A file that does not parse whole, or whose check fails, is refused
 * whole: the daemon starts clean, never half right.
 */

#define STATE_VERSION 2
#define STATE_BOOT_MAX 40
#define STATE_CALLID_MAX 1024

struct state_meta {
	char boot_id[STATE_BOOT_MAX];
	uint64_t written;
	union addr pub[CALLS_MAX_PUB];
	unsigned n_pub;
	uint16_t media_min, media_max, sig_min, sig_max;
};

/* An inside socket a call refers to (its binding is another record). */
struct state_ref {
	union addr a;
	uint16_t port;
};

struct state_call {
	struct call *k;		/* its fields; bind and sig unset */
	struct state_ref sig;	/* port 0: none */
	struct state_ref media[CALL_MAX_BIND];
	unsigned n_media;
};

struct pin6;
struct pin6_reg;
struct pin6_call;

/* A parsed file: bindings (AF_INET) and calls, as records that belong
 * to the set (calls_restore copies them into the table), and IPv6
 * pinholes as pin6 records (pin6_restore_*). */
struct state_set {
	struct state_meta meta;
	struct binding **bind;
	unsigned n_bind, cap_bind;
	struct state_call *call;
	unsigned n_call, cap_call;
	struct pin6_reg *reg6;
	unsigned n_reg6, cap_reg6;
	struct pin6_call *call6;
	unsigned n_call6, cap_call6;
};

/*
 * state_format - append the text of t's IPv4 bindings and calls and of
 * p6's IPv6 pinholes (p6 may be NULL) under header m to b (check
 * buf_ok).  Never changes t or p6.
 */
void state_format(struct calls *t, const struct pin6 *p6,
		  const struct state_meta *m, struct buf *b);

/*
 * state_parse - the records of file text p[0..n).  NULL with why (one
 * line, whylen bytes) when the text is not a whole version-1 or -2 file:
 * truncated, checksum wrong, a line or field malformed, out of range or
 * out of order, or no memory.  The caller frees with state_set_free.
 */
struct state_set *state_parse(const char *p, size_t n, char *why,
			      size_t whylen);

/*
 * state_check - a parsed file's header got belongs to this run's want
 * (same boot, same public addresses and port ranges) and was written at
 * most max_age seconds before now.  0, or -1 with why.
 */
int state_check(const struct state_meta *got, const struct state_meta *want,
		uint64_t now, uint32_t max_age, char *why, size_t whylen);

void state_set_free(struct state_set *s);

#endif
