/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_TEST_PROTOS_H
#define SIPALG_TEST_PROTOS_H

/*
 * The PROTOS c07-sip r2 test cases (tests/corpus/protos-c07-sip),
 * unpacked into build/protos and filled in as the original tool did, for
 * test_corpus.c (scanner) and test_robust.c (whole pipeline).  Include
 * after <cmocka.h>.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/*
 * PROTOS c07-sip: each test-case file holds PDUs written as
 * "<decimal length> <bytes>" with placeholders, which the original tool
 * replaced literally before setting <Content-Length> to the number of bytes
 * after the first CRLFCRLF and cutting the PDU to 65507 bytes.
 */
#define PROTOS_CASES 4527
#define PROTOS_MAX_PDU 65507
#define PROTOS_DIR "build/protos"

struct subst {
	const char *key;
	const char *val;
};

static const struct subst protos_vals[] = {
	{ "<To>", "bob@192.0.2.20" },
	{ "<From>", "alice@10.0.0.10" },
	{ "<From-Address>", "10.0.0.10" },
	{ "<From-IP>", "10.0.0.10" },
	{ "<Local-Port>", "5060" },
	{ "<Call-ID>", "3c26700857a7" },
	{ "<CSeq>", "1" },
	{ "<Branch-ID>", "000001" },
	{ "<Teardown-Method>", "CANCEL" },
};

/* Replace the keys of tab in in[0..n); writes to out when not NULL and
 * returns the resulting length. */
static size_t subst_run(const char *in, size_t n, const struct subst *tab,
			size_t ntab, char *out)
{
	size_t i = 0, o = 0, k, kl, vl;

	while (i < n) {
		for (k = 0; in[i] == '<' && k < ntab; k++) {
			kl = strlen(tab[k].key);
			if (kl <= n - i && memcmp(in + i, tab[k].key, kl) == 0)
				break;
		}
		if (in[i] != '<' || k == ntab) {
			if (out)
				out[o] = in[i];
			o++;
			i++;
			continue;
		}
		vl = strlen(tab[k].val);
		if (out)
			memcpy(out + o, tab[k].val, vl);
		o += vl;
		i += kl;
	}
	return o;
}

static char *subst_alloc(const char *in, size_t n, const struct subst *tab,
			 size_t ntab, size_t *len)
{
	char *out;

	*len = subst_run(in, n, tab, ntab, NULL);
	out = malloc(*len ? *len : 1);
	assert_non_null(out);
	subst_run(in, n, tab, ntab, out);
	return out;
}

/*
 * The same cases sent from the outside to the phone behind the gateway:
 * the sender is the outside host and the target the phone's public
 * signalling address (test_robust.c).
 */
static const struct subst protos_vals_inbound[] = {
	{ "<To>", "alice@203.0.113.1" },
	{ "<From>", "bob@192.0.2.20" },
	{ "<From-Address>", "192.0.2.20" },
	{ "<From-IP>", "192.0.2.20" },
	{ "<Local-Port>", "5060" },
	{ "<Call-ID>", "3c26700857a8" },
	{ "<CSeq>", "1" },
	{ "<Branch-ID>", "000002" },
	{ "<Teardown-Method>", "CANCEL" },
};

/* Fill in one PDU as the PROTOS tool did, with the values of tab[0..ntab);
 * returns an exact-size buffer. */
static char *protos_pdu_with(const char *in, size_t n, const struct subst *tab,
			     size_t ntab, uint32_t *len)
{
	char clen[24];
	struct subst cl = { "<Content-Length>", clen };
	size_t tl, fl;
	char *tmp = subst_alloc(in, n, tab, ntab, &tl);
	const char *hdr_end = memmem(tmp, tl, "\r\n\r\n", 4);
	char *pdu;

	snprintf(clen, sizeof(clen), "%zu",
		 hdr_end ? tl - (size_t)(hdr_end + 4 - tmp) : (size_t)0);
	pdu = subst_alloc(tmp, tl, &cl, 1, &fl);
	free(tmp);
	*len = (uint32_t)(fl > PROTOS_MAX_PDU ? PROTOS_MAX_PDU : fl);
	return pdu;
}

/* protos_pdu - one PDU sent by the phone (tests/unit/README.md values). */
static char *protos_pdu(const char *in, size_t n, uint32_t *len)
{
	return protos_pdu_with(in, n, protos_vals,
			       sizeof(protos_vals) / sizeof(protos_vals[0]),
			       len);
}

/* The PDU at *p: its bytes start at *start and are *n long. */
static bool protos_next(const char *buf, uint32_t len, uint32_t *p,
			uint32_t *start, uint32_t *n)
{
	uint32_t q = *p;
	uint64_t v = 0;

	if (q >= len)
		return false;
	for (; q < len && buf[q] >= '0' && buf[q] <= '9' && v <= len; q++)
		v = v * 10 + (uint64_t)(buf[q] - '0');
	if (q == *p || q >= len || buf[q] != ' ' || v > len - q - 1)
		fail_msg("bad PDU framing at offset %u", *p);
	*start = q + 1;
	*n = (uint32_t)v;
	*p = *start + *n;
	return true;
}

/* protos_unpack - unpack the test cases from the corpus at dir into
 * PROTOS_DIR once. */
static void protos_unpack(const char *dir)
{
	char cmd[8192];
	struct stat st;

	if (stat(PROTOS_DIR "/testcases/0004526", &st) == 0)
		return;
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p " PROTOS_DIR " && tar -xJf '%s/protos-c07-sip/"
		 "c07-sip-r2-testcases.tar.xz' -C " PROTOS_DIR,
		 dir);
	if (system(cmd) != 0)
		fail_msg("cannot unpack PROTOS corpus: %s", cmd);
}

#endif
