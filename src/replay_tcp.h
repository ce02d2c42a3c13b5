/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_REPLAY_TCP_H
#define SIPALG_REPLAY_TCP_H

#include "alg.h"
#include "pcapio.h"

/*
 * SIP over TCP in sipalg-replay: segments on a SIP port go through the
 * daemon's stream module; a segment it holds (part of an incomplete
 * message) is written when its verdict comes, as the gateway would send
 * it then.
 */

struct replay_tcp;

/* replay_tcp_new - verdicts of a's TCP segments are written to w; NULL
 * when out of memory. */
struct replay_tcp *replay_tcp_new(struct alg *a, struct pio_writer *w);

/* replay_tcp_is - p is a TCP segment to or from one of c's SIP ports. */
bool replay_tcp_is(const struct conf *c, const struct pio_pkt *p);

/* replay_tcp_one - hand p (travelling dir) to the stream module. */
void replay_tcp_one(struct replay_tcp *t, const struct pio_pkt *p,
		    enum rw_dir dir);

/* replay_tcp_finish - release what is still held, free everything;
 * returns the number of TCP segments seen, *written the frames it wrote. */
uint64_t replay_tcp_finish(struct replay_tcp *t, uint64_t *written);

#endif
