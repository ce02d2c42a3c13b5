/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "call_int.h"

/* The public addresses and the port pools on them. */

int calls_set_public(struct calls *t, int family, const union addr *pub,
		     unsigned n)
{
	struct binding **by;

	if (!n || n > CALLS_MAX_PUB || binding_count(t))
		return -1;
	by = calloc((size_t)n * 65536, sizeof(*by));
	if (!by)
		return -1;
	free(t->by_pub);
	t->by_pub = by;
	t->pub_family = family;
	memcpy(t->pub, pub, n * sizeof(*pub));
	t->n_pub = n;
	t->cur_pub = 0;
	return 0;
}

int calls_set_public_conf(struct calls *t, const union addr *first,
			  const struct conf *c)
{
	union addr pub[CALLS_MAX_PUB];
	unsigned i, n = 1;

	pub[0] = *first;
	for (i = 0; i < c->n_public_pool && n < CALLS_MAX_PUB; i++) {
		if (c->public_pool[i].s_addr == first->v4.s_addr)
			continue;
		memset(&pub[n], 0, sizeof(pub[n]));
		pub[n++].v4 = c->public_pool[i];
	}
	return calls_set_public(t, AF_INET, pub, n);
}

static int pool_index(const struct calls *t, int family, const union addr *a)
{
	unsigned i;

	if (family != t->pub_family)
		return -1;
	for (i = 0; i < t->n_pub; i++)
		if (addr_eq(family, &t->pub[i], a))
			return (int)i;
	return -1;
}

bool calls_is_public(const struct calls *t, int family, const union addr *a)
{
	return pool_index(t, family, a) >= 0;
}

const union addr *calls_pub_addr(const struct calls *t,
				 const struct binding *b)
{
	return &t->pub[b->pub_i];
}

const union addr *calls_pick_public(struct calls *t, int family,
				    const union addr *a)
{
	t->cur_pub = t->n_pub > 1 ? hash_bytes(a, addr_len(family),
					       HASH_FNV_INIT) % t->n_pub
				  : 0;
	return &t->pub[t->cur_pub];
}

const union addr *calls_use_public(struct calls *t, int family,
				   const union addr *pub)
{
	int i = pool_index(t, family, pub);

	if (i < 0)
		return NULL;
	t->cur_pub = (unsigned)i;
	return &t->pub[i];
}

/* The slot of public port p on the address bindings are made on now. */
struct binding **pool_slot(struct calls *t, uint32_t p)
{
	return &t->by_pub[t->cur_pub * 65536u + p];
}
struct binding *calls_binding_by_pub(struct calls *t, int family,
				     const union addr *a, uint16_t p)
{
	int i;

	if (t->n_pub == 1)
		return t->by_pub[p];	/* the port says it: as before pools */
	i = pool_index(t, family, a);
	return i < 0 ? NULL : t->by_pub[(unsigned)i * 65536u + p];
}

/* Next free port in [lo, hi] with the given step, starting at *cur;
 * want (if in range and free) is tried first.  0 when none. */
void calls_set_prior(struct calls *t, const struct calls_prior *p)
{
	t->prior = *p;
}

uint16_t pool_prior(struct calls *t, int family, const union addr *a,
		    uint16_t port)
{
	if (!t->prior.port_of)
		return 0;
	return t->prior.port_of(t->prior.ctx, family, a, port,
				&t->pub[t->cur_pub]);
}

void calls_set_kernel(struct calls *t, const struct calls_kernel *k)
{
	t->kernel = *k;
}

bool calls_port_other(struct calls *t, int family, const union addr *a,
		      uint16_t in_port, uint16_t p)
{
	return t->kernel.other &&
	       t->kernel.other(t->kernel.ctx, family, &t->pub[t->cur_pub], p,
			       a, in_port);
}

/* Free: no binding of ours on it, and none the previous run left. */
static bool pool_free(struct calls *t, uint32_t p)
{
	return !*pool_slot(t, p) &&
	       !(t->prior.holds &&
		 t->prior.holds(t->prior.ctx, &t->pub[t->cur_pub],
				(uint16_t)p));
}

/* Free for who's socket (NULL: not asked): also not another inside
 * socket's mapping in the kernel.  The hook is asked at most
 * POOL_KERNEL_ASKS times a call (*asks counts; the daemon's answers
 * them from one kernel dump): a pool the kernel's masquerading crowds
 * that much is handed out as before. */
#define POOL_KERNEL_ASKS 8

static bool pool_free_for(struct calls *t, uint32_t p,
			  const struct pool_who *who, unsigned *asks)
{
	if (!pool_free(t, p))
		return false;
	if (!who || !t->kernel.other || *asks >= POOL_KERNEL_ASKS)
		return true;
	(*asks)++;
	return !calls_port_other(t, who->family, who->a, who->port,
				 (uint16_t)p);
}

uint16_t pool_take(struct calls *t, uint32_t lo, uint32_t hi,
		   unsigned step, uint32_t *cur, uint32_t want,
		   const struct pool_who *who)
{
	uint32_t n = (hi - lo + 1) / step, i, p;
	unsigned asks = 0;

	if (want >= lo && want + step - 1 <= hi && (want - lo) % step == 0 &&
	    pool_free_for(t, want, who, &asks) &&
	    (step == 1 || pool_free(t, want + 1)))
		return (uint16_t)want;
	for (i = 0; i < n; i++) {
		p = *cur;
		*cur = p + step > hi ? lo : p + step;
		if (pool_free_for(t, p, who, &asks) &&
		    (step == 1 || pool_free(t, p + 1)))
			return (uint16_t)p;
	}
	return 0;
}
