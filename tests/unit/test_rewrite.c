/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Golden rewrite tests: every tests/golden/NAME.sip file is a sequence of
 * steps run against one call state, as a gateway would see them:
 *
 *   === out 10.0.0.10:5060 203.0.113.10:5060     (direction, src, dst)
 *   <message as sent, LF line ends, "Content-Length: AUTO" filled in>
 *   --- expect add=3 del=0                       (kernel plan, optional)
 *   --- expect add=0 sig_ttl=90                  (phone's signalling
 *                                  binding lives 90 s more, optional)
 *   --- expect add=2 pub=203.0.113.2             (the added elements'
 *                                  public address, optional)
 *   <message as it must leave; PORT and AUTO match any number>
 *
 * A step header ending in " lf" keeps the LF line ends of that step's
 * input and expectation as written (no CRLF conversion).
 * "--- expect unchanged" asserts the bytes pass as they came (a plan the
 * policy refuses passes them so too).  Every
 * output must keep a Content-Length equal to its body and must still
 * parse with libosip2 when its input did (the independent oracle).
 * The gateway: public 203.0.113.1, inside network 10.0.0.0/24; a first
 * line "#pool 203.0.113.2 ..." adds public addresses (public_pool); a
 * line "#trusted 10.0.0.5" anywhere in the file's header makes that host a
 * trusted proxy (trusted_proxies: its messages may name other inside
 * hosts for binding).  "#map 10.0.0.11:5060 40123" lines say the kernel
 * already maps that inside socket to 203.0.113.1:40123 (conntrack's
 * reply tuple, as alg.c looks it up for the sender); "--- expect
 * ports=40123,40500" asserts every added element's public port is one of
 * those listed.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "oracle.h"
#include "rewrite.h"

#define BUF 65536

struct step {
	enum rw_dir dir;
	union addr src, dst;
	uint16_t sport, dport;
	char in[BUF], expect[BUF];
	size_t in_len, expect_len;
	bool unchanged;
	bool lf;		/* keep LF-only line ends */
	int want_add, want_del;	/* -1: not checked */
	long want_ttl;		/* sig_ttl=: -1 not checked */
	char want_pub[16];	/* pub=: every added element's public
				 * address ("": not checked) */
	char want_ports[64];	/* ports=: every added element's public
				 * port is one of these ("": not checked) */
};

/* The file's "#map" lines: the kernel's mappings of inside sockets. */
#define FILE_MAPS 16
static struct {
	union addr host;
	struct nat_map m;
} file_map[FILE_MAPS];
static unsigned n_file_map;
static struct nat_map step_maps[FILE_MAPS];

static uint64_t fake_now = 1000;

static int parse_ep(const char *s, union addr *a, uint16_t *port)
{
	char host[64];
	unsigned p;

	if (sscanf(s, "%63[^:]:%u", host, &p) != 2)
		return -1;
	*port = (uint16_t)p;
	return inet_pton(AF_INET, host, &a->v4) == 1 ? 0 : -1;
}

/* LF -> CRLF (unless lf), and "Content-Length: AUTO" -> the body's length
 * (inputs). */
static size_t wire(const char *text, size_t n, char *out, bool fill_len,
		   bool lf)
{
	char tmp[BUF];
	size_t i, o = 0;
	char *body, *cl;

	for (i = 0; i < n && o + 2 < sizeof(tmp); i++) {
		if (text[i] == '\n' && !lf)
			tmp[o++] = '\r';
		tmp[o++] = text[i];
	}
	tmp[o] = '\0';
	body = strstr(tmp, lf ? "\n\n" : "\r\n\r\n");
	cl = strstr(tmp, "Content-Length: AUTO");
	if (!fill_len || !cl || !body) {
		memcpy(out, tmp, o + 1);
		return o;
	}
	body += lf ? 2 : 4;
	*cl = '\0';
	return (size_t)sprintf(out, "%sContent-Length: %zu%s", tmp,
			       strlen(body), cl + strlen("Content-Length: AUTO"));
}

/* Compare output with the expectation; PORT and AUTO match [0-9]+. */
static bool golden_match(const char *exp, size_t en, const char *got,
			 size_t gn, size_t *where)
{
	size_t i = 0, j = 0;

	while (i < en && j < gn) {
		if ((en - i >= 4 && !memcmp(exp + i, "PORT", 4)) ||
		    (en - i >= 4 && !memcmp(exp + i, "AUTO", 4))) {
			if (got[j] < '0' || got[j] > '9')
				break;
			while (j < gn && got[j] >= '0' && got[j] <= '9')
				j++;
			i += 4;
			continue;
		}
		if (exp[i] != got[j])
			break;
		i++;
		j++;
	}
	*where = j;
	return i == en && j == gn;
}

/* Content-Length, when present, must equal the body that follows. */
static bool length_consistent(const char *m, size_t n)
{
	struct sip_msg s;

	if (sip_scan(&s, m, (uint32_t)n) != SIP_OK)
		return false;
	return !s.has_clen || s.hdr_end + s.clen == n;
}

static char *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *b = malloc(1 << 20);

	assert_non_null(f);
	assert_non_null(b);
	*n = fread(b, 1, (1 << 20) - 1, f);
	b[*n] = '\0';
	fclose(f);
	return b;
}

static void run_step(struct calls *calls, const struct conf *conf,
		     const struct prefix *inside, struct step *st,
		     const char *file, unsigned no)
{
	static struct rw_result r;
	static char out[BUF];
	struct sip_msg m;
	struct rw_ctx x = {
		.conf = conf, .calls = calls, .now = fake_now++,
		.dir = st->dir, .family = AF_INET, .src = st->src,
		.dst = st->dst, .sport = st->sport, .dport = st->dport,
		.inside = inside, .n_inside = 1,
	};
	char why[256];
	size_t where;
	unsigned nm = 0;
	long n;

	/* As alg.c does: the sender's mappings, when the kernel has any. */
	for (unsigned i = 0; i < n_file_map; i++)
		if (!memcmp(&file_map[i].host, &st->src, 4))
			step_maps[nm++] = file_map[i].m;
	x.maps = step_maps;
	x.n_maps = nm;
	/* As alg.c does: the inside host's public address. */
	x.pub = *calls_pick_public(calls, AF_INET, st->dir == RW_OUT ?
						   &st->src : &st->dst);
	if (sip_scan(&m, st->in, (uint32_t)st->in_len) != SIP_OK)
		fail_msg("%s step %u: input does not scan", file, no);
	if (rewrite_plan(&x, &m, &r) < 0) {
		/* Refused: the message passes unchanged, nothing planned. */
		if (!st->unchanged)
			fail_msg("%s step %u: plan refused: %s %s", file, no,
				 r.skip ? r.skip : "", r.limit ? r.limit : "");
		return;
	}
	rewrite_commit(&x, &r);	/* the kernel took it, as in alg.c */
	n = edits_apply(&r.edits, st->in, (uint32_t)st->in_len, out,
			sizeof(out));
	assert_true(n >= 0);
	if (st->unchanged) {
		if ((size_t)n != st->in_len || memcmp(out, st->in, (size_t)n))
			fail_msg("%s step %u: changed, got:\n%.*s", file, no,
				 (int)n, out);
	} else if (!golden_match(st->expect, st->expect_len, out, (size_t)n,
				 &where)) {
		fail_msg("%s step %u: differs at byte %zu, got:\n%.*s", file,
			 no, where, (int)n, out);
	}
	if (!oracle_spans_ok(st->in, st->in_len, &r.edits, out, (size_t)n,
			     why, sizeof(why)))
		fail_msg("%s step %u: %s", file, no, why);
	if (!length_consistent(out, (size_t)n))
		fail_msg("%s step %u: Content-Length wrong", file, no);
	if (oracle_parse_ok(st->in, st->in_len) &&
	    !oracle_parse_ok(out, (size_t)n))
		fail_msg("%s step %u: libosip2 rejects the output", file, no);
	if (st->want_add >= 0 && (int)r.plan.n_add != st->want_add)
		fail_msg("%s step %u: %u bindings added, want %d", file, no,
			 r.plan.n_add, st->want_add);
	if (st->want_del >= 0 && (int)r.plan.n_del != st->want_del)
		fail_msg("%s step %u: %u bindings deleted, want %d", file, no,
			 r.plan.n_del, st->want_del);
	for (unsigned i = 0; st->want_pub[0] && i < r.plan.n_add; i++) {
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &r.plan.add[i].pub_addr.v4, a, sizeof(a));
		if (strcmp(a, st->want_pub))
			fail_msg("%s step %u: element on %s, want %s", file,
				 no, a, st->want_pub);
	}
	for (unsigned i = 0; st->want_ports[0] && i < r.plan.n_add; i++) {
		char port[8], list[72];

		snprintf(port, sizeof(port), ",%u,", r.plan.add[i].pub_port);
		snprintf(list, sizeof(list), ",%s,", st->want_ports);
		if (!strstr(list, port))
			fail_msg("%s step %u: element on public port %u, want "
				 "one of %s", file, no, r.plan.add[i].pub_port,
				 st->want_ports);
	}
	if (st->want_ttl >= 0) {
		/* The phone's signalling binding: the sender of an outbound
		 * message, the receiver of an inbound one. */
		bool sent = st->dir == RW_OUT;
		struct binding *b = calls_binding_find(calls, AF_INET,
						       sent ? &st->src : &st->dst,
						       sent ? st->sport : st->dport);
		long ttl = b ? (long)(b->expires - x.now) : -1;

		if (ttl != st->want_ttl)
			fail_msg("%s step %u: signalling binding lives %ld s, "
				 "want %ld", file, no, ttl, st->want_ttl);
	}
}

/* Parse the "=== dir src dst" line at p. */
static void step_head(struct step *st, const char *p, const char *file)
{
	char dir[8], src[64], dst[64], flag[8] = "";

	if (sscanf(p, "=== %7s %63s %63s %7[a-z]", dir, src, dst, flag) < 3 ||
	    parse_ep(src, &st->src, &st->sport) ||
	    parse_ep(dst, &st->dst, &st->dport))
		fail_msg("%s: bad step header: %.40s", file, p);
	st->dir = strcmp(dir, "in") == 0 ? RW_IN : RW_OUT;
	st->lf = strcmp(flag, "lf") == 0;
}

static void step_expect(struct step *st, const char *p)
{
	const char *eol = strchr(p, '\n');
	char line[128];
	size_t n = eol ? (size_t)(eol - p) : strlen(p);

	snprintf(line, sizeof(line), "%.*s", (int)n, p);
	st->unchanged = strstr(line, "unchanged") != NULL;
	st->want_add = st->want_del = -1;
	if (strstr(line, "add="))
		st->want_add = atoi(strstr(line, "add=") + 4);
	if (strstr(line, "del="))
		st->want_del = atoi(strstr(line, "del=") + 4);
	st->want_ttl = -1;
	if (strstr(line, "sig_ttl="))
		st->want_ttl = atol(strstr(line, "sig_ttl=") + 8);
	st->want_ports[0] = '\0';
	if (strstr(line, "ports="))
		sscanf(strstr(line, "ports=") + 6, "%63[0-9,]", st->want_ports);
	st->want_pub[0] = '\0';
	if (strstr(line, "pub="))
		sscanf(strstr(line, "pub=") + 4, "%15[0-9.]", st->want_pub);
}

/* "#pool A B ..." as the file's first line: public addresses after
 * 203.0.113.1 (the configuration's public_pool). */
static void file_pool(struct calls *calls, const char *text)
{
	union addr pub[CALLS_MAX_PUB] = { 0 };
	char word[16];
	const char *p = text + strlen("#pool");
	unsigned n = 1;
	int used;

	inet_pton(AF_INET, "203.0.113.1", &pub[0].v4);
	if (strncmp(text, "#pool ", 6))
		return;
	while (n < CALLS_MAX_PUB && *p != '\n' &&
	       sscanf(p, " %15[0-9.]%n", word, &used) == 1) {
		assert_int_equal(inet_pton(AF_INET, word, &pub[n++].v4), 1);
		p += used;
	}
	assert_int_equal(calls_set_public(calls, AF_INET, pub, n), 0);
}

/* "#trusted A" lines: trusted_proxies (host addresses). */
static void file_trusted(struct conf *c, const char *text)
{
	const char *p = text;
	char word[16];

	while ((p = strstr(p, "#trusted ")) != NULL &&
	       c->n_trusted_proxies < CONF_MAX_INSIDE_NETS) {
		struct conf_net *n = &c->trusted_proxies[c->n_trusted_proxies];

		p += strlen("#trusted ");
		assert_int_equal(sscanf(p, "%15[0-9.]", word), 1);
		memset(n, 0, sizeof(*n));
		n->family = AF_INET;
		n->len = 32;
		assert_int_equal(inet_pton(AF_INET, word, &n->addr.v4), 1);
		c->n_trusted_proxies++;
	}
}

/* "#map A:P Q" lines: the kernel maps inside socket A:P to
 * 203.0.113.1:Q. */
static void file_maps(const char *text)
{
	const char *p = text;
	char host[16];
	unsigned in, pub;

	n_file_map = 0;
	while ((p = strstr(p, "#map ")) != NULL && n_file_map < FILE_MAPS) {
		p += strlen("#map ");
		assert_int_equal(sscanf(p, "%15[0-9.]:%u %u", host, &in, &pub),
				 3);
		memset(&file_map[n_file_map], 0, sizeof(file_map[0]));
		assert_int_equal(inet_pton(AF_INET, host,
					   &file_map[n_file_map].host.v4), 1);
		inet_pton(AF_INET, "203.0.113.1",
			  &file_map[n_file_map].m.pub_addr.v4);
		file_map[n_file_map].m.in_port = (uint16_t)in;
		file_map[n_file_map].m.pub_port = (uint16_t)pub;
		n_file_map++;
	}
}

static void run_file(const char *path)
{
	static struct step st;
	struct conf conf;
	struct prefix inside = { .family = AF_INET, .len = 24 };
	struct calls *calls;
	union addr pub = { 0 };
	size_t len;
	char *text = read_file(path, &len), *p = text;
	unsigned no = 0;

	conf_defaults(&conf);
	file_trusted(&conf, text);
	file_maps(text);
	inet_pton(AF_INET, "10.0.0.0", &inside.addr.v4);
	calls = calls_new(&conf);
	assert_non_null(calls);
	inet_pton(AF_INET, "203.0.113.1", &pub.v4);
	assert_int_equal(calls_set_public(calls, AF_INET, &pub, 1), 0);
	file_pool(calls, text);
	while ((p = strstr(p, "=== ")) != NULL) {
		char *in = strchr(p, '\n') + 1;
		char *sep = strstr(in, "--- expect");
		char *exp, *end;

		assert_non_null(sep);
		step_head(&st, p, path);
		step_expect(&st, sep);
		exp = strchr(sep, '\n') + 1;
		end = strstr(exp, "=== ");
		if (!end)
			end = text + len;
		st.in_len = wire(in, (size_t)(sep - in), st.in, true, st.lf);
		st.expect_len = wire(exp, (size_t)(end - exp), st.expect,
				     false, st.lf);
		run_step(calls, &conf, &inside, &st, path, ++no);
		p = end;
	}
	assert_true(no > 0);
	calls_free(calls);
	free(text);
}

static void test_golden(void **state)
{
	const char *dir = getenv("SIPALG_GOLDEN");
	char path[1024];
	struct dirent *e;
	unsigned files = 0;
	DIR *d;

	(void)state;
	if (!dir)
		dir = "tests/golden";
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);

		if (n < 5 || strcmp(e->d_name + n - 4, ".sip"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		print_message("golden %s\n", e->d_name);
		run_file(path);
		files++;
	}
	closedir(d);
	assert_true(files > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
