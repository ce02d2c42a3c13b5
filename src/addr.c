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

	if (!addr_text(family, a, t, sizeof(t)))
		strcpy(t, "?");
	if (family == AF_INET6 && bracket)
		snprintf(buf, cap, "[%s]", t);
	else
		snprintf(buf, cap, "%s", t);
	return buf;
}

bool addr_parse4(const char *s, size_t n, struct in_addr *out)
{
	uint8_t o[4];
	unsigned k = 0, v = 0;
	bool digit = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			if (digit && v == 0)
				return false;	/* a leading zero */
			v = v * 10 + (unsigned)(s[i] - '0');
			if (v > 255)
				return false;
			digit = true;
		} else if (s[i] == '.' && digit && k < 3) {
			o[k++] = (uint8_t)v;
			v = 0;
			digit = false;
		} else {
			return false;
		}
	}
	if (!digit || k != 3)
		return false;
	o[3] = (uint8_t)v;
	memcpy(out, o, 4);
	return true;
}

/* Decimal digits of v (< 100000) at p; their count. */
static size_t put_uint(char *p, unsigned v)
{
	char t[8];
	size_t n = 0, i;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < sizeof(t));
	for (i = 0; i < n; i++)
		p[i] = t[n - 1 - i];
	return n;
}

/* t[0..n) and a NUL into buf (cap bytes), or "" when it does not fit;
 * the length written. */
static size_t put_text(char *buf, size_t cap, const char *t, size_t n)
{
	if (n + 1 > cap) {
		if (cap)
			buf[0] = '\0';
		return 0;
	}
	memcpy(buf, t, n);
	buf[n] = '\0';
	return n;
}

size_t addr_text(int family, const union addr *a, char *buf, size_t cap)
{
	const uint8_t *b = (const uint8_t *)&a->v4;
	char t[INET_ADDRSTRLEN];
	size_t n = 0;
	unsigned i;

	if (family == AF_INET6) {
		if (!cap || !inet_ntop(AF_INET6, a, buf, (socklen_t)cap)) {
			if (cap)
				buf[0] = '\0';
			return 0;
		}
		return strlen(buf);
	}
	for (i = 0; i < 4; i++) {
		if (i)
			t[n++] = '.';
		n += put_uint(t + n, b[i]);
	}
	return put_text(buf, cap, t, n);
}

size_t addr_port_text(int family, const union addr *a, uint16_t port,
		      char *buf, size_t cap)
{
	char t[ADDR_TEXT + 8];
	size_t n = 0;

	if (family == AF_INET6 && port)
		t[n++] = '[';
	n += addr_text(family, a, t + n, INET6_ADDRSTRLEN);
	if (family == AF_INET6 && port)
		t[n++] = ']';
	if (port) {
		t[n++] = ':';
		n += put_uint(t + n, port);
	}
	return put_text(buf, cap, t, n);
}



