/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_CALL_INT_H
#define SIPALG_CALL_INT_H

#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "call.h"
#include "hash.h"
#include "heap.h"

/*
 * Internal to the call state (call.c, binding.c, pool.c, sweep.c): the
 * table itself and what the files share.  Nothing else includes this.
 */

/* Bucket counts: short chains up to about 100,000 calls (a binding per
 * phone and two per stream); 1 MiB of heads in all. */
#define BIND_HASH 65536
#define CALL_HASH 65536
/* Margin added to kernel timeouts: the daemon removes elements itself;
 * the kernel timeout only cleans up after a daemon that died. */
#define KERNEL_MARGIN 60
#define QUOTA_HASH 4096

/* What the quotas count per host (quota.c). */
enum quota_kind { Q_SIG, Q_MEDIA, Q_CALLS, Q_SETUPS, QUOTA_KINDS };

struct quota {
	struct quota *next;
	int family;
	union addr a;
	uint32_t n[QUOTA_KINDS];
};

/* How many ended dialogs are remembered: more than the BYEs of 32 s
 * (64*T1, a 2xx's retransmission time) at the rates a gateway sees
 * retransmissions cross, not every BYE at full load. */
#define CALLS_ENDED 256

struct calls {
	const struct conf *conf;
	int pub_family;
	union addr pub[CALLS_MAX_PUB];
	unsigned n_pub;
	unsigned cur_pub;		/* for bindings made now */
	struct binding *by_in[BIND_HASH];
	struct binding **by_pub;	/* [address index * 65536 + port] */
	struct call *by_id[CALL_HASH];
	/* Every call and every signalling binding in a binary min-heap by
	 * due time: a tick looks only at what may have expired. */
	struct heap calls_due, sig_due;
	uint32_t media_next;	/* next-fit cursors keep recently freed */
	uint32_t sig_next;	/* ports out of use for a while */
	unsigned n_calls, n_sig, n_media;
	calls_end_fn end_hook;
	void *end_ctx;
	struct calls_prior prior;	/* bindings the previous run left */
	struct calls_kernel kernel;	/* the kernel's other mappings */
	const char *end_why;	/* the sweep's reason, for end_hook */
	struct hash_key key;		/* random: the tables' hash */
	struct quota *quota[QUOTA_HASH];
	/* Dialogs BYEs ended lately (calls_dialog_ended), oldest first
	 * overwritten. */
	struct {
		uint64_t id, at;
		uint32_t a, b;
	} ended[CALLS_ENDED];
	unsigned ended_next;
};

#define container_of(p, type, member) \
	((type *)(void *)((char *)(p) - offsetof(type, member)))

static inline unsigned binding_count(const struct calls *t)
{
	return t->n_sig + t->n_media;
}

/* pool_slot - the by_pub slot of public port p on the address bindings
 * are made on now. */
struct binding **pool_slot(struct calls *t, uint32_t p);

/* The inside socket a port is taken for (pool_take asks the kernel
 * whether another socket already has it, calls_set_kernel). */
struct pool_who {
	int family;
	const union addr *a;
	uint16_t port;
};

/* pool_take - next free port in [lo, hi] with the given step (2: an
 * even/odd pair), starting at *cur; want (if in range and free) is tried
 * first.  With who, a port the kernel maps for another inside socket is
 * not free (asked for a few ports only, see pool.c).  0 when none. */
uint16_t pool_take(struct calls *t, uint32_t lo, uint32_t hi,
		   unsigned step, uint32_t *cur, uint32_t want,
		   const struct pool_who *who);

/* pool_prior - the public port a prior run's binding gave inside a:port
 * on the address bindings are made on now, 0 when none. */
uint16_t pool_prior(struct calls *t, int family, const union addr *a,
		    uint16_t port);

/* binding_new - a binding of inside a:port on public port pub, linked
 * into the tables (and the sweep's heap for signalling).  NULL when out
 * of memory (nothing linked). */
struct binding *binding_new(struct calls *t, enum bind_kind kind,
			    int family, const union addr *a,
			    uint16_t port, uint16_t pub);

/* quota_count - how many of kind host a has now. */
uint32_t quota_count(const struct calls *t, int family, const union addr *a,
		     enum quota_kind kind);

/* quota_add / quota_sub - one more / one less of kind for host a.
 * quota_add: 0, or -1 out of memory (nothing counted). */
int quota_add(struct calls *t, int family, const union addr *a,
	      enum quota_kind kind);
void quota_sub(struct calls *t, int family, const union addr *a,
	       enum quota_kind kind);

/* quota_free_all - forget every count (calls_free). */
void quota_free_all(struct calls *t);

/* call_hold - call k holds media binding b (once).  0, or -1 at
 * CALL_MAX_BIND or out of memory. */
int call_hold(struct call *k, struct binding *b);

/* sweep_call_due - when k could first expire, from what is known now. */
uint64_t sweep_call_due(const struct calls *t, const struct call *k);

#endif
