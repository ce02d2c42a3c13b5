/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness for the state file (src/state.c) and the table
 * rebuilt from it (src/call_restore.c).  The input is tried twice: as a
 * whole file (header, checksum and all), and as the records between this
 * run's header and a correct end line, so that mutations reach the
 * record parser past the checksum.  Whatever is read is linked into a
 * call table as if the kernel held every element, then freed; the set
 * and the table must agree on the counts.  IPv6 records (G6, C6, version
 * 2) go into a pin6 the same way.
 */
#include <arpa/inet.h>
#include <string.h>

#include "call_restore.h"
#include "fuzz.h"
#include "hash.h"
#include "pin6.h"
#include "pin6_int.h"
#include "state.h"

#define HEAD "sipalg-state 2\nboot 0\nwritten 5000\npublic 2 203.0.113.1 " \
	     "203.0.113.2\nports 30000 30999 5060 5999\n"

static bool have_all(void *ctx, const struct nat_elem *e)
{
	(void)ctx;
	return e->pub_port != 0;
}

static void restore(const struct state_set *s)
{
	static struct conf c;
	union addr pub[2];
	struct calls_restored r;
	struct calls_stats st;
	struct calls *t;

	conf_defaults(&c);
	memset(pub, 0, sizeof(pub));
	inet_pton(AF_INET, "203.0.113.1", &pub[0].v4);
	inet_pton(AF_INET, "203.0.113.2", &pub[1].v4);
	t = calls_new(&c);
	if (!t || calls_set_public(t, AF_INET, pub, 2) < 0) {
		calls_free(t);
		return;
	}
	if (calls_restore(t, s, have_all, NULL, 5000, &r) == 0) {
		calls_stats(t, &st);
		FUZZ_ASSERT(st.calls == r.calls && r.calls <= s->n_call,
			    "calls %u restored %u of %u", st.calls, r.calls,
			    s->n_call);
		FUZZ_ASSERT(st.sig_bindings == r.sig &&
			    st.media_bindings == r.media &&
			    r.sig + r.media <= s->n_bind,
			    "bindings %u+%u restored %u+%u of %u",
			    st.sig_bindings, st.media_bindings, r.sig,
			    r.media, s->n_bind);
		FUZZ_ASSERT(r.n_fix <= r.sig + r.media, "fix %u", r.n_fix);
	}
	free(r.fix);
	calls_free(t);
}

/* The IPv6 records into a pin6: at most one of each is refused as a
 * duplicate, none may break it. */
static void restore6(const struct state_set *s)
{
	static struct conf c;
	struct pin6 *p;
	unsigned i, calls = 0, regs = 0, pins = 0, ok_c = 0, ok_r = 0;

	if (!s->n_reg6 && !s->n_call6)
		return;
	conf_defaults(&c);
	p = pin6_new(&c);
	if (!p)
		return;
	for (i = 0; i < s->n_reg6; i++)
		ok_r += pin6_restore_reg(p, &s->reg6[i]) == 0;
	for (i = 0; i < s->n_call6; i++)
		ok_c += pin6_restore_call(p, &s->call6[i]) == 0;
	pin6_counts(p, &calls, &regs, &pins);
	FUZZ_ASSERT(calls == ok_c && regs == ok_r, "pin6 %u/%u of %u/%u",
		    calls, regs, ok_c, ok_r);
	pin6_free(p);
}

static void one(const char *p, size_t n)
{
	struct state_set *s;
	char why[160];

	s = state_parse(p, n, why, sizeof(why));
	if (s) {
		FUZZ_ASSERT(s->meta.n_pub >= 1 && s->meta.n_pub <= CALLS_MAX_PUB,
			    "n_pub %u", s->meta.n_pub);
		restore(s);
		restore6(s);
	} else {
		FUZZ_ASSERT(why[0], "refused without a reason");
	}
	state_set_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t hl = sizeof(HEAD) - 1, lines = 0, i;
	char *p;
	int k;

	if (size > 65536)
		return -1;
	one((const char *)data, size);
	p = malloc(hl + size + 64);
	if (!p)
		return 0;
	memcpy(p, HEAD, hl);
	memcpy(p + hl, data, size);
	for (i = 0; i < hl + size; i++)
		lines += p[i] == '\n';
	k = snprintf(p + hl + size, 64, "end %zu %08x\n", lines,
		     hash_bytes(p, hl + size, HASH_FNV_INIT));
	one(p, hl + size + (size_t)k);
	free(p);
	return 0;
}
