/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "rw.h"

/* Addresses in messages: parse, inside or public, text forms. */

void rewrite_addr_text(int family, const union addr *a, char *out,
		       size_t cap)
{
	addr_text(family, a, out, cap);
}

/* Parse span s as an address literal of the packet's family. */
bool rw_addr_parse(const char *buf, struct span s, int family,
		      union addr *a)
{
	char tmp[64];

	if (family == AF_INET)
		return addr_parse4(buf + s.off, s.len, &a->v4);
	if (s.len == 0 || s.len >= sizeof(tmp))
		return false;
	memcpy(tmp, buf + s.off, s.len);
	tmp[s.len] = '\0';
	if (family == AF_INET6 && tmp[0] == '[' && tmp[s.len - 1] == ']') {
		memmove(tmp, tmp + 1, s.len - 2);
		tmp[s.len - 2] = '\0';
	}
	return inet_pton(family, tmp, a) == 1;
}

bool rw_addr_eq(int family, const union addr *a, const union addr *b)
{
	return addr_eq(family, a, b);
}

static bool prefix_has(const struct prefix *p, int family,
		       const union addr *a)
{
	const unsigned char *x = (const void *)&p->addr, *y = (const void *)a;
	unsigned full = p->len / 8, rest = p->len % 8;

	if (p->family != family)
		return false;
	if (memcmp(x, y, full))
		return false;
	return !rest || ((x[full] ^ y[full]) & (0xff << (8 - rest))) == 0;
}

/* True when a is an inside address: the phone that sent or receives this
 * packet, or any address in a network behind the gateway. */
bool rw_addr_inside(const struct rw_ctx *x, const union addr *a)
{
	const union addr *phone = x->dir == RW_OUT ? &x->src : &x->dst;
	unsigned i;

	if (rw_addr_eq(x->family, a, phone))
		return true;
	for (i = 0; i < x->n_inside; i++)
		if (prefix_has(&x->inside[i], x->family, a))
			return true;
	return false;
}

bool rw_addr_span_inside(const struct rw_ctx *x, const char *buf,
			   struct span s, union addr *a)
{
	return rw_addr_parse(buf, s, x->family, a) && rw_addr_inside(x, a);
}

bool rw_addr_span_pub(const struct rw_ctx *x, const char *buf,
			struct span s)
{
	union addr a;

	return rw_addr_parse(buf, s, x->family, &a) &&
	       calls_is_public(x->calls, x->family, &a);
}

/* "host:port" of the gateway for binding b. */
void rw_addr_pub_hostport(const struct rw_ctx *x, const struct binding *b,
			 char *out, size_t cap)
{
	addr_port_text(x->family, calls_pub_addr(x->calls, b), b->pub_port,
		       out, cap);
}

/* The span covering host[:port] of hp. */
struct span rw_addr_hostport_span(const struct sip_hostport *hp)
{
	struct span s = hp->host;

	if (hp->port.len)
		s.len = span_end(hp->port) - s.off;
	return s;
}
