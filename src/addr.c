/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"

bool addr_in_prefix(int family, const union addr *a, int net_family,
		    const union addr *net, unsigned len)
{
	const uint8_t *x = (const uint8_t *)net, *y = (const uint8_t *)a;
	unsigned full = len / 8, rest = len % 8;
	uint8_t mask;

	if (family != net_family || len > addr_len(family) * 8)
		return false;
	if (memcmp(x, y, full))
		return false;
	if (!rest)
		return true;
	mask = (uint8_t)(0xffu << (8 - rest));
	return (x[full] & mask) == (y[full] & mask);
}


const char *addr_ntop(int family, const union addr *a, char *buf,
		      size_t cap, bool bracket)
{
	char t[INET6_ADDRSTRLEN];

	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, a, t,
		       sizeof(t)))
		snprintf(t, sizeof(t), "?");
	if (family == AF_INET6 && bracket)
		snprintf(buf, cap, "[%s]", t);
	else
		snprintf(buf, cap, "%s", t);
	return buf;
}



