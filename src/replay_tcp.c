/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "replay_tcp.h"

/* A segment waiting for its verdict: the frame as read. */
struct pending {
	uint32_t id;
	struct pio_pkt p;
	uint8_t *frame;
};

struct replay_tcp {
	struct alg *a;
	struct pio_writer *w;
	struct pending *pend;
	unsigned n, cap;
	uint32_t next_id;
	uint64_t seen, written;
	uint8_t out[PIO_MAX_FRAME];
};

static void emit(void *ctx, uint32_t id, const uint8_t *pkt, uint32_t len,
		 enum stream_verdict v)
{
	struct replay_tcp *t = ctx;
	unsigned i;
	long fl;

	for (i = 0; i < t->n && t->pend[i].id != id; i++)
		;
	if (i == t->n)
		return;
	if (v == STREAM_MANGLED) {
		fl = pio_frame(&t->pend[i].p, pkt, len, t->out, sizeof(t->out));
		if (fl < 0 || pio_write(t->w, &t->pend[i].p, t->out,
					(uint32_t)fl) < 0)
			log_warnx("frame %llu: rewritten segment not written",
				  (unsigned long long)t->pend[i].p.index);
		else
			t->written++;
	} else if (v == STREAM_ACCEPT) {
		if (pio_write(t->w, &t->pend[i].p, t->pend[i].frame,
			      t->pend[i].p.caplen) == 0)
			t->written++;
	}
	free(t->pend[i].frame);
	t->pend[i] = t->pend[--t->n];
}

struct replay_tcp *replay_tcp_new(struct alg *a, struct pio_writer *w)
{
	struct replay_tcp *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->a = a;
	t->w = w;
	a->emit = emit;
	a->emit_ctx = t;
	return t;
}

bool replay_tcp_is(const struct conf *c, const struct pio_pkt *p)
{
	const uint8_t *ip = p->ip;
	uint32_t hl;

	if (ip && p->family == AF_INET6) {
		/* Next header TCP (extension headers: not followed). */
		if (p->ip_len < 60 || ip[6] != 6)
			return false;
		hl = 40;
	} else if (!ip || p->family != AF_INET || p->ip_len < 20 ||
		   ip[9] != 6 || ((ip[6] << 8 | ip[7]) & 0x3fff)) {
		return false;
	} else {
		hl = (ip[0] & 15u) * 4;
	}
	if (hl < 20 || p->ip_len < hl + 20)
		return false;
	return conf_is_sip_port(c, (uint16_t)(ip[hl] << 8 | ip[hl + 1])) ||
	       conf_is_sip_port(c, (uint16_t)(ip[hl + 2] << 8 | ip[hl + 3]));
}

void replay_tcp_one(struct replay_tcp *t, const struct pio_pkt *p,
		    enum rw_dir dir)
{
	struct pending *e;

	if (t->n == t->cap) {
		unsigned cap = t->cap ? 2 * t->cap : 64;
		struct pending *q = realloc(t->pend, cap * sizeof(*q));

		if (!q)
			fatalx("out of memory");
		t->pend = q;
		t->cap = cap;
	}
	e = &t->pend[t->n];
	e->frame = malloc(p->caplen ? p->caplen : 1);
	if (!e->frame)
		fatalx("out of memory");
	memcpy(e->frame, p->frame, p->caplen);
	e->p = *p;
	e->p.frame = e->frame;
	e->p.ip = e->frame + p->l3_off;
	e->id = t->next_id++;
	t->n++;
	t->seen++;
	alg_tcp_packet(t->a, e->id, e->frame + p->l3_off, p->ip_len, dir);
}

uint64_t replay_tcp_finish(struct replay_tcp *t, uint64_t *written)
{
	uint64_t seen = t->seen;

	alg_tcp_free(t->a);	/* releases what is held */
	*written = t->written;
	while (t->n)
		free(t->pend[--t->n].frame);
	free(t->pend);
	t->a->emit = NULL;
	free(t);
	return seen;
}
