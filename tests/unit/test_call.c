/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The call table's expiry (calls_sweep over its heaps of due times: calls,
 * and signalling bindings further down) against a model that checks every call at every tick the way the sweep
 * did before the heap: a call ends at the first tick at or after its setup
 * deadline (unless answered), its maximum duration, or media_idle_timeout
 * after the newest media seen on any of its bindings.  Random calls,
 * answers and media over simulated time; a configuration reload that
 * shortens the idle time part way.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "call.h"

#define N_CALLS 3000
#define TICKS 1200

struct model {
	struct call *k;		/* NULL: ended */
	char id[32];
	uint16_t port;		/* its RTP port on the phone */
	uint64_t setup, max_end, seen;
};

static struct model mdl[N_CALLS];

static uint32_t rnd_state = 12345;

static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

static bool model_expired(const struct conf *c, const struct model *m,
			  uint64_t now)
{
	return (m->setup && now >= m->setup) || now >= m->max_end ||
	       now >= m->seen + c->media_idle_timeout;
}

/* A call table for phone 10.0.0.10 behind public 203.0.113.1: setup
 * timeout 30 s, the given idle and maximum times, room for n calls. */
static struct calls *table(struct conf *c, uint32_t idle, uint32_t max_dur,
			   unsigned n, union addr *phone)
{
	union addr pub = { 0 };
	struct calls *t;

	conf_defaults(c);
	c->call_setup_timeout = 30;
	c->media_idle_timeout = idle;
	c->call_max_duration = max_dur;
	c->max_calls = n;
	c->max_bindings = 4 * n;
	/* One phone holds them all: the per-host quotas as wide. */
	c->max_calls_per_host = n;
	c->max_media_per_host = 2 * n;
	c->max_signalling_per_host = 4 * n;
	c->media_port_min = 10000;
	c->media_port_max = 30000;
	c->signalling_port_min = 1024;
	c->signalling_port_max = 9999;
	memset(phone, 0, sizeof(*phone));
	inet_pton(AF_INET, "10.0.0.10", &phone->v4);
	inet_pton(AF_INET, "203.0.113.1", &pub.v4);
	t = calls_new(c);
	assert_non_null(t);
	assert_int_equal(calls_set_public(t, AF_INET, &pub, 1), 0);
	return t;
}

static void test_sweep_matches_model(void **state)
{
	static struct conf c, c2;
	struct nat_elem gone[4096];
	struct nat_plan *plan = malloc(sizeof(*plan));
	union addr phone;
	struct calls *t = table(&c, 60, 400, N_CALLS, &phone);
	unsigned made = 0, ended_total = 0, now;

	(void)state;
	assert_non_null(plan);
	for (now = 1000; now < 1000 + TICKS; now++) {
		unsigned n_gone = 0, ended, want = 0, j;

		if (now == 1000 + TICKS / 2) {
			/* Reload: a shorter idle time applies to the calls
			 * up (deadlines already set stay). */
			c2 = c;
			c2.media_idle_timeout = 20;
			calls_set_conf(t, &c2);
		}
		/* A few new calls, each with one media pair. */
		for (j = rnd(6); j-- && made < N_CALLS;) {
			struct model *m = &mdl[made];
			struct binding *rtp, *rtcp;
			const char *limit = NULL;
			bool created;

			snprintf(m->id, sizeof(m->id), "call-%u", made);
			m->k = calls_get(t, m->id, (uint32_t)strlen(m->id), now,
					 &created, &limit);
			assert_non_null(m->k);
			m->port = (uint16_t)(20000 + 2 * made);
			assert_int_equal(calls_media_get(t, m->k, AF_INET,
							 &phone, m->port,
							 m->port + 1, &rtp,
							 &rtcp, &created,
							 &limit), 0);
			m->setup = now + c.call_setup_timeout;
			m->max_end = now + c.call_max_duration;
			m->seen = now;
			made++;
		}
		/* Answers and media on random live calls. */
		for (j = 0; j < 20 && made; j++) {
			struct model *m = &mdl[rnd(made)];

			if (!m->k)
				continue;
			if (rnd(2)) {
				m->k->setup_deadline = 0;
				m->setup = 0;
			} else {
				calls_media_touch(t, AF_INET, &phone,
						  (uint16_t)(m->port + rnd(2)),
						  now);
				m->seen = now;
			}
		}
		/* What the model ends at this tick. */
		for (j = 0; j < made; j++) {
			const struct conf *cc = now >= 1000 + TICKS / 2 ? &c2
									: &c;

			if (!mdl[j].k)
				continue;
			if (model_expired(cc, &mdl[j], now))
				want++;
		}
		/* One sweep ends at most NAT_PLAN_MAX bindings' worth; the
		 * daemon's next tick ends the rest: sweep until done. */
		ended = 0;
		do {
			nat_plan_init(plan);
			j = calls_sweep(t, now, plan, gone, 4096, &n_gone);
			ended += j;
		} while (j);
		assert_int_equal(ended, want);
		ended_total += ended;
		/* Exactly the expired ones went. */
		for (j = 0; j < made; j++) {
			struct call *k;

			if (!mdl[j].k)
				continue;
			k = calls_find(t, mdl[j].id,
				       (uint32_t)strlen(mdl[j].id));
			if (!k)
				mdl[j].k = NULL;
			else
				assert_false(model_expired(now >= 1000 +
							   TICKS / 2 ? &c2
								     : &c,
							   &mdl[j], now));
		}
	}
	assert_true(made > 1000);
	assert_true(ended_total > 500);
	calls_free(t);
	free(plan);
}

/*
 * Signalling bindings: the sweep drops a binding no call holds once its
 * expiry has passed - expiries moved later lazily, moved earlier with
 * calls_sig_rekey (as an unregistration does), calls holding and letting
 * go - against a model that checks every binding at every tick.
 */
#define N_SIG 2000

struct sig_model {
	uint16_t port;
	bool live;
	struct call *holder;	/* a call holding it, or NULL */
	char id[32];
};

static struct sig_model sm[N_SIG];

static void test_sig_sweep_matches_model(void **state)
{
	static struct conf c;
	struct nat_elem gone[64];
	struct nat_plan *plan = malloc(sizeof(*plan));
	union addr phone;
	/* Calls end only by calls_end here. */
	struct calls *t = table(&c, 100000, 100000, N_SIG, &phone);
	unsigned made = 0, dropped = 0, now, j;

	(void)state;
	assert_non_null(plan);
	for (now = 1000; now < 1800; now++) {
		unsigned n_gone = 0, want = 0;

		for (j = rnd(8); j-- && made < N_SIG;) {
			struct sig_model *m = &sm[made];
			const char *limit = NULL;
			bool created;
			struct binding *b;

			m->port = (uint16_t)(20000 + made);
			b = calls_sig_get(t, AF_INET, &phone, m->port, now,
					  &created, &limit);
			assert_non_null(b);
			assert_true(created);
			m->live = true;
			snprintf(m->id, sizeof(m->id), "hold-%u", made);
			made++;
		}
		for (j = 0; j < 30 && made; j++) {
			struct sig_model *m = &sm[rnd(made)];
			struct binding *b;
			unsigned what = rnd(4);

			if (!m->live)
				continue;
			b = calls_binding_find(t, AF_INET, &phone, m->port);
			assert_non_null(b);
			if (what == 0) {	/* kept alive longer (only
						 * ever raised without a
						 * rekey, as rewrite.c does) */
				uint64_t until = now + 1 + rnd(60);

				if (b->expires < until)
					b->expires = until;
			} else if (what == 1) {		/* unregistered */
				b->expires = now;
				calls_sig_rekey(t, b);
			} else if (what == 2 && !m->holder) {	/* a call */
				const char *limit = NULL;
				bool created;

				m->holder = calls_get(t, m->id,
						      (uint32_t)strlen(m->id),
						      now, &created, &limit);
				assert_non_null(m->holder);
				m->holder->setup_deadline = 0;	/* answered:
						 * ends only by calls_end */
				m->holder->sig = b;
				b->users++;
			} else if (what == 3 && m->holder) {	/* its end */
				unsigned n = 0;

				nat_plan_init(plan);
				calls_end(t, m->holder, plan, gone, &n);
				m->holder = NULL;
			}
		}
		/* The model: no call holds it and its expiry has passed. */
		for (j = 0; j < made; j++) {
			struct binding *b;

			if (!sm[j].live)
				continue;
			b = calls_binding_find(t, AF_INET, &phone, sm[j].port);
			if (!b->users && now >= b->expires)
				want++;
		}
		do {
			nat_plan_init(plan);
			calls_sweep(t, now, plan, gone, 64, &n_gone);
		} while (plan->n_del);
		for (j = 0; j < made; j++) {
			struct binding *b;

			if (!sm[j].live)
				continue;
			b = calls_binding_find(t, AF_INET, &phone, sm[j].port);
			if (!b) {
				sm[j].live = false;
				dropped++;
				want--;
				continue;
			}
			assert_false(!b->users && now >= b->expires);
		}
		assert_int_equal(want, 0);	/* every one the model named */
	}
	assert_true(made > 1000);
	assert_true(dropped > 500);
	calls_free(t);
	free(plan);
}

/* The kernel's NAT as calls_kernel sees it: flows of inside sockets
 * masqueraded to public ports (no binding of the daemon's). */
struct kflow {
	const char *in;
	uint16_t in_port, pub_port;
};

static struct {
	const struct kflow *f;
	unsigned n, asks;
	bool all;		/* every port is another socket's */
} kern;

static bool kern_other(void *ctx, int family, const union addr *pub,
		       uint16_t port, const union addr *a, uint16_t in_port)
{
	union addr in;
	unsigned i;

	(void)ctx;
	kern.asks++;
	assert_int_equal(family, AF_INET);
	if (kern.all)
		return true;
	for (i = 0; i < kern.n; i++) {
		memset(&in, 0, sizeof(in));
		inet_pton(AF_INET, kern.f[i].in, &in.v4);
		if (kern.f[i].pub_port == port &&
		    (in.v4.s_addr != a->v4.s_addr ||
		     kern.f[i].in_port != in_port))
			return true;
	}
	return false;
}

static struct binding *sig(struct calls *t, const char *host, uint16_t port,
			   uint16_t adopt)
{
	union addr a = { 0 };
	const char *limit = NULL;
	bool created;

	inet_pton(AF_INET, host, &a.v4);
	return calls_sig_get_at(t, AF_INET, &a, port, adopt, 1, &created,
				&limit);
}

/* Issue 12: a public port the kernel's masquerading gives one inside
 * socket (a NAT-aware phone's STUN mapping) is never handed to another
 * socket's new binding, and is adopted by its own; a port the kernel
 * gives two sockets (towards different hosts) is neither's; a pool the
 * kernel crowds is still handed out after a few questions. */
static void test_kernel_mappings(void **state)
{
	static const struct kflow flows[] = {
		{ "10.0.0.10", 5060, 5060 },	/* phone1's STUN mapping */
		{ "10.0.0.12", 6000, 6000 },	/* one public port, */
		{ "10.0.0.13", 6000, 6000 },	/* two sockets */
	};
	const struct calls_kernel hook = { kern_other, NULL };
	struct conf c;
	union addr phone;
	struct calls *t = table(&c, 60, 3600, 8, &phone);
	struct binding *b;

	(void)state;
	memset(&kern, 0, sizeof(kern));
	kern.f = flows;
	kern.n = 3;
	calls_set_kernel(t, &hook);
	/* phone2's 5060 first: not phone1's public 5060 */
	b = sig(t, "10.0.0.11", 5060, 0);
	assert_non_null(b);
	assert_int_not_equal(b->pub_port, 5060);
	/* phone1 then adopts its mapping */
	b = sig(t, "10.0.0.10", 5060, 5060);
	assert_non_null(b);
	assert_int_equal(b->pub_port, 5060);
	/* 6000 is two sockets' in the kernel: neither adopts it */
	b = sig(t, "10.0.0.12", 6000, 6000);
	assert_non_null(b);
	assert_int_not_equal(b->pub_port, 6000);
	/* everything crowded: still a port, after at most 1 + 8 questions */
	kern.all = true;
	kern.asks = 0;
	b = sig(t, "10.0.0.14", 5070, 5070);
	assert_non_null(b);
	assert_true(kern.asks <= 9);
	calls_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sweep_matches_model),
		cmocka_unit_test(test_sig_sweep_matches_model),
		cmocka_unit_test(test_kernel_mappings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
