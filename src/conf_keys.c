// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * conf_keys.c - the configuration's keys: conf_keys[], one row a key
 * (its parser and where its value goes), and the value parsers, one per
 * kind of key.  A parser reports what is wrong with a value; conf.c
 * turns that into "FILE:LINE: ..." and runs the checks across keys.
 */
#include "conf.h"
#include "conf_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define CONF_MAX_DURATION (7u * 24 * 3600)	/* a week, in seconds */
#define CONF_MAX_COUNT	(1u << 20)	/* max_calls, max_bindings */

/* ---- number parsing ---------------------------------------------------- */

/*
 * conf_parse_ulong - decimal, or hexadecimal after "0x".  No sign, no
 * leading blanks, no octal (strtoul's base 0 would read "010" as 8).
 * Returns 0 and the value in *out, or -1 when s is not such a number or
 * does not fit in an unsigned long; *end gets the first unread byte.
 */
static int conf_parse_ulong(const char *s, unsigned long *out,
			    const char **end)
{
	int base = 10;
	char *e;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			return -1;	/* strtoul would skip a second 0x */
	}
	if (!isxdigit((unsigned char)*s) ||
	    (base == 10 && !isdigit((unsigned char)*s)))
		return -1;
	errno = 0;
	*out = strtoul(s, &e, base);
	if (errno)
		return -1;
	*end = e;
	return 0;
}

/* conf_parse_num - s is wholly a number in min..max: 0, else -1. */
static int conf_parse_num(const char *s, unsigned long min, unsigned long max,
			  unsigned long *out)
{
	const char *end;

	if (conf_parse_ulong(s, out, &end) < 0 || *end != '\0')
		return -1;
	return *out >= min && *out <= max ? 0 : -1;
}

/* ---- value parsers, one per kind of key ------------------------------ */

#define CONF_FIELD(c, off, type) ((type *)((char *)(c) + (off)))

/*
 * An interface name as the kernel accepts it (dev_valid_name): 1 to
 * IF_NAMESIZE - 1 bytes, no '/', ':' or whitespace, not "." or "..".
 */
static const char *conf_parse_ifname(struct conf *c, size_t off,
				     const char *val)
{
	size_t n = strlen(val);

	if (n >= IF_NAMESIZE)
		return "interface name too long";
	if (strcmp(val, ".") == 0 || strcmp(val, "..") == 0)
		return "invalid interface name";
	for (const char *p = val; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return "invalid interface name";
	memcpy(CONF_FIELD(c, off, char), val, n + 1);
	return NULL;
}

static const char *conf_parse_address(struct conf *c, size_t off,
				      const char *val)
{
	(void)off;
	if (inet_pton(AF_INET, val, &c->public_address.v4) == 1) {
		c->public_family = AF_INET;
		return NULL;
	}
	if (inet_pton(AF_INET6, val, &c->public_address.v6) == 1) {
		c->public_family = AF_INET6;
		return NULL;
	}
	return "expected an IPv4 or IPv6 address";
}

char *conf_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

#define CONF_STR(x) CONF_STR2(x)
#define CONF_STR2(x) #x

/* A comma separated list of distinct ports, blanks allowed around commas. */
static const char *conf_parse_port_list(struct conf *c, size_t off,
					const char *val)
{
	char buf[256], *rest = buf, *tok;
	unsigned long p;
	unsigned n = 0;

	(void)off;
	if (strlen(val) >= sizeof(buf))
		return "port list too long";
	strcpy(buf, val);
	while ((tok = strsep(&rest, ","))) {
		if (conf_parse_num(conf_trim(tok), 1, 65535, &p) < 0)
			return "expected ports 1..65535 separated by commas";
		if (n == CONF_MAX_SIP_PORTS)
			return "too many ports (at most "
			       CONF_STR(CONF_MAX_SIP_PORTS) ")";
		for (unsigned i = 0; i < n; i++)
			if (c->sip_ports[i] == p)
				return "port listed twice";
		c->sip_ports[n++] = (uint16_t)p;
	}
	c->n_sip_ports = n;
	return NULL;
}

/*
 * One network "ADDR/LEN" or a bare address (a host: /32, /128) into *n.
 * Host bits must be zero, so a typo like 10.1.2.3/8 is caught.
 */
static const char *conf_parse_net(char *tok, struct conf_net *n)
{
	char *slash = strchr(tok, '/');
	unsigned long len;
	unsigned max, i;

	memset(n, 0, sizeof(*n));
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, conf_trim(tok), &n->addr.v4) == 1)
		n->family = AF_INET;
	else if (inet_pton(AF_INET6, conf_trim(tok), &n->addr.v6) == 1)
		n->family = AF_INET6;
	else
		return "expected networks ADDR/LEN separated by commas";
	max = n->family == AF_INET ? 32 : 128;
	len = max;
	if (slash && conf_parse_num(conf_trim(slash + 1), 0, max, &len) < 0)
		return "prefix length out of range";
	n->len = (unsigned)len;
	for (i = n->len; i < max; i++) {
		const uint8_t *b = (const uint8_t *)&n->addr;

		if (b[i / 8] & (0x80u >> (i % 8)))
			return "address has bits set past the prefix length";
	}
	return NULL;
}

/* A comma-separated list of up to CONF_MAX_INSIDE_NETS networks ADDR/LEN
 * into out[0..*n). */
static const char *conf_nets(const char *val, struct conf_net *out,
			     unsigned *n)
{
	char buf[512], *rest = buf, *tok;
	struct conf_net net;
	const char *why;
	unsigned k = 0;

	if (strlen(val) >= sizeof(buf))
		return "network list too long";
	strcpy(buf, val);
	while ((tok = strsep(&rest, ","))) {
		why = conf_parse_net(tok, &net);
		if (why)
			return why;
		if (k == CONF_MAX_INSIDE_NETS)
			return "too many networks (at most "
			       CONF_STR(CONF_MAX_INSIDE_NETS) ")";
		out[k++] = net;
	}
	*n = k;
	return NULL;
}

static const char *conf_parse_net_list(struct conf *c, size_t off,
				       const char *val)
{
	(void)off;
	return conf_nets(val, c->inside_networks, &c->n_inside_networks);
}

static const char *conf_parse_trusted(struct conf *c, size_t off,
				      const char *val)
{
	(void)off;
	return conf_nets(val, c->trusted_proxies, &c->n_trusted_proxies);
}

/* incoming_from = any | registrar | NETWORKS */
static const char *conf_parse_incoming(struct conf *c, size_t off,
				       const char *val)
{
	(void)off;
	if (!strcasecmp(val, "any")) {
		c->incoming_from = INCOMING_ANY;
		return NULL;
	}
	if (!strcasecmp(val, "registrar")) {
		c->incoming_from = INCOMING_REGISTRAR;
		return NULL;
	}
	c->incoming_from = INCOMING_NETS;
	if (conf_nets(val, c->incoming_nets, &c->n_incoming_nets))
		return "expected any, registrar or a list of networks "
		       "ADDR/LEN";
	return NULL;
}

/* media_from = any | sdp */
static const char *conf_parse_media_from(struct conf *c, size_t off,
					 const char *val)
{
	(void)off;
	if (!strcasecmp(val, "any"))
		c->media_from = MEDIA_FROM_ANY;
	else if (!strcasecmp(val, "sdp"))
		c->media_from = MEDIA_FROM_SDP;
	else
		return "expected any or sdp";
	return NULL;
}

static int conf_split_range(const char *val, unsigned long *a,
			    unsigned long *b);

static const char *conf_parse_inside_media(struct conf *c, size_t off,
					   const char *val)
{
	unsigned long a, b;

	(void)off;
	if (conf_split_range(val, &a, &b) < 0)
		return "expected a port range A-B within 1..65535";
	if (b <= a)
		return "range end must be greater than its start";
	c->inside_media_port_min = (uint16_t)a;
	c->inside_media_port_max = (uint16_t)b;
	return NULL;
}

static const char *conf_parse_pool(struct conf *c, size_t off,
				   const char *val)
{
	char buf[512], *rest = buf, *tok;
	unsigned k = 0;

	(void)off;
	if (strlen(val) >= sizeof(buf))
		return "address list too long";
	strcpy(buf, val);
	while ((tok = strsep(&rest, ", \t"))) {
		if (!*tok)
			continue;
		if (k == CONF_MAX_PUBLIC_POOL)
			return "too many addresses (at most "
			       CONF_STR(CONF_MAX_PUBLIC_POOL) ")";
		if (inet_pton(AF_INET, tok, &c->public_pool[k]) != 1)
			return "expected IPv4 addresses";
		for (unsigned i = 0; i < k; i++)
			if (c->public_pool[i].s_addr ==
			    c->public_pool[k].s_addr)
				return "address listed twice";
		k++;
	}
	if (!k)
		return "expected IPv4 addresses";
	c->n_public_pool = k;
	return NULL;
}

/*
 * conf_split_range - "A-B" (blanks allowed around '-') into *a and *b,
 * both 1..65535.  Returns 0, or -1 when val is not such a range.
 */
static int conf_split_range(const char *val, unsigned long *a,
			    unsigned long *b)
{
	char buf[64], *dash;

	if (strlen(val) >= sizeof(buf))
		return -1;
	strcpy(buf, val);
	dash = strchr(buf, '-');
	if (!dash)
		return -1;
	*dash = '\0';
	if (conf_parse_num(conf_trim(buf), 1, 65535, a) < 0 ||
	    conf_parse_num(conf_trim(dash + 1), 1, 65535, b) < 0)
		return -1;
	return 0;
}

/*
 * Media ports come in RTP/RTCP pairs (RFC 3550 section 11: RTP on an even
 * port, RTCP on the next odd one), so the range starts on an even port.
 */
static const char *conf_parse_media_range(struct conf *c, size_t off,
					  const char *val)
{
	unsigned long a, b;

	(void)off;
	if (conf_split_range(val, &a, &b) < 0)
		return "expected a port range A-B within 1..65535";
	if (a % 2)
		return "media range must start on an even port";
	if (b <= a)
		return "range end must be greater than its start";
	c->media_port_min = (uint16_t)a;
	c->media_port_max = (uint16_t)b;
	return NULL;
}

static const char *conf_parse_signalling_range(struct conf *c, size_t off,
					       const char *val)
{
	unsigned long a, b;

	(void)off;
	if (conf_split_range(val, &a, &b) < 0)
		return "expected a port range A-B within 1..65535";
	if (b < a)
		return "range end must not be less than its start";
	c->signalling_port_min = (uint16_t)a;
	c->signalling_port_max = (uint16_t)b;
	return NULL;
}

static const char *conf_parse_u16(struct conf *c, size_t off, const char *val)
{
	unsigned long v;

	if (conf_parse_num(val, 0, 65535, &v) < 0)
		return "expected a number 0..65535";
	*CONF_FIELD(c, off, uint16_t) = (uint16_t)v;
	return NULL;
}

static const char *conf_parse_mark(struct conf *c, size_t off, const char *val)
{
	unsigned long v;

	if (conf_parse_num(val, 1, UINT32_MAX, &v) < 0)
		return "expected a nonzero 32-bit mark (decimal or 0x hex)";
	*CONF_FIELD(c, off, uint32_t) = (uint32_t)v;
	return NULL;
}

static const char *conf_parse_count(struct conf *c, size_t off,
				    const char *val)
{
	unsigned long v;

	if (conf_parse_num(val, 1, CONF_MAX_COUNT, &v) < 0)
		return "expected a number 1..1048576";
	*CONF_FIELD(c, off, uint32_t) = (uint32_t)v;
	return NULL;
}

/*
 * conf_seconds - a duration: a number of seconds, or a number followed by
 * one of s, m, h, d.  Returns 0 and *out, or -1; at most a week.
 */
static int conf_seconds(const char *val, unsigned long *out)
{
	static const struct {
		char suffix;
		unsigned long mult;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	const char *end;
	unsigned long v;

	if (val[0] == '0' && (val[1] == 'x' || val[1] == 'X'))
		return -1;
	if (conf_parse_ulong(val, &v, &end) < 0 || v > CONF_MAX_DURATION)
		return -1;
	if (*end == '\0') {
		*out = v;
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (end[0] == units[i].suffix && end[1] == '\0') {
			if (v > CONF_MAX_DURATION / units[i].mult)
				return -1;
			*out = v * units[i].mult;
			return 0;
		}
	return -1;
}

static const char *conf_parse_duration(struct conf *c, size_t off,
				       const char *val)
{
	unsigned long v;

	if (conf_seconds(val, &v) < 0 || v == 0)
		return "expected a duration 1s..7d (seconds, or with s/m/h/d)";
	*CONF_FIELD(c, off, uint32_t) = (uint32_t)v;
	return NULL;
}

/* log_interval may be 0: every occurrence is logged. */
static const char *conf_parse_interval(struct conf *c, size_t off,
				       const char *val)
{
	unsigned long v;

	if (conf_seconds(val, &v) < 0)
		return "expected a duration 0s..7d (seconds, or with s/m/h/d)";
	*CONF_FIELD(c, off, uint32_t) = (uint32_t)v;
	return NULL;
}

static const char *conf_parse_bool(struct conf *c, size_t off, const char *val)
{
	static const char *const yes[] = { "yes", "true", "1" };
	static const char *const no[] = { "no", "false", "0" };

	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(val, yes[i]) == 0) {
			*CONF_FIELD(c, off, bool) = true;
			return NULL;
		}
		if (strcasecmp(val, no[i]) == 0) {
			*CONF_FIELD(c, off, bool) = false;
			return NULL;
		}
	}
	return "expected yes, no, true, false, 1 or 0";
}

static const char *conf_parse_rules(struct conf *c, size_t off,
				    const char *val)
{
	static const char *const names[] = { "auto", "iptables", "nft" };

	for (size_t i = 0; i < 3; i++)
		if (strcmp(val, names[i]) == 0) {
			*CONF_FIELD(c, off, int) = (int)i;
			return NULL;
		}
	return "expected auto, iptables or nft";
}

/* log_level: a name, so a reader need not know the numbers. */
static const char *conf_parse_log_level(struct conf *c, size_t off,
					const char *val)
{
	static const char *const names[] = { "warning", "info", "debug" };

	for (size_t i = 0; i < 3; i++)
		if (strcasecmp(val, names[i]) == 0) {
			*CONF_FIELD(c, off, int) = (int)i;
			return NULL;
		}
	return "expected warning, info or debug";
}

/* An absolute path that fits a unix socket address, or "none" (the
 * control socket; the state file keeps to the same limit). */
static const char *conf_parse_sock_path(struct conf *c, size_t off,
					const char *val)
{
	char *dst = CONF_FIELD(c, off, char);

	if (strcasecmp(val, "none") == 0) {
		dst[0] = '\0';
		return NULL;
	}
	if (val[0] != '/')
		return "expected an absolute path or none";
	if (strlen(val) >= CONF_PATH_MAX)
		return "path too long (at most 107 bytes)";
	strcpy(dst, val);
	return NULL;
}

/* A group name as useradd accepts it (checked against the system's
 * groups when the daemon starts, not here). */
static const char *conf_parse_group(struct conf *c, size_t off,
				    const char *val)
{
	if (strlen(val) >= CONF_NAME_MAX)
		return "group name too long";
	for (const char *p = val; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_-.", *p))
			return "invalid group name";
	strcpy(CONF_FIELD(c, off, char), val);
	return NULL;
}

/* ADDR:PORT or [ADDR6]:PORT, or "none". */
static const char *conf_parse_listen(struct conf *c, size_t off,
				     const char *val)
{
	char buf[64], *colon, *host = buf;
	unsigned long port;

	(void)off;
	if (strcasecmp(val, "none") == 0) {
		c->http_family = 0;
		return NULL;
	}
	if (strlen(val) >= sizeof(buf))
		return "expected ADDR:PORT";
	strcpy(buf, val);
	colon = strrchr(buf, ':');
	if (!colon || conf_parse_num(colon + 1, 1, 65535, &port) < 0)
		return "expected ADDR:PORT (port 1..65535)";
	*colon = '\0';
	if (host[0] == '[' && colon[-1] == ']') {
		colon[-1] = '\0';
		host++;
	}
	if (inet_pton(AF_INET, host, &c->http_addr.v4) == 1)
		c->http_family = AF_INET;
	else if (inet_pton(AF_INET6, host, &c->http_addr.v6) == 1)
		c->http_family = AF_INET6;
	else
		return "expected an IPv4 or [IPv6] address before the port";
	c->http_port = (uint16_t)port;
	return NULL;
}

/* ---- the key table ----------------------------------------------------- */

#define KEY(name, fn, field, req) \
	{ name, fn, offsetof(struct conf, field), req }

const struct conf_key conf_keys[] = {
	KEY("inside_interface", conf_parse_ifname, inside_interface, true),
	KEY("outside_interface", conf_parse_ifname, outside_interface, true),
	KEY("public_address", conf_parse_address, public_address, false),
	KEY("sip_ports", conf_parse_port_list, sip_ports, false),
	KEY("media_ports", conf_parse_media_range, media_port_min, false),
	KEY("signalling_ports", conf_parse_signalling_range,
	    signalling_port_min, false),
	KEY("queue", conf_parse_u16, queue, false),
	KEY("ct_mark", conf_parse_mark, ct_mark, false),
	KEY("register_default_expiry", conf_parse_duration,
	    register_default_expiry, false),
	KEY("register_max_expiry", conf_parse_duration, register_max_expiry,
	    false),
	KEY("call_setup_timeout", conf_parse_duration, call_setup_timeout,
	    false),
	KEY("media_idle_timeout", conf_parse_duration, media_idle_timeout,
	    false),
	KEY("call_max_duration", conf_parse_duration, call_max_duration,
	    false),
	KEY("max_calls", conf_parse_count, max_calls, false),
	KEY("max_bindings", conf_parse_count, max_bindings, false),
	KEY("log_interval", conf_parse_interval, log_interval, false),
	KEY("fail_closed", conf_parse_bool, fail_closed, false),
	KEY("ipv6", conf_parse_bool, ipv6, false),
	KEY("inside_networks", conf_parse_net_list, inside_networks, false),
	KEY("public_pool", conf_parse_pool, public_pool, false),
	KEY("rules_backend", conf_parse_rules, rules_backend, false),
	KEY("restart_grace", conf_parse_duration, restart_grace, false),
	KEY("state_file", conf_parse_sock_path, state_file, false),
	KEY("log_level", conf_parse_log_level, log_level, false),
	KEY("control_socket", conf_parse_sock_path, control_socket, false),
	KEY("control_group", conf_parse_group, control_group, false),
	KEY("http_listen", conf_parse_listen, http_family, false),
	KEY("bind_port_min", conf_parse_u16, bind_port_min, false),
	KEY("inside_media_ports", conf_parse_inside_media,
	    inside_media_port_min, false),
	KEY("trusted_proxies", conf_parse_trusted, trusted_proxies, false),
	KEY("incoming_from", conf_parse_incoming, incoming_from, false),
	KEY("media_from", conf_parse_media_from, media_from, false),
	KEY("max_calls_per_host", conf_parse_count, max_calls_per_host, false),
	KEY("max_media_per_host", conf_parse_count, max_media_per_host, false),
	KEY("max_signalling_per_host", conf_parse_count,
	    max_signalling_per_host, false),
	KEY("max_inbound_setups_per_source", conf_parse_count,
	    max_inbound_setups_per_source, false),
	KEY("max_callid_length", conf_parse_count, max_callid_length, false),
	KEY("tcp_max_connections", conf_parse_count, tcp_max_connections,
	    false),
	KEY("tcp_idle_timeout", conf_parse_duration, tcp_idle_timeout, false),
};

#define CONF_NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

const size_t conf_nkeys = CONF_NKEYS;

_Static_assert(CONF_NKEYS <= CONF_MAX_KEYS, "grow CONF_MAX_KEYS");

int conf_key_find(const char *name)
{
	for (size_t i = 0; i < CONF_NKEYS; i++)
		if (strcmp(conf_keys[i].name, name) == 0)
			return (int)i;
	return -1;
}
