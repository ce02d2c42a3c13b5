/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <sys/socket.h>

#include "rw.h"

/* The kernel's existing NAT mappings of the sending inside host's sockets
 * (rw_ctx.maps): a NAT-aware phone learned them (STUN, rport) and writes
 * them; the bindings made for it must be the same ones. */

uint16_t rw_map_pub(const struct rw_ctx *x, const union addr *a,
		    uint16_t in_port)
{
	unsigned i;

	if (!rw_addr_eq(x->family, a, &x->src))
		return 0;	/* the mappings are the sender's only */
	for (i = 0; i < x->n_maps; i++)
		if (x->maps[i].in_port == in_port &&
		    rw_addr_eq(x->family, &x->maps[i].pub_addr, &x->pub))
			return x->maps[i].pub_port;
	return 0;
}

uint16_t rw_map_in(const struct rw_ctx *x, uint16_t pub_port)
{
	unsigned i;

	for (i = 0; i < x->n_maps; i++)
		if (x->maps[i].pub_port == pub_port &&
		    rw_addr_eq(x->family, &x->maps[i].pub_addr, &x->pub))
			return x->maps[i].in_port;
	return 0;
}
