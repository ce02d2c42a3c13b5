/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness for SIP over TCP (src/stream.c with frame.c, seqmap.c,
 * tcpseg.c): the input is a script of segments both ways on one
 * connection after its handshake - in order, retransmitted, beyond a gap,
 * with FIN, RST, SACK blocks, and clock ticks - whose payloads are input
 * bytes; the rewrite callback lengthens or shortens messages the way an
 * address rewrite does.  Checked: every packet handed in gets exactly one
 * verdict; every emitted packet parses, has valid checksums and fits; and
 * the bytes released in each direction never contradict each other (a
 * retransmission carries the same bytes at the same sequence numbers).
 */
#include <arpa/inet.h>
#include <string.h>

#include "fuzz.h"
#include "stream.h"
#include "tcpseg.h"
#include "tcppkt.h"

#define MAX_IDS 4096
#define TRACK 65536		/* bytes of each direction checked */

/* Set once the module forgot the connection (closed and lingered out):
 * later segments pass as they are, by design, so byte consistency is no
 * longer its to keep. */
static bool forgotten;

static uint8_t verdicts[MAX_IDS];
/* What each sender has sent: its stream from its first byte.  A
 * retransmission carries the same bytes (as any TCP does), so any
 * contradiction in what the gateway sends is the gateway's. */
static uint8_t sent_by[2][TRACK];
static uint32_t sent_len[2];
static uint8_t seen[2][TRACK], seen_set[2][TRACK];
static uint32_t isn_new[2];
static uint8_t pkt[70000];

static void f_emit(void *ctx, uint32_t id, const uint8_t *p, uint32_t len,
		   enum stream_verdict v)
{
	struct tcpseg g;
	int d;
	uint32_t i;

	FUZZ_ASSERT(id < MAX_IDS && verdicts[id] == 1, "verdict for id %u "
		    "(state %u)", id, id < MAX_IDS ? verdicts[id] : 99);
	verdicts[id] = 2;
	if (v == STREAM_DROP)
		return;
	FUZZ_ASSERT(!tcpseg_parse(p, len, &g), "emitted packet unparsable");
	FUZZ_ASSERT(len <= 65535, "len %u", len);
	FUZZ_ASSERT(tcppkt_sums_ok(p, len), "checksums");
	d = g.sport == 5060;	/* 0: phone -> server */
	if (getenv("FUZZ_TRACE"))
		fprintf(stderr, "  emit id %u dir %d seq +%u len %u%s\n", id, d,
			g.seq - isn_new[d], g.plen,
			v == STREAM_ACCEPT ? " as is" : "");
	for (i = 0; i < g.plen && !forgotten; i++) {
		uint32_t at = g.seq + i - isn_new[d];

		if (at >= TRACK)
			continue;
		if (seen_set[d][at])
			FUZZ_ASSERT(seen[d][at] == g.payload[i],
				    "dir %d byte %u sent as %02x, now %02x", d,
				    at, seen[d][at], g.payload[i]);
		seen[d][at] = g.payload[i];
		seen_set[d][at] = 1;
	}
}

/* The rewrite: "10." becomes "203.0.113." (longer), "XX" disappears
 * (shorter); -1 when nothing changed. */
static long f_msg(void *ctx, struct stream_conn *c, enum stream_dir_id dir,
		  const char *in, uint32_t len, char *out, uint32_t cap)
{
	uint32_t i = 0, o = 0;
	bool any = false;

	if (getenv("FUZZ_TRACE"))
		fprintf(stderr, "  msg dir %d len %u\n", dir, len);
	while (i < len) {
		if (o + 16 > cap)
			return -1;
		if (len - i >= 3 && !memcmp(in + i, "10.", 3)) {
			memcpy(out + o, "203.0.113.", 10);
			o += 10;
			i += 3;
			any = true;
		} else if (len - i >= 2 && !memcmp(in + i, "XX", 2)) {
			i += 2;
			any = true;
		} else {
			out[o++] = in[i++];
		}
	}
	return any ? (long)o : -1;
}

static void f_count(void *ctx, const char *what)
{
	if (!strcmp(what, "TCP stream not seen from its start"))
		forgotten = true;
	if (getenv("FUZZ_TRACE"))
		fprintf(stderr, "  count: %s\n", what);
}

struct script {
	const uint8_t *p;
	size_t n;
};

static uint8_t take(struct script *s)
{
	uint8_t v;

	if (!s->n)
		return 0;
	v = *s->p++;
	s->n--;
	return v;
}

static uint32_t mk(bool out, uint32_t seq, uint32_t ack, uint8_t fl,
		   const uint8_t *pl, uint32_t n, const uint32_t *sack,
		   unsigned n_sack)
{
	uint32_t phone = htonl(0x0a00000a), server = htonl(0xcb00710a);

	return tcppkt_make(pkt, out ? phone : server, out ? server : phone,
			   out ? 41000 : 5060, out ? 5060 : 41000, seq, ack,
			   fl, pl, n, sack, n_sack);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stream_limits lim = { .max_conns = 4, .max_msg = 4096,
				     .hist_max = 8192, .hold_max = 2,
				     .idle = 1000, .seed = 1 };
	struct stream_ops ops = { f_msg, f_emit, f_count, NULL, NULL };
	struct script s = { data, size };
	uint32_t next[2] = { 1001, 7001 }, id = 0, i;
	uint64_t now = 1;
	struct streams *st;

	if (size > 16384)
		return -1;
	memset(verdicts, 0, sizeof(verdicts));
	memset(seen_set, 0, sizeof(seen_set));
	sent_len[0] = sent_len[1] = 0;
	forgotten = false;
	isn_new[0] = 1001;
	isn_new[1] = 7001;
	st = stream_new(&lim, &ops);
	if (!st)
		return 0;
	verdicts[id] = 1;
	stream_packet(st, id++, pkt, mk(true, 1000, 0, TCPSEG_SYN, NULL, 0,
					 NULL, 0), STREAM_OUT, now);
	verdicts[id] = 1;
	stream_packet(st, id++, pkt, mk(false, 7000, 1001,
					 TCPSEG_SYN | TCPSEG_ACK, NULL, 0,
					 NULL, 0), STREAM_IN, now);
	while (s.n && id < MAX_IDS) {
		uint8_t op = take(&s), d = op & 1, kind = (op >> 1) & 7;
		uint32_t n = take(&s) * 4u % 1400, seq = next[d];
		uint32_t ack = next[!d] + take(&s) % 64, sack[2];
		uint8_t fl = TCPSEG_ACK;
		const uint8_t *pl;
		uint32_t off;

		if (kind == 7) {
			now += 1 + op % 3;
			stream_tick(st, now);
			continue;
		}
		if (kind == 1)		/* a retransmission */
			seq -= (op >> 4) * 37u % (seq - (d ? 7000 : 1000));
		else if (kind == 2)	/* beyond a gap */
			seq += 1 + op % 50;
		off = seq - isn_new[d];
		if (off + n > TRACK)
			break;
		while (sent_len[d] < off + n)	/* new bytes from the input */
			sent_by[d][sent_len[d]++] = take(&s);
		pl = sent_by[d] + off;
		if (kind == 3)
			fl |= TCPSEG_FIN;
		else if (kind == 4 && (op & 0x80))
			fl = TCPSEG_RST | TCPSEG_ACK;
		sack[0] = ack + 10;
		sack[1] = ack + 10 + (op >> 3);
		verdicts[id] = 1;
		if (getenv("FUZZ_TRACE"))
			fprintf(stderr, "id %u dir %u kind %u seq +%u len %u "
				"ack +%u fl %x\n", id, d, kind, off, n,
				ack - isn_new[!d], fl);
		stream_packet(st, id++, pkt,
			      mk(!d, seq, ack, fl, pl, n, sack, kind == 5),
			      d ? STREAM_IN : STREAM_OUT, now);
		if (kind == 0 || kind == 3 || kind == 5 || kind == 6)
			next[d] = seq + n + (kind == 3);
	}
	stream_free(st);
	for (i = 0; i < id; i++)
		FUZZ_ASSERT(verdicts[i] == 2, "packet %u got no verdict", i);
	return 0;
}
