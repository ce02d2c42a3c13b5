/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness for the SDP scanner (src/sdp.c): sdp_scan on the input
 * as a body; every span inside the body, media count bounded, directions
 * and families in range, and the address each media stream uses found.
 */
#include "fuzz.h"
#include "sdp.h"

static void check_addr(const struct sdp_addr *a, uint32_t len)
{
	FUZZ_IN(a->addr, 0, len);
	FUZZ_ASSERT(a->family == SDP_AF_OTHER || a->family == SDP_AF_IP4 ||
		    a->family == SDP_AF_IP6, "family %d", a->family);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sdp_msg s;
	const struct sdp_addr *c;
	uint32_t len;
	unsigned i;

	if (size > 65535)
		return -1;
	len = (uint32_t)size;
	if (sdp_scan(&s, (const char *)data, len) != SDP_OK)
		return 0;
	FUZZ_ASSERT(s.n_media <= SDP_MAX_MEDIA, "n_media %u", s.n_media);
	if (s.has_origin)
		check_addr(&s.origin, len);
	if (s.has_conn)
		check_addr(&s.conn, len);
	for (i = 0; i < s.n_media; i++) {
		const struct sdp_media *m = &s.media[i];

		FUZZ_IN(m->type, 0, len);
		FUZZ_IN(m->port, 0, len);
		FUZZ_IN(m->proto, 0, len);
		if (m->has_conn)
			check_addr(&m->conn, len);
		if (m->has_rtcp)
			FUZZ_IN(m->rtcp_port, 0, len);
		if (m->rtcp_has_addr)
			check_addr(&m->rtcp_addr, len);
		FUZZ_ASSERT(m->dir >= SDP_DIR_SENDRECV &&
			    m->dir <= SDP_DIR_INACTIVE, "dir %d", m->dir);
		c = sdp_media_conn(&s, i);
		FUZZ_ASSERT(c == NULL || c == &m->conn || c == &s.conn,
			    "media %u conn", i);
		FUZZ_ASSERT(c != NULL || (!m->has_conn && !s.has_conn),
			    "media %u has a c= but none found", i);
	}
	return 0;
}
