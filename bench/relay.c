/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * relay - a userspace media relay for comparison with kernel forwarding:
 * receive on LISTEN_IP:PORT, send every datagram on to DST_IP:PORT from
 * SRC_IP:PORT, in batches (recvmmsg/sendmmsg).  Runs until SIGTERM;
 * prints "relayed N batches B wakeups W" on exit (B: sendmmsg calls that
 * sent, W: epoll_wait calls that returned a ready socket).
 *
 *   relay LISTEN_IP PORT SRC_IP DST_IP DST_PORT [STREAMS]
 *
 * STREAMS (1): one pair of sockets per stream, as a media relay has -
 * stream k listens on LISTEN_IP:PORT+2k and sends from SRC_IP:PORT+2k.
 * One epoll set; each ready socket is drained with recvmmsg (up to 64 at a
 * time) and its datagrams go out with one sendmmsg.
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define EVENTS 256
#define STREAMS_MAX 4096

static volatile sig_atomic_t want_exit;

static void on_signal(int sig)
{
	(void)sig;
	want_exit = 1;
}

static int udp_bound(const char *ip, unsigned port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), big = 16 << 20;

	sa.sin_port = htons((uint16_t)port);
	if (fd < 0 || inet_pton(AF_INET, ip, &sa.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror(ip);
		exit(1);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	return fd;
}

/* Two sockets per stream plus a few: raise the soft descriptor limit. */
static void fd_limit(unsigned streams)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < 2 * streams + 16) {
		rl.rlim_cur = 2 * streams + 16;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			perror("setrlimit");
	}
}

static char buf[BATCH][2048];
static struct mmsghdr h[BATCH];
static struct iovec iov[BATCH];

/* h ready for recvmmsg: full-size buffers, no address wanted. */
static void batch_reset(unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof(buf[i]);
		h[i].msg_hdr.msg_iov = &iov[i];
		h[i].msg_hdr.msg_iovlen = 1;
		h[i].msg_hdr.msg_name = NULL;
		h[i].msg_hdr.msg_namelen = 0;
	}
}

/* Relay what waits on in (up to BATCH datagrams) to *to through out. */
static unsigned relay_batch(int in, int out, struct sockaddr_in *to)
{
	int n, i, sent;

	n = recvmmsg(in, h, BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return 0;
	for (i = 0; i < n; i++) {
		iov[i].iov_len = h[i].msg_len;
		h[i].msg_hdr.msg_name = to;
		h[i].msg_hdr.msg_namelen = sizeof(*to);
	}
	sent = sendmmsg(out, h, (unsigned)n, 0);
	batch_reset((unsigned)n);
	return sent > 0 ? (unsigned)sent : 0;
}

int main(int argc, char **argv)
{
	static int in[STREAMS_MAX], out[STREAMS_MAX];
	struct epoll_event ev[EVENTS];
	struct sockaddr_in to = { .sin_family = AF_INET };
	unsigned long long relayed = 0, batches = 0, waits = 0;
	unsigned streams = 1, port, k;
	int ep, n, i;
	struct sigaction sa = { .sa_handler = on_signal };

	if (argc != 6 && argc != 7) {
		fprintf(stderr, "usage: relay LISTEN_IP PORT SRC_IP DST_IP "
				"DST_PORT [STREAMS]\n");
		return 2;
	}
	port = (unsigned)atoi(argv[2]);
	if (argc == 7)
		streams = (unsigned)atoi(argv[6]);
	if (streams == 0 || streams > STREAMS_MAX || port == 0 ||
	    port + 2 * (streams - 1) > 65535) {
		fprintf(stderr, "relay: bad PORT or STREAMS\n");
		return 2;
	}
	to.sin_port = htons((uint16_t)atoi(argv[5]));
	if (inet_pton(AF_INET, argv[4], &to.sin_addr) != 1)
		return 2;
	fd_limit(streams);
	batch_reset(BATCH);
	ep = epoll_create1(0);
	if (ep < 0) {
		perror("epoll_create1");
		return 1;
	}
	for (k = 0; k < streams; k++) {
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = k };

		in[k] = udp_bound(argv[1], port + 2 * k);
		out[k] = udp_bound(argv[3], port + 2 * k);
		if (epoll_ctl(ep, EPOLL_CTL_ADD, in[k], &e) < 0) {
			perror("epoll_ctl");
			return 1;
		}
	}
	sigaction(SIGTERM, &sa, NULL);	/* no SA_RESTART: epoll returns */
	sigaction(SIGINT, &sa, NULL);
	printf("ready %u\n", streams);
	fflush(stdout);
	while (!want_exit) {
		n = epoll_wait(ep, ev, EVENTS, 100);
		if (n > 0)
			waits++;
		for (i = 0; i < n; i++) {
			unsigned got;

			k = ev[i].data.u32;
			got = relay_batch(in[k], out[k], &to);
			relayed += got;
			batches += got > 0;
		}
	}
	printf("relayed %llu batches %llu wakeups %llu\n", relayed, batches,
	       waits);
	return 0;
}
