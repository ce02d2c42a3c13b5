/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The call table's expiry (calls_sweep over its heap of due times)
 * against a model that checks every call at every tick the way the sweep
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

static void test_sweep_matches_model(void **state)
{
	static struct conf c, c2;
	struct nat_elem gone[4096];
	struct nat_plan *plan = malloc(sizeof(*plan));
	struct calls *t;
	union addr phone = { 0 }, pub = { 0 };
	unsigned made = 0, ended_total = 0, now;

	(void)state;
	assert_non_null(plan);
	conf_defaults(&c);
	c.call_setup_timeout = 30;
	c.media_idle_timeout = 60;
	c.call_max_duration = 400;
	c.max_calls = N_CALLS;
	c.max_bindings = 4 * N_CALLS;
	c.media_port_min = 10000;
	c.media_port_max = 30000;
	inet_pton(AF_INET, "10.0.0.10", &phone.v4);
	inet_pton(AF_INET, "203.0.113.1", &pub.v4);
	t = calls_new(&c);
	assert_non_null(t);
	assert_int_equal(calls_set_public(t, AF_INET, &pub, 1), 0);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sweep_matches_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
