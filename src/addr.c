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

uint32_t addr_hash(int family, const union addr *a, uint32_t seed)
{
	const uint8_t *p = (const uint8_t *)a;
	uint32_t h = seed ^ 2166136261u;
	size_t i;

	/* FNV-1a, then a final avalanche so low bits spread. */
	for (i = 0; i < addr_len(family); i++)
		h = (h ^ p[i]) * 16777619u;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h;
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

int addr_pton(const char *s, int *family, union addr *a)
{
	char t[INET6_ADDRSTRLEN + 1];
	size_t n = strlen(s);

	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (n > 2 && s[0] == '[' && s[n - 1] == ']' && n - 2 < sizeof(t)) {
		memcpy(t, s + 1, n - 2);
		t[n - 2] = 0;
		s = t;
	}
	if (inet_pton(AF_INET6, s, &a->v6) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

static bool v4_never(uint32_t h)
{
	return (h >> 24) == 0 || (h >> 24) == 127 || (h >> 28) == 0xe ||
	       h == 0xffffffffu;
}

bool addr_never_bind(int family, const union addr *a)
{
	const struct in6_addr *v6 = &a->v6;

	if (family == AF_INET)
		return v4_never(ntohl(a->v4.s_addr));
	return IN6_IS_ADDR_UNSPECIFIED(v6) || IN6_IS_ADDR_LOOPBACK(v6) ||
	       IN6_IS_ADDR_MULTICAST(v6) || IN6_IS_ADDR_LINKLOCAL(v6) ||
	       IN6_IS_ADDR_V4MAPPED(v6);
}
