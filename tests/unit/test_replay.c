/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replays real captures from tests/corpus/pcaps (pcaps nobody on the team
 * wrote; see tests/corpus/README.md for each file's origin) through
 * scan -> plan -> apply, as the gateway would: a packet from a private
 * address travels out, one to a private address travels in.  Asserts for
 * every message: no crash (ASan/UBSan), a plan or a counted refusal, a
 * Content-Length that matches the body, libosip2 still parses what it
 * parsed before, and on the way out the sender's private address is gone
 * from the top Via, every Contact and the SDP o=/c= lines.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oracle.h"
#include "rewrite.h"

struct replay {
	struct conf conf;
	struct calls *calls;
	struct prefix inside[3];
	uint64_t now;
	unsigned sip, planned, refused, rewritten;
	const char *file;
};

static struct replay totals;

static const char *corpus(void)
{
	const char *c = getenv("SIPALG_CORPUS");

	return c && *c ? c : SIPALG_CORPUS_DIR;
}

static int l3_offset(int dlt, const uint8_t *p, uint32_t n)
{
	switch (dlt) {
	case DLT_EN10MB:
		if (n >= 18 && p[12] == 0x81 && p[13] == 0x00)
			return 18;
		return 14;
	case DLT_LINUX_SLL:
		return 16;
	case DLT_RAW:
	case DLT_IPV4:
		return 0;
	case DLT_NULL:
	case DLT_LOOP:
		return 4;
	default:
		return -1;
	}
}

static bool is_private(const struct replay *r, const union addr *a)
{
	unsigned i;

	for (i = 0; i < 3; i++) {
		uint32_t m = htonl(~0u << (32 - r->inside[i].len));

		if ((a->v4.s_addr & m) == r->inside[i].addr.v4.s_addr)
			return true;
	}
	return false;
}

static bool span_names(const char *buf, struct span s, const char *addr)
{
	return s.len == strlen(addr) && !memcmp(buf + s.off, addr, s.len);
}

/* The sender's private address must not survive in what we rewrite. */
static void check_no_leak(const char *out, uint32_t n, const char *src)
{
	struct sip_msg m;
	struct sip_hostport hp;
	struct sip_via v;
	struct span item;
	struct sdp_msg sd;
	uint32_t pos = 0;
	unsigned i;
	int h;

	assert_int_equal(sip_scan(&m, out, n), SIP_OK);
	h = sip_hdr_find(&m, SIP_HDR_VIA, 0);
	if (m.is_request && h >= 0 &&
	    sip_list_next(out, m.hdr[h].value, &pos, &item) &&
	    sip_via_parse(out, item, &v) == 0 &&
	    span_names(out, v.sent_by.host, src))
		fail_msg("%s: private Via left: %.*s", totals.file, (int)n, out);
	for (i = 0; i < m.n_hdr; i++) {
		if (m.hdr[i].id != SIP_HDR_CONTACT)
			continue;
		pos = 0;
		while (sip_list_next(out, m.hdr[i].value, &pos, &item))
			if (sip_uri_hostport(out, item, &hp) == 0 &&
			    span_names(out, hp.host, src))
				fail_msg("%s: private Contact left: %.*s",
					 totals.file, (int)n, out);
	}
	h = sip_hdr_find(&m, SIP_HDR_CONTENT_TYPE, 0);
	if (h < 0 || m.body.len == 0 ||
	    sdp_scan(&sd, out + m.body.off, m.body.len) != SDP_OK)
		return;
	if ((sd.has_conn && sd.conn.is_literal &&
	     span_names(out + m.body.off, sd.conn.addr, src)) ||
	    (sd.has_origin && sd.origin.is_literal &&
	     span_names(out + m.body.off, sd.origin.addr, src)))
		fail_msg("%s: private SDP address left: %.*s", totals.file,
			 (int)n, out);
}

static void replay_msg(struct replay *r, const struct iphdr *ip,
		       const struct udphdr *udp, const char *pl, uint32_t n)
{
	static struct rw_result res;
	static char out[70000];
	struct sip_msg m;
	struct rw_ctx x = { .conf = &r->conf, .calls = r->calls,
			    .now = ++r->now, .family = AF_INET,
			    .inside = r->inside, .n_inside = 3 };
	char src[INET_ADDRSTRLEN], why[256];
	long len;

	if (sip_scan(&m, pl, n) != SIP_OK)
		return;
	r->sip++;
	x.src.v4.s_addr = ip->saddr;
	x.dst.v4.s_addr = ip->daddr;
	x.sport = ntohs(udp->source);
	x.dport = ntohs(udp->dest);
	inet_pton(AF_INET, "203.0.113.1", &x.pub.v4);
	if (is_private(r, &x.src))
		x.dir = RW_OUT;
	else if (is_private(r, &x.dst))
		x.dir = RW_IN;
	else
		return;
	if (rewrite_plan(&x, &m, &res) < 0) {
		r->refused++;
		return;
	}
	r->planned++;
	rewrite_commit(&x, &res);
	len = edits_apply(&res.edits, pl, n, out, sizeof(out));
	assert_true(len >= 0);
	if (res.edits.n)
		r->rewritten++;
	if (!oracle_spans_ok(pl, n, &res.edits, out, (size_t)len, why,
			     sizeof(why)))
		fail_msg("%s: %s", r->file, why);
	assert_int_equal(sip_scan(&m, out, (uint32_t)len), SIP_OK);
	if (m.has_clen)
		assert_int_equal(m.hdr_end + m.clen, (uint32_t)len);
	if (oracle_parse_ok(pl, n) && !oracle_parse_ok(out, (size_t)len))
		fail_msg("%s: libosip2 rejects rewritten message:\n%.*s",
			 r->file, (int)len, out);
	inet_ntop(AF_INET, &x.src, src, sizeof(src));
	if (x.dir == RW_OUT)
		check_no_leak(out, (uint32_t)len, src);
}

static void replay_packet(struct replay *r, int dlt, const uint8_t *p,
			  uint32_t n)
{
	int off = l3_offset(dlt, p, n);
	struct iphdr ip;
	struct udphdr udp;
	uint32_t ihl, tot, ulen;

	if (off < 0 || n < (uint32_t)off + sizeof(ip))
		return;
	memcpy(&ip, p + off, sizeof(ip));
	ihl = ip.ihl * 4u;
	tot = ntohs(ip.tot_len);
	if (ip.version != 4 || ip.protocol != IPPROTO_UDP || ihl < 20 ||
	    tot > n - (uint32_t)off || tot < ihl + sizeof(udp) ||
	    (ntohs(ip.frag_off) & 0x3fff))
		return;
	memcpy(&udp, p + off + ihl, sizeof(udp));
	ulen = ntohs(udp.len);
	if (ulen <= sizeof(udp) || ulen > tot - ihl)
		return;
	replay_msg(r, &ip, &udp, (const char *)p + off + ihl + sizeof(udp),
		   ulen - (uint32_t)sizeof(udp));
}

static void replay_file(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const uint8_t *data;
	pcap_t *pc = pcap_open_offline(path, err);
	struct replay *r = &totals;
	union addr pub = { 0 };
	int dlt;

	if (!pc) {
		print_message("skip %s: %s\n", path, err);
		return;
	}
	r->file = path;
	r->calls = calls_new(&r->conf);
	assert_non_null(r->calls);
	inet_pton(AF_INET, "203.0.113.1", &pub.v4);
	assert_int_equal(calls_set_public(r->calls, AF_INET, &pub, 1), 0);
	dlt = pcap_datalink(pc);
	while (pcap_next_ex(pc, &h, &data) == 1)
		replay_packet(r, dlt, data, h->caplen);
	pcap_close(pc);
	calls_free(r->calls);
}

static void walk(const char *dir)
{
	struct dirent *e;
	char path[2048];
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			walk(path);
		else if (strstr(e->d_name, ".pcap") || strstr(e->d_name, ".cap"))
			replay_file(path);
	}
	closedir(d);
}

static void set_prefix(struct prefix *p, const char *a, unsigned len)
{
	p->family = AF_INET;
	p->len = len;
	inet_pton(AF_INET, a, &p->addr.v4);
}

static void test_replay_corpus(void **state)
{
	char dir[1024];

	(void)state;
	conf_defaults(&totals.conf);
	set_prefix(&totals.inside[0], "10.0.0.0", 8);
	set_prefix(&totals.inside[1], "172.16.0.0", 12);
	set_prefix(&totals.inside[2], "192.168.0.0", 16);
	snprintf(dir, sizeof(dir), "%s/pcaps", corpus());
	walk(dir);
	print_message("SIP messages %u, planned %u (rewritten %u), refused "
		      "%u\n", totals.sip, totals.planned, totals.rewritten,
		      totals.refused);
	/* The corpus holds thousands of SIP messages, hundreds from private
	 * addresses: replaying must have exercised the rewriter. */
	assert_true(totals.sip > 1000);
	assert_true(totals.rewritten > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
