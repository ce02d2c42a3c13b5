/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scanner tests over third-party message corpora in tests/corpus (or
 * $SIPALG_CORPUS): the RFC 4475 and RFC 5118 torture messages and the
 * 4527 PROTOS c07-sip test cases.  Provenance: tests/unit/README.md and
 * the corpus README.  A missing corpus is a failure, not a skip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "oracle.h"
#include "protos.h"
#include "sdp.h"
#include "sip.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NO_SDP (-1)

#define assert_span(buf, sp, want)                                          \
	do {                                                                \
		struct span s_ = (sp);                                      \
		if (!span_eq((buf), s_, (want)))                            \
			fail_msg("span [%u,+%u) \"%.*s\" != \"%s\"", s_.off, \
				 s_.len, (int)s_.len, (buf) + s_.off,       \
				 (want));                                   \
	} while (0)

static const char *corpus_dir(void)
{
	const char *dir = getenv("SIPALG_CORPUS");

	return dir && *dir ? dir : SIPALG_CORPUS_DIR;
}

static void corpus_path(char *out, size_t n, const char *rel)
{
	snprintf(out, n, "%s/%s", corpus_dir(), rel);
}

/* Read a whole file into a heap buffer of exactly its size (no NUL), so
 * AddressSanitizer sees any read past the end.  Fails the test if absent. */
static char *read_file(const char *path, uint32_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s (tests/corpus is part of the repository)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc(n ? (size_t)n : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (uint32_t)n;
	return buf;
}

static char *read_corpus(const char *rel, uint32_t *len)
{
	char path[4096];

	corpus_path(path, sizeof(path), rel);
	return read_file(path, len);
}

/* What one scan of a message found, for the expectations below. */
struct outcome {
	enum sip_scan_result sip;
	int sdp;		/* enum sdp_scan_result, or NO_SDP */
	struct sdp_msg s;
	unsigned via_ok;
	unsigned via_total;
};

static bool is_sdp_body(const struct sip_msg *m)
{
	int i = sip_hdr_find(m, SIP_HDR_CONTENT_TYPE, 0);
	struct span v;

	if (i < 0 || m->body.len == 0)
		return false;
	v = m->hdr[i].value;
	return v.len >= 15 &&
	       strncasecmp(m->buf + v.off, "application/sdp", 15) == 0;
}

static void check_sdp_spans(const struct sdp_msg *s, uint32_t len)
{
	unsigned i;

	assert_true(s->n_media <= SDP_MAX_MEDIA);
	assert_true(span_end(s->origin.addr) <= len);
	assert_true(span_end(s->conn.addr) <= len);
	for (i = 0; i < s->n_media; i++) {
		assert_true(span_end(s->media[i].port) <= len);
		assert_true(span_end(s->media[i].conn.addr) <= len);
		assert_true(span_end(s->media[i].rtcp_addr.addr) <= len);
		assert_true(s->media[i].dir >= SDP_DIR_SENDRECV &&
			    s->media[i].dir <= SDP_DIR_INACTIVE);
	}
}

/* Run every accessor over every header, the way the rewriter will. */
static void walk_headers(const struct sip_msg *m, struct outcome *o)
{
	struct sip_hostport hp;
	struct sip_via v;
	struct span item, val;
	uint32_t pos;
	unsigned i;

	for (i = 0; i < m->n_hdr; i++) {
		assert_true(span_end(m->hdr[i].value) < m->hdr_end);
		pos = 0;
		while (sip_list_next(m->buf, m->hdr[i].value, &pos, &item)) {
			assert_true(span_end(item) <= m->len);
			if (sip_uri_hostport(m->buf, item, &hp) == 0)
				assert_true(span_end(hp.host) <= m->len);
			sip_param(m->buf, item, "tag", &val);
			if (m->hdr[i].id != SIP_HDR_VIA)
				continue;
			o->via_total++;
			if (sip_via_parse(m->buf, item, &v) == 0)
				o->via_ok++;
		}
	}
}

static void scan_one(const char *buf, uint32_t len, struct outcome *o)
{
	struct sip_msg *m = malloc(sizeof(*m));
	struct sip_hostport hp;
	struct span method;
	uint32_t num;

	assert_non_null(m);
	memset(o, 0, sizeof(*o));
	o->sdp = NO_SDP;
	o->sip = sip_scan(m, buf, len);
	if (o->sip == SIP_OK) {
		assert_true(m->hdr_end <= len);
		assert_true(span_end(m->body) <= len);
		sip_uri_hostport(buf, m->ruri, &hp);
		sip_cseq(m, &num, &method);
		walk_headers(m, o);
		if (is_sdp_body(m)) {
			o->sdp = sdp_scan(&o->s, buf + m->body.off,
					  m->body.len);
			if (o->sdp == SDP_OK)
				check_sdp_spans(&o->s, m->body.len);
		}
	} else {
		assert_true(o->sip >= SIP_NOT_SIP &&
			    o->sip <= SIP_TOO_MANY_HEADERS);
	}
	free(m);
}

/*
 * RFC 4475: expected scanner results for all 49 messages.  Messages the RFC
 * calls invalid for reasons above the framing layer (bad display names,
 * dates, CSeq mismatches, ...) are still SIP_OK here: the scanner frames and
 * locates, it does not validate every header.
 */
struct t4475 {
	const char *file;
	enum sip_scan_result sip;
	int sdp;
	unsigned n_media;
	const char *ruri_host;	/* NULL: response, or not a sip: URI */
	unsigned via_ok, via_total;
};

static const struct t4475 rfc4475[] = {
	{ "wsinv", SIP_OK, SDP_OK, 2, "chair-dnrc.example.com", 3, 3 },
	{ "intmeth", SIP_OK, NO_SDP, 0, "example.com", 1, 1 },
	{ "esc01", SIP_OK, SDP_OK, 2, "example.net", 1, 1 },
	{ "escnull", SIP_OK, NO_SDP, 0, "example.com", 1, 1 },
	{ "esc02", SIP_OK, NO_SDP, 0, "registrar.example.com", 1, 1 },
	{ "lwsdisp", SIP_OK, NO_SDP, 0, "example.com", 1, 1 },
	{ "longreq", SIP_OK, SDP_OK, 2, "example.com", 34, 34 },
	{ "dblreq", SIP_OK, NO_SDP, 0, "example.com", 1, 1 },
	{ "semiuri", SIP_OK, NO_SDP, 0, "example.com", 1, 1 },
	{ "transports", SIP_OK, NO_SDP, 0, "example.com", 5, 5 },
	{ "mpart01", SIP_OK, NO_SDP, 0, "example.org", 1, 1 },
	{ "unreason", SIP_OK, SDP_OK, 2, NULL, 1, 1 },
	{ "noreason", SIP_OK, NO_SDP, 0, NULL, 1, 1 },
	/* invalid */
	{ "badinv01", SIP_OK, SDP_OK, 2, "example.com", 1, 2 },
	{ "clerr", SIP_TRUNCATED, NO_SDP, 0, NULL, 0, 0 },
	{ "ncl", SIP_MALFORMED, NO_SDP, 0, NULL, 0, 0 },
	{ "scalar02", SIP_OK, NO_SDP, 0, "example.com", 1, 1 },
	{ "scalarlg", SIP_OK, NO_SDP, 0, NULL, 1, 1 },
	{ "quotbal", SIP_OK, SDP_OK, 2, "example.com", 1, 1 },
	{ "ltgtruri", SIP_MALFORMED, NO_SDP, 0, NULL, 0, 0 },
	{ "lwsruri", SIP_MALFORMED, NO_SDP, 0, NULL, 0, 0 },
	{ "lwsstart", SIP_MALFORMED, NO_SDP, 0, NULL, 0, 0 },
	{ "trws", SIP_MALFORMED, NO_SDP, 0, NULL, 0, 0 },
	{ "escruri", SIP_OK, SDP_OK, 2, "example.com", 1, 1 },
	{ "baddate", SIP_OK, SDP_OK, 2, "example.com", 1, 1 },
	{ "regbadct", SIP_OK, NO_SDP, 0, "example.com", 1, 1 },
	{ "badaspec", SIP_OK, NO_SDP, 0, "example.org", 1, 1 },
	{ "baddn", SIP_TRUNCATED, NO_SDP, 0, NULL, 0, 0 },
	{ "badvers", SIP_MALFORMED, NO_SDP, 0, NULL, 0, 0 },
	{ "mismatch01", SIP_OK, NO_SDP, 0, "example.com", 1, 1 },
	{ "mismatch02", SIP_OK, SDP_OK, 2, "example.com", 1, 1 },
	{ "bigcode", SIP_MALFORMED, NO_SDP, 0, NULL, 0, 0 },
	/* transaction and application layer */
	{ "badbranch", SIP_OK, NO_SDP, 0, "example.com", 1, 1 },
	{ "insuf", SIP_OK, SDP_OK, 2, "example.com", 1, 1 },
	{ "unkscm", SIP_OK, NO_SDP, 0, NULL, 1, 1 },
	{ "novelsc", SIP_OK, NO_SDP, 0, NULL, 1, 1 },
	{ "unksm2", SIP_OK, NO_SDP, 0, "example.com", 1, 1 },
	{ "bext01", SIP_OK, NO_SDP, 0, "example.com", 1, 1 },
	{ "invut", SIP_OK, NO_SDP, 0, "example.com", 1, 1 },
	{ "regaut01", SIP_OK, NO_SDP, 0, "example.com", 1, 1 },
	{ "multi01", SIP_OK, SDP_OK, 2, "company.com", 1, 1 },
	{ "mcl01", SIP_MALFORMED, NO_SDP, 0, NULL, 0, 0 },
	{ "bcast", SIP_OK, SDP_OK, 2, NULL, 2, 2 },
	{ "zeromf", SIP_OK, NO_SDP, 0, "example.com", 1, 1 },
	{ "cparam01", SIP_OK, NO_SDP, 0, "example.com", 1, 1 },
	{ "cparam02", SIP_OK, NO_SDP, 0, "example.com", 1, 1 },
	{ "regescrt", SIP_OK, NO_SDP, 0, "example.com", 1, 1 },
	{ "sdp01", SIP_OK, SDP_OK, 2, "example.com", 1, 1 },
	{ "inv2543", SIP_OK, SDP_OK, 1, "example.com", 1, 1 },
};

static const struct t4475 *rfc4475_find(const char *file)
{
	size_t i, n = strlen(file);

	for (i = 0; i < ARRAY_SIZE(rfc4475); i++)
		if (strncmp(rfc4475[i].file, file, n - 4) == 0 &&
		    strlen(rfc4475[i].file) == n - 4 &&
		    strcmp(file + n - 4, ".dat") == 0)
			return &rfc4475[i];
	return NULL;
}

static void check_4475(const struct t4475 *t)
{
	char rel[256];
	struct sip_hostport hp;
	struct sip_msg *m = malloc(sizeof(*m));
	struct outcome *o = malloc(sizeof(*o));
	uint32_t len;
	char *buf;

	assert_non_null(m);
	assert_non_null(o);
	snprintf(rel, sizeof(rel), "rfc4475/%s.dat", t->file);
	buf = read_corpus(rel, &len);
	scan_one(buf, len, o);
	if (o->sip != t->sip || o->sdp != t->sdp)
		fail_msg("%s: sip %d sdp %d, want %d %d", t->file, o->sip,
			 o->sdp, t->sip, t->sdp);
	assert_int_equal(o->s.n_media, t->n_media);
	assert_int_equal(o->via_ok, t->via_ok);
	assert_int_equal(o->via_total, t->via_total);
	if (o->sip == SIP_OK) {
		assert_int_equal(sip_scan(m, buf, len), SIP_OK);
		if (t->ruri_host) {
			assert_int_equal(sip_uri_hostport(buf, m->ruri, &hp),
					 0);
			assert_span(buf, hp.host, t->ruri_host);
		} else if (m->is_request) {
			assert_int_equal(sip_uri_hostport(buf, m->ruri, &hp),
					 -1);
		}
	}
	free(buf);
	free(m);
	free(o);
}

/* One row of INDEX.tsv: file and RFC class. */
static bool index_next(char **cur, char *end, char **file, char **cls)
{
	char *nl, *tab;

	while (*cur < end) {
		nl = memchr(*cur, '\n', (size_t)(end - *cur));
		if (!nl)
			nl = end;
		*nl = '\0';
		*file = *cur;
		*cur = nl + 1;
		tab = strchr(*file, '\t');
		if (!tab || strncmp(*file, "file\t", 5) == 0)
			continue;
		*tab = '\0';
		tab = strchr(tab + 1, '\t');	/* section */
		tab = tab ? strchr(tab + 1, '\t') : NULL;	/* title */
		assert_non_null(tab);
		*cls = tab + 1;
		return true;
	}
	return false;
}

/* Every file in INDEX.tsv has an expectation, and "valid" ones scan. */
static void test_rfc4475(void **state)
{
	uint32_t len;
	char *index = read_corpus("rfc4475/INDEX.tsv", &len);
	char *cur = index, *file, *cls;
	const struct t4475 *t;
	unsigned n = 0;

	while (index_next(&cur, index + len, &file, &cls)) {
		t = rfc4475_find(file);
		if (!t)
			fail_msg("no expectation for %s", file);
		if (strncmp(cls, "valid", 5) == 0)
			assert_int_equal(t->sip, SIP_OK);
		check_4475(t);
		n++;
	}
	assert_int_equal(n, ARRAY_SIZE(rfc4475));
	print_message("rfc4475: %u messages\n", n);
	free(index);
}

/* RFC 5118 messages in wire form (CRLF, Content-Length recomputed). */
static struct sip_msg *scan_5118(const char *name, char **buf)
{
	struct sip_msg *m = malloc(sizeof(*m));
	char rel[256];
	uint32_t len;

	assert_non_null(m);
	snprintf(rel, sizeof(rel), "rfc5118/wire/%s.dat", name);
	*buf = read_corpus(rel, &len);
	if (sip_scan(m, *buf, len) != SIP_OK)
		fail_msg("%s does not scan", name);
	return m;
}

static void check_ruri(const char *name, int rc, const char *host,
		       const char *port)
{
	struct sip_hostport hp;
	char *buf;
	struct sip_msg *m = scan_5118(name, &buf);

	assert_int_equal(sip_uri_hostport(buf, m->ruri, &hp), rc);
	if (rc == 0) {
		assert_span(buf, hp.host, host);
		assert_span(buf, hp.port, port);
	}
	free(buf);
	free(m);
}

/* The n-th Via item of the message, parsed. */
static void nth_via(const struct sip_msg *m, unsigned n, struct sip_via *v)
{
	struct span item;
	uint32_t pos;
	unsigned k = 0;
	int i;

	for (i = 0; i < (int)m->n_hdr; i++) {
		if (m->hdr[i].id != SIP_HDR_VIA)
			continue;
		pos = 0;
		while (sip_list_next(m->buf, m->hdr[i].value, &pos, &item))
			if (k++ == n) {
				assert_int_equal(sip_via_parse(m->buf, item,
							       v), 0);
				return;
			}
	}
	fail_msg("no Via #%u", n);
}

static void test_rfc5118_uris(void **state)
{
	check_ruri("ipv6-good", 0, "[2001:db8::10]", "");
	check_ruri("ipv6-bad", -1, NULL, NULL);
	check_ruri("port-ambiguous", 0, "[2001:db8::10:5070]", "");
	check_ruri("port-unambiguous", 0, "[2001:db8::10]", "5070");
	check_ruri("ipv6-bug-abnf-3-colons", 0, "[2001:db8:::192.0.2.1]", "");
	check_ruri("ipv6-correct-abnf-2-colons", 0, "[2001:db8::192.0.2.1]",
		   "");
}

static void test_rfc5118_via(void **state)
{
	struct sip_via v;
	char *buf;
	struct sip_msg *m = scan_5118("mult-ip-in-header", &buf);

	nth_via(m, 0, &v);
	assert_span(buf, v.sent_by.host, "[2001:db8::9:1]");
	assert_int_equal(v.sent_by.port_num, 6050);
	nth_via(m, 1, &v);
	assert_span(buf, v.sent_by.host, "192.0.2.1");
	nth_via(m, 2, &v);
	assert_span(buf, v.transport, "TCP");
	assert_span(buf, v.sent_by.host, "[2001:db8::9:255]");
	assert_span(buf, v.received, "192.0.2.200");
	free(buf);
	free(m);
	m = scan_5118("via-received-param-with-delim", &buf);
	nth_via(m, 0, &v);
	assert_span(buf, v.received, "[2001:db8::9:255]");
	assert_span(buf, v.branch, "z9hG4bKas3-111");
	free(buf);
	free(m);
	m = scan_5118("via-received-param-no-delim", &buf);
	nth_via(m, 0, &v);
	assert_span(buf, v.received, "2001:db8::9:255");
	free(buf);
	free(m);
	m = scan_5118("ipv4-mapped-ipv6", &buf);
	nth_via(m, 0, &v);
	assert_span(buf, v.sent_by.host, "[::ffff:192.0.2.10]");
	assert_int_equal(v.sent_by.port_num, 19823);
	free(buf);
	free(m);
}

static void check_sdp_5118(const char *name, struct sdp_msg *s, char **body)
{
	char *buf;
	struct sip_msg *m = scan_5118(name, &buf);

	assert_true(is_sdp_body(m));
	assert_int_equal(sdp_scan(s, buf + m->body.off, m->body.len), SDP_OK);
	*body = malloc(m->body.len);
	assert_non_null(*body);
	memcpy(*body, buf + m->body.off, m->body.len);
	free(buf);
	free(m);
}

static void test_rfc5118_sdp(void **state)
{
	struct sdp_msg s;
	char *b;

	check_sdp_5118("ipv6-in-sdp", &s, &b);
	assert_int_equal(s.origin.family, SDP_AF_IP6);
	assert_span(b, s.origin.addr, "2001:db8::20");
	assert_true(s.conn.is_literal);
	assert_int_equal(s.n_media, 2);
	assert_ptr_equal(sdp_media_conn(&s, 1), &s.conn);
	free(b);
	check_sdp_5118("mult-ip-in-sdp", &s, &b);
	assert_span(b, s.origin.addr, "host.example.com");
	assert_false(s.origin.is_literal);
	assert_false(s.has_conn);
	assert_span(b, sdp_media_conn(&s, 0)->addr, "192.0.2.1");
	assert_int_equal(sdp_media_conn(&s, 0)->family, SDP_AF_IP4);
	assert_span(b, sdp_media_conn(&s, 1)->addr, "2001:db8::1");
	assert_int_equal(sdp_media_conn(&s, 1)->family, SDP_AF_IP6);
	free(b);
	check_sdp_5118("ipv4-mapped-ipv6", &s, &b);
	assert_span(b, s.conn.addr, "::ffff:192.0.2.2");
	assert_true(s.conn.is_literal);
	free(b);
}

/*
 * All RFC 5118 files, both the archive bytes (LF line ends; two lack the
 * final blank line and two have a Content-Length longer than the body, see
 * the corpus README) and the wire form.
 */
static const struct t5118 {
	const char *name;
	enum sip_scan_result archive;
} rfc5118[] = {
	{ "ipv6-good", SIP_OK },
	{ "ipv6-bad", SIP_OK },
	{ "port-ambiguous", SIP_OK },
	{ "port-unambiguous", SIP_OK },
	{ "via-received-param-with-delim", SIP_OK },
	{ "via-received-param-no-delim", SIP_OK },
	{ "ipv6-in-sdp", SIP_TRUNCATED },
	{ "mult-ip-in-header", SIP_OK },
	{ "mult-ip-in-sdp", SIP_TRUNCATED },
	{ "ipv4-mapped-ipv6", SIP_OK },
	{ "ipv6-bug-abnf-3-colons", SIP_TRUNCATED },
	{ "ipv6-correct-abnf-2-colons", SIP_TRUNCATED },
};

/* The expectation for FILE.dat of rfc5118/INDEX.tsv, or NULL. */
static const struct t5118 *rfc5118_find(const char *file)
{
	size_t i, n = strlen(file);

	for (i = 0; i < ARRAY_SIZE(rfc5118); i++)
		if (n > 4 && strncmp(rfc5118[i].name, file, n - 4) == 0 &&
		    strlen(rfc5118[i].name) == n - 4 &&
		    strcmp(file + n - 4, ".dat") == 0)
			return &rfc5118[i];
	return NULL;
}

/* The wire form scans clean and libosip2 parses it; the archive bytes
 * give the result the table expects. */
static void check_5118(const struct t5118 *t, struct outcome *o)
{
	char rel[256];
	uint32_t len;
	char *buf;

	snprintf(rel, sizeof(rel), "rfc5118/wire/%s.dat", t->name);
	buf = read_corpus(rel, &len);
	scan_one(buf, len, o);
	if (o->sip != SIP_OK || o->via_ok != o->via_total ||
	    (o->sdp != NO_SDP && o->sdp != SDP_OK))
		fail_msg("%s: sip %d sdp %d", rel, o->sip, o->sdp);
	assert_true(oracle_parse_ok(buf, len));
	free(buf);
	snprintf(rel, sizeof(rel), "rfc5118/%s.dat", t->name);
	buf = read_corpus(rel, &len);
	scan_one(buf, len, o);
	if (o->sip != t->archive)
		fail_msg("%s: sip %d", rel, o->sip);
	free(buf);
}

/* Every file INDEX.tsv lists has an expectation, and every expectation a
 * file: the corpus and this table cannot drift apart unseen. */
static void test_rfc5118_all(void **state)
{
	struct outcome *o = malloc(sizeof(*o));
	uint32_t len;
	char *index = read_corpus("rfc5118/INDEX.tsv", &len);
	char *cur = index, *file, *cls;
	const struct t5118 *t;
	unsigned n = 0;

	assert_non_null(o);
	while (index_next(&cur, index + len, &file, &cls)) {
		t = rfc5118_find(file);
		if (!t)
			fail_msg("no expectation for rfc5118/%s", file);
		check_5118(t, o);
		n++;
	}
	assert_int_equal(n, ARRAY_SIZE(rfc5118));
	print_message("rfc5118: %u messages, archive and wire form\n", n);
	free(index);
	free(o);
}

struct protos_stats {
	unsigned hist[2][SIP_TOO_MANY_HEADERS + 1]; /* INVITE, teardown */
	unsigned sdp_ok, sdp_bad;
	unsigned teardown_bad;	/* INVITE frames but its teardown not */
};

static void protos_count(struct protos_stats *st, unsigned idx,
			 const struct outcome *inv, const struct outcome *o)
{
	st->hist[idx ? 1 : 0][o->sip]++;
	if (idx == 0) {
		st->sdp_ok += o->sdp == SDP_OK;
		st->sdp_bad += o->sdp != SDP_OK && o->sdp != NO_SDP;
	} else if (inv->sip == SIP_OK && o->sip != SIP_OK) {
		st->teardown_bad++;
	}
}

/* Split a test-case file into PDUs and scan each; returns the count. */
static unsigned protos_file(const char *buf, uint32_t len,
			    struct protos_stats *st)
{
	struct outcome *o = malloc(2 * sizeof(*o));
	uint32_t p = 0, start, n, plen;
	unsigned count = 0;
	char *pdu;

	assert_non_null(o);
	while (protos_next(buf, len, &p, &start, &n)) {
		pdu = protos_pdu(buf + start, n, &plen);
		scan_one(pdu, plen, &o[count ? 1 : 0]);
		protos_count(st, count, &o[0], &o[count ? 1 : 0]);
		free(pdu);
		count++;
	}
	free(o);
	return count;
}

/* Case 0 is the valid reference INVITE. */
static void protos_case0(void)
{
	char path[256];
	uint32_t len, plen, p = 0, start, n;
	char *buf, *pdu;
	struct sip_msg *m = malloc(sizeof(*m));
	struct sdp_msg *s = malloc(sizeof(*s));

	assert_non_null(m);
	assert_non_null(s);
	snprintf(path, sizeof(path), PROTOS_DIR "/testcases/0000000");
	buf = read_file(path, &len);
	assert_true(protos_next(buf, len, &p, &start, &n));
	pdu = protos_pdu(buf + start, n, &plen);
	assert_int_equal(sip_scan(m, pdu, plen), SIP_OK);
	assert_true(oracle_parse_ok(pdu, plen));
	assert_true(sip_method_is(m, "INVITE"));
	assert_int_equal(sdp_scan(s, pdu + m->body.off, m->body.len), SDP_OK);
	assert_int_equal(m->clen, m->body.len);
	assert_span(pdu + m->body.off, s->origin.addr, "10.0.0.10");
	assert_span(pdu + m->body.off, s->conn.addr, "10.0.0.10");
	assert_true(s->conn.is_literal);
	assert_int_equal(s->n_media, 1);
	assert_int_equal(s->media[0].port_num, 9876);
	free(pdu);
	free(buf);
	free(m);
	free(s);
}

/*
 * No crash, leak or out-of-bounds read over all cases (the sanitizers check
 * that), plus what must hold whatever the mutation: the teardown request
 * reuses some of its INVITE's mutated fields but never adds any, so it
 * frames whenever the INVITE does.
 */
static void test_protos(void **state)
{
	static const char *const names[] = { "OK", "NOT_SIP", "MALFORMED",
					     "TRUNCATED", "TOO_MANY" };
	struct protos_stats st;
	char path[256];
	unsigned i, r;
	uint32_t len;
	char *buf;

	memset(&st, 0, sizeof(st));
	protos_unpack(corpus_dir());
	protos_case0();
	for (i = 0; i < PROTOS_CASES; i++) {
		snprintf(path, sizeof(path), PROTOS_DIR "/testcases/%07u", i);
		buf = read_file(path, &len);
		if (protos_file(buf, len, &st) != 2)
			fail_msg("%s: not 2 PDUs", path);
		free(buf);
	}
	for (r = 0; r <= SIP_TOO_MANY_HEADERS; r++)
		print_message("protos: %-9s INVITE %4u teardown %4u\n",
			      names[r], st.hist[0][r], st.hist[1][r]);
	print_message("protos: %u cases, 2 PDUs each\n", i);
	print_message("protos: INVITE SDP ok %u, rejected %u\n", st.sdp_ok,
		      st.sdp_bad);
	assert_int_equal(st.teardown_bad, 0);
	/* Mutated INVITEs: most still frame, a good share do not. */
	assert_true(st.hist[0][SIP_OK] > PROTOS_CASES / 2);
	assert_true(st.hist[0][SIP_OK] < PROTOS_CASES);
	assert_true(st.sdp_bad > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4475),
		cmocka_unit_test(test_rfc5118_uris),
		cmocka_unit_test(test_rfc5118_via),
		cmocka_unit_test(test_rfc5118_sdp),
		cmocka_unit_test(test_rfc5118_all),
		cmocka_unit_test(test_protos),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
