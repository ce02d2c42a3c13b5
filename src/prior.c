/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>
#include <time.h>

#include "prior.h"

struct prior_ent {
	union addr addr;	/* the sorting side */
	uint16_t port;
	uint64_t until;		/* monotonic seconds */
	const struct nat_elem *e;
};

struct prior {
	struct nat_elem *e;
	struct prior_ent *by_pub, *by_in;
	unsigned n;
	uint64_t until[];	/* per e[i] */
};

static uint64_t prior_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

static int ent_cmp(const void *x, const void *y)
{
	const struct prior_ent *a = x, *b = y;
	int c = memcmp(&a->addr, &b->addr, sizeof(a->addr));

	return c ? c : (int)a->port - (int)b->port;
}

static const struct prior_ent *prior_find(const struct prior_ent *v,
					  unsigned n, const union addr *a,
					  uint16_t port)
{
	struct prior_ent key = { .port = port };

	/* IPv4 only (the table's maps): the rest of the union is not
	 * defined in the caller's copy. */
	memcpy(&key.addr.v4, &a->v4, sizeof(key.addr.v4));
	return bsearch(&key, v, n, sizeof(*v), ent_cmp);
}

struct prior *prior_new(const struct nat_elem *e, unsigned n)
{
	struct prior *p = calloc(1, sizeof(*p) + (n + 1) * sizeof(uint64_t));
	uint64_t now = prior_now();
	unsigned i;

	if (!p)
		return NULL;
	p->e = malloc((n + 1) * sizeof(*p->e));
	p->by_pub = calloc(n + 1, sizeof(*p->by_pub));
	p->by_in = calloc(n + 1, sizeof(*p->by_in));
	if (!p->e || !p->by_pub || !p->by_in) {
		prior_free(p);
		return NULL;
	}
	memcpy(p->e, e, n * sizeof(*e));
	p->n = n;
	for (i = 0; i < n; i++) {
		p->until[i] = now + e[i].timeout;
		p->by_pub[i] = (struct prior_ent){ e[i].pub_addr, e[i].pub_port,
						   p->until[i], &p->e[i] };
		p->by_in[i] = (struct prior_ent){ e[i].in_addr, e[i].in_port,
						  p->until[i], &p->e[i] };
	}
	qsort(p->by_pub, n, sizeof(*p->by_pub), ent_cmp);
	qsort(p->by_in, n, sizeof(*p->by_in), ent_cmp);
	return p;
}

void prior_free(struct prior *p)
{
	if (!p)
		return;
	free(p->e);
	free(p->by_pub);
	free(p->by_in);
	free(p);
}

static uint16_t prior_port_of(void *ctx, int family, const union addr *a,
			      uint16_t port, const union addr *pub)
{
	const struct prior *p = ctx;
	const struct prior_ent *f = prior_find(p->by_in, p->n, a, port);

	if (family != AF_INET || !f || f->until <= prior_now() ||
	    memcmp(&f->e->pub_addr.v4, &pub->v4, sizeof(pub->v4)))
		return 0;
	return f->e->pub_port;
}

static bool prior_holds(void *ctx, const union addr *pub, uint16_t port)
{
	const struct prior *p = ctx;
	const struct prior_ent *f = prior_find(p->by_pub, p->n, pub, port);

	return f && f->until > prior_now();
}

struct calls_prior prior_hooks(struct prior *p)
{
	return (struct calls_prior){ prior_port_of, prior_holds, p };
}

const struct nat_elem *prior_get(const struct prior *p, const union addr *pub,
				 uint16_t port)
{
	const struct prior_ent *f = p ? prior_find(p->by_pub, p->n, pub, port)
				      : NULL;

	return f && f->until > prior_now() ? f->e : NULL;
}

unsigned prior_count(const struct prior *p)
{
	uint64_t now = prior_now();
	unsigned i, n = 0;

	for (i = 0; i < p->n; i++)
		n += p->until[i] > now;
	return n;
}

void prior_each(const struct prior *p,
		void (*fn)(void *ctx, const struct nat_elem *e, uint64_t left),
		void *ctx)
{
	uint64_t now = prior_now();
	unsigned i;

	for (i = 0; i < p->n; i++)
		if (p->until[i] > now)
			fn(ctx, &p->e[i], p->until[i] - now);
}
