// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * conf.c - the "key = value" configuration file.
 *
 * One key per line, '#' starts a comment anywhere on a line, whitespace
 * around '=' is optional.  Every key is a row in conf_keys[]: a parser for
 * its value and where the value goes.  Unknown keys, duplicate keys and bad
 * values are errors that name the file and the line and echo the line, so
 * "sipalgd -n" can point at the mistake.  Checks that involve two keys
 * (overlapping port ranges, ...) run once the whole file is read and blame
 * the line that was set last.
 */
#include "conf.h"
#include "conf_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define CONF_ECHO_MAX	128		/* bytes of a line kept for messages */

/* Parse state: where we are, and which line set each key. */
struct conf_state {
	const char *path;
	unsigned lineno;
	char *err;
	size_t errlen;
	unsigned set_on[CONF_MAX_KEYS];	/* line that set key i, 0 = default */
	char echo[CONF_MAX_KEYS][CONF_ECHO_MAX]; /* that line, for messages */
};

bool conf_net_has(const struct conf_net *n, int family, const union addr *a)
{
	return addr_in_prefix(family, a, n->family, &n->addr, n->len);
}

bool conf_nets_have(const struct conf_net *n, unsigned count, int family,
		    const union addr *a)
{
	unsigned i;

	for (i = 0; i < count; i++)
		if (conf_net_has(&n[i], family, a))
			return true;
	return false;
}

void conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->sip_ports[0] = 5060;
	c->n_sip_ports = 1;
	c->media_port_min = 30000;
	c->media_port_max = 39999;
	c->signalling_port_min = 5060;
	c->signalling_port_max = 5999;
	c->queue = 0;
	c->ct_mark = 0x5a1;
	c->restart_grace = 60;
	c->register_default_expiry = 3600;
	c->register_max_expiry = 7200;
	c->call_setup_timeout = 180;
	c->media_idle_timeout = 300;
	c->call_max_duration = 14400;
	c->max_calls = 1024;
	c->max_bindings = 8192;
	c->log_interval = 60;
	c->fail_closed = false;
	c->log_level = 1;	/* info: banner, reloads, calls */
	strcpy(c->control_socket, CONF_CONTROL_SOCKET);
	strcpy(c->state_file, CONF_STATE_FILE);
	c->bind_port_min = 1024;
	c->inside_media_port_min = 1;
	c->inside_media_port_max = 65535;
	c->incoming_from = INCOMING_ANY;
	c->media_from = MEDIA_FROM_ANY;
	c->max_calls_per_host = 128;
	c->max_media_per_host = 256;
	c->max_signalling_per_host = 32;
	c->max_inbound_setups_per_source = 64;
	c->max_callid_length = 256;
	c->tcp_max_connections = 4096;
	c->tcp_idle_timeout = 7200;
	c->ipv6 = true;
}

bool conf_is_sip_port(const struct conf *c, uint16_t port)
{
	for (unsigned i = 0; i < c->n_sip_ports; i++)
		if (c->sip_ports[i] == port)
			return true;
	return false;
}

/* ---- errors ------------------------------------------------------------ */

/*
 * conf_error - "FILE:LINE: what: echo" into st->err.  line 0 leaves the
 * line number out (the file as a whole is wrong); echo may be NULL.
 * Always returns -1, so callers can "return conf_error(...)".
 */
static int conf_error(struct conf_state *st, unsigned line, const char *echo,
		      const char *fmt, ...)
{
	char what[192];
	va_list ap;

	if (!st->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (line && echo)
		snprintf(st->err, st->errlen, "%s:%u: %s: %s", st->path, line,
			 what, echo);
	else if (line)
		snprintf(st->err, st->errlen, "%s:%u: %s", st->path, line,
			 what);
	else
		snprintf(st->err, st->errlen, "%s: %s", st->path, what);
	return -1;
}

/*
 * conf_blame - report a conflict between keys a and b at the line that set
 * the later of the two (a default cannot be wrong on its own).
 */
static int conf_blame(struct conf_state *st, int a, int b, const char *what)
{
	int k = st->set_on[a] >= st->set_on[b] ? a : b;

	return conf_error(st, st->set_on[k], st->echo[k], "%s", what);
}

/* ---- lines ------------------------------------------------------------- */

/*
 * conf_line - handle one line (newline already cut).  Returns 0, or -1
 * with the message in st->err.
 */
/* The keys that take a list; any other key holds one value, and a ','
 * in it is a list the daemon would not read as one (an interface name
 * may even hold one). */
static bool conf_key_is_list(const char *key)
{
	return !strcmp(key, "sip_ports") || !strcmp(key, "inside_networks") ||
	       !strcmp(key, "public_pool");
}

static int conf_line(struct conf *c, struct conf_state *st, char *raw)
{
	char echo[CONF_ECHO_MAX], *line, *eq, *key, *val;
	const char *why;
	int k;

	line = conf_trim(raw);
	snprintf(echo, sizeof(echo), "%s", line);
	line[strcspn(line, "#")] = '\0';
	line = conf_trim(line);
	if (*line == '\0')
		return 0;
	eq = strchr(line, '=');
	if (!eq)
		return conf_error(st, st->lineno, echo, "expected key = value");
	*eq = '\0';
	key = conf_trim(line);
	val = conf_trim(eq + 1);
	if (*key == '\0')
		return conf_error(st, st->lineno, echo, "missing key");
	k = conf_key_find(key);
	if (k < 0)
		return conf_error(st, st->lineno, echo, "unknown key '%s'",
				  key);
	if (st->set_on[k])
		return conf_error(st, st->lineno, echo,
				  "duplicate key '%s' (first set on line %u)",
				  key, st->set_on[k]);
	if (*val == '\0')
		return conf_error(st, st->lineno, echo,
				  "missing value for '%s'", key);
	if (!conf_key_is_list(key) && strchr(val, ','))
		return conf_error(st, st->lineno, echo,
				  "%s takes one value, not a list", key);
	why = conf_keys[k].parse(c, conf_keys[k].off, val);
	if (why)
		return conf_error(st, st->lineno, echo, "%s: %s", key, why);
	st->set_on[k] = st->lineno;
	memcpy(st->echo[k], echo, sizeof(echo));
	return 0;
}

/* conf_read - read every line of f through conf_line. */
static int conf_read(struct conf *c, struct conf_state *st, FILE *f)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	while (rc == 0 && (n = getline(&buf, &cap, f)) >= 0) {
		st->lineno++;
		if ((size_t)n != strlen(buf))
			rc = conf_error(st, st->lineno, NULL,
					"NUL byte in line");
		else
			rc = conf_line(c, st, buf);
	}
	if (rc == 0 && ferror(f))
		rc = conf_error(st, 0, NULL, "%s", strerror(errno));
	free(buf);
	return rc;
}

/* ---- whole-file checks ------------------------------------------------- */

static bool conf_ranges_overlap(unsigned a0, unsigned a1, unsigned b0,
				unsigned b1)
{
	return a0 <= b1 && b0 <= a1;
}

static int conf_check_required(struct conf_state *st)
{
	for (size_t i = 0; i < conf_nkeys; i++)
		if (conf_keys[i].required && !st->set_on[i])
			return conf_error(st, 0, NULL,
					  "missing required key '%s'",
					  conf_keys[i].name);
	return 0;
}

/*
 * The daemon allocates public ports from both ranges; one port handed out
 * twice would send one flow's packets to another.  A SIP port inside the
 * media range would be allocated to an RTP stream while SIP on it is
 * queued to us.
 */
static int conf_check_ports(const struct conf *c, struct conf_state *st)
{
	int media = conf_key_find("media_ports");
	int sig = conf_key_find("signalling_ports");
	int sip = conf_key_find("sip_ports");

	if (conf_ranges_overlap(c->media_port_min, c->media_port_max,
				c->signalling_port_min,
				c->signalling_port_max))
		return conf_blame(st, media, sig,
				  "media_ports and signalling_ports overlap");
	for (unsigned i = 0; i < c->n_sip_ports; i++)
		if (c->sip_ports[i] >= c->media_port_min &&
		    c->sip_ports[i] <= c->media_port_max)
			return conf_blame(st, media, sip,
					  "a SIP port lies inside media_ports");
	return 0;
}

static int conf_check(const struct conf *c, struct conf_state *st)
{
	if (conf_check_required(st) < 0 || conf_check_ports(c, st) < 0)
		return -1;
	if (strcmp(c->inside_interface, c->outside_interface) == 0)
		return conf_blame(st, conf_key_find("inside_interface"),
				  conf_key_find("outside_interface"),
				  "inside and outside interface are the same");
	if (c->register_default_expiry > c->register_max_expiry)
		return conf_blame(st, conf_key_find("register_default_expiry"),
				  conf_key_find("register_max_expiry"),
				  "register_default_expiry exceeds "
				  "register_max_expiry");
	if (c->n_public_pool && c->public_family == AF_INET6)
		return conf_blame(st, conf_key_find("public_pool"),
				  conf_key_find("public_address"),
				  "public_pool needs an IPv4 public_address");
	return 0;
}

int conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
	struct conf_state st = {
		.path = path, .err = err, .errlen = errlen
	};
	struct conf tmp;
	FILE *f;
	int rc;

	if (errlen)
		err[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return conf_error(&st, 0, NULL, "%s", strerror(errno));
	conf_defaults(&tmp);
	rc = conf_read(&tmp, &st, f);
	fclose(f);
	if (rc == 0)
		rc = conf_check(&tmp, &st);
	if (rc == 0)
		*c = tmp;
	return rc;
}
