/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_STREAM_H
#define SIPALG_STREAM_H

#include "conf.h"
#include "seqmap.h"
#include "tcpseg.h"

/*
 * SIP over TCP (RFC 3261 18): each direction of a connection is
 * reassembled as a byte stream from its first byte, framed into messages
 * by Content-Length, and every message is rewritten like a UDP one.  The
 * segments carrying a message are held (no verdict yet) until the message
 * is complete, then released carrying the new bytes.  A length change
 * shifts every later sequence number of that direction and every
 * acknowledgement and SACK block of the other (seqmap); a retransmitted
 * segment gets the same bytes it got the first time (kept until the
 * receiver acknowledges them).  The kernel's own sequence adjustment
 * needs the NFQUEUE conntrack glue, which the kernels we run on lack.
 *
 * Every packet handed in gets exactly one verdict through ops->emit, at
 * once or later.  A connection the module cannot follow (not seen from
 * its SYN, not SIP, a message it cannot frame, a limit) is given up:
 * what it holds is released as it is and the connection's later packets
 * pass unchanged except for the offsets already made.  Pure: no I/O.
 */

enum stream_dir_id { STREAM_OUT = 0, STREAM_IN = 1 };

/* What the planner needs to know about a connection's public side: the
 * NAT binding of the connection itself (its conntrack entry holds it). */
struct stream_sig {
	bool known;		/* pub/pub_port filled in */
	union addr pub;
	uint16_t pub_port;
	char sent_by[96];	/* the phone's own Via sent-by text */
	char contact_hp[96];	/* the phone's own Contact host:port */
};

struct stream_buf {
	char *p;
	uint32_t len, cap;
};

#define STREAM_HELD 64

struct stream_held {
	uint32_t id;
	uint8_t *pkt;		/* a copy of the queued packet */
	uint32_t len;
	uint32_t end;		/* original sequence after its new bytes */
	uint32_t plen;		/* new bytes it brought */
	uint64_t at;		/* when it was queued (s) */
};

/* A released segment: its original and new sequence range, so that the
 * same segment sent again gets exactly the same bytes. */
#define STREAM_SENT 64

struct stream_sent {
	uint32_t o_seq, o_end, n_seq, n_end;
};

struct stream_half {
	bool isn_known;		/* saw this direction's SYN */
	bool checked;		/* its first bytes are a SIP start line */
	bool fin;
	uint32_t next;		/* original sequence of the next byte */
	uint32_t in_seq;	/* original sequence of in.p[0] */
	uint32_t emit;		/* new sequence of the next byte released */
	uint32_t hist_seq;	/* new sequence of hist.p[0] */
	struct stream_buf in;	/* bytes of an incomplete message */
	struct stream_buf out;	/* new bytes not yet released */
	struct stream_buf hist;	/* released, not yet acknowledged */
	struct stream_held held[STREAM_HELD];
	unsigned n_held;
	struct stream_sent sent[STREAM_SENT];	/* a ring */
	unsigned sent_at;
	uint32_t ts_max;	/* newest TSval sent on (RFC 7323): a held
				 * segment released later must not carry an
				 * older one (PAWS would discard it) */
	bool ts_seen;
	struct seqmap map;
};

struct stream_conn {
	int family;
	union addr in_addr, out_addr;	/* inside host, outside host */
	uint16_t in_port, out_port;
	bool from_inside;	/* the inside host sent the SYN */
	bool pass;		/* given up: offsets only */
	bool changed;		/* a message of it was rewritten */
	uint32_t pass_from[2];	/* original sequence where it gave up */
	uint64_t last;		/* last packet (s) */
	uint64_t closing;	/* FIN both ways or RST seen (s), 0 not */
	struct stream_sig sig;
	struct stream_half h[2];	/* by enum stream_dir_id */
	struct stream_conn *next;	/* hash chain */
};

struct stream_limits {
	uint32_t max_conns;	/* connections followed at once */
	uint32_t max_msg;	/* bytes of one message (framing cap) */
	uint32_t hist_max;	/* released bytes kept per direction */
	uint32_t hold_max;	/* s a segment may be held */
	uint32_t idle;		/* s without packets before a connection
				 * is forgotten */
	uint32_t seed;		/* hash key (connections are chosen by
				 * whoever connects) */
};

enum stream_verdict { STREAM_ACCEPT, STREAM_MANGLED, STREAM_DROP };

struct stream_ops {
	/* msg - rewrite the complete message in[0..len) travelling dir on
	 * c into out (cap bytes); returns the new length, or -1 to pass it
	 * as it is. */
	long (*msg)(void *ctx, struct stream_conn *c, enum stream_dir_id dir,
		    const char *in, uint32_t len, char *out, uint32_t cap);
	/* emit - the verdict for queued packet id: accept it as it is
	 * (pkt[0..len) is the packet as queued), accept it replaced by
	 * pkt[0..len), or drop it. */
	void (*emit)(void *ctx, uint32_t id, const uint8_t *pkt, uint32_t len,
		     enum stream_verdict v);
	/* count - something passed unchanged or was dropped, and why. */
	void (*count)(void *ctx, const char *what);
	void *ctx;
	/* bypass - optional: the connection (address family family)
	 * inside in:in_port, outside out:out_port needs the daemon no more (not SIP, or not followed,
	 * and no byte of it ever changed): its later segments need not be
	 * queued at all. */
	void (*bypass)(void *ctx, int family, const union addr *in,
		       uint16_t in_port, const union addr *out,
		       uint16_t out_port);
};

struct stream_stats {
	uint32_t conns;
	uint64_t opened, gave_up, expired;
	uint64_t messages, rewritten, held, retrans;
};

struct streams;

/* stream_new - empty table with these limits and callbacks (both copied);
 * NULL when out of memory. */
struct streams *stream_new(const struct stream_limits *lim,
			   const struct stream_ops *ops);

/* stream_free - forget every connection; packets still held are
 * released as they are (verdicts emitted) first. */
void stream_free(struct streams *s);

/*
 * stream_packet - take queued IPv4 TCP packet id, data[0..len), crossing
 * the gateway in dir, at now (s).  Its verdict (and maybe those of held
 * packets it completes) goes through ops->emit before or after return.
 */
void stream_packet(struct streams *s, uint32_t id, const uint8_t *data,
		   uint32_t len, enum stream_dir_id dir, uint64_t now);

/* stream_set_limits - new limits (a configuration reload), the hash seed
 * kept; connections beyond a lower max_conns stay until they end. */
void stream_set_limits(struct streams *s, const struct stream_limits *lim);

/* stream_tick - give up on connections holding a segment longer than
 * hold_max, forget idle and closed ones. */
void stream_tick(struct streams *s, uint64_t now);

/* stream_stats - counters and the number of connections followed. */
void stream_stats(const struct streams *s, struct stream_stats *st);

#endif
