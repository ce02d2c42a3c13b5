/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cps - closed-loop SIP call generator: how many calls per second the
 * gateway carries, with the generator never the limit.
 *
 *   cps -p PHONE_NS -o OUT_NS -t SECS [-w WINDOW] [-P PAIRS] [-W WARM_S]
 *       [-s SALT] [-i FIRST_CALL]
 *
 * PAIRS (1) threads, each a phone and a peer with their own closed loop:
 * pair k's phone is 10.0.0.10:(5060 + 2k), its peer 203.0.113.10:5060 for
 * k = 0 and 203.0.113.(30 + k):5060 after (the caller adds those addresses
 * in OUT_NS).  Sockets are created inside their namespaces (setns before
 * socket()).  Each pair keeps up to WINDOW (64) / PAIRS calls in flight:
 * INVITE with SDP, the peer's 200 with SDP, ACK and BYE from the phone,
 * the peer's 200 to the BYE (5 messages, every Call-ID, tag and media port
 * unique).  A call that completes starts the next one, so the rate is
 * whatever the path sustains.  All sends go out with sendmmsg and all
 * reads with recvmmsg, up to 64 at a time.  A pair's phone and peer share
 * one thread: on a virtual machine a wakeup across CPUs costs more than
 * the message it announces (two threads per pair measured slower).
 *
 * The first WARM_S (0.5) seconds are not counted; then SECS are.  If a
 * pair sees no call complete for 300 ms its calls in flight are written
 * off (counted as "abandoned": a message was lost) and its window
 * refills.  Prints one JSON object: calls and messages, calls/s, abandoned
 * calls, and CPU time over the counted interval: the generator's own
 * (getrusage) and every CPU's busy time (/proc/stat), so the caller can
 * split the cost; "next_call" is the call number the next run should
 * start from.  Bounded by WARM_S + SECS (SECS <= 120).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "msgs.h"

#define BATCH 64
#define MSGMAX 2048
#define STALL_NS 300000000ull
#define MAX_PAIRS 8

struct out_batch {
	int fd;
	unsigned n;
	struct mmsghdr h[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in to[BATCH];
	char buf[BATCH][MSGMAX];
};

/* One closed loop: a phone, a peer and their calls.  Counters are written
 * by the pair's thread only; main reads them with relaxed atomics. */
struct pair {
	unsigned k, n_pairs, first, window;
	struct msgs_party phone, peer;
	char phone_ip[16], peer_ip[16];
	struct out_batch ph, pr;
	struct sockaddr_in peer_addr;
	uint64_t started, completed, abandoned, replies, dialogs;
	uint64_t sent, recv, send_errors;
	char rxbuf[BATCH][MSGMAX];
	const volatile int *stop;
};

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

static uint64_t get(const uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_RELAXED);
}

static void add(uint64_t *v, uint64_t n)
{
	__atomic_store_n(v, *v + n, __ATOMIC_RELAXED);
}

/* Called before the threads start: setns() changes the calling thread. */
static int ns_socket(const char *ns, const char *ip, unsigned port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	int fd, big = 16 << 20;
	char path[256];

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		die(path);
	close(fd);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
		die(ip);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind");
	return fd;
}

static void flush(struct pair *c, struct out_batch *b)
{
	unsigned done = 0;

	while (done < b->n) {
		int k = sendmmsg(b->fd, b->h + done, b->n - done, 0);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			add(&c->send_errors, b->n - done);
			break;
		}
		done += (unsigned)k;
	}
	add(&c->sent, done);
	b->n = 0;
}

/* The next free slot of b (sending a full batch first). */
static char *slot(struct pair *c, struct out_batch *b)
{
	if (b->n == BATCH)
		flush(c, b);
	return b->buf[b->n];
}

static void queue_msg(struct pair *c, struct out_batch *b, int len,
		      const struct sockaddr_in *to)
{
	unsigned i = b->n;

	if (len < 0) {
		add(&c->send_errors, 1);
		return;
	}
	b->to[i] = *to;
	b->iov[i] = (struct iovec){ b->buf[i], (size_t)len };
	memset(&b->h[i], 0, sizeof(b->h[i]));
	b->h[i].msg_hdr.msg_iov = &b->iov[i];
	b->h[i].msg_hdr.msg_iovlen = 1;
	b->h[i].msg_hdr.msg_name = &b->to[i];
	b->h[i].msg_hdr.msg_namelen = sizeof(b->to[i]);
	b->n++;
}

/* Calls are numbered first + k, first + k + PAIRS, ...: the number picks
 * the phone's media port, unique across pairs. */
static void call_start(struct pair *c)
{
	unsigned i = c->first + c->k + c->n_pairs * (unsigned)c->started;
	char *p = slot(c, &c->ph);

	add(&c->started, 1);
	queue_msg(c, &c->ph, msgs_invite(p, MSGMAX, &c->phone, i, 0),
		  &c->peer_addr);
}

static void on_message(struct pair *c, bool at_peer, const char *m,
		       size_t n, const struct sockaddr_in *from)
{
	enum msgs_kind k = msgs_kind(m, n);
	unsigned d;

	if (at_peer) {
		if (k == MSG_INVITE || k == MSG_BYE)
			queue_msg(c, &c->pr,
				  msgs_reply(slot(c, &c->pr), MSGMAX, &c->peer,
					     m, n, (unsigned)c->replies++, 0),
				  from);
		return;
	}
	if (k == MSG_200_BYE)
		add(&c->completed, 1);
	if (k != MSG_200_INVITE)
		return;
	d = (unsigned)c->dialogs++;
	queue_msg(c, &c->ph, msgs_in_dialog(slot(c, &c->ph), MSGMAX, &c->phone,
					    m, n, 2 * d, 0), &c->peer_addr);
	queue_msg(c, &c->ph, msgs_in_dialog(slot(c, &c->ph), MSGMAX, &c->phone,
					    m, n, 2 * d + 1, 0), &c->peer_addr);
}

/* Read what waits on fd; returns the number of messages. */
static int rx(struct pair *c, int fd, bool at_peer)
{
	struct mmsghdr h[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in from[BATCH];
	int k, i;

	memset(h, 0, sizeof(h));
	for (i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){ c->rxbuf[i], MSGMAX };
		h[i].msg_hdr.msg_iov = &iov[i];
		h[i].msg_hdr.msg_iovlen = 1;
		h[i].msg_hdr.msg_name = &from[i];
		h[i].msg_hdr.msg_namelen = sizeof(from[i]);
	}
	k = recvmmsg(fd, h, BATCH, MSG_DONTWAIT, NULL);
	if (k <= 0)
		return 0;
	for (i = 0; i < k; i++)
		on_message(c, at_peer, c->rxbuf[i], h[i].msg_len, &from[i]);
	add(&c->recv, (uint64_t)k);
	return k;
}

static void *pair_main(void *arg)
{
	struct pair *c = arg;
	struct pollfd pf[2] = { { c->ph.fd, POLLIN, 0 },
				{ c->pr.fd, POLLIN, 0 } };
	uint64_t last = now_ns();

	while (!*c->stop) {
		uint64_t t = now_ns(), before = c->completed;
		int got;

		while (c->started - c->completed - c->abandoned < c->window)
			call_start(c);
		flush(c, &c->ph);
		got = rx(c, c->pr.fd, true);
		flush(c, &c->pr);
		got += rx(c, c->ph.fd, false);
		if (c->completed != before)
			last = t;
		else if (t - last > STALL_NS) {
			add(&c->abandoned, c->started - c->completed -
					   c->abandoned);
			last = t;
		}
		if (!got && poll(pf, 2, 1) < 0 && errno != EINTR)
			die("poll");
	}
	return NULL;
}

/* Busy jiffies of all CPUs (user+nice+system+irq+softirq+steal), and
 * of those softirq alone in *softirq (packet forwarding, much of it). */
static uint64_t cpu_busy_ticks(uint64_t *softirq)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		v[0] = v[1] = v[2] = v[5] = v[6] = v[7] = 0;
	fclose(f);
	*softirq = v[6];
	return v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
}

/* CPU time of the whole process, every thread. */
static uint64_t self_cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

struct mark {
	uint64_t t, completed, sent, recv, self_us, busy, softirq;
};

static void mark_take(struct pair *p, unsigned n, struct mark *m)
{
	unsigned k;

	memset(m, 0, sizeof(*m));
	m->t = now_ns();
	for (k = 0; k < n; k++) {
		m->completed += get(&p[k].completed);
		m->sent += get(&p[k].sent);
		m->recv += get(&p[k].recv);
	}
	m->self_us = self_cpu_us();
	m->busy = cpu_busy_ticks(&m->softirq);
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u),
			       (long)(ns % 1000000000u) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void report(const struct pair *p, unsigned n, const struct mark *a,
		   const struct mark *b)
{
	uint64_t started = 0, abandoned = 0, errors = 0, sent = 0, most = 0;
	double secs = (double)(b->t - a->t) / 1e9;
	unsigned k;

	for (k = 0; k < n; k++) {
		started += p[k].started;
		if (p[k].started > most)
			most = p[k].started;
		abandoned += p[k].abandoned;
		errors += p[k].send_errors;
		sent += p[k].sent;
	}
	printf("{\"window\": %u, \"pairs\": %u, \"secs\": %.3f, \"calls\": %"
	       PRIu64 ", \"calls_per_s\": %.1f, \"msgs_sent\": %" PRIu64
	       ", \"msgs_recv\": %" PRIu64 ", \"abandoned\": %" PRIu64
	       ", \"send_errors\": %" PRIu64 ", \"started\": %" PRIu64
	       ", \"next_call\": %" PRIu64
	       ", \"sent_total\": %" PRIu64 ", \"gen_cpu_us\": %" PRIu64
	       ", \"busy_ticks\": %" PRIu64 ", \"softirq_ticks\": %" PRIu64
	       ", \"clk_tck\": %ld"
	       ", \"nproc\": %ld}\n", p[0].window * n, n, secs,
	       b->completed - a->completed,
	       (double)(b->completed - a->completed) / secs, b->sent - a->sent,
	       b->recv - a->recv, abandoned, errors, started, most * n, sent,
	       b->self_us - a->self_us, b->busy - a->busy,
	       b->softirq - a->softirq,
	       sysconf(_SC_CLK_TCK), sysconf(_SC_NPROCESSORS_ONLN));
}

static void pair_init(struct pair *c, unsigned k, unsigned n,
		      const char *ns_p, const char *ns_o, unsigned salt)
{
	c->k = k;
	c->n_pairs = n;
	snprintf(c->phone_ip, sizeof(c->phone_ip), "10.0.0.10");
	if (k)
		snprintf(c->peer_ip, sizeof(c->peer_ip), "203.0.113.%u",
			 30 + k);
	else
		snprintf(c->peer_ip, sizeof(c->peer_ip), "203.0.113.10");
	c->phone = (struct msgs_party){ c->phone_ip, 5060 + 2 * k, c->peer_ip,
					salt, 1 };
	c->peer = c->phone;
	c->peer_addr.sin_family = AF_INET;
	c->peer_addr.sin_port = htons(5060);
	inet_pton(AF_INET, c->peer_ip, &c->peer_addr.sin_addr);
	c->pr.fd = ns_socket(ns_o, c->peer_ip, 5060);
	c->ph.fd = ns_socket(ns_p, c->phone_ip, 5060 + 2 * k);
}

static void usage(void)
{
	fprintf(stderr, "usage: cps -p NS -o NS -t SECS [-w WINDOW] "
			"[-P PAIRS] [-W WARM_S] [-s SALT] [-i FIRST]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct pair p[MAX_PAIRS];
	static volatile int stop;
	pthread_t th[MAX_PAIRS];
	const char *ns_p = NULL, *ns_o = NULL;
	double secs = 0, warm = 0.5;
	unsigned salt = (unsigned)getpid(), window = 64, n = 1, first = 0, k;
	struct mark a, b;
	int ch;

	while ((ch = getopt(argc, argv, "p:o:t:w:P:W:s:i:")) != -1) {
		switch (ch) {
		case 'p': ns_p = optarg; break;
		case 'o': ns_o = optarg; break;
		case 't': secs = atof(optarg); break;
		case 'w': window = (unsigned)atoi(optarg); break;
		case 'P': n = (unsigned)atoi(optarg); break;
		case 'W': warm = atof(optarg); break;
		case 's': salt = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'i': first = (unsigned)strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (!ns_p || !ns_o || secs <= 0 || secs > 120 || warm < 0 ||
	    warm > 10 || !n || n > MAX_PAIRS || window < n || window > 4096)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (k = 0; k < n; k++) {
		pair_init(&p[k], k, n, ns_p, ns_o, salt);
		p[k].first = first;
		p[k].window = window / n;
		p[k].stop = &stop;
	}
	for (k = 0; k < n; k++)
		if (pthread_create(&th[k], NULL, pair_main, &p[k]))
			die("pthread_create");
	sleep_ns((uint64_t)(warm * 1e9));
	mark_take(p, n, &a);
	sleep_ns((uint64_t)(secs * 1e9));
	mark_take(p, n, &b);
	stop = 1;
	for (k = 0; k < n; k++)
		pthread_join(th[k], NULL);
	report(p, n, &a, &b);
	return 0;
}
