// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_conf.c - the configuration parser: defaults, a full file, the
 * accepted spellings, and every kind of error with its FILE:LINE.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conf.h"

#define UNUSED __attribute__((unused))
#define IFACES "inside_interface = lan0\noutside_interface = wan0\n"

static char tmp_path[64];
static char err[512];

/* write_conf - put text in a fresh temporary file; returns its path. */
static const char *write_conf(const char *text)
{
	int fd;

	strcpy(tmp_path, "/tmp/test_conf.XXXXXX");
	fd = mkstemp(tmp_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return tmp_path;
}

/* load - conf_load on text; the temporary file is removed again. */
static int load(struct conf *c, const char *text)
{
	const char *path = write_conf(text);
	int rc = conf_load(c, path, err, sizeof(err));

	unlink(path);
	return rc;
}

/* expect_error - text fails with exactly "TMP:line: what: echo". */
static void expect_error(const char *text, unsigned line, const char *what,
			 const char *echo)
{
	char want[512];
	struct conf c;

	assert_int_equal(load(&c, text), -1);
	snprintf(want, sizeof(want), "%s:%u: %s: %s", tmp_path, line, what,
		 echo);
	assert_string_equal(err, want);
}

/* expect_bad_value - one bad line after the interfaces fails on line 3. */
static void expect_bad_value(const char *line, const char *what)
{
	char text[512], echo[256];
	char *nl;

	snprintf(text, sizeof(text), IFACES "%s\n", line);
	snprintf(echo, sizeof(echo), "%s", line);
	nl = echo + strlen(echo);
	while (nl > echo && (nl[-1] == ' ' || nl[-1] == '\t'))
		*--nl = '\0';
	expect_error(text, 3, what, echo);
}

static void test_defaults(void **state UNUSED)
{
	struct conf c;

	conf_defaults(&c);
	assert_string_equal(c.inside_interface, "");
	assert_int_equal(c.public_family, 0);
	assert_int_equal(c.n_sip_ports, 1);
	assert_int_equal(c.sip_ports[0], 5060);
	assert_int_equal(c.media_port_min, 30000);
	assert_int_equal(c.media_port_max, 39999);
	assert_int_equal(c.signalling_port_min, 5060);
	assert_int_equal(c.signalling_port_max, 5999);
	assert_int_equal(c.queue, 0);
	assert_int_equal(c.ct_mark, 0x5a1);
	assert_int_equal(c.register_default_expiry, 3600);
	assert_int_equal(c.register_max_expiry, 7200);
	assert_int_equal(c.call_setup_timeout, 180);
	assert_int_equal(c.media_idle_timeout, 300);
	assert_int_equal(c.call_max_duration, 14400);
	assert_int_equal(c.max_calls, 1024);
	assert_int_equal(c.max_bindings, 8192);
	assert_int_equal(c.log_interval, 60);
	assert_false(c.fail_closed);
	assert_true(conf_is_sip_port(&c, 5060));
	assert_false(conf_is_sip_port(&c, 5061));
}

/* A file with only the required keys gives the defaults for the rest. */
static void test_minimal(void **state UNUSED)
{
	struct conf c, d;

	assert_int_equal(load(&c, IFACES), 0);
	assert_string_equal(err, "");
	assert_string_equal(c.inside_interface, "lan0");
	assert_string_equal(c.outside_interface, "wan0");
	conf_defaults(&d);
	strcpy(d.inside_interface, "lan0");
	strcpy(d.outside_interface, "wan0");
	assert_memory_equal(&c, &d, sizeof(c));
}

static void test_full(void **state UNUSED)
{
	struct in_addr a;
	struct conf c;

	assert_int_equal(load(&c,
		"# a complete file\n"
		"inside_interface = eth1\n"
		"outside_interface = ppp0\n"
		"public_address = 203.0.113.7\n"
		"sip_ports = 5060,5080, 15060\n"
		"media_ports = 20000-29999\n"
		"signalling_ports = 40000-40999\n"
		"queue = 7\n"
		"ct_mark = 0x10\n"
		"register_default_expiry = 30m\n"
		"register_max_expiry = 2h\n"
		"call_setup_timeout = 90s\n"
		"media_idle_timeout = 120\n"
		"call_max_duration = 1d\n"
		"max_calls = 10\n"
		"max_bindings = 100\n"
		"log_interval = 0\n"
		"fail_closed = yes\n"), 0);
	assert_string_equal(c.inside_interface, "eth1");
	assert_string_equal(c.outside_interface, "ppp0");
	assert_int_equal(c.public_family, AF_INET);
	inet_pton(AF_INET, "203.0.113.7", &a);
	assert_memory_equal(&c.public_address.v4, &a, sizeof(a));
	assert_int_equal(c.n_sip_ports, 3);
	assert_int_equal(c.sip_ports[0], 5060);
	assert_int_equal(c.sip_ports[1], 5080);
	assert_int_equal(c.sip_ports[2], 15060);
	assert_true(conf_is_sip_port(&c, 15060));
	assert_false(conf_is_sip_port(&c, 5061));
	assert_int_equal(c.media_port_min, 20000);
	assert_int_equal(c.media_port_max, 29999);
	assert_int_equal(c.signalling_port_min, 40000);
	assert_int_equal(c.signalling_port_max, 40999);
	assert_int_equal(c.queue, 7);
	assert_int_equal(c.ct_mark, 0x10);
	assert_int_equal(c.register_default_expiry, 1800);
	assert_int_equal(c.register_max_expiry, 7200);
	assert_int_equal(c.call_setup_timeout, 90);
	assert_int_equal(c.media_idle_timeout, 120);
	assert_int_equal(c.call_max_duration, 86400);
	assert_int_equal(c.max_calls, 10);
	assert_int_equal(c.max_bindings, 100);
	assert_int_equal(c.log_interval, 0);
	assert_true(c.fail_closed);
}

static void test_ipv6_address(void **state UNUSED)
{
	struct in6_addr a;
	struct conf c;

	assert_int_equal(load(&c, IFACES "public_address=2001:db8::5\n"), 0);
	assert_int_equal(c.public_family, AF_INET6);
	inet_pton(AF_INET6, "2001:db8::5", &a);
	assert_memory_equal(&c.public_address.v6, &a, sizeof(a));
}

/* Comments, blank lines, tabs, CRLF, no blanks around '='. */
static void test_spelling(void **state UNUSED)
{
	struct conf c;

	assert_int_equal(load(&c,
		"\n"
		"   # indented comment\n"
		"\t\n"
		"inside_interface=lan0\n"
		"  outside_interface\t=\twan0   # trailing comment\n"
		"queue =3\r\n"
		"ct_mark= 1441\n"
		"fail_closed = TRUE#no blank before the comment\n"
		"sip_ports = 5060 , 5061\n"
		"media_ports = 10000 - 10999\n"
		"# last line without a newline\n"
		"max_calls = 5"), 0);
	assert_string_equal(c.inside_interface, "lan0");
	assert_string_equal(c.outside_interface, "wan0");
	assert_int_equal(c.queue, 3);
	assert_int_equal(c.ct_mark, 1441);
	assert_true(c.fail_closed);
	assert_int_equal(c.n_sip_ports, 2);
	assert_int_equal(c.sip_ports[1], 5061);
	assert_int_equal(c.media_port_min, 10000);
	assert_int_equal(c.media_port_max, 10999);
	assert_int_equal(c.max_calls, 5);
}

static void test_booleans(void **state UNUSED)
{
	static const char *const yes[] = { "yes", "true", "1", "Yes" };
	static const char *const no[] = { "no", "false", "0", "NO" };
	char text[128];
	struct conf c;

	for (size_t i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), IFACES "fail_closed = %s\n",
			 yes[i]);
		assert_int_equal(load(&c, text), 0);
		assert_true(c.fail_closed);
		snprintf(text, sizeof(text), IFACES "fail_closed = %s\n",
			 no[i]);
		assert_int_equal(load(&c, text), 0);
		assert_false(c.fail_closed);
	}
}

/* Leading zeros are decimal, not octal. */
static void test_numbers(void **state UNUSED)
{
	struct conf c;

	assert_int_equal(load(&c, IFACES "ct_mark = 010\nqueue = 0065535\n"),
			 0);
	assert_int_equal(c.ct_mark, 10);
	assert_int_equal(c.queue, 65535);
	assert_int_equal(load(&c, IFACES "ct_mark = 0xFFFFFFFF\n"), 0);
	assert_int_equal(c.ct_mark, 0xffffffffu);
	assert_int_equal(load(&c, IFACES "sip_ports = 1,65535\n"
				  "signalling_ports = 6000-6000\n"), 0);
	assert_int_equal(c.signalling_port_min, 6000);
	assert_int_equal(c.signalling_port_max, 6000);
}

static void test_max_sip_ports(void **state UNUSED)
{
	char text[512];
	struct conf c;

	strcpy(text, IFACES "sip_ports = 5060");
	for (int i = 1; i < CONF_MAX_SIP_PORTS; i++)
		sprintf(text + strlen(text), ",%d", 5060 + i);
	strcat(text, "\n");
	assert_int_equal(load(&c, text), 0);
	assert_int_equal(c.n_sip_ports, CONF_MAX_SIP_PORTS);
	text[strlen(text) - 1] = '\0';
	strcat(text, ",6000\n");
	assert_int_equal(load(&c, text), -1);
	assert_non_null(strstr(err, ":3: sip_ports: too many ports"));
}

static void test_syntax_errors(void **state UNUSED)
{
	expect_error(IFACES "foo = bar\n", 3, "unknown key 'foo'",
		     "foo = bar");
	expect_error(IFACES "queue = 1\n\n# x\nqueue = 2 # again\n", 6,
		     "duplicate key 'queue' (first set on line 3)",
		     "queue = 2 # again");
	expect_error("inside_interface lan0\n", 1, "expected key = value",
		     "inside_interface lan0");
	expect_error("# header\n  = lan0\n", 2, "missing key", "= lan0");
	expect_error(IFACES "queue =   # nothing\n", 3,
		     "missing value for 'queue'", "queue =   # nothing");
	expect_error("\tInside_interface = lan0\n", 1,
		     "unknown key 'Inside_interface'",
		     "Inside_interface = lan0");
}

static void test_value_errors(void **state UNUSED)
{
	expect_bad_value("queue = 65536", "queue: expected a number 0..65535");
	expect_bad_value("queue = -1", "queue: expected a number 0..65535");
	expect_bad_value("queue = 1 2", "queue: expected a number 0..65535");
	expect_bad_value("queue = 0x", "queue: expected a number 0..65535");
	expect_bad_value("ct_mark = 0", "ct_mark: expected a nonzero 32-bit "
			 "mark (decimal or 0x hex)");
	expect_bad_value("ct_mark = 0x100000000", "ct_mark: expected a "
			 "nonzero 32-bit mark (decimal or 0x hex)");
	expect_bad_value("ct_mark = 0x0x5", "ct_mark: expected a nonzero "
			 "32-bit mark (decimal or 0x hex)");
	expect_bad_value("public_address = 203.0.113.300",
			 "public_address: expected an IPv4 or IPv6 address");
	expect_bad_value("public_address = wan.example.com",
			 "public_address: expected an IPv4 or IPv6 address");
	expect_bad_value("max_calls = 0", "max_calls: expected a number "
			 "1..1048576");
	expect_bad_value("max_bindings = 2000000", "max_bindings: expected "
			 "a number 1..1048576");
	expect_bad_value("fail_closed = maybe", "fail_closed: expected yes, "
			 "no, true, false, 1 or 0");
}

static void test_interface_errors(void **state UNUSED)
{
	expect_error("inside_interface = abcdefghijklmnop\n", 1,
		     "inside_interface: interface name too long",
		     "inside_interface = abcdefghijklmnop");
	expect_error("outside_interface = a/b\n", 1,
		     "outside_interface: invalid interface name",
		     "outside_interface = a/b");
	expect_error("outside_interface = ..\n", 1,
		     "outside_interface: invalid interface name",
		     "outside_interface = ..");
	expect_error("outside_interface = wan 0\n", 1,
		     "outside_interface: invalid interface name",
		     "outside_interface = wan 0");
}

static void test_duration_errors(void **state UNUSED)
{
	static const char *const what =
		"call_setup_timeout: expected a duration 1s..7d "
		"(seconds, or with s/m/h/d)";
	struct conf c;

	expect_bad_value("call_setup_timeout = 0", what);
	expect_bad_value("call_setup_timeout = 8d", what);
	expect_bad_value("call_setup_timeout = 10x", what);
	expect_bad_value("call_setup_timeout = 10 s", what);
	expect_bad_value("call_setup_timeout = 10ss", what);
	expect_bad_value("call_setup_timeout = 0x10", what);
	expect_bad_value("call_setup_timeout = 99999999999999999999", what);
	expect_bad_value("log_interval = 1w", "log_interval: expected a "
			 "duration 0s..7d (seconds, or with s/m/h/d)");
	assert_int_equal(load(&c, IFACES "call_max_duration = 7d\n"), 0);
	assert_int_equal(c.call_max_duration, 604800);
}

static void test_port_errors(void **state UNUSED)
{
	static const char *const list =
		"sip_ports: expected ports 1..65535 separated by commas";
	static const char *const range =
		"expected a port range A-B within 1..65535";
	char what[128];

	expect_bad_value("sip_ports = 0", list);
	expect_bad_value("sip_ports = 65536", list);
	expect_bad_value("sip_ports = 5060,", list);
	expect_bad_value("sip_ports = ,5060", list);
	expect_bad_value("sip_ports = 5060,,5080", list);
	expect_bad_value("sip_ports = 5060 5080", list);
	expect_bad_value("sip_ports = 5060,5080,5060",
			 "sip_ports: port listed twice");
	snprintf(what, sizeof(what), "media_ports: %s", range);
	expect_bad_value("media_ports = 30000", what);
	expect_bad_value("media_ports = 0-100", what);
	expect_bad_value("media_ports = 30000-70000", what);
	expect_bad_value("media_ports = -30000", what);
	expect_bad_value("media_ports = 30001-39999",
			 "media_ports: media range must start on an even port");
	expect_bad_value("media_ports = 30000-30000",
			 "media_ports: range end must be greater than its "
			 "start");
	snprintf(what, sizeof(what), "signalling_ports: %s", range);
	expect_bad_value("signalling_ports = 5060:5999", what);
	expect_bad_value("signalling_ports = 5999-5060",
			 "signalling_ports: range end must not be less than "
			 "its start");
}

/* Conflicts between keys blame whichever of the two was set last. */
static void test_overlaps(void **state UNUSED)
{
	static const char *const what =
		"media_ports and signalling_ports overlap";
	struct conf c;

	expect_error(IFACES "media_ports = 5000-5100\n", 3, what,
		     "media_ports = 5000-5100");
	expect_error(IFACES "signalling_ports = 39998-40100\n", 3, what,
		     "signalling_ports = 39998-40100");
	expect_error(IFACES "media_ports = 10000-19999\n"
		     "signalling_ports = 19999-20000\n", 4, what,
		     "signalling_ports = 19999-20000");
	expect_error(IFACES "signalling_ports = 10000-10000\n"
		     "# moved\n"
		     "media_ports = 9000-10001\n", 5, what,
		     "media_ports = 9000-10001");
	/* Adjacent is fine. */
	assert_int_equal(load(&c, IFACES "media_ports = 10000-19999\n"
				  "signalling_ports = 20000-20999\n"), 0);
	/* An overlap with a default that a later line moves away is fine. */
	assert_int_equal(load(&c, IFACES "media_ports = 5100-5999\n"
				  "signalling_ports = 6000-6999\n"), 0);
	expect_error(IFACES "sip_ports = 5060, 31000\n", 3,
		     "a SIP port lies inside media_ports",
		     "sip_ports = 5060, 31000");
	expect_error(IFACES "sip_ports = 5060, 7000\n"
		     "media_ports = 6000-7998\n"
		     "signalling_ports = 8000-8999\n", 4,
		     "a SIP port lies inside media_ports",
		     "media_ports = 6000-7998");
}

static void test_cross_key_errors(void **state UNUSED)
{
	char want[256];
	struct conf c;

	expect_error("inside_interface = lan0\noutside_interface = lan0\n", 2,
		     "inside and outside interface are the same",
		     "outside_interface = lan0");
	expect_error(IFACES "register_default_expiry = 3h\n", 3,
		     "register_default_expiry exceeds register_max_expiry",
		     "register_default_expiry = 3h");
	expect_error(IFACES "register_max_expiry = 30m # short\n", 3,
		     "register_default_expiry exceeds register_max_expiry",
		     "register_max_expiry = 30m # short");
	/* A missing key has no line to point at. */
	assert_int_equal(load(&c, "inside_interface = lan0\n"), -1);
	snprintf(want, sizeof(want),
		 "%s: missing required key 'outside_interface'", tmp_path);
	assert_string_equal(err, want);
	assert_int_equal(load(&c, "# empty\n"), -1);
	snprintf(want, sizeof(want),
		 "%s: missing required key 'inside_interface'", tmp_path);
	assert_string_equal(err, want);
}

static void test_file_errors(void **state UNUSED)
{
	struct conf c;

	assert_int_equal(conf_load(&c, "/nonexistent/sipalgd.conf", err,
				   sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/sipalgd.conf: "
				 "No such file or directory");
	assert_int_equal(conf_load(&c, "/tmp", err, sizeof(err)), -1);
	assert_string_equal(err, "/tmp: Is a directory");
	/* errlen 0: no message, no write. */
	assert_int_equal(conf_load(&c, "/nonexistent", NULL, 0), -1);
}

/* *c keeps its old value when loading fails, even halfway through. */
static void test_untouched_on_error(void **state UNUSED)
{
	struct conf c, before;

	memset(&c, 0xa5, sizeof(c));
	before = c;
	assert_int_equal(load(&c, IFACES "queue = 9\nbogus = 1\n"), -1);
	assert_memory_equal(&c, &before, sizeof(c));
}

/* rules_backend: auto (default), iptables or nft. */
static void test_rules_backend(void **state UNUSED)
{
	struct conf c;

	assert_int_equal(load(&c, IFACES), 0);
	assert_int_equal(c.rules_backend, CONF_RULES_AUTO);
	assert_int_equal(load(&c, IFACES "rules_backend = nft\n"), 0);
	assert_int_equal(c.rules_backend, CONF_RULES_NFT);
	assert_int_equal(load(&c, IFACES "rules_backend = iptables\n"), 0);
	assert_int_equal(c.rules_backend, CONF_RULES_IPTABLES);
	expect_bad_value("rules_backend = nftables",
			 "rules_backend: expected auto, iptables or nft");
}

/* A ',' in a single-valued key is a list the daemon would not read. */
static void test_not_a_list(void **state UNUSED)
{
	expect_error("inside_interface = lan0\noutside_interface = wan0,ppp0\n",
		     2, "outside_interface takes one value, not a list",
		     "outside_interface = wan0,ppp0");
	expect_bad_value("public_address = 203.0.113.1, 203.0.113.2",
			 "public_address takes one value, not a list");
	expect_bad_value("queue = 0,1", "queue takes one value, not a list");
}

/* public_pool: IPv4 addresses, blanks or commas between them. */
static void test_public_pool(void **state UNUSED)
{
	struct conf c;
	char text[1024];

	assert_int_equal(load(&c, IFACES), 0);
	assert_int_equal(c.n_public_pool, 0);
	assert_int_equal(load(&c, IFACES "public_address = 203.0.113.1\n"
				  "public_pool = 203.0.113.2 203.0.113.3,"
				  "203.0.113.4\n"), 0);
	assert_int_equal(c.n_public_pool, 3);
	assert_int_equal(ntohl(c.public_pool[2].s_addr), 0xcb007104);
	expect_bad_value("public_pool = 203.0.113.2 2001:db8::1",
			 "public_pool: expected IPv4 addresses");
	expect_bad_value("public_pool = 203.0.113.2 203.0.113.2",
			 "public_pool: address listed twice");
	expect_bad_value("public_pool = ,", "public_pool: expected IPv4 "
			 "addresses");
	strcpy(text, IFACES "public_pool =");
	for (unsigned i = 1; i <= CONF_MAX_PUBLIC_POOL + 1; i++)
		sprintf(text + strlen(text), " 198.51.100.%u", i);
	strcat(text, "\n");
	assert_int_equal(load(&c, text), -1);
	assert_non_null(strstr(err, "public_pool: too many addresses (at "
				    "most 15)"));
	assert_int_equal(load(&c, IFACES "public_address = 2001:db8::1\n"
				  "public_pool = 203.0.113.2\n"), -1);
	assert_non_null(strstr(err, "public_pool needs an IPv4 "
				    "public_address"));
}

/* inside_networks: IPv4 and IPv6 prefixes, bare hosts, membership. */
static void test_inside_networks(void **state UNUSED)
{
	union addr a;
	struct conf c;
	char text[512];

	assert_int_equal(load(&c, IFACES), 0);
	assert_int_equal(c.n_inside_networks, 0);
	assert_int_equal(load(&c, IFACES "inside_networks = 10.0.0.0/8, "
				  "192.168.1.0/24,100.64.0.0/10 ,"
				  "2001:db8:1::/48, 198.51.100.7\n"), 0);
	assert_int_equal(c.n_inside_networks, 5);
	assert_int_equal(c.inside_networks[0].family, AF_INET);
	assert_int_equal(c.inside_networks[0].len, 8);
	assert_int_equal(c.inside_networks[2].len, 10);
	assert_int_equal(c.inside_networks[3].family, AF_INET6);
	assert_int_equal(c.inside_networks[3].len, 48);
	assert_int_equal(c.inside_networks[4].len, 32);
	inet_pton(AF_INET, "10.200.3.4", &a.v4);
	assert_true(conf_net_has(&c.inside_networks[0], AF_INET, &a));
	assert_false(conf_net_has(&c.inside_networks[1], AF_INET, &a));
	assert_false(conf_net_has(&c.inside_networks[3], AF_INET6, &a));
	inet_pton(AF_INET, "100.127.255.255", &a.v4);
	assert_true(conf_net_has(&c.inside_networks[2], AF_INET, &a));
	inet_pton(AF_INET, "100.128.0.0", &a.v4);
	assert_false(conf_net_has(&c.inside_networks[2], AF_INET, &a));
	inet_pton(AF_INET, "198.51.100.7", &a.v4);
	assert_true(conf_net_has(&c.inside_networks[4], AF_INET, &a));
	inet_pton(AF_INET, "198.51.100.8", &a.v4);
	assert_false(conf_net_has(&c.inside_networks[4], AF_INET, &a));
	inet_pton(AF_INET6, "2001:db8:1:ffff::1", &a.v6);
	assert_true(conf_net_has(&c.inside_networks[3], AF_INET6, &a));
	inet_pton(AF_INET6, "2001:db8:2::1", &a.v6);
	assert_false(conf_net_has(&c.inside_networks[3], AF_INET6, &a));
	/* /0 holds everything of its family. */
	assert_int_equal(load(&c, IFACES "inside_networks = 0.0.0.0/0\n"), 0);
	assert_false(conf_net_has(&c.inside_networks[0], AF_INET6, &a));
	inet_pton(AF_INET, "203.0.113.9", &a.v4);
	assert_true(conf_net_has(&c.inside_networks[0], AF_INET, &a));

	expect_bad_value("inside_networks = 10.0.0.0/33",
			 "inside_networks: prefix length out of range");
	expect_bad_value("inside_networks = 10.0.0.0/",
			 "inside_networks: prefix length out of range");
	expect_bad_value("inside_networks = 10.1.2.3/8",
			 "inside_networks: address has bits set past the "
			 "prefix length");
	expect_bad_value("inside_networks = 10.0.0.0/8,",
			 "inside_networks: expected networks ADDR/LEN "
			 "separated by commas");
	expect_bad_value("inside_networks = lan",
			 "inside_networks: expected networks ADDR/LEN "
			 "separated by commas");
	expect_bad_value("inside_networks = 2001:db8::/129",
			 "inside_networks: prefix length out of range");
	strcpy(text, "inside_networks = 10.0.0.0/8");
	for (int i = 1; i < CONF_MAX_INSIDE_NETS; i++)
		sprintf(text + strlen(text), ",10.%d.0.0/16", i);
	strcat(text, ",10.99.0.0/16");
	expect_bad_value(text, "inside_networks: too many networks (at "
			 "most 8)");
}

/* A long line is echoed cut short, the message still well formed. */
static void test_long_line(void **state UNUSED)
{
	char text[2048], prefix[128];
	struct conf c;

	strcpy(text, IFACES "foo = ");
	memset(text + strlen(text), 'x', 1500);
	strcpy(text + strlen(IFACES "foo = ") + 1500, "\n");
	assert_int_equal(load(&c, text), -1);
	snprintf(prefix, sizeof(prefix), "%s:3: unknown key 'foo': foo = xxx",
		 tmp_path);
	assert_memory_equal(err, prefix, strlen(prefix));
	assert_true(strlen(err) < sizeof(err));
}

/* The operator keys: log_level, control_socket/_group, http_listen. */
static void test_operator_keys(void **state UNUSED)
{
	struct conf c;

	assert_int_equal(load(&c, IFACES), 0);
	assert_int_equal(c.log_level, 1);
	assert_string_equal(c.control_socket, "/run/sipalg/control");
	assert_string_equal(c.control_group, "");
	assert_int_equal(c.http_family, 0);
	assert_int_equal(load(&c, IFACES "log_level = DEBUG\n"
			      "control_socket = /tmp/x/ctl\n"
			      "control_group = netadm\n"
			      "http_listen = 127.0.0.1:9260\n"), 0);
	assert_int_equal(c.log_level, 2);
	assert_string_equal(c.control_socket, "/tmp/x/ctl");
	assert_string_equal(c.control_group, "netadm");
	assert_int_equal(c.http_family, AF_INET);
	assert_int_equal(c.http_port, 9260);
	assert_int_equal(c.http_addr.v4.s_addr, htonl(0x7f000001));
	assert_int_equal(load(&c, IFACES "control_socket = none\n"
			      "http_listen = [::1]:80\n"), 0);
	assert_string_equal(c.control_socket, "");
	assert_int_equal(c.http_family, AF_INET6);
	assert_int_equal(c.http_port, 80);
	expect_bad_value("log_level = loud",
			 "log_level: expected warning, info or debug");
	expect_bad_value("control_socket = run/ctl",
			 "control_socket: expected an absolute path or none");
	expect_bad_value("control_group = a b",
			 "control_group: invalid group name");
	expect_bad_value("http_listen = 127.0.0.1",
			 "http_listen: expected ADDR:PORT (port 1..65535)");
	expect_bad_value("http_listen = localhost:80",
			 "http_listen: expected an IPv4 or [IPv6] address "
			 "before the port");
}

/* SIP over TCP: connections followed and their idle time. */
static void test_tcp_keys(void **state UNUSED)
{
	struct conf c;

	assert_int_equal(load(&c, IFACES), 0);
	assert_int_equal(c.tcp_max_connections, 4096);
	assert_int_equal(c.tcp_idle_timeout, 7200);
	assert_int_equal(load(&c, IFACES "tcp_max_connections = 10\n"
			      "tcp_idle_timeout = 30m\n"), 0);
	assert_int_equal(c.tcp_max_connections, 10);
	assert_int_equal(c.tcp_idle_timeout, 1800);
	expect_bad_value("tcp_max_connections = 0",
			 "tcp_max_connections: expected a number 1..1048576");
}

static void test_media_from(void **state UNUSED)
{
	struct conf c;

	assert_int_equal(load(&c, IFACES), 0);
	assert_int_equal(c.media_from, MEDIA_FROM_ANY);
	assert_int_equal(load(&c, IFACES "media_from = sdp\n"), 0);
	assert_int_equal(c.media_from, MEDIA_FROM_SDP);
	assert_int_equal(load(&c, IFACES "media_from = ANY\n"), 0);
	assert_int_equal(c.media_from, MEDIA_FROM_ANY);
	expect_bad_value("media_from = registrar",
			 "media_from: expected any or sdp");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_media_from),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_ipv6_address),
		cmocka_unit_test(test_spelling),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_max_sip_ports),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_interface_errors),
		cmocka_unit_test(test_duration_errors),
		cmocka_unit_test(test_port_errors),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test(test_cross_key_errors),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_untouched_on_error),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_inside_networks),
		cmocka_unit_test(test_public_pool),
		cmocka_unit_test(test_rules_backend),
		cmocka_unit_test(test_operator_keys),
		cmocka_unit_test(test_tcp_keys),
		cmocka_unit_test(test_not_a_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
