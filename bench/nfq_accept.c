/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nfq_accept - the NFQUEUE ceiling: bind queue NUM with the daemon's
 * settings (src/queue.c: whole packets, F_FAIL_OPEN | F_GSO, backlog 4096,
 * 4 MiB receive buffer) and accept every packet unchanged, one verdict
 * per packet as the daemon sends them.  SIGUSR1 prints "packets N";
 * SIGTERM/SIGINT print it and exit.
 *
 *   nfq_accept [NUM]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

/* As src/queue.c: a whole packet plus half of libmnl's 8 KiB buffer. */
#define BUF_SIZE (0xffff + 4096)

static volatile sig_atomic_t want_stats, want_exit;
static unsigned long long packets;
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

int main(int argc, char **argv)
{
	static char buf[BUF_SIZE];
	int one = 1, rcvbuf = 4 << 20;
	unsigned portid;
	struct pollfd pf;

	qnum = (uint16_t)(argc > 1 ? atoi(argv[1]) : 0);
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
	printf("ready queue %u\n", qnum);
	pf = (struct pollfd){ .fd = mnl_socket_get_fd(nl), .events = POLLIN };
	while (!want_exit) {
		ssize_t len;

		if (want_stats) {
			want_stats = 0;
			printf("packets %llu\n", packets);
		}
		if (poll(&pf, 1, 100) <= 0)
			continue;
		while ((len = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0)
			mnl_cb_run(buf, (size_t)len, 0, portid, on_packet,
				   NULL);
	}
	printf("packets %llu\n", packets);
	mnl_socket_close(nl);
	return 0;
}
