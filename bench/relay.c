/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * relay - a userspace media relay for comparison with kernel forwarding:
 * receive on LISTEN_IP:PORT, send every datagram on to DST_IP:PORT from
 * SRC_IP:PORT, in batches (recvmmsg/sendmmsg).  Runs until SIGTERM;
 * prints "relayed N" on exit.
 *
 *   relay LISTEN_IP PORT SRC_IP DST_IP DST_PORT
 */
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define BATCH 64

static volatile sig_atomic_t want_exit;

static void on_signal(int sig)
{
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

int main(int argc, char **argv)
{
	static char buf[BATCH][2048];
	struct mmsghdr h[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in to = { .sin_family = AF_INET };
	unsigned long long relayed = 0;
	int in, out, i;
	struct pollfd pf;
	struct sigaction sa = { .sa_handler = on_signal };

	if (argc != 6) {
		fprintf(stderr, "usage: relay LISTEN_IP PORT SRC_IP DST_IP "
				"DST_PORT\n");
		return 2;
	}
	in = udp_bound(argv[1], (unsigned)atoi(argv[2]));
	out = udp_bound(argv[3], (unsigned)atoi(argv[2]));
	to.sin_port = htons((uint16_t)atoi(argv[5]));
	if (inet_pton(AF_INET, argv[4], &to.sin_addr) != 1)
		return 2;
	sigaction(SIGTERM, &sa, NULL);	/* no SA_RESTART: poll returns */
	sigaction(SIGINT, &sa, NULL);
	memset(h, 0, sizeof(h));
	pf = (struct pollfd){ .fd = in, .events = POLLIN };
	while (!want_exit) {
		int n;

		for (i = 0; i < BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = sizeof(buf[i]);
			h[i].msg_hdr.msg_iov = &iov[i];
			h[i].msg_hdr.msg_iovlen = 1;
		}
		if (poll(&pf, 1, 100) <= 0)
			continue;
		n = recvmmsg(in, h, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			continue;
		for (i = 0; i < n; i++) {
			iov[i].iov_len = h[i].msg_len;
			h[i].msg_hdr.msg_name = &to;
			h[i].msg_hdr.msg_namelen = sizeof(to);
		}
		n = sendmmsg(out, h, (unsigned)n, 0);
		if (n > 0)
			relayed += (unsigned long long)n;
		for (i = 0; i < BATCH; i++)
			h[i].msg_hdr.msg_name = NULL;
	}
	printf("relayed %llu\n", relayed);
	return 0;
}
