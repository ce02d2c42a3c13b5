/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_QUEUE_H
#define SIPALG_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * NFQUEUE consumer over libmnl: bind one queue, read packets without
 * blocking, hand each to a callback, send one verdict per packet.
 *
 * Under load the packets waiting are read as a batch (at most
 * QUEUE_BATCH): verdicts given while the batch is handled are collected
 * and sent together in one datagram when it ends, then the batch-end
 * callback runs (the kernel work the verdicts did not need), at once or,
 * with queue_defer, once the packets that are ready had theirs.  At low
 * load a batch is one packet, so nothing waits for anything.
 */

#define QUEUE_BATCH 64

struct queue_pkt {
	uint32_t id;
	uint16_t hw_proto;	/* ETH_P_IP / ETH_P_IPV6, host order */
	uint32_t indev;		/* ifindex, 0 when unknown */
	uint32_t outdev;
	uint8_t *data;		/* network header onwards */
	uint32_t len;
};

struct queue;

typedef void (*queue_cb)(void *ctx, struct queue *q,
			 const struct queue_pkt *p);

/* queue_open - bind queue num (copying whole packets, fail-open when the
 * queue is full).  NULL on error, logged. */
struct queue *queue_open(uint16_t num, queue_cb cb, void *ctx);

void queue_close(struct queue *q);

/* queue_on_batch_end - call fn(ctx) (queue_open's ctx) after each
 * batch's verdicts were sent. */
void queue_on_batch_end(struct queue *q, void (*fn)(void *ctx));

/* queue_defer - let the batch-end work wait while more packets are
 * ready: queue_read runs it after max_batches + 1 batches or once it has
 * waited max_us, else leaves it owed (queue_owed) for the caller to run
 * with queue_settle when the queue goes quiet, and before anything else
 * that depends on it.  max_batches 0 (the default): after every batch. */
void queue_defer(struct queue *q, unsigned max_batches, unsigned max_us);

/* queue_owed - whether batch-end work is owed (queue_defer). */
bool queue_owed(const struct queue *q);

/* queue_settle - run the owed batch-end work now, if any, and write the
 * log lines held since (queue_read holds a batch's lines; while work is
 * owed they wait with it, so the next message does not wait for the
 * write). */
void queue_settle(struct queue *q);

/* queue_batching - whether verdicts are being collected now (inside a
 * batch): they reach the kernel at its end or at queue_flush. */
bool queue_batching(const struct queue *q);

/* queue_flush - send the verdicts collected so far.  0 / -1. */
int queue_flush(struct queue *q);

/* queue_sends - verdict datagrams sent so far, and the verdicts they
 * carried (their ratio: verdicts per system call). */
void queue_sends(const struct queue *q, uint64_t *sends, uint64_t *verdicts);

/* queue_skipped - packets the kernel passed without showing them to us
 * because our socket was full (fail-open), seen as gaps in the packet
 * ids.  The socket is sized to fill before the queue (4096 packets)
 * does: a full queue passes packets before numbering them, which would
 * leave no trace here (the kernel counts neither kind). */
uint64_t queue_skipped(const struct queue *q);

/* queue_fd - the socket to poll for input. */
int queue_fd(const struct queue *q);

/* queue_read - process every packet that is waiting; returns the number
 * processed, or -1 on a socket error other than EAGAIN/ENOBUFS. */
int queue_read(struct queue *q);

/* queue_verdict - accept packet id; with data != NULL the packet is
 * replaced by data[0..len).  drop=true drops it instead.  Inside a batch
 * the verdict is collected (data copied) and sent at its end.  0 / -1. */
int queue_verdict(struct queue *q, uint32_t id, const void *data,
		  uint32_t len, int drop);

#endif
