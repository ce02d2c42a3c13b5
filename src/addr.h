/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_ADDR_H
#define SIPALG_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * The address type of both families, and what the daemon asks of an
 * address: equality, a hash, prefix tests, text, and whether it may ever
 * be the inside end of a binding.  Pure: no sockets.
 */

/* An IPv4 or IPv6 address; its family (AF_INET, AF_INET6, or 0: unset)
 * travels beside it. */
union addr {
	struct in_addr v4;
	struct in6_addr v6;
};

/* ADDR_TEXT - room for the text of either family plus brackets. */
#define ADDR_TEXT (INET6_ADDRSTRLEN + 2)

/* addr_len - bytes of an address of family (16 for AF_INET6, else 4). */
static inline size_t addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

/* addr_eq - a and b are the same address of family. */
static inline bool addr_eq(int family, const union addr *a,
			   const union addr *b)
{
	return memcmp(a, b, addr_len(family)) == 0;
}

/* addr_in_prefix - a (of family) lies in net/len of net_family. */
bool addr_in_prefix(int family, const union addr *a, int net_family,
		    const union addr *net, unsigned len);


/*
 * addr_ntop - text of a into buf (cap bytes, ADDR_TEXT is enough):
 * dotted quad, or IPv6 in brackets when bracket is true.  Returns buf.
 */
const char *addr_ntop(int family, const union addr *a, char *buf,
		      size_t cap, bool bracket);

/*
 * addr_parse4 - the dotted quad s[0..n) (no NUL needed) into *out:
 * exactly what inet_pton(AF_INET) accepts (four decimal octets up to 255,
 * no leading zeros, nothing else).  By hand: the packet path parses
 * several addresses a message.
 */
bool addr_parse4(const char *s, size_t n, struct in_addr *out);

/*
 * addr_text - text of a into buf (cap bytes, INET6_ADDRSTRLEN is enough),
 * as inet_ntop writes it (no brackets); "" when it does not fit.  IPv4 is
 * formatted by hand: several addresses a message on the packet path.
 * Returns the text's length.
 */
size_t addr_text(int family, const union addr *a, char *buf, size_t cap);

/*
 * addr_port_text - "a:port" ("[a]:port" for IPv6; the address alone when
 * port is 0) into buf (cap bytes, ADDR_TEXT + 6 is enough); "" when it
 * does not fit.  Returns the text's length.
 */
size_t addr_port_text(int family, const union addr *a, uint16_t port,
		      char *buf, size_t cap);

#endif
