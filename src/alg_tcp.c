/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <sys/socket.h>

#include "alg.h"
#include "log.h"

/*
 * SIP over TCP in the per-packet pipeline: segments go to the stream
 * module, which hands back whole messages (rewritten here exactly like a
 * UDP datagram, with the connection as the phone's signalling binding)
 * and sends each segment's verdict when the message it belongs to is
 * decided.
 */

enum { V_ACCEPT = 0, V_MANGLED = 1 };

/* Bytes of one message (room is left in out_payload for its growth);
 * released bytes kept for retransmission; seconds a segment may wait for
 * the rest of its message.  Connections and idle time are configured
 * (tcp_max_connections, tcp_idle_timeout). */
#define TCP_MAX_MSG 60000
#define TCP_HIST_MAX 65536
#define TCP_HOLD_MAX 2

/* The connection's public side: from conntrack when the daemon can ask,
 * else (sipalg-replay) the public address and the phone's own port, which
 * is what masquerading keeps when it is free. */
static void conn_public(struct alg *a, struct stream_conn *c)
{
	if (c->sig.known)
		return;
	c->sig.known = true;
	if (c->family == AF_INET6) {	/* no NAT: the phone's own */
		c->sig.pub = c->in_addr;
		c->sig.pub_port = c->in_port;
		/* Its length may still change (a dual-stack phone's IPv4
		 * media, alg6_dual): conntrack must take the adjusted
		 * sequence numbers (liberal window tracking). */
		if (a->conn_lookup)
			a->conn_lookup(a->conn_ctx, c);
		return;
	}
	if (a->conn_lookup && a->conn_lookup(a->conn_ctx, c) == 0)
		return;
	if (a->conn_lookup)
		alg_count(a, "TCP connection not found in conntrack "
			     "(assumed its port kept)", NULL);
	c->sig.pub = *calls_pick_public(a->calls, c->family, &c->in_addr);
	c->sig.pub_port = c->in_port;
}

static void conn_view(const struct stream_conn *c, enum stream_dir_id d,
		      const char *in, uint32_t len, struct pkt_view *v)
{
	bool out = d == STREAM_OUT;

	v->family = c->family;
	v->proto = IPPROTO_TCP;
	v->src = out ? c->in_addr : c->out_addr;
	v->dst = out ? c->out_addr : c->in_addr;
	v->sport = out ? c->in_port : c->out_port;
	v->dport = out ? c->out_port : c->in_port;
	v->payload = (const uint8_t *)in;
	v->payload_len = len;
}

static long tcp_msg(void *ctx, struct stream_conn *c, enum stream_dir_id d,
		    const char *in, uint32_t len, char *out, uint32_t cap)
{
	struct alg *a = ctx;
	struct pkt_view v;
	uint32_t n = 0;
	int verdict;

	a->st.packets++;
	conn_public(a, c);
	conn_view(c, d, in, len, &v);
	verdict = alg_message(a, &v, d == STREAM_OUT ? RW_OUT : RW_IN,
			      &c->sig, &n);
	/* The removals and flow deletes that follow a verdict: this
	 * message's bytes are decided, its segments leave shortly. */
	alg_after_verdict(a);
	if (verdict != V_MANGLED)
		return -1;	/* a drop (fail_closed) cannot cut a stream */
	if (n > cap) {
		alg_count(a, "rewritten TCP message too large", NULL);
		return -1;
	}
	memcpy(out, a->out_payload, n);
	return (long)n;
}

static void tcp_emit(void *ctx, uint32_t id, const uint8_t *pkt, uint32_t len,
		     enum stream_verdict v)
{
	struct alg *a = ctx;

	if (v == STREAM_DROP)	/* the stream counted why just before */
		alg_dropped(a, a->tcp_why ? a->tcp_why : "TCP segment");
	if (a->emit) {
		a->emit(a->emit_ctx, id, pkt, len, v);
		return;
	}
	if (a->q)
		queue_verdict(a->q, id, v == STREAM_MANGLED ? pkt : NULL,
			      v == STREAM_MANGLED ? len : 0, v == STREAM_DROP);
}

static void tcp_count(void *ctx, const char *what)
{
	struct alg *a = ctx;

	a->tcp_why = what;
	alg_count(a, what, NULL);
}

static void tcp_bypass(void *ctx, int family, const union addr *in,
		       uint16_t in_port, const union addr *out,
		       uint16_t out_port)
{
	struct alg *a = ctx;

	if (a->conn_bypass)
		a->conn_bypass(a->conn_ctx, family, in, in_port, out,
			       out_port);
}

static struct streams *streams_get(struct alg *a)
{
	struct stream_limits lim = {
		.max_conns = a->conf->tcp_max_connections,
		.max_msg = TCP_MAX_MSG, .hist_max = TCP_HIST_MAX,
		.hold_max = TCP_HOLD_MAX, .idle = a->conf->tcp_idle_timeout,
		.seed = (uint32_t)(uintptr_t)a ^ (uint32_t)a->now() * 2654435761u,
	};
	struct stream_ops ops = { tcp_msg, tcp_emit, tcp_count, a,
				  tcp_bypass };

	if (!a->streams)
		a->streams = stream_new(&lim, &ops);
	else if (a->streams_conf != a->conf)	/* reloaded */
		stream_set_limits(a->streams, &lim);
	a->streams_conf = a->conf;
	return a->streams;
}

void alg_tcp_packet(struct alg *a, uint32_t id, const uint8_t *data,
		    uint32_t len, enum rw_dir dir)
{
	struct streams *s = streams_get(a);

	if (!s) {
		alg_count(a, "out of memory for TCP", NULL);
		tcp_emit(a, id, data, len, STREAM_ACCEPT);
		return;
	}
	stream_packet(s, id, data, len,
		      dir == RW_OUT ? STREAM_OUT : STREAM_IN, a->now());
}

void alg_tcp_log_stats(struct alg *a)
{
	struct stream_stats st;

	if (!a->streams)
		return;
	stream_stats(a->streams, &st);
	log_notice("stats: tcp connections %u (opened %llu, gave up %llu, "
		  "expired %llu) messages %llu rewritten %llu segments held "
		  "%llu retransmitted %llu", st.conns,
		  (unsigned long long)st.opened,
		  (unsigned long long)st.gave_up,
		  (unsigned long long)st.expired,
		  (unsigned long long)st.messages,
		  (unsigned long long)st.rewritten,
		  (unsigned long long)st.held,
		  (unsigned long long)st.retrans);
}

void alg_tcp_free(struct alg *a)
{
	stream_free(a->streams);
	a->streams = NULL;
}
