/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <sys/socket.h>

#include "alg.h"
#include "log.h"

/* At start: inside sockets the kernel already maps (flows made while the
 * daemon did not run) keep their public port. */

int alg_adopt_map(struct alg *a, const struct nat_map *m,
		  const union addr *in, uint32_t ttl)
{
	uint64_t now = a->now();
	struct binding *b;
	struct nat_plan plan;
	const char *limit = NULL;
	bool created;

	/* On the address the kernel gave it (of ours: public_pool's hash
	 * may pick another one for the host). */
	if (calls_is_public(a->calls, AF_INET, in) ||
	    !calls_use_public(a->calls, AF_INET, &m->pub_addr))
		return -1;	/* ours, or masqueraded elsewhere */
	b = calls_sig_get_at(a->calls, AF_INET, in, m->in_port, m->pub_port,
			     now, &created, &limit);
	if (!b)
		return -1;
	if (!created)	/* another flow of the same socket */
		return b->pub_port == m->pub_port ? 0 : -1;
	if (b->pub_port != m->pub_port) {
		calls_binding_drop(a->calls, b);	/* the port is taken */
		return -1;
	}
	b->expires = now + ttl;
	calls_sig_rekey(a->calls, b);
	nat_plan_init(&plan);
	calls_binding_refresh(a->calls, b, b->expires, now, &plan);
	if (a->nat.apply(a->nat.ctx, &plan) < 0) {
		log_warn("adopting a mapping made before the daemon ran");
		calls_binding_drop(a->calls, b);
		return -1;
	}
	return 1;
}
