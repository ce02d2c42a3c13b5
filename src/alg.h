/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_ALG_H
#define SIPALG_ALG_H

#include "call.h"
#include "neigh.h"
#include "pkt.h"
#include "pin6.h"
#include "queue.h"
#include "rewrite.h"
#include "stream.h"

/*
 * Per packet: classify -> scan -> plan -> bind -> apply -> verdict, with
 * exactly one verdict per packet.  Whatever goes wrong, the packet is
 * accepted unchanged (unless fail_closed), counted by reason and logged
 * at most once per reason per log_interval.
 */

#define ALG_MAX_REASONS 48
#define ALG_PENDING 4096
#define ALG_MAX_OWN 32
#define ALG_MAPS 64
#define ALG_BATCH_GONE 256
#define ALG_BATCH_STALE 128

struct alg_reason {
	const char *what;
	uint64_t count;
	uint64_t logged_at;
	uint64_t suppressed;
};

struct alg_stats {
	uint64_t packets;
	uint64_t rewritten;
	uint64_t unchanged;	/* nothing to rewrite */
	uint64_t passed;	/* could not rewrite: passed as is */
	uint64_t dropped;
	uint64_t calls_ended;
	uint64_t flows_forgotten;
	uint64_t later_refused;	/* post-verdict batches the kernel refused */
};

/* Microsecond histogram of one per-packet interval, since the last stats
 * line (alg_log_stats resets it). */
#define ALG_HIST_US 10000

struct alg_hist {
	uint32_t us[ALG_HIST_US];	/* us[i]: took i microseconds */
	uint64_t n, over;		/* over: ALG_HIST_US us or more */
	uint64_t max;
};

/* How long the daemon holds a packet, from reading it off the queue. */
struct alg_timing {
	struct alg_hist work;		/* every packet: read -> its verdict
					 * is handed to the kernel */
	struct alg_hist bound;		/* packets that installed bindings:
					 * read -> the kernel acked them */
	struct alg_hist verdict;	/* the verdict call itself (the kernel
					 * sends the packet on inside it) */
	struct alg_hist after;		/* post-verdict work, packets that
					 * had some */
};

struct alg {
	const struct conf *conf;
	struct calls *calls;
	struct nat_ops nat;
	struct nat_ct *ct;		/* for its counters; NULL in tests */
	unsigned in_ifindex, out_ifindex;
	union addr pub;
	struct prefix inside[RW_MAX_INSIDE];
	unsigned n_inside;
	union addr own[ALG_MAX_OWN];	/* the router's own addresses */
	unsigned n_own;
	uint64_t (*now)(void);
	struct alg_stats st;
	struct alg_reason reason[ALG_MAX_REASONS];
	unsigned n_reason;
	/* Of the messages counted in reason[], those dropped (by the
	 * policy, or with fail_closed), by the same reasons;
	 * alg_reason_passed tells how many passed. */
	struct alg_reason dropped_by[ALG_MAX_REASONS];
	unsigned n_dropped_by;
	const char *tcp_why;		/* the stream's last reason counted */
	/* What messages named and the policy did not open (the messages
	 * went on), by reason. */
	struct alg_reason policy[ALG_MAX_REASONS];
	unsigned n_policy;
	struct sip_msg msg;		/* scratch, too big for the stack */
	/* The kernel's NAT mappings of the sending host's sockets, looked
	 * up for messages that may need them (alg_host_maps). */
	struct nat_map maps[ALG_MAPS];
	struct rw_result rw;
	/* Kernel work this packet does not need before its verdict:
	 * removals and timeout refreshes of elements the kernel already
	 * has (alg_after_verdict). */
	struct nat_plan later;
	bool after_pending;
	/* Inside a queue batch (queue.h): the post-verdict work of the
	 * batch's messages, collected and done once after their verdicts
	 * went out - one nf_tables transaction, one conntrack datagram. */
	struct nat_plan b_later;
	struct nat_elem b_gone[ALG_BATCH_GONE];
	unsigned n_b_gone;
	struct nat_flow b_stale[ALG_BATCH_STALE];
	unsigned n_b_stale;
	uint64_t bound_at;		/* when the kernel acked this packet's
					 * bindings (us), 0: it had none */
	struct alg_timing tm;
	/* IPv6: pinholes, no NAT (NULL: IPv6 passes unchanged). */
	struct pin6 *pin6;
	bool no_v4;			/* no IPv4 public address: IPv4
					 * passes unchanged */
	struct nat_elem gone6[PIN6_CALL_PINS * 2];
	unsigned n_gone6;
	/* The kernel's neighbour table (NULL: none): proves an IPv4 address
	 * an IPv6 phone's SDP names is its own (dual stack, alg6.c). */
	struct neigh *neigh;
	/* forget6 - delete the conntrack flows of these IPv6 pinholes
	 * (NULL: none to delete, sipalg-replay). */
	int (*forget6)(void *ctx, const struct nat_elem *e, unsigned n);
	void *forget6_ctx;
	/* Bindings removed since the last tick, whose remaining flows the
	 * next tick sweeps from conntrack in one pass. */
	struct nat_elem pending[ALG_PENDING];
	unsigned n_pending;
	bool sweep_soon;		/* one of them has no known far end */
	/* SIP over TCP (alg_tcp.c): the connections followed, where their
	 * verdicts go (q, or emit when set: sipalg-replay), and how a
	 * connection's public side is found (conn_lookup, optional). */
	struct streams *streams;
	const struct conf *streams_conf;	/* its limits came from */
	struct queue *q;
	void (*emit)(void *ctx, uint32_t id, const uint8_t *pkt, uint32_t len,
		     enum stream_verdict v);
	void *emit_ctx;
	int (*conn_lookup)(void *ctx, struct stream_conn *c);
	void (*conn_bypass)(void *ctx, int family, const union addr *in,
			    uint16_t in_port, const union addr *out,
			    uint16_t out_port);
	void *conn_ctx;
	char out_payload[65536];
	uint8_t out_pkt[65536 + 128];
};

/*
 * alg_packet - decide packet p and send its verdict on q.  Never fails:
 * problems become counted reasons.
 */
void alg_packet(struct alg *a, struct queue *q, const struct queue_pkt *p);

/*
 * alg_process - the same pipeline without the queue: returns the verdict
 * (0 accept unchanged, 1 accept with out_pkt[0..*out_len), 2 drop).  Used
 * by alg_packet and by sipalg-replay.
 */
int alg_process(struct alg *a, const uint8_t *data, uint32_t len,
		uint32_t indev, uint32_t outdev, uint32_t *out_len);

/*
 * alg_process_dir - alg_process with the direction given by the caller
 * (sipalg-replay classifies by address, not by interface).
 */
int alg_process_dir(struct alg *a, const uint8_t *data, uint32_t len,
		    enum rw_dir dir, uint32_t *out_len);

/*
 * alg_message - scan, plan, bind and edit the one message v->payload
 * travelling dir (conn: the TCP connection it came on, NULL for UDP).
 * Returns 0 (pass it as it is), 1 (the new message is
 * a->out_payload[0..*n)) or 2 (drop; fail_closed).
 */
int alg_message(struct alg *a, const struct pkt_view *v, enum rw_dir dir,
		struct stream_sig *conn, uint32_t *n);

/*
 * alg_tcp_packet - queued IPv4 TCP packet id crossing in dir: to the
 * stream module (alg_tcp.c), which sends its verdict now or when the
 * message it belongs to is complete (through a->emit, else queue a->q).
 */
void alg_tcp_packet(struct alg *a, uint32_t id, const uint8_t *data,
		    uint32_t len, enum rw_dir dir);

/* alg_tcp_log_stats - the TCP counters, when any TCP was seen. */
void alg_tcp_log_stats(struct alg *a);

/* alg_tcp_free - forget every TCP connection (held packets released). */
void alg_tcp_free(struct alg *a);

/*
 * alg_after_verdict - the kernel work of the last packet that can follow
 * its verdict: element removals and refreshes, conntrack deletes.  Called
 * by alg_packet after the verdict; alg_process_dir calls it first if a
 * caller did not.
 */
void alg_after_verdict(struct alg *a);

/*
 * alg_batch_end - the queue batch's verdicts were sent: do the kernel work
 * its messages left for after them (removals, refreshes, conntrack
 * deletes), all at once.  Nothing to do outside a batch.
 */
void alg_batch_end(struct alg *a);

/* alg_tick - periodic work: note live media, end expired calls and
 * registrations, remove their bindings and flows.  scan_media selects
 * whether conntrack is asked which media flows are alive; the flows of
 * ended calls not deleted by tuple are swept then too. */
void alg_tick(struct alg *a, bool scan_media, void *ct);

/*
 * alg6_process - the IPv6 pipeline for scanned message m of view v (in
 * alg6.c): pinholes planned, installed, then committed; never rewritten.
 * Returns the verdict (accept unchanged, or drop when fail_closed and the
 * message could not be handled).
 */
struct pkt_view;
int alg6_process(struct alg *a, const struct pkt_view *v, enum rw_dir dir,
		 const struct sip_msg *m);

/*
 * alg6_dual - dual stack: the IPv4 streams of IPv6 message m (view v, in
 * packet data[0..len), or data NULL for a TCP stream's message) bound and
 * rewritten as an IPv4 call's, when the neighbour table proves the IPv4
 * address is the IPv6 phone's own; otherwise they pass as written
 * (counted).  Nothing else of the message changes.  Returns the verdict
 * as alg_commit.
 */
int alg6_dual(struct alg *a, const struct pkt_view *v, enum rw_dir dir,
	      const struct sip_msg *m, const uint8_t *data, uint32_t len,
	      uint32_t *out_len);

/*
 * alg_commit - (alg.c, for alg6.c) a plan in a->rw for ctx x: edits
 * applied to the message in v (and the packet data[0..len) rebuilt, or
 * data NULL: a->out_payload alone), the kernel's bindings installed, the
 * call state committed - or all rolled back.  Returns the verdict: 0
 * unchanged, 1 rewritten (*out_len bytes in a->out_pkt, or a->out_payload
 * when data is NULL), 2 drop (fail_closed after a refusal).
 */
struct rw_ctx;
int alg_commit(struct alg *a, const struct rw_ctx *x,
	       const struct pkt_view *v, const uint8_t *data, uint32_t len,
	       uint32_t *out_len);

/* alg6_after_verdict / alg6_tick - the IPv6 share of alg_after_verdict
 * and alg_tick. */
void alg6_after_verdict(struct alg *a);
void alg6_tick(struct alg *a);

/* alg6_end_call - alg_end_call for an IPv6 call (pin6): its pinholes
 * removed and their flows deleted.  0, or -1 when there is no such call
 * (or the kernel refused: the call stays, logged). */
int alg6_end_call(struct alg *a, const char *id, uint32_t len);

/*
 * alg_adopt_map - at start: the kernel maps inside socket in:m->in_port
 * to m->pub_addr:m->pub_port (a flow made while the daemon did not run).
 * Gives that socket a signalling binding on the same public port, kept
 * ttl seconds unless its messages keep it longer, so its next messages
 * leave from the address it may have learned (RFC 4787 REQ-1) and no
 * other socket is given that port.  1 adopted, 0 already (another flow
 * of the socket), -1 not (not one of our public addresses, the port
 * taken, a limit, or the kernel refused).
 */
int alg_adopt_map(struct alg *a, const struct nat_map *m,
		  const union addr *in, uint32_t ttl);

/* alg_count - count (and maybe log) a reason a packet passed unchanged. */
void alg_count(struct alg *a, const char *what, const char *detail);

/* alg_count_drop - count (and maybe log, with detail) a reason the policy
 * drops a packet, and the drop; the caller returns the drop verdict. */
void alg_count_drop(struct alg *a, const char *what, const char *detail);

/* alg_count_closed - a packet that would pass unchanged for what is
 * dropped (fail_closed): counted under what and as a drop, logged as a
 * drop; the caller returns the drop verdict. */
void alg_count_closed(struct alg *a, const char *what, const char *detail);

/* alg_dropped - a drop for what whose reason alg_count already counted
 * (a TCP segment the stream drops). */
void alg_dropped(struct alg *a, const char *what);

/* alg_reason_passed - how many of the packets counted under reason r
 * (one of a->reason) passed, that is were not dropped. */
uint64_t alg_reason_passed(const struct alg *a, const struct alg_reason *r);

/*
 * alg_end_call - end the call with this Call-ID now (the operator's
 * sipalgctl end): its bindings are removed from the kernel and its media
 * flows deleted from conntrack.  0, or -1 when there is no such call.
 */
int alg_end_call(struct alg *a, const char *id, uint32_t len);
/* alg_policy - count (and maybe log, naming host) something a message
 * named that the policy did not open; the message itself went on. */
void alg_policy(struct alg *a, const char *what, const char *host);

/* alg_log_stats - one summary line of counters and state. */
void alg_log_stats(struct alg *a);

#endif
