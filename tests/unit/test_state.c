// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_state.c - the state file (state.c) and the table rebuilt from it
 * (call_restore.c): a table with a registration and a call survives a
 * write and a read field for field, with the kernel timeouts it had
 * (not the grace cap); records whose elements the kernel lost are left
 * out, and a call with them; a file from another boot, another address,
 * other port ranges or older than the grace is refused; every
 * truncation, every changed byte and a few thousand mangled files with a
 * correct checksum are refused or read without harm (ASan/UBSan).
 * IPv6 pinholes (version 2): a registration and a call of pin6 survive a
 * write and a read field for field and go back into a pin6; malformed
 * G6 and C6 lines, and either in a version-1 file, are refused whole.
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
#include <time.h>

#include "call_restore.h"
#include "hash.h"
#include "pin6.h"
#include "pin6_int.h"
#include "state.h"

#define NOW 5000
#define BOOT "7be9ef51-acd2-4af3-97ac-21bbc9510a30"

static struct conf cf;
static union addr phone, pub, peer, registrar;

static struct calls *table(void)
{
	struct calls *t;

	conf_defaults(&cf);
	cf.media_port_min = 30000;
	cf.media_port_max = 30999;
	memset(&phone, 0, sizeof(phone));
	memset(&pub, 0, sizeof(pub));
	memset(&peer, 0, sizeof(peer));
	memset(&registrar, 0, sizeof(registrar));
	inet_pton(AF_INET, "10.0.0.10", &phone.v4);
	inet_pton(AF_INET, "203.0.113.1", &pub.v4);
	inet_pton(AF_INET, "203.0.113.20", &peer.v4);
	inet_pton(AF_INET, "203.0.113.10", &registrar.v4);
	t = calls_new(&cf);
	assert_non_null(t);
	assert_int_equal(calls_set_public(t, AF_INET, &pub, 1), 0);
	return t;
}

static void meta(struct state_meta *m, uint64_t written)
{
	memset(m, 0, sizeof(*m));
	strcpy(m->boot_id, BOOT);
	m->written = written;
	m->n_pub = 1;
	m->pub[0] = pub;
	m->media_min = 30000;
	m->media_max = 30999;
	m->sig_min = 5060;
	m->sig_max = 5999;
}

/* phone1 registered on 5060 (an odd sent-by text too) and in a call
 * with the peer: one RTP/RTCP pair. */
static void fill(struct calls *t)
{
	static const char id[] = "a84b4c76e66710@pc33 .example%com";
	struct binding *s, *r, *q;
	const char *limit;
	bool created;
	struct call *k;

	s = calls_sig_get(t, AF_INET, &phone, 5060, NOW, &created, &limit);
	assert_non_null(s);
	s->expires = NOW + 300;
	s->kernel_until = NOW + 360;
	strcpy(s->sig->sent_by, "10.0.0.10:5060;odd");
	strcpy(s->sig->contact_hp, "10.0.0.10:5060");
	s->sig->n_reg = 1;
	s->sig->reg[0].aor = 0xdeadbeef;
	s->sig->reg[0].until = NOW + 300;
	strcpy(s->sig->reg[0].aor_uri, "sip:phone1@203.0.113.10");
	s->sig->reg[0].user[0] = 17;
	s->sig->reg[0].user[1] = 4000000000u;
	s->sig->reg[0].n_user = 2;
	s->sig->reg[0].registrar = registrar;
	s->sig->reg_callid = 99;
	s->sig->reg_cseq = 3;
	k = calls_get(t, id, sizeof(id) - 1, NOW - 10, &created, &limit);
	assert_non_null(k);
	assert_int_equal(calls_admit(t, k, AF_INET, &phone, &peer, &limit), 0);
	assert_int_equal(calls_media_get(t, k, AF_INET, &phone, 40000, 40001,
					 &r, &q, &created, &limit), 0);
	r->seen = NOW - 1;
	r->filter = true;
	r->from[0] = peer;
	r->n_from = 1;
	q->is_rtcp = true;
	k->sig = s;
	s->users++;
	k->peer = peer;
	k->confirmed = true;
	k->setup_deadline = 0;
	k->invite_cseq = 1;
	k->sdp_seq = 2;
	calls_note_sdp(k, AF_INET, &phone);
	k->dlg_tag[0][0] = 1;
	k->dlg_tag[0][1] = 2;
	k->dlg_host[0] = 3;
	k->n_dlg = 1;
	assert_int_equal(calls_remote_size(k, 1), 0);
	k->remote[0] = (struct call_remote){ peer, 50000, 50001 };
}

/* The file text of t and p6 (may be NULL), written at written. */
static char *text_with(struct calls *t, const struct pin6 *p6,
		       uint64_t written, size_t *n)
{
	struct state_meta m;
	struct buf b = { 0 };

	meta(&m, written);
	state_format(t, p6, &m, &b);
	assert_true(buf_ok(&b));
	*n = b.len;
	return b.p;
}

static char *text_of(struct calls *t, uint64_t written, size_t *n)
{
	return text_with(t, NULL, written, n);
}

static bool have_all(void *ctx, const struct nat_elem *e)
{
	(void)ctx;
	(void)e;
	return true;
}

/* The kernel lost every element on public port *ctx. */
static bool have_but(void *ctx, const struct nat_elem *e)
{
	return e->pub_port != *(const uint16_t *)ctx;
}

static void test_round_trip(void **state)
{
	struct calls *t = table(), *u;
	struct calls_restored r;
	struct state_set *s;
	struct binding *b, *m;
	struct call *k;
	char why[160];
	size_t n;
	char *p;
	unsigned i;

	(void)state;
	fill(t);
	p = text_of(t, NOW, &n);
	s = state_parse(p, n, why, sizeof(why));
	if (!s)
		fail_msg("refused: %s\n%s", why, p);
	assert_int_equal(s->n_bind, 3);
	assert_int_equal(s->n_call, 1);
	assert_string_equal(s->meta.boot_id, BOOT);
	u = table();
	assert_int_equal(calls_restore(u, s, have_all, NULL, NOW + 2, &r), 0);
	assert_int_equal(r.sig, 1);
	assert_int_equal(r.regs, 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.media, 2);
	assert_int_equal(r.bind_dropped + r.calls_dropped, 0);
	b = calls_binding_find(u, AF_INET, &phone, 5060);
	assert_non_null(b);
	assert_int_equal(b->pub_port, 5060);
	assert_int_equal(b->users, 1);
	assert_int_equal(b->expires, NOW + 300);
	assert_string_equal(b->sig->sent_by, "10.0.0.10:5060;odd");
	assert_string_equal(b->sig->route_hp, "");
	assert_string_equal(b->sig->reg[0].aor_uri, "sip:phone1@203.0.113.10");
	assert_int_equal(b->sig->reg[0].user[1], 4000000000u);
	assert_int_equal(b->sig->reg[0].n_user, 2);
	assert_int_equal(b->sig->reg[0].registrar.v4.s_addr,
			 registrar.v4.s_addr);
	assert_int_equal(b->sig->reg_cseq, 3);
	k = calls_find(u, "a84b4c76e66710@pc33 .example%com", 32);
	assert_non_null(k);
	assert_ptr_equal(k->sig, b);
	assert_true(k->confirmed);
	assert_int_equal(k->created, NOW - 10);
	assert_int_equal(k->n_bind, 2);
	assert_int_equal(k->n_remote, 1);
	assert_int_equal(k->remote[0].rtcp, 50001);
	assert_int_equal(k->dlg_host[0], 3);
	assert_true(k->q_host_set && k->q_setup);
	m = calls_binding_find(u, AF_INET, &phone, 40000);
	assert_non_null(m);
	assert_true(m->filter);
	assert_int_equal(m->n_from, 1);
	assert_int_equal(m->from[0].v4.s_addr, peer.v4.s_addr);
	m = calls_binding_find(u, AF_INET, &phone, 40001);
	assert_non_null(m);
	assert_true(m->is_rtcp);
	assert_false(m->filter);
	assert_ptr_equal(calls_binding_by_pub(u, AF_INET, &pub, m->pub_port), m);
	/* The kernel timeouts they had, not a grace cap. */
	assert_int_equal(r.n_fix, 3);
	for (i = 0; i < r.n_fix; i++) {
		uint32_t want = r.fix[i].pub_port == 5060 ? 360 - 2
			: (uint32_t)(k->max_end + 60 - (NOW + 2));

		assert_int_equal(r.fix[i].timeout, want);
		assert_int_equal(r.fix[i].filter, r.fix[i].in_port == 40000);
		assert_int_equal(r.fix[i].pub_addr.v4.s_addr, pub.v4.s_addr);
	}
	/* A new binding never takes a restored port. */
	{
		const char *limit;
		bool created;
		union addr other = phone;

		other.v4.s_addr = htonl(ntohl(phone.v4.s_addr) + 1);
		b = calls_sig_get(u, AF_INET, &other, 5060, NOW, &created,
				  &limit);
		assert_non_null(b);
		assert_int_not_equal(b->pub_port, 5060);
	}
	free(r.fix);
	state_set_free(s);
	free(p);
	calls_free(t);
	calls_free(u);
}

static void test_kernel_lost(void **state)
{
	struct calls *t = table(), *u;
	struct calls_restored r;
	struct state_set *s;
	struct binding *m;
	char why[160];
	uint16_t lost;
	size_t n;
	char *p;

	(void)state;
	fill(t);
	m = calls_binding_find(t, AF_INET, &phone, 40001);
	lost = m->pub_port;
	p = text_of(t, NOW, &n);
	s = state_parse(p, n, why, sizeof(why));
	assert_non_null(s);
	/* A media element gone: the call goes, the registration stays. */
	u = table();
	assert_int_equal(calls_restore(u, s, have_but, &lost, NOW, &r), 0);
	assert_int_equal(r.sig, 1);
	assert_int_equal(r.calls, 0);
	assert_int_equal(r.calls_dropped, 1);
	assert_int_equal(r.bind_dropped, 2);
	assert_null(calls_binding_find(u, AF_INET, &phone, 40000));
	assert_int_equal(calls_binding_find(u, AF_INET, &phone, 5060)->users,
			 0);
	free(r.fix);
	calls_free(u);
	/* The signalling element gone: nothing of it, nor its call. */
	lost = 5060;
	u = table();
	assert_int_equal(calls_restore(u, s, have_but, &lost, NOW, &r), 0);
	assert_int_equal(r.sig + r.calls + r.media, 0);
	free(r.fix);
	calls_free(u);
	state_set_free(s);
	free(p);
	calls_free(t);
}

static void test_check(void **state)
{
	struct state_meta want, got;
	char why[160];

	(void)state;
	meta(&want, NOW);
	meta(&got, NOW - 60);
	assert_int_equal(state_check(&got, &want, NOW, 60, why, sizeof(why)),
			 0);
	assert_int_equal(state_check(&got, &want, NOW, 59, why, sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "stale"));
	got.written = NOW + 1;	/* from the future: another clock */
	assert_int_equal(state_check(&got, &want, NOW, 60, why, sizeof(why)),
			 -1);
	meta(&got, NOW);
	got.boot_id[0] = '0';
	assert_int_equal(state_check(&got, &want, NOW, 60, why, sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "boot"));
	meta(&got, NOW);
	got.pub[0].v4.s_addr ^= htonl(1);
	assert_int_equal(state_check(&got, &want, NOW, 60, why, sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "public"));
	meta(&got, NOW);
	got.sig_max--;
	assert_int_equal(state_check(&got, &want, NOW, 60, why, sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "port"));
}

/* Every prefix and every changed byte of a good file is refused. */
static void test_damage(void **state)
{
	struct calls *t = table();
	char why[160];
	size_t n, i;
	char *p = NULL;

	(void)state;
	fill(t);
	p = text_of(t, NOW, &n);
	for (i = 0; i < n; i++)
		assert_null(state_parse(p, i, why, sizeof(why)));
	for (i = 0; i < n; i++) {
		char c = p[i];

		p[i] = (char)(c ^ (1 << (i % 8)));
		assert_null(state_parse(p, n, why, sizeof(why)));
		p[i] = c;
	}
	assert_null(state_parse("", 0, why, sizeof(why)));
	assert_non_null(strstr(why, "truncated"));
	free(p);
	calls_free(t);
}

/* body with this run's header before it and a correct end line after. */
static char *wrap(const char *head, const char *body, size_t *n)
{
	size_t hl = strlen(head), bl = strlen(body), lines = 0, i;
	char *p = malloc(hl + bl + 64);

	assert_non_null(p);
	memcpy(p, head, hl);
	memcpy(p + hl, body, bl);
	for (i = 0; i < hl + bl; i++)
		lines += p[i] == '\n';
	*n = hl + bl + (size_t)sprintf(p + hl + bl, "end %zu %08x\n", lines,
				       hash_bytes(p, hl + bl, HASH_FNV_INIT));
	return p;
}

#define HEAD "sipalg-state 1\nboot " BOOT "\nwritten 5000\n" \
	     "public 1 203.0.113.1\nports 30000 30999 5060 5999\n"

static void test_refused_texts(void **state)
{
	static const char *const bad[] = {
		"R 1 2 203.0.113.10 =x\n",		/* R without S */
		"B 10.0.0.10 40000\n",			/* B without C */
		"S 10.0.0.10 5060 1 5060 1 1 0 0 = = =\n", /* pub_i 1 of 1 */
		"S 10.0.0.10 0 0 5060 1 1 0 0 = = =\n",	/* port 0 */
		"S 10.0.0.10 5060 0 5060 1 1 0 0 = =\n",	/* a field short */
		"S 10.0.0.10 5060 0 5060 1 1 0 0 = = x\n",	/* text without = */
		"S 10.0.0.10 5060 0 5060 1 1 0 0 = = =%G0\n",
		"S 10.0.0.10 5060 0 65536 1 1 0 0 = = =\n",
		"S 10.0.0.10 5060 0 5060 -1 1 0 0 = = =\n",
		"S 10.0.0.300 5060 0 5060 1 1 0 0 = = =\n",
		"S 10.0.0.10  5060 0 5060 1 1 0 0 = = =\n",	/* empty field */
		"M 10.0.0.10 40000 0 30000 0 0 1 1 0 2 0\n",	/* rtcp 2 */
		"M 10.0.0.10 40000 0 30000 0 0 1 1 0 0 1 1.2.3.4 1.2.3.5 "
		"1.2.3.6\n",				/* 3 sources */
		"M 10.0.0.10 40000 0 30000 0 0 1 1 0 0\n",	/* no filter */
		"C = 203.0.113.20 1 0 2 1 1 1 1 0 10.0.0.10 0.0.0.0 "
		"0.0.0.0 0\n",				/* empty Call-ID */
		"C =x 203.0.113.20 1 0 2 1 1 1 1 4 10.0.0.10 0.0.0.0 "
		"0.0.0.0 0\n",				/* q 4 */
		"X 1\n",
		"SS 1\n",
		"S 18446744073709551616\n",
	};
	char why[160];
	size_t n, i;
	char *p;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = wrap(HEAD, bad[i], &n);
		assert_null(state_parse(p, n, why, sizeof(why)));
		free(p);
	}
	p = wrap("sipalg-state 3\nboot 1\n", "", &n);
	assert_null(state_parse(p, n, why, sizeof(why)));
	assert_non_null(strstr(why, "version"));
	free(p);
	/* The same lines made right are read: each one above is refused
	 * for what it says. */
	p = wrap(HEAD, "S 10.0.0.10 5060 0 5060 1 1 0 0 = = =%25\n"
		       "R 1 2 203.0.113.10 =x\n"
		       "M 10.0.0.10 40000 0 30000 0 0 1 1 0 1 1 "
		       "203.0.113.20 203.0.113.21\n"
		       "C =x 203.0.113.20 1 0 2 1 1 1 1 3 10.0.0.10 0.0.0.0 "
		       "10.0.0.10 5060\nB 10.0.0.10 40000\n", &n);
	{
		struct state_set *s = state_parse(p, n, why, sizeof(why));

		if (!s)
			fail_msg("refused: %s", why);
		assert_int_equal(s->n_bind, 2);
		assert_int_equal(s->n_call, 1);
		assert_string_equal(s->bind[0]->sig->route_hp, "%");
		assert_int_equal(s->call[0].n_media, 1);
		assert_true(s->bind[1]->filter);
		assert_int_equal(s->bind[1]->n_from, 2);
		assert_int_equal(s->bind[1]->from[1].v4.s_addr,
				 htonl(0xcb007115u));
		state_set_free(s);
	}
	free(p);
	p = wrap(HEAD, "", &n);		/* empty: fine */
	{
		struct state_set *s = state_parse(p, n, why, sizeof(why));

		assert_non_null(s);
		assert_int_equal(s->n_bind + s->n_call, 0);
		state_set_free(s);
	}
	free(p);
}

static unsigned rnd_state = 12345;

static unsigned rnd(unsigned n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

/* A good body's lines with fields swapped, cut, repeated or replaced by
 * junk, then a correct end line: the parser proper must refuse or read
 * it, and whatever it reads must link into a table and free cleanly. */
static void test_mangled(void **state)
{
	static const char *const junk[] = {
		"0", "1", "65535", "65536", "4294967296", "255", "256",
		"18446744073709551615", "=", "=%00", "=%7F%FF", "10.0.0.10",
		"203.0.113.1", "0.0.0.0", "-", "=abc", "S", "C", "5060",
	};
	struct calls *t = table();
	size_t n, hl = strlen(HEAD), i;
	char *good = NULL, why[160];
	unsigned round, ok = 0;

	(void)state;
	fill(t);
	good = text_of(t, NOW, &n);
	/* The body: after the header, before the end line. */
	good[n - 1] = '\0';
	*strrchr(good, '\n') = '\0';
	for (round = 0; round < 3000; round++) {
		char body[8192], *tok[256], *copy = strdup(good + hl), *q;
		unsigned nt = 0, j, k = 1 + rnd(4);
		struct state_set *s;
		struct calls_restored r;
		struct calls *u;
		size_t len = 0;
		char *p;

		assert_non_null(copy);
		for (q = strtok(copy, " \n"); q && nt < 256;
		     q = strtok(NULL, " \n"))
			tok[nt++] = q;
		while (k--) {
			j = rnd(nt);
			tok[j] = (char *)junk[rnd(sizeof(junk) /
						  sizeof(junk[0]))];
		}
		/* Lines again: a record letter starts one. */
		for (j = 0; j < nt && len + 64 < sizeof(body); j++) {
			bool start = j && strlen(tok[j]) == 1 &&
				     strchr("SRMCHDPB", tok[j][0]);

			i = (size_t)snprintf(body + len, sizeof(body) - len,
					     "%s%s", j ? (start ? "\n" : " ")
						       : "", tok[j]);
			len += i;
		}
		snprintf(body + len, sizeof(body) - len, "\n");
		p = wrap(HEAD, body, &n);
		s = state_parse(p, n, why, sizeof(why));
		if (s) {
			ok++;
			u = table();
			assert_int_equal(calls_restore(u, s, have_all, NULL,
						       NOW, &r), 0);
			free(r.fix);
			calls_free(u);
			state_set_free(s);
		}
		free(p);
		free(copy);
	}
	/* Some must have been read (junk in a number's place, still a
	 * number), or the test only walks the error paths. */
	assert_true(ok > 0);
	print_message("%u of 3000 mangled files read\n", ok);
	free(good);
	calls_free(t);
}

/* Many phones, each registered and in a call: every one comes back, and
 * a write and a read stay cheap (printed, not asserted: shared CI). */
static void test_many(void **state)
{
	struct calls *t = table(), *u;
	struct calls_restored r;
	struct calls_stats st;
	struct state_set *s;
	struct timespec t0, t1, t2;
	char why[160], id[32];
	const char *limit;
	bool created;
	size_t n;
	char *p;
	unsigned i;

	(void)state;
	cf.max_calls = cf.max_calls_per_host = 2000;
	cf.max_bindings = 8000;
	/* 400 of the media pool's 500 pairs. */
	for (i = 0; i < 400; i++) {
		union addr a = phone;
		struct binding *sb, *rb, *qb;
		struct call *k;

		a.v4.s_addr = htonl(ntohl(phone.v4.s_addr) + i);
		sb = calls_sig_get(t, AF_INET, &a, 5060, NOW, &created, &limit);
		assert_non_null(sb);
		sb->expires = NOW + 300;
		sb->kernel_until = NOW + 360;
		sb->sig->n_reg = 1;
		sb->sig->reg[0].until = NOW + 300;
		snprintf(id, sizeof(id), "call-%u", i);
		k = calls_get(t, id, (uint32_t)strlen(id), NOW, &created, &limit);
		assert_non_null(k);
		assert_int_equal(calls_media_get(t, k, AF_INET, &a, 40000,
						 40001, &rb, &qb, &created,
						 &limit), 0);
		k->sig = sb;
		sb->users++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	p = text_of(t, NOW, &n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = state_parse(p, n, why, sizeof(why));
	if (!s)
		fail_msg("refused: %s", why);
	u = table();
	cf.max_calls = cf.max_calls_per_host = 2000;
	cf.max_bindings = 8000;
	assert_int_equal(calls_restore(u, s, have_all, NULL, NOW, &r), 0);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	assert_int_equal(r.calls, 400);
	assert_int_equal(r.sig, 400);
	assert_int_equal(r.media, 800);
	assert_int_equal(r.n_fix, 1200);
	calls_stats(u, &st);
	assert_int_equal(st.calls, 400);
	assert_int_equal(st.media_bindings, 800);
	print_message("400 calls: %zu bytes, written in %.1f ms, read and "
		      "rebuilt in %.1f ms (ASan)\n", n,
		      (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			      (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
		      (double)(t2.tv_sec - t1.tv_sec) * 1e3 +
			      (double)(t2.tv_nsec - t1.tv_nsec) / 1e6);
	free(r.fix);
	state_set_free(s);
	free(p);
	calls_free(t);
	calls_free(u);
}


/* ---- IPv6 pinholes (G6, C6) ------------------------------------------- */

static union addr phone6, registrar6;

/* A pin6 holding one registration and one call of phone6. */
static struct pin6 *pin6_filled(void)
{
	static const char id[] = "v6call 1@[2001:db8::10]%";
	struct pin6 *p = pin6_new(&cf);
	struct pin6_reg g;
	struct pin6_call k;

	assert_non_null(p);
	memset(&phone6, 0, sizeof(phone6));
	memset(&registrar6, 0, sizeof(registrar6));
	inet_pton(AF_INET6, "2001:db8:1::10", &phone6.v6);
	inet_pton(AF_INET6, "2001:db8:2::5", &registrar6.v6);
	memset(&g, 0, sizeof(g));
	g.phone = phone6;
	g.port = 5062;
	g.registrar = registrar6;
	g.expires = NOW + 300;
	g.pending = true;
	g.pend_id = 4000000001u;
	g.pend_cseq = 7;
	g.want = 600;
	strcpy(g.aor, "sip:alice v6@example.com");
	g.user[0] = 11;
	g.user[1] = 12;
	g.n_user = 2;
	g.pend_user[0] = 13;
	g.n_pend_user = 1;
	assert_int_equal(pin6_restore_reg(p, &g), 0);
	memset(&k, 0, sizeof(k));
	memcpy(k.id, id, sizeof(id) - 1);
	k.id_len = sizeof(id) - 1;
	k.phone = phone6;
	k.port[0] = 40000;
	k.port[1] = 40001;
	k.port[2] = 40002;
	k.n_port = 3;
	k.confirmed = true;
	k.created = NOW - 20;
	k.expires = NOW + 3600;
	k.dlg[0][0] = 1;
	k.dlg[0][1] = 4294967295u;
	k.dlg[1][0] = 5;
	k.dlg[1][1] = 6;
	k.n_dlg = 2;
	assert_int_equal(pin6_restore_call(p, &k), 0);
	return p;
}

static void reg_seen(void *ctx, const struct pin6_reg_info *g)
{
	(*(unsigned *)ctx)++;
	assert_int_equal(g->port, 5062);
	assert_string_equal(g->aor, "sip:alice v6@example.com");
	assert_int_equal(g->expires, NOW + 300);
}

static void call_seen(void *ctx, const struct pin6_call_info *c)
{
	(*(unsigned *)ctx)++;
	assert_int_equal(c->n_port, 3);
	assert_int_equal(c->port[2], 40002);
	assert_true(c->confirmed);
	assert_int_equal(c->created, NOW - 20);
}

static void test_pin6_round_trip(void **state)
{
	struct calls *t = table();
	struct pin6 *p6 = pin6_filled(), *q6;
	struct state_set *s;
	struct pin6_reg *g;
	struct pin6_call *k;
	unsigned seen = 0;
	char why[160];
	size_t n, i;
	char *p;

	(void)state;
	fill(t);
	p = text_with(t, p6, NOW, &n);
	assert_true(strncmp(p, "sipalg-state 2\n", 15) == 0);
	s = state_parse(p, n, why, sizeof(why));
	if (!s)
		fail_msg("refused: %s\n%s", why, p);
	/* The IPv4 records are all there besides. */
	assert_int_equal(s->n_bind, 3);
	assert_int_equal(s->n_call, 1);
	assert_int_equal(s->n_reg6, 1);
	assert_int_equal(s->n_call6, 1);
	g = &s->reg6[0];
	assert_memory_equal(&g->phone.v6, &phone6.v6, 16);
	assert_memory_equal(&g->registrar.v6, &registrar6.v6, 16);
	assert_int_equal(g->port, 5062);
	assert_int_equal(g->expires, NOW + 300);
	assert_true(g->used && g->pending);
	assert_int_equal(g->pend_id, 4000000001u);
	assert_int_equal(g->pend_cseq, 7);
	assert_int_equal(g->want, 600);
	assert_string_equal(g->aor, "sip:alice v6@example.com");
	assert_int_equal(g->n_user, 2);
	assert_int_equal(g->user[1], 12);
	assert_int_equal(g->n_pend_user, 1);
	assert_int_equal(g->pend_user[0], 13);
	k = &s->call6[0];
	assert_int_equal(k->id_len, 24);
	assert_memory_equal(k->id, "v6call 1@[2001:db8::10]%", 24);
	assert_memory_equal(&k->phone.v6, &phone6.v6, 16);
	assert_int_equal(k->n_port, 3);
	assert_int_equal(k->port[1], 40001);
	assert_true(k->confirmed);
	assert_int_equal(k->created, NOW - 20);
	assert_int_equal(k->expires, NOW + 3600);
	assert_int_equal(k->n_dlg, 2);
	assert_int_equal(k->dlg[0][1], 4294967295u);
	assert_int_equal(k->dlg[1][0], 5);
	/* Back into a pin6: listed as before; the same again is refused. */
	q6 = pin6_new(&cf);
	assert_non_null(q6);
	assert_int_equal(pin6_restore_reg(q6, g), 0);
	assert_int_equal(pin6_restore_call(q6, k), 0);
	assert_int_equal(pin6_restore_reg(q6, g), -1);
	assert_int_equal(pin6_restore_call(q6, k), -1);
	pin6_each_reg(q6, reg_seen, &seen);
	pin6_each_call(q6, call_seen, &seen);
	assert_int_equal(seen, 2);
	/* Every prefix and every changed byte of it is refused too. */
	for (i = 0; i < n; i++)
		assert_null(state_parse(p, i, why, sizeof(why)));
	for (i = 0; i < n; i += 3) {
		char c = p[i];

		p[i] = (char)(c ^ (1 << (i % 8)));
		assert_null(state_parse(p, n, why, sizeof(why)));
		p[i] = c;
	}
	pin6_free(q6);
	state_set_free(s);
	free(p);
	pin6_free(p6);
	calls_free(t);
}

#define HEAD2 "sipalg-state 2\nboot " BOOT "\nwritten 5000\n" \
	      "public 1 203.0.113.1\nports 30000 30999 5060 5999\n"

static void test_pin6_refused(void **state)
{
	static const char *const bad[] = {
		/* a field short, a user hash more than NUSER allows */
		"G6 2001:db8::10 5062 5300 :: 0 0 0 0 =\n",
		"G6 2001:db8::10 5062 5300 :: 0 0 0 0 = 5 1 2 3 4 5\n",
		"G6 2001:db8::10 5062 5300 :: 0 0 0 0 = 2 1\n",
		"G6 2001:db8::10 5062 5300 :: 0 0 0 0 = 1 1 2 3 4 5 6\n",
		"G6 2001:db8::10 0 5300 :: 0 0 0 0 = 0\n",	/* port 0 */
		"G6 10.0.0.10 5062 5300 :: 0 0 0 0 = 0\n",	/* IPv4 */
		"G6 2001:db8::10 5062 5300 :: 2 0 0 0 = 0\n", /* pending 2 */
		"G6 2001:db8::10 5062 5300 :: 0 0 0 0 x 0\n", /* no = */
		"G6 2001:db8::10 5062 5300 :: 0 0 0 0 =" \
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx 0\n",	/* AOR > 95 */
		"C6 =x 2001:db8::10 5300 4990 1 0\n",		/* no port */
		"C6 =x 2001:db8::10 5300 4990 1 2 40000\n",	/* 1 of 2 */
		"C6 =x 2001:db8::10 5300 4990 1 1 40000 7\n",	/* half tag */
		"C6 =x 2001:db8::10 5300 4990 1 1 0\n",	/* port 0 */
		"C6 = 2001:db8::10 5300 4990 1 1 40000\n",	/* no Call-ID */
		"C6 =x 2001:db8::10 5300 4990 2 1 40000\n",	/* confirmed 2 */
		"C6 =x 2001:db8::10 5300 4990 1 17 40000\n",	/* 17 ports */
		"C6 =x 2001:db8::10 5300 4990 1 1 40000 1 2 3 4 5 6 7 8 9 "
		"10\n",					/* 5 dialogs */
		"C6 =x 2001:db8::10 5300 4990 1 1 65536\n",
		"X6 1\n",
		"G7 1\n",
	};
	struct state_set *s;
	char why[160];
	size_t n, i;
	char *p;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = wrap(HEAD2, bad[i], &n);
		s = state_parse(p, n, why, sizeof(why));
		if (s)
			fail_msg("read: %s", bad[i]);
		free(p);
	}
	/* Made right they are read; in a version-1 file they are not. */
	p = wrap(HEAD2, "G6 2001:db8::10 5062 5300 :: 0 0 0 0 = 1 1 2 3 4 5\n"
			"C6 =x 2001:db8::10 5300 4990 1 2 40000 40001 1 2 3 "
			"4 5 6 7 8\n", &n);
	s = state_parse(p, n, why, sizeof(why));
	if (!s)
		fail_msg("refused: %s", why);
	assert_int_equal(s->n_reg6, 1);
	assert_int_equal(s->reg6[0].n_user, 1);
	assert_int_equal(s->reg6[0].n_pend_user, 4);
	assert_int_equal(s->n_call6, 1);
	assert_int_equal(s->call6[0].n_dlg, 4);
	state_set_free(s);
	free(p);
	p = wrap(HEAD, "C6 =x 2001:db8::10 5300 4990 1 1 40000\n", &n);
	assert_null(state_parse(p, n, why, sizeof(why)));
	assert_non_null(strstr(why, "unknown record"));
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_kernel_lost),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_refused_texts),
		cmocka_unit_test(test_mangled),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_pin6_round_trip),
		cmocka_unit_test(test_pin6_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
