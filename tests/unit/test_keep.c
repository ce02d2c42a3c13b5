// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_keep.c - nat_keep, the copy of the kernel's bindings a firewall
 * reload is repaired from: it follows only what the backend accepted,
 * survives thousands of adds and deletes in any order (against a model),
 * and restore installs exactly the live bindings, in plan-sized batches.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "nat_keep.h"
#include "prior.h"

#define UNUSED __attribute__((unused))
#define PORTS 3000

/* A backend: records what it installed, refuses when told to. */
struct fake {
	bool refuse;
	unsigned batches;
	bool seen[PORTS];	/* by public port - 10000 */
	unsigned n_seen;
	uint32_t max_timeout;
};

static int fake_apply(void *ctx, const struct nat_plan *p)
{
	struct fake *f = ctx;

	if (f->refuse)
		return -1;
	f->batches++;
	for (unsigned i = 0; i < p->n_add; i++) {
		unsigned k = p->add[i].pub_port - 10000u;

		assert_true(k < PORTS);
		if (!f->seen[k])
			f->n_seen++;
		f->seen[k] = true;
		if (p->add[i].timeout > f->max_timeout)
			f->max_timeout = p->add[i].timeout;
	}
	return 0;
}

static struct nat_elem elem(unsigned k)
{
	struct nat_elem e = { .family = AF_INET, .proto = 17 };

	inet_pton(AF_INET, "10.0.0.10", &e.in_addr.v4);
	/* Public addresses spread over a pool, so keys collide in the
	 * table as real ones do. */
	e.pub_addr.v4.s_addr = htonl(0xcb007100u + (k * 2654435761u) % 251u);
	e.in_port = (uint16_t)(40000 + k);
	e.pub_port = (uint16_t)(10000 + k);
	e.timeout = 600;
	return e;
}

static void one(struct nat_keep *k, unsigned port, bool add)
{
	struct nat_plan p;
	struct nat_elem e = elem(port);

	nat_plan_init(&p);
	if (add)
		nat_plan_add(&p, &e);
	else
		nat_plan_del(&p, &e);
	assert_int_equal(nat_keep_apply(k, &p), 0);
}

/* A refused plan leaves the copy as it was. */
static void test_refused_not_kept(void **state UNUSED)
{
	struct fake f = { 0 };
	struct nat_keep *k = nat_keep_new(fake_apply, &f);
	struct nat_plan p;
	struct nat_elem e = elem(1);

	one(k, 0, true);
	f.refuse = true;
	nat_plan_init(&p);
	nat_plan_add(&p, &e);
	assert_int_equal(nat_keep_apply(k, &p), -1);
	assert_int_equal(nat_keep_count(k), 1);
	f.refuse = false;
	memset(f.seen, 0, sizeof(f.seen));
	f.n_seen = 0;
	assert_int_equal(nat_keep_restore(k), 1);
	assert_true(f.seen[0] && !f.seen[1]);
	nat_keep_free(k);
}

/* Random adds and deletes against a model; restore must install exactly
 * the model's live set (deletion in an open-addressing table is the
 * part that goes wrong). */
static void test_model(void **state UNUSED)
{
	struct fake f = { 0 };
	struct nat_keep *k = nat_keep_new(fake_apply, &f);
	static bool model[PORTS];
	unsigned live = 0, i;

	srand(13);
	for (i = 0; i < 40000; i++) {
		unsigned port = (unsigned)rand() % PORTS;
		bool add = rand() % 3 != 0;

		one(k, port, add);
		if (add && !model[port])
			live++;
		if (!add && model[port])
			live--;
		model[port] = add;
	}
	assert_int_equal(nat_keep_count(k), live);
	memset(f.seen, 0, sizeof(f.seen));
	f.n_seen = 0;
	f.batches = 0;
	assert_int_equal(nat_keep_restore(k), (int)live);
	assert_int_equal(f.n_seen, live);
	for (i = 0; i < PORTS; i++)
		assert_int_equal(f.seen[i], model[i]);
	/* In plans of at most NAT_PLAN_MAX, with what is left of 600 s. */
	assert_true(f.batches >= (live + NAT_PLAN_MAX - 1) / NAT_PLAN_MAX);
	assert_true(f.max_timeout <= 600 && f.max_timeout > 590);
	nat_keep_free(k);
}

/* A binding added twice (a refresh) is one binding. */
static void test_readd(void **state UNUSED)
{
	struct fake f = { 0 };
	struct nat_keep *k = nat_keep_new(fake_apply, &f);

	one(k, 5, true);
	one(k, 5, true);
	assert_int_equal(nat_keep_count(k), 1);
	one(k, 5, false);
	one(k, 5, false);
	assert_int_equal(nat_keep_count(k), 0);
	assert_int_equal(nat_keep_restore(k), 0);
	nat_keep_free(k);
}

/* A stop caps every binding to the grace period, none longer. */
static void test_cap(void **state UNUSED)
{
	struct fake f = { 0 };
	struct nat_keep *k = nat_keep_new(fake_apply, &f);
	unsigned i;

	for (i = 0; i < 200; i++)
		one(k, i, true);
	f.max_timeout = 0;
	memset(f.seen, 0, sizeof(f.seen));
	f.n_seen = 0;
	assert_int_equal(nat_keep_cap(k, 30), 200);
	assert_int_equal(f.n_seen, 200);
	assert_int_equal(f.max_timeout, 30);
	nat_keep_free(k);
}

/* What a previous run left: its inside sockets get their ports back, its
 * public ports are held for nobody else, until their timeout. */
static void test_prior(void **state UNUSED)
{
	struct nat_elem e[3] = { elem(1), elem(2), elem(3) };
	struct prior *p;
	struct calls_prior h;
	union addr other;

	e[2].timeout = 0;	/* expired already */
	p = prior_new(e, 3);
	h = prior_hooks(p);
	assert_int_equal(prior_count(p), 2);
	assert_int_equal(h.port_of(h.ctx, AF_INET, &e[0].in_addr, 40001,
				   &e[0].pub_addr), 10001);
	assert_int_equal(h.port_of(h.ctx, AF_INET, &e[1].in_addr, 40002,
				   &e[1].pub_addr), 10002);
	/* Not for another public address, not for an expired one. */
	memset(&other, 0, sizeof(other));
	inet_pton(AF_INET, "198.51.100.1", &other.v4);
	assert_int_equal(h.port_of(h.ctx, AF_INET, &e[0].in_addr, 40001,
				   &other), 0);
	assert_int_equal(h.port_of(h.ctx, AF_INET, &e[2].in_addr, 40003,
				   &e[2].pub_addr), 0);
	assert_true(h.holds(h.ctx, &e[0].pub_addr, 10001));
	assert_false(h.holds(h.ctx, &e[0].pub_addr, 10004));
	assert_false(h.holds(h.ctx, &e[2].pub_addr, 10003));
	prior_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_not_kept),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_readd),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_prior),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
