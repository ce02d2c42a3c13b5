/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "log.h"
#include "queue.h"

#define QUEUE_BUF (0xffff + (MNL_SOCKET_BUFFER_SIZE / 2))
/* Verdicts of one batch go out in one datagram of at most this much
 * (a verdict that does not fit sends the ones before it first). */
#define VERDICT_BUF (256 * 1024)
/* The receive buffer (the kernel doubles it: 2 MB) holds fewer packets
 * than the queue's 4096 (every queued packet's message takes 1 KB or
 * more), so under overload the socket overflows first: the kernel then
 * numbers the packets it lets through unseen, and the gaps count them
 * (a full queue would pass them unnumbered, counted nowhere).  2 MB is
 * still about 1,000 SIP messages, 70 ms at 13,000 messages a second. */
#define QUEUE_RCVBUF (1 << 20)

struct queue {
	struct mnl_socket *nl;
	uint32_t portid;
	uint16_t num;
	queue_cb cb;
	void *ctx;
	char *buf;		/* receive buffers, QUEUE_BATCH of them */
	char *vbuf;		/* configuration messages */
	char *batch;		/* verdicts collected in a batch */
	size_t batch_len;
	unsigned batch_n;
	bool batching;
	void (*batch_end)(void *ctx);
	/* Batch-end work may wait while packets are ready (queue_defer):
	 * for at most defer_max batches or defer_us microseconds. */
	unsigned defer_max, owed;
	uint64_t defer_us, owed_since;
	uint64_t sends, verdicts;	/* datagrams, verdicts in them */
	/* Packet ids the kernel numbered but never delivered: when our
	 * socket was full it let them through unseen (F_FAIL_OPEN) and
	 * counted nothing; the gap in the ids is the only trace. */
	uint32_t last_id;
	uint64_t skipped;
};

static int queue_cfg(struct queue *q, uint8_t cmd)
{
	struct nlmsghdr *nlh = nfq_nlmsg_put(q->vbuf, NFQNL_MSG_CONFIG, q->num);

	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, cmd);
	return mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0 ? -1 : 0;
}

static int queue_params(struct queue *q)
{
	struct nlmsghdr *nlh = nfq_nlmsg_put(q->vbuf, NFQNL_MSG_CONFIG, q->num);
	/* F_FAIL_OPEN: when the queue is full the kernel accepts instead of
	 * dropping - signalling keeps flowing, unrewritten, under overload.
	 * F_GSO: we never see GSO super-packets' partial checksums as
	 * errors (SIP over UDP is not GSO'd, but be explicit). */
	uint32_t flags = NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_GSO;

	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(flags));
	/* Bounded backlog; beyond it F_FAIL_OPEN applies. */
	nfq_nlmsg_cfg_put_qmaxlen(nlh, 4096);
	return mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0 ? -1 : 0;
}

struct queue *queue_open(uint16_t num, queue_cb cb, void *ctx)
{
	struct queue *q = calloc(1, sizeof(*q));
	int one = 1, sndbuf = 4 << 20, rcvbuf = QUEUE_RCVBUF;

	if (!q)
		return NULL;
	q->num = num;
	q->cb = cb;
	q->ctx = ctx;
	q->buf = malloc((size_t)QUEUE_BATCH * QUEUE_BUF);
	q->vbuf = malloc(QUEUE_BUF);
	q->batch = malloc(VERDICT_BUF);
	q->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK);
	if (!q->buf || !q->vbuf || !q->batch || !q->nl ||
	    mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		log_warn("queue %u: netlink socket", num);
		goto free_queue;
	}
	q->portid = mnl_socket_get_portid(q->nl);
	/* ENOBUFS on overrun is noise: lost packets were accepted by
	 * F_FAIL_OPEN or are retransmitted by SIP. */
	mnl_socket_setsockopt(q->nl, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(q->nl), SOL_SOCKET, SO_RCVBUFFORCE,
		   &rcvbuf, sizeof(rcvbuf));
	/* A batch's verdicts are one datagram: room for all of them. */
	setsockopt(mnl_socket_get_fd(q->nl), SOL_SOCKET, SO_SNDBUFFORCE,
		   &sndbuf, sizeof(sndbuf));
	if (queue_cfg(q, NFQNL_CFG_CMD_BIND) < 0 || queue_params(q) < 0) {
		log_warn("queue %u: bind", num);
		goto free_queue;
	}
	return q;

free_queue:
	queue_close(q);
	return NULL;
}

void queue_close(struct queue *q)
{
	if (!q)
		return;
	if (q->nl) {
		queue_cfg(q, NFQNL_CFG_CMD_UNBIND);
		mnl_socket_close(q->nl);
	}
	free(q->buf);
	free(q->vbuf);
	free(q->batch);
	free(q);
}

void queue_on_batch_end(struct queue *q, void (*fn)(void *ctx))
{
	q->batch_end = fn;
}

uint64_t queue_skipped(const struct queue *q)
{
	return q->skipped;
}

void queue_sends(const struct queue *q, uint64_t *sends, uint64_t *verdicts)
{
	*sends = q->sends;
	*verdicts = q->verdicts;
}

bool queue_batching(const struct queue *q)
{
	return q->batching;
}

int queue_flush(struct queue *q)
{
	int rc = 0;

	if (!q->batch_len)
		return 0;
	q->sends++;
	q->verdicts += q->batch_n;
	if (mnl_socket_sendto(q->nl, q->batch, q->batch_len) < 0) {
		/* The packets stay queued until the kernel's queue times
		 * them out; nothing else to do from here. */
		log_warn("queue: %u verdicts", q->batch_n);
		rc = -1;
	}
	q->batch_len = 0;
	q->batch_n = 0;
	return rc;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

void queue_defer(struct queue *q, unsigned max_batches, unsigned max_us)
{
	q->defer_max = max_batches;
	q->defer_us = max_us;
}

bool queue_owed(const struct queue *q)
{
	return q->owed > 0;
}

void queue_settle(struct queue *q)
{
	if (!q->owed)
		return;
	q->owed = 0;
	if (q->batch_end)
		q->batch_end(q->ctx);
	log_release();	/* the batches' lines: one write, off their path */
}

/* End of a batch: its verdicts out, then the work they did not wait for
 * - now, or (queue_defer) after the packets that are ready, within the
 * bounds. */
static void batch_done(struct queue *q)
{
	queue_flush(q);
	q->batching = false;
	if (!q->owed++)
		q->owed_since = q->defer_max ? now_us() : 0;
	if (q->owed > q->defer_max ||
	    (q->defer_max && now_us() - q->owed_since >= q->defer_us))
		queue_settle(q);
}

int queue_fd(const struct queue *q)
{
	return mnl_socket_get_fd(q->nl);
}

static uint32_t attr_ifindex(struct nlattr **a, int type)
{
	return a[type] ? ntohl(mnl_attr_get_u32(a[type])) : 0;
}

static int queue_msg(const struct nlmsghdr *nlh, void *data)
{
	struct queue *q = data;
	struct nlattr *a[NFQA_MAX + 1] = { 0 };
	struct nfqnl_msg_packet_hdr *ph;
	struct queue_pkt p;

	if (nfq_nlmsg_parse(nlh, a) < 0 || !a[NFQA_PACKET_HDR]) {
		log_warnx("queue: message without packet header");
		return MNL_CB_OK;
	}
	ph = mnl_attr_get_payload(a[NFQA_PACKET_HDR]);
	p.id = ntohl(ph->packet_id);
	if (q->last_id && p.id - q->last_id - 1 < (1u << 30))
		q->skipped += p.id - q->last_id - 1;
	q->last_id = p.id;
	p.hw_proto = ntohs(ph->hw_protocol);
	p.indev = attr_ifindex(a, NFQA_IFINDEX_INDEV);
	p.outdev = attr_ifindex(a, NFQA_IFINDEX_OUTDEV);
	p.data = a[NFQA_PAYLOAD] ? mnl_attr_get_payload(a[NFQA_PAYLOAD]) : NULL;
	p.len = a[NFQA_PAYLOAD] ? mnl_attr_get_payload_len(a[NFQA_PAYLOAD]) : 0;
	q->cb(q->ctx, q, &p);
	return MNL_CB_OK;
}

/* Read up to QUEUE_BATCH packet messages in one system call; returns how
 * many (0: none waiting) or -1 with errno. */
static int read_batch(struct queue *q, struct mmsghdr *h,
		      struct sockaddr_nl *from, struct iovec *iov)
{
	unsigned i;
	int k;

	for (i = 0; i < QUEUE_BATCH; i++) {
		iov[i] = (struct iovec){ q->buf + (size_t)i * QUEUE_BUF,
					 QUEUE_BUF };
		h[i].msg_hdr = (struct msghdr){ .msg_name = &from[i],
						.msg_namelen = sizeof(*from),
						.msg_iov = &iov[i],
						.msg_iovlen = 1 };
	}
	do
		k = recvmmsg(mnl_socket_get_fd(q->nl), h, QUEUE_BATCH,
			     MSG_DONTWAIT, NULL);
	while (k < 0 && (errno == EINTR || errno == ENOBUFS));
	if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	return k;
}

int queue_read(struct queue *q)
{
	static struct mmsghdr h[QUEUE_BATCH];
	static struct sockaddr_nl from[QUEUE_BATCH];
	static struct iovec iov[QUEUE_BATCH];
	int n = 0, k, i;

	/* Each round is one batch: the packets waiting (at most
	 * QUEUE_BATCH), their verdicts, then the work after them (or,
	 * deferred, after the next batch's verdicts). */
	while ((k = read_batch(q, h, from, iov)) > 0) {
		q->batching = true;
		log_hold();	/* the batch's lines in one write */
		for (i = 0; i < k; i++) {
			/* Only the kernel's, only whole messages. */
			if (from[i].nl_pid != 0 ||
			    (h[i].msg_hdr.msg_flags & MSG_TRUNC))
				continue;
			if (mnl_cb_run(iov[i].iov_base, h[i].msg_len, 0,
				       q->portid, queue_msg, q) < 0)
				log_warn("queue: parse");
		}
		n += k;
		batch_done(q);
		if (!q->owed)
			log_release();
	}
	if (k < 0) {
		log_warn("queue: receive");
		return -1;
	}
	return n;
}

int queue_verdict(struct queue *q, uint32_t id, const void *data,
		  uint32_t len, int drop)
{
	size_t room = MNL_ALIGN(sizeof(struct nlmsghdr)) + 256 +
		      MNL_ALIGN(len);
	struct nlmsghdr *nlh;

	if (q->batching && q->batch_len + room > VERDICT_BUF)
		queue_flush(q);
	nlh = nfq_nlmsg_put(q->batching ? q->batch + q->batch_len : q->vbuf,
			    NFQNL_MSG_VERDICT, q->num);
	nfq_nlmsg_verdict_put(nlh, (int)id, drop ? NF_DROP : NF_ACCEPT);
	if (data)
		nfq_nlmsg_verdict_put_pkt(nlh, data, len);
	if (q->batching) {
		q->batch_len += nlh->nlmsg_len;
		q->batch_n++;
		return 0;
	}
	q->sends++;
	q->verdicts++;
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0) {
		log_warn("queue: verdict for packet %u", id);
		return -1;
	}
	return 0;
}
