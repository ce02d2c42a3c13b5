/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * blast - load generators for the sipalg benchmarks, run from the root
 * namespace but with every socket inside the lab's namespaces (setns
 * before socket(), so no traffic touches the host).
 *
 *   blast sip -p PHONE_NS -o OUT_NS -r CALLS_PER_S -t SECS [-n MAX_CALLS]
 *             [-B] [-s SALT] [-i FIRST_CALL] [-a PHONE,PHONE...]
 *	A phone (10.0.0.10:5060, or up to 16 phones -a, call n on phone
 *	n % count, each with its own media ports) and a peer/registrar
 *	(203.0.113.10:5060) in one process.  The phone starts calls at the given rate: INVITE
 *	with SDP and a REGISTER; the peer answers each request with a 200
 *	(SDP for the INVITE) built from the request as it arrived; the phone
 *	answers the 200 with ACK and BYE (-B: no BYE, the calls stay up).
 *	Seven distinct messages per call, sent with sendmmsg.  Calls are
 *	numbered from FIRST_CALL (0); the number picks the phone's media port
 *	(10000 + 2 * ((n / phones) % 25000)), so consecutive runs should
 *	continue the numbering.  Prints JSON:
 *	messages sent and received per type, loss, and the one-way latency
 *	(X-Ts header, CLOCK_MONOTONIC, shared by all namespaces).
 *
 *   blast rtp -p PHONE_NS -o OUT_NS -f FLOWS -b BASE_PORT -t SECS
 *             [-d DST_IP:PORT] [-r PPS] [-k BURST] [-E]
 *	FLOWS sockets 10.0.0.10:BASE+2k send 172-byte RTP-like datagrams to
 *	DST (default 203.0.113.20:20000) as fast as they can (or PPS), round
 *	robin, BURST (16) datagrams per flow and sendmmsg call; -E: flow k
 *	sends to DST's port + 2k (one relay socket per flow).  A sink bound
 *	to 203.0.113.20:20000 in OUT_NS counts them: it waits in poll, or
 *	with -N NAP_US drains its socket and sleeps NAP_US when it is empty
 *	(no wakeup per arriving batch).  Prints JSON with sent,
 *	received and received packets per second, and the clock ticks of the
 *	CPU it runs on (busy, idle, stolen by the hypervisor; /proc/stat)
 *	from the first send to 300 ms after the last.
 *
 *   blast bind -p PHONE_NS -o OUT_NS -n PROBES [-i FIRST_CALL] [-D DELAY_US]
 *	Media right after signalling: per probe the phone sends an INVITE;
 *	DELAY_US (0) after the peer received it - after the gateway's verdict
 *	- the peer sends one RTP packet to the address and port the INVITE's
 *	SDP names; counts whether the phone's media socket got it (200 ms).
 *	Calls are left unanswered (they expire in the gateway).
 *
 * All loops are bounded by SECS (plus at most 3 s of draining), bind by
 * PROBES (at most 4096) times 1.2 s.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "msgs.h"

#define BATCH 64
#define MSGMAX 2048
#define LAT_MAX (1u << 22)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static void ns_enter(const char *ns)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		die(path);
	close(fd);
}

static void addr_set(struct sockaddr_in *sa, const char *ip, unsigned port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &sa->sin_addr) != 1) {
		fprintf(stderr, "blast: bad address %s\n", ip);
		exit(2);
	}
}

/* A UDP socket in namespace ns bound to ip:port, with large buffers so
 * that the generator's own sockets are not where packets get lost. */
static int ns_socket(const char *ns, const char *ip, unsigned port)
{
	struct sockaddr_in sa;
	int fd, big = 16 << 20;

	ns_enter(ns);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	addr_set(&sa, ip, port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind");
	return fd;
}

/* ---- SIP ---------------------------------------------------------------- */

struct batch {
	int fd;
	unsigned n;
	struct mmsghdr h[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in to[BATCH];
	char buf[BATCH][MSGMAX];
};

#define MAX_PHONES 16

struct sip_run {
	struct msgs_party party;	/* the peer's view (its address) */
	struct msgs_party ph_party[MAX_PHONES];
	struct batch ph[MAX_PHONES], peer;
	unsigned n_ph;
	struct sockaddr_in peer_addr;
	uint64_t sent[MSG_KINDS], recv[MSG_KINDS];
	uint64_t send_errors, started, completed, replies, dialogs;
	unsigned first;		/* number of the first call (-i) */
	uint32_t *lat;		/* ns, one per received message */
	uint8_t *lat_kind;	/* its enum msgs_kind */
	uint32_t n_lat;
	int no_bye;
};

static void batch_flush(struct sip_run *s, struct batch *b)
{
	unsigned done = 0;

	while (done < b->n) {
		int k = sendmmsg(b->fd, b->h + done, b->n - done, 0);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			s->send_errors += b->n - done;
			break;
		}
		done += (unsigned)k;
	}
	b->n = 0;
}

/* The next free slot of b (flushing a full batch first). */
static char *batch_slot(struct sip_run *s, struct batch *b)
{
	if (b->n == BATCH)
		batch_flush(s, b);
	return b->buf[b->n];
}

static void batch_commit(struct sip_run *s, struct batch *b, int len,
			 const struct sockaddr_in *to)
{
	unsigned i = b->n;

	if (len < 0) {
		s->send_errors++;
		return;
	}
	s->sent[msgs_kind(b->buf[i], (size_t)len)]++;
	b->to[i] = *to;
	b->iov[i].iov_base = b->buf[i];
	b->iov[i].iov_len = (size_t)len;
	memset(&b->h[i], 0, sizeof(b->h[i]));
	b->h[i].msg_hdr.msg_iov = &b->iov[i];
	b->h[i].msg_hdr.msg_iovlen = 1;
	b->h[i].msg_hdr.msg_name = &b->to[i];
	b->h[i].msg_hdr.msg_namelen = sizeof(b->to[i]);
	b->n++;
}

static void call_start(struct sip_run *s)
{
	unsigned i = s->first + (unsigned)s->started++;
	struct batch *b = &s->ph[i % s->n_ph];
	const struct msgs_party *pt = &s->ph_party[i % s->n_ph];
	char *p = batch_slot(s, b);

	batch_commit(s, b, msgs_invite(p, MSGMAX, pt, i, now_ns()),
		     &s->peer_addr);
	p = batch_slot(s, b);
	batch_commit(s, b, msgs_register(p, MSGMAX, pt, i, now_ns()),
		     &s->peer_addr);
}

/* The peer: answer requests. */
static void peer_rx(struct sip_run *s, const char *m, size_t n,
		    enum msgs_kind k, const struct sockaddr_in *from)
{
	char *p;

	if (k != MSG_INVITE && k != MSG_BYE && k != MSG_REGISTER)
		return;
	p = batch_slot(s, &s->peer);
	batch_commit(s, &s->peer, msgs_reply(p, MSGMAX, &s->party, m, n,
					     (unsigned)s->replies++, now_ns()),
		     from);
}

/* Phone ph: ACK (and BYE) the 200 to its INVITE; count finished calls. */
static void phone_rx(struct sip_run *s, unsigned ph, const char *m,
		     size_t n, enum msgs_kind k)
{
	const struct msgs_party *pt = &s->ph_party[ph];
	struct batch *b = &s->ph[ph];
	unsigned d;
	char *p;

	if (k == MSG_200_BYE)
		s->completed++;
	if (k != MSG_200_INVITE)
		return;
	d = (unsigned)s->dialogs++;
	p = batch_slot(s, b);
	batch_commit(s, b, msgs_in_dialog(p, MSGMAX, pt, m, n, 2 * d,
					  now_ns()),
		     &s->peer_addr);
	if (s->no_bye) {
		s->completed++;
		return;
	}
	p = batch_slot(s, b);
	batch_commit(s, b, msgs_in_dialog(p, MSGMAX, pt, m, n, 2 * d + 1,
					  now_ns()),
		     &s->peer_addr);
}

/* Read what waits on fd (phone ph, or the peer when ph < 0); returns the
 * number of messages. */
static int sip_rx(struct sip_run *s, int fd, int ph)
{
	static char buf[BATCH][MSGMAX];
	struct mmsghdr h[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in from[BATCH];
	uint64_t t;
	int k, i;

	memset(h, 0, sizeof(h));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = MSGMAX;
		h[i].msg_hdr.msg_iov = &iov[i];
		h[i].msg_hdr.msg_iovlen = 1;
		h[i].msg_hdr.msg_name = &from[i];
		h[i].msg_hdr.msg_namelen = sizeof(from[i]);
	}
	k = recvmmsg(fd, h, BATCH, MSG_DONTWAIT, NULL);
	if (k <= 0)
		return 0;
	t = now_ns();
	for (i = 0; i < k; i++) {
		size_t n = h[i].msg_len;
		enum msgs_kind kind = msgs_kind(buf[i], n);
		uint64_t ts = msgs_ts(buf[i], n);

		s->recv[kind]++;
		if (ts && ts <= t && s->n_lat < LAT_MAX) {
			s->lat_kind[s->n_lat] = (uint8_t)kind;
			s->lat[s->n_lat++] = (uint32_t)(t - ts > UINT32_MAX ?
							UINT32_MAX : t - ts);
		}
		if (ph < 0)
			peer_rx(s, buf[i], n, kind, &from[i]);
		else
			phone_rx(s, (unsigned)ph, buf[i], n, kind);
	}
	return k;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double pct_us(const uint32_t *v, uint32_t n, double p)
{
	if (!n)
		return -1;
	return v[(uint32_t)((n - 1) * p)] / 1000.0;
}

/* ", "lat_KIND": [p50, p99]" per message type, in microseconds. */
static void lat_by_kind(const struct sip_run *s)
{
	static uint32_t v[LAT_MAX];
	uint32_t i, n;
	int k;

	for (k = 0; k < MSG_KINDS; k++) {
		for (i = n = 0; i < s->n_lat; i++)
			if (s->lat_kind[i] == k)
				v[n++] = s->lat[i];
		if (!n)
			continue;
		qsort(v, n, sizeof(*v), cmp_u32);
		printf(", \"lat_%s\": [%.1f, %.1f]", msgs_kind_name[k],
		       pct_us(v, n, 0.5), pct_us(v, n, 0.99));
	}
}

static void sip_report(struct sip_run *s, double rate, double secs,
		       uint64_t took)
{
	uint64_t ts = 0, tr = 0;
	int k;

	printf("{\"rate_calls\": %.1f, \"secs\": %.2f, \"calls\": %" PRIu64
	       ", \"completed\": %" PRIu64 ", \"send_errors\": %" PRIu64,
	       rate, secs, s->started, s->completed, s->send_errors);
	lat_by_kind(s);
	qsort(s->lat, s->n_lat, sizeof(*s->lat), cmp_u32);
	for (k = 0; k < MSG_KINDS; k++) {
		printf(", \"sent_%s\": %" PRIu64 ", \"recv_%s\": %" PRIu64,
		       msgs_kind_name[k], s->sent[k], msgs_kind_name[k],
		       s->recv[k]);
		ts += s->sent[k];
		tr += s->recv[k];
	}
	printf(", \"sent\": %" PRIu64 ", \"recv\": %" PRIu64
	       ", \"lost\": %" PRId64 ", \"msgs_per_s\": %.1f"
	       ", \"lat_p50_us\": %.1f, \"lat_p99_us\": %.1f"
	       ", \"lat_max_us\": %.1f, \"wall_s\": %.2f}\n",
	       ts, tr, (int64_t)(ts - tr), tr / secs,
	       pct_us(s->lat, s->n_lat, 0.5), pct_us(s->lat, s->n_lat, 0.99),
	       pct_us(s->lat, s->n_lat, 1.0), took / 1e9);
}

static int sip_main(const char *ns_p, const char *ns_o, double rate,
		    double secs, uint64_t max_calls, int no_bye, unsigned salt,
		    unsigned first, char *phones)
{
	static struct sip_run s;
	uint64_t t0, t, dur = (uint64_t)(secs * 1e9), last_rx;
	struct pollfd pf[MAX_PHONES + 1];
	char *tok, *rest = phones;
	unsigned k;

	s.party = (struct msgs_party){ "10.0.0.10", 5060, "203.0.113.10",
				       salt, 1 };
	while ((tok = strsep(&rest, ",")) && s.n_ph < MAX_PHONES)
		if (*tok)
			s.ph_party[s.n_ph++] = (struct msgs_party){
				tok, 5060, "203.0.113.10", salt, 0 };
	if (!s.n_ph)
		die("no phone address");
	for (k = 0; k < s.n_ph; k++)
		s.ph_party[k].stride = s.n_ph;
	s.no_bye = no_bye;
	s.first = first;
	s.lat = calloc(LAT_MAX, sizeof(*s.lat));
	s.lat_kind = calloc(LAT_MAX, sizeof(*s.lat_kind));
	if (!s.lat || !s.lat_kind)
		die("calloc");
	addr_set(&s.peer_addr, "203.0.113.10", 5060);
	s.peer.fd = ns_socket(ns_o, "203.0.113.10", 5060);
	for (k = 0; k < s.n_ph; k++) {
		s.ph[k].fd = ns_socket(ns_p, s.ph_party[k].phone, 5060);
		pf[k] = (struct pollfd){ .fd = s.ph[k].fd, .events = POLLIN };
	}
	pf[s.n_ph] = (struct pollfd){ .fd = s.peer.fd, .events = POLLIN };
	t0 = last_rx = now_ns();
	for (;;) {
		uint64_t el, due;

		t = now_ns();
		el = t - t0;
		due = el < dur ? (uint64_t)(rate * (double)el / 1e9) : 0;
		if (due > max_calls)
			due = max_calls;
		while (s.started < due &&
		       s.ph[(s.first + s.started) % s.n_ph].n + 2 <= BATCH)
			call_start(&s);
		for (k = 0; k < s.n_ph; k++)
			batch_flush(&s, &s.ph[k]);
		batch_flush(&s, &s.peer);
		if (el >= dur && (s.completed >= s.started ||
				  t - last_rx > 1000000000u ||
				  el > dur + 3000000000u))
			break;
		if (poll(pf, s.n_ph + 1, 1) > 0) {
			int got = 0;

			for (k = 0; k < s.n_ph; k++)
				if (pf[k].revents & POLLIN)
					got += sip_rx(&s, s.ph[k].fd, (int)k);
			if (pf[s.n_ph].revents & POLLIN)
				got += sip_rx(&s, s.peer.fd, -1);
			if (got)
				last_rx = now_ns();
		}
	}
	sip_report(&s, rate, secs, now_ns() - t0);
	return 0;
}

/* ---- media right after signalling ----------------------------------------- */

/* Wait up to ms for fd to become readable; 1 when it did. */
static int wait_readable(int fd, int ms)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };

	return poll(&pf, 1, ms) > 0;
}

/* The media port of the first m= line of the SDP in m[0..n), or 0. */
static unsigned sdp_port(const char *m, size_t n)
{
	const char *p = memmem(m, n, "\nm=audio ", 9);

	return p && p + 9 < m + n ? (unsigned)atoi(p + 9) : 0;
}

/*
 * One probe: the phone opens its media socket and sends an INVITE; as soon
 * as the peer has it (the gateway's verdict came before), the peer waits
 * delay_us and sends one RTP packet to the media address the INVITE names.
 * Returns 1 when the phone's media socket received it within 200 ms, 0
 * when not, -1 when the INVITE never arrived.  *sig_ns: INVITE latency.
 */
static int bind_probe(const char *ns_p, int phone, int peer, int media_out,
		      const struct msgs_party *pt, unsigned i,
		      unsigned delay_us, uint64_t *sig_ns)
{
	static char buf[MSGMAX];
	struct sockaddr_in to;
	char ip[64] = "";
	const char *c;
	unsigned port = 10000 + 2 * (i % 25000), q;
	int media, n, got;
	uint64_t t;

	media = ns_socket(ns_p, pt->phone, port);
	addr_set(&to, pt->peer, 5060);
	n = msgs_invite(buf, sizeof(buf), pt, i, now_ns());
	if (n < 0 || sendto(phone, buf, (size_t)n, 0, (struct sockaddr *)&to,
			    sizeof(to)) < 0)
		die("sendto");
	if (!wait_readable(peer, 1000)) {
		close(media);
		return -1;
	}
	n = (int)recv(peer, buf, sizeof(buf) - 1, 0);
	t = now_ns();
	if (n <= 0) {
		close(media);
		return -1;
	}
	buf[n] = '\0';
	*sig_ns = t - msgs_ts(buf, (size_t)n);
	q = sdp_port(buf, (size_t)n);
	c = strstr(buf, "\nc=IN IP4 ");
	if (c)
		sscanf(c + strlen("\nc=IN IP4 "), "%63[0-9.]", ip);
	if (!q || !ip[0]) {
		close(media);
		return -1;
	}
	while (now_ns() - t < delay_us * 1000ull)
		;
	addr_set(&to, ip, q);
	sendto(media_out, buf, 172, 0, (struct sockaddr *)&to, sizeof(to));
	got = wait_readable(media, 200);
	close(media);
	return got;
}

static int bind_main(const char *ns_p, const char *ns_o, unsigned n,
		     unsigned first, unsigned delay_us, unsigned salt)
{
	struct msgs_party pt = { "10.0.0.10", 5060, "203.0.113.10", salt, 1 };
	static uint32_t sig[4096];
	unsigned i, ok = 0, lost = 0, noinv = 0, k = 0;
	int peer, media_out, phone;
	uint64_t ns;

	if (n > 4096)
		n = 4096;
	peer = ns_socket(ns_o, "203.0.113.10", 5060);
	media_out = ns_socket(ns_o, "203.0.113.10", 20000);
	phone = ns_socket(ns_p, "10.0.0.10", 5060);
	for (i = 0; i < n; i++) {
		int r = bind_probe(ns_p, phone, peer, media_out, &pt, first + i,
				   delay_us, &ns);

		if (r < 0) {
			noinv++;
			continue;
		}
		sig[k++] = (uint32_t)(ns > UINT32_MAX ? UINT32_MAX : ns);
		if (r)
			ok++;
		else
			lost++;
		usleep(2000);
	}
	qsort(sig, k, sizeof(*sig), cmp_u32);
	printf("{\"probes\": %u, \"delay_us\": %u, \"media_ok\": %u"
	       ", \"media_lost\": %u, \"invite_lost\": %u"
	       ", \"invite_p50_us\": %.1f, \"invite_p99_us\": %.1f}\n", n,
	       delay_us, ok, lost, noinv, pct_us(sig, k, 0.5),
	       pct_us(sig, k, 0.99));
	return 0;
}

/* ---- RTP ---------------------------------------------------------------- */

struct rtp_sink {
	int fd;
	unsigned nap_us;	/* 0: wait in poll; else drain, then sleep */
	volatile int stop;
	uint64_t recv;
};

static void *sink_main(void *arg)
{
	static char buf[BATCH][256];
	struct rtp_sink *k = arg;
	struct mmsghdr h[BATCH];
	struct iovec iov[BATCH];
	struct pollfd pf = { .fd = k->fd, .events = POLLIN };
	int i;

	memset(h, 0, sizeof(h));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof(buf[i]);
		h[i].msg_hdr.msg_iov = &iov[i];
		h[i].msg_hdr.msg_iovlen = 1;
	}
	while (!k->stop) {
		int n;

		if (!k->nap_us && poll(&pf, 1, 50) <= 0)
			continue;
		n = recvmmsg(k->fd, h, BATCH, MSG_DONTWAIT, NULL);
		if (n > 0)
			k->recv += (uint64_t)n;
		else if (k->nap_us)
			usleep(k->nap_us);
	}
	return NULL;
}

/* Clock ticks (USER_HZ) of CPU cpu from /proc/stat: t[0] busy (user, nice,
 * system, irq, softirq), t[1] idle (with iowait), t[2] steal (taken by the
 * hypervisor).  All zero when unreadable. */
static void cpu_ticks(int cpu, unsigned long long t[3])
{
	unsigned long long v[8];
	char line[512], name[16];
	FILE *f = fopen("/proc/stat", "r");

	t[0] = t[1] = t[2] = 0;
	if (!f)
		return;
	snprintf(name, sizeof(name), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, strlen(name)))
			continue;
		if (sscanf(line + strlen(name), "%llu %llu %llu %llu %llu %llu "
			   "%llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
			   &v[5], &v[6], &v[7]) == 8) {
			t[0] = v[0] + v[1] + v[2] + v[5] + v[6];
			t[1] = v[3] + v[4];
			t[2] = v[7];
		}
		break;
	}
	fclose(f);
}

static int rtp_main(const char *ns_p, const char *ns_o, unsigned flows,
		    unsigned base, double secs, const char *dst, double pps,
		    unsigned burst, int port_per_flow, unsigned nap_us)
{
	static char pkt[172];
	static int fds[1024];
	static struct sockaddr_in to[1024];
	struct rtp_sink sink = { 0 };
	struct mmsghdr h[BATCH];
	struct iovec iov = { pkt, sizeof(pkt) };
	char dip[64];
	unsigned dport = 20000, f, i;
	uint64_t t0, t, sent = 0, dur = (uint64_t)(secs * 1e9);
	unsigned long long c0[3], c1[3];
	int cpu = sched_getcpu();
	pthread_t th;

	if (sscanf(dst, "%63[^:]:%u", dip, &dport) < 1 || flows == 0 ||
	    flows > 1024 || burst == 0 || burst > BATCH ||
	    (port_per_flow && dport + 2 * (flows - 1) > 65535))
		die("rtp arguments");
	for (f = 0; f < flows; f++)
		addr_set(&to[f], dip, port_per_flow ? dport + 2 * f : dport);
	pkt[0] = (char)0x80;	/* RTP version 2, PCMU */
	memset(h, 0, sizeof(h));
	for (i = 0; i < BATCH; i++) {
		h[i].msg_hdr.msg_iov = &iov;
		h[i].msg_hdr.msg_iovlen = 1;
		h[i].msg_hdr.msg_namelen = sizeof(to[0]);
	}
	sink.fd = ns_socket(ns_o, "203.0.113.20", 20000);
	sink.nap_us = nap_us;
	for (f = 0; f < flows; f++)
		fds[f] = ns_socket(ns_p, "10.0.0.10", base + 2 * f);
	if (pthread_create(&th, NULL, sink_main, &sink))
		die("pthread_create");
	cpu_ticks(cpu, c0);
	t0 = now_ns();
	for (f = 0; (t = now_ns()) - t0 < dur;) {
		int n;

		if (pps > 0 && sent >= pps * (double)(t - t0) / 1e9) {
			usleep(100);
			continue;	/* the same flow sends next */
		}
		for (i = 0; i < burst; i++)
			h[i].msg_hdr.msg_name = &to[f];
		n = sendmmsg(fds[f], h, burst, 0);
		if (n > 0)
			sent += (uint64_t)n;
		f = (f + 1) % flows;
	}
	usleep(300000);		/* let the last packets arrive */
	cpu_ticks(cpu, c1);
	sink.stop = 1;
	pthread_join(th, NULL);
	printf("{\"flows\": %u, \"burst\": %u, \"secs\": %.2f, \"sent\": %"
	       PRIu64 ", \"recv\": %" PRIu64 ", \"sent_pps\": %.0f"
	       ", \"recv_pps\": %.0f, \"cpu\": %d, \"cpu_busy_ticks\": %llu"
	       ", \"cpu_idle_ticks\": %llu, \"cpu_steal_ticks\": %llu"
	       ", \"clk_tck\": %ld}\n", flows, burst, secs, sent, sink.recv,
	       sent / secs, sink.recv / secs, cpu, c1[0] - c0[0],
	       c1[1] - c0[1], c1[2] - c0[2], sysconf(_SC_CLK_TCK));
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: blast sip -p NS -o NS -r RATE -t SECS "
			"[-n CALLS] [-B] [-s SALT] [-i FIRST] [-a IP,IP..]\n"
			"       blast rtp -p NS -o NS -f FLOWS -b PORT -t SECS "
			"[-d IP:PORT] [-r PPS] [-k BURST] [-E] [-N NAP_US]\n"
			"       blast bind -p NS -o NS -n PROBES [-i FIRST] "
			"[-D DELAY_US]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *ns_p = NULL, *ns_o = NULL, *dst = "203.0.113.20:20000";
	char *phones = strdup("10.0.0.10");
	double rate = -1, secs = 1;	/* -1: 100 calls/s, or unpaced RTP */
	uint64_t max_calls = UINT64_MAX;
	unsigned flows = 1, base = 10000, salt = (unsigned)getpid(), first = 0;
	unsigned delay_us = 0, burst = 16, nap_us = 0;
	int ch, no_bye = 0, port_per_flow = 0;

	if (argc < 2)
		usage();
	optind = 2;
	while ((ch = getopt(argc, argv, "p:o:r:t:n:Bs:i:f:b:d:D:k:Ea:N:")) != -1) {
		switch (ch) {
		case 'p': ns_p = optarg; break;
		case 'o': ns_o = optarg; break;
		case 'r': rate = atof(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'n': max_calls = strtoull(optarg, NULL, 10); break;
		case 'B': no_bye = 1; break;
		case 's': salt = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'i': first = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'f': flows = (unsigned)atoi(optarg); break;
		case 'b': base = (unsigned)atoi(optarg); break;
		case 'd': dst = optarg; break;
		case 'D': delay_us = (unsigned)atoi(optarg); break;
		case 'k': burst = (unsigned)atoi(optarg); break;
		case 'E': port_per_flow = 1; break;
		case 'N': nap_us = (unsigned)atoi(optarg); break;
		case 'a': phones = optarg; break;
		default: usage();
		}
	}
	if (!ns_p || !ns_o || secs <= 0 || secs > 120)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "sip"))
		return sip_main(ns_p, ns_o, rate < 0 ? 100 : rate, secs,
				max_calls, no_bye, salt, first, phones);
	if (!strcmp(argv[1], "bind"))
		return bind_main(ns_p, ns_o, max_calls == UINT64_MAX ? 100 :
				 (unsigned)max_calls, first, delay_us, salt);
	if (!strcmp(argv[1], "rtp"))
		return rtp_main(ns_p, ns_o, flows, base, secs, dst, rate,
				burst, port_per_flow, nap_us);
	usage();
	return 2;
}
