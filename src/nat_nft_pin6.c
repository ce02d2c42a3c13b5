/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>

#include "nat_nft.h"
#include "nat_nft_int.h"

/* Listing the pin6 set a stop left, so that a restart takes its holes
 * over (restart.c).  The key: 16 address bytes, the port (network
 * order), padding. */

static int dump6_elem(struct nat_nft_dump *d, struct nftnl_set_elem *el)
{
	uint32_t kl = 0;
	const uint8_t *k = nftnl_set_elem_get(el, NFTNL_SET_ELEM_KEY, &kl);
	struct nat_elem *e;
	uint16_t p;

	if (!k || kl < 18)
		return 0;
	e = nat_nft_dump_next(d, el);
	if (!e)
		return -1;
	e->family = AF_INET6;
	memcpy(&e->in_addr.v6, k, 16);
	memcpy(&p, k + 16, 2);
	e->in_port = ntohs(p);
	e->pub_addr = e->in_addr;
	e->pub_port = e->in_port;
	return 0;
}

int nat_nft_dump6(struct nat_nft *h, struct nat_elem **out)
{
	struct nat_nft_dump d = { .elem = dump6_elem };

	return nat_nft_dump_set(h, NFPROTO_IPV6, "pin6", &d, out);
}
