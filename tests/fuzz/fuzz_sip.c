/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness for the SIP scanner (src/sip.c, src/sip_value.c):
 * sip_scan on the input, then every accessor the rewriter uses, over every
 * header, the way the planner walks a message.  Invariants: every span a
 * scanner returns lies inside what it was given, and a second scan gives the
 * same result.
 */
#include <string.h>

#include "fuzz.h"
#include "sip.h"

static const char *const params[] = { "tag", "branch", "received", "rport",
				      "maddr", "transport", "lr", "expires" };

static void walk_item(const struct sip_msg *m, const struct sip_hdr *h,
		      struct span item)
{
	struct sip_hostport hp;
	struct sip_via v;
	struct span val;
	unsigned k;

	FUZZ_IN(item, h->value.off, span_end(h->value));
	if (sip_uri_hostport(m->buf, item, &hp) == 0) {
		FUZZ_IN(hp.host, item.off, span_end(item));
		if (hp.port.len)
			FUZZ_IN(hp.port, item.off, span_end(item));
	}
	for (k = 0; k < sizeof(params) / sizeof(params[0]); k++)
		if (sip_param(m->buf, item, params[k], &val) && val.len)
			FUZZ_IN(val, item.off, span_end(item));
	if (h->id != SIP_HDR_VIA || sip_via_parse(m->buf, item, &v) != 0)
		return;
	FUZZ_IN(v.transport, item.off, span_end(item));
	FUZZ_IN(v.sent_by.host, item.off, span_end(item));
	if (v.branch.len)
		FUZZ_IN(v.branch, item.off, span_end(item));
	if (v.received.len)
		FUZZ_IN(v.received, item.off, span_end(item));
	if (v.rport.len)
		FUZZ_IN(v.rport, item.off, span_end(item));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sip_msg m, m2;
	const char *buf = (const char *)data;
	struct sip_hostport hp;
	struct span item, method;
	enum sip_scan_result rc;
	uint32_t len, pos, num, n_items = 0;
	unsigned i, id;

	if (size > 65535)
		return -1;
	len = (uint32_t)size;
	rc = sip_scan(&m, buf, len);
	FUZZ_ASSERT(sip_scan(&m2, buf, len) == rc, "second scan differs");
	if (rc != SIP_OK)
		return 0;
	FUZZ_ASSERT(m.len == len && m.n_hdr <= SIP_MAX_HDRS, "n_hdr %u",
		    m.n_hdr);
	FUZZ_ASSERT(m.hdr_end <= len, "hdr_end %u > %u", m.hdr_end, len);
	FUZZ_IN(m.body, m.hdr_end, len);
	if (m.has_clen) {
		FUZZ_ASSERT(m.body.len == m.clen, "body %u clen %u",
			    m.body.len, m.clen);
		FUZZ_IN(m.clen_value, 0, m.hdr_end);
	}
	if (m.is_request) {
		FUZZ_IN(m.method, 0, m.hdr_end);
		FUZZ_IN(m.ruri, 0, m.hdr_end);
		if (sip_uri_hostport(buf, m.ruri, &hp) == 0)
			FUZZ_IN(hp.host, m.ruri.off, span_end(m.ruri));
	} else {
		FUZZ_ASSERT(m.status >= 100 && m.status <= 699, "status %d",
			    m.status);
	}
	if (sip_cseq(&m, &num, &method) == 0)
		FUZZ_IN(method, 0, m.hdr_end);
	(void)sip_method_is(&m, "INVITE");
	for (id = 0; id < SIP_HDR_MAX; id++) {
		int k = sip_hdr_find(&m, (enum sip_hdr_id)id, 0);

		FUZZ_ASSERT(k < (int)m.n_hdr, "hdr_find %d", k);
		FUZZ_ASSERT(k < 0 || m.hdr[k].id == id, "hdr_find id");
	}
	for (i = 0; i < m.n_hdr; i++) {
		const struct sip_hdr *h = &m.hdr[i];

		FUZZ_IN(h->name, 0, m.hdr_end);
		FUZZ_IN(h->value, 0, m.hdr_end);
		pos = 0;
		while (sip_list_next(buf, h->value, &pos, &item)) {
			FUZZ_ASSERT(++n_items <= len, "list does not end");
			walk_item(&m, h, item);
		}
	}
	return 0;
}
