/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nfq_accept - the NFQUEUE ceiling: bind queue NUM with the daemon's
 * settings (src/queue.c: whole packets, F_FAIL_OPEN | F_GSO, backlog 4096,
 * 4 MiB receive buffer) and accept every packet unchanged.
 *
 * Unbatched (the default): one packet read and one verdict sent per
 * system call.  -b (batched): every packet that is ready is read at once
 * (recvmmsg, up to BATCH), and all of them are accepted by one
 * NFQNL_MSG_VERDICT_BATCH message naming the highest packet id read (the
 * kernel accepts every queued packet up to it) - the least a queue
 * consumer can do per packet.  (In a closed loop on few CPUs the
 * unbatched loop, releasing each packet at once, can still turn calls
 * round sooner: bench-cps runs both.)
 * With --queue-balance, one such process per queue.  SIGUSR1 prints
 * "packets N" (and "sends N" with -b: verdict messages sent); SIGTERM /
 * SIGINT print them and exit.
 *
 *   nfq_accept [-b] [NUM]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

/* As src/queue.c: a whole packet plus half of libmnl's 8 KiB buffer. */
#define BUF_SIZE (0xffff + 4096)
/* Packets read per recvmmsg with -b, as src/queue.c's QUEUE_BATCH. */
#define BATCH 64

static volatile sig_atomic_t want_stats, want_exit;
static unsigned long long packets, sends;
static uint32_t top_id;		/* -b: highest packet id of the batch */
static struct mnl_socket *nl;
static uint16_t qnum;
static char vbuf[BUF_SIZE];

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_stats = 1;
	else
		want_exit = 1;
}

static int send_msg(struct nlmsghdr *nlh)
{
	return mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0 ? -1 : 0;
}

static int setup(void)
{
	struct nlmsghdr *nlh = nfq_nlmsg_put(vbuf, NFQNL_MSG_CONFIG, qnum);
	uint32_t flags = NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_GSO;

	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	if (send_msg(nlh) < 0)
		return -1;
	nlh = nfq_nlmsg_put(vbuf, NFQNL_MSG_CONFIG, qnum);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(flags));
	nfq_nlmsg_cfg_put_qmaxlen(nlh, 4096);
	return send_msg(nlh);
}

static int on_packet(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *a[NFQA_MAX + 1] = { 0 };
	struct nfqnl_msg_packet_hdr *ph;
	struct nlmsghdr *v;

	if (nfq_nlmsg_parse(nlh, a) < 0 || !a[NFQA_PACKET_HDR])
		return MNL_CB_OK;
	ph = mnl_attr_get_payload(a[NFQA_PACKET_HDR]);
	v = nfq_nlmsg_put(vbuf, NFQNL_MSG_VERDICT, qnum);
	nfq_nlmsg_verdict_put(v, (int)ntohl(ph->packet_id), NF_ACCEPT);
	if (send_msg(v) < 0)
		perror("nfq_accept: verdict");
	packets++;
	return MNL_CB_OK;
}

/* -b: note the packet's id; the batch's one verdict accepts them all. */
static int on_packet_batched(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *a[NFQA_MAX + 1] = { 0 };
	struct nfqnl_msg_packet_hdr *ph;
	uint32_t id;

	if (nfq_nlmsg_parse(nlh, a) < 0 || !a[NFQA_PACKET_HDR])
		return MNL_CB_OK;
	ph = mnl_attr_get_payload(a[NFQA_PACKET_HDR]);
	id = ntohl(ph->packet_id);
	if (!packets || (int32_t)(id - top_id) > 0)
		top_id = id;
	packets++;
	return MNL_CB_OK;
}

/* -b: read every packet that is ready, BATCH datagrams per system call,
 * and accept each round with one NFQNL_MSG_VERDICT_BATCH. */
static void drain_batched(unsigned portid)
{
	static char bufs[BATCH][BUF_SIZE];
	static struct mmsghdr h[BATCH];
	static struct iovec iov[BATCH];
	int i, k;

	for (;;) {
		unsigned long long before = packets;
		struct nlmsghdr *v;

		for (i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ bufs[i], BUF_SIZE };
			h[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i],
							.msg_iovlen = 1 };
		}
		k = recvmmsg(mnl_socket_get_fd(nl), h, BATCH, MSG_DONTWAIT,
			     NULL);
		if (k <= 0)
			return;
		for (i = 0; i < k; i++)
			mnl_cb_run(bufs[i], h[i].msg_len, 0, portid,
				   on_packet_batched, NULL);
		if (packets == before)
			continue;
		v = nfq_nlmsg_put(vbuf, NFQNL_MSG_VERDICT_BATCH, qnum);
		nfq_nlmsg_verdict_put(v, (int)top_id, NF_ACCEPT);
		if (send_msg(v) < 0)
			perror("nfq_accept: batch verdict");
		sends++;
	}
}

static void print_stats(bool batched)
{
	if (batched)
		printf("packets %llu sends %llu\n", packets, sends);
	else
		printf("packets %llu\n", packets);
}

int main(int argc, char **argv)
{
	static char buf[BUF_SIZE];
	int one = 1, rcvbuf = 4 << 20, ch;
	bool batched = false;
	unsigned portid;
	struct pollfd pf;

	while ((ch = getopt(argc, argv, "b")) != -1) {
		if (ch != 'b') {
			fprintf(stderr, "usage: nfq_accept [-b] [NUM]\n");
			return 2;
		}
		batched = true;
	}
	qnum = (uint16_t)(optind < argc ? atoi(argv[optind]) : 0);
	signal(SIGUSR1, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("nfq_accept: netlink");
		return 1;
	}
	portid = mnl_socket_get_portid(nl);
	mnl_socket_setsockopt(nl, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		   sizeof(rcvbuf));
	if (setup() < 0) {
		perror("nfq_accept: bind queue");
		return 1;
	}
	printf("ready queue %u%s\n", qnum, batched ? " batched" : "");
	pf = (struct pollfd){ .fd = mnl_socket_get_fd(nl), .events = POLLIN };
	while (!want_exit) {
		ssize_t len;

		if (want_stats) {
			want_stats = 0;
			print_stats(batched);
		}
		if (poll(&pf, 1, 100) <= 0)
			continue;
		if (batched) {
			drain_batched(portid);
			continue;
		}
		while ((len = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0)
			mnl_cb_run(buf, (size_t)len, 0, portid, on_packet,
				   NULL);
	}
	print_stats(batched);
	mnl_socket_close(nl);
	return 0;
}
