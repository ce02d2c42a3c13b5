/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The loop's deferred work (src/loop.c, loop_defer): what the queue's
 * post-verdict work relies on.  It runs when the loop has been idle, before
 * the callback of any other descriptor, never before another event of the
 * descriptor that deferred it nor before an unordered one's, and at the
 * latest when loop_run returns.
 * Pipes stand in for the queue socket ("hot") and any other descriptor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"

struct t {
	struct loop *l;
	int hot[2], other[2];
	char seq[16];		/* 'h' hot callback, 'o' other, 'd' deferred */
	unsigned n, hot_left;	/* hot callbacks still to re-arm */
	bool poke_other, stop_on_defer;
};

static void note(struct t *t, char c)
{
	if (t->n + 1 < sizeof(t->seq))
		t->seq[t->n++] = c;
}

static void on_deferred(void *ctx)
{
	struct t *t = ctx;

	note(t, 'd');
	if (t->stop_on_defer)
		loop_stop(t->l);
}

static void on_hot(void *ctx, int fd)
{
	struct t *t = ctx;
	char c;

	assert_int_equal(read(fd, &c, 1), 1);
	note(t, 'h');
	loop_defer(t->l, fd, 1, on_deferred, t);
	if (t->hot_left) {	/* another packet ready at once */
		t->hot_left--;
		assert_int_equal(write(t->hot[1], "x", 1), 1);
	} else if (t->poke_other) {
		assert_int_equal(write(t->other[1], "x", 1), 1);
	} else if (!t->stop_on_defer) {
		loop_stop(t->l);
	}
}

static void on_other(void *ctx, int fd)
{
	struct t *t = ctx;
	char c;

	assert_int_equal(read(fd, &c, 1), 1);
	note(t, 'o');
	loop_stop(t->l);
}

static void setup(struct t *t)
{
	memset(t, 0, sizeof(*t));
	t->l = loop_new();
	assert_non_null(t->l);
	assert_int_equal(pipe(t->hot), 0);
	assert_int_equal(pipe(t->other), 0);
	assert_int_equal(loop_add(t->l, t->hot[0], on_hot, t), 0);
	assert_int_equal(loop_add(t->l, t->other[0], on_other, t), 0);
}

static void teardown(struct t *t)
{
	loop_free(t->l);
	close(t->hot[0]);
	close(t->hot[1]);
	close(t->other[0]);
	close(t->other[1]);
}

/* Nothing else to do: the work runs after the idle time. */
static void test_idle(void **state)
{
	struct t t;

	setup(&t);
	t.stop_on_defer = true;
	assert_int_equal(write(t.hot[1], "x", 1), 1);
	assert_int_equal(loop_run(t.l), 0);
	assert_string_equal(t.seq, "hd");
	teardown(&t);
}

/* Another descriptor's event: the work runs before its callback. */
static void test_before_other(void **state)
{
	struct t t;

	setup(&t);
	t.poke_other = true;
	assert_int_equal(write(t.hot[1], "x", 1), 1);
	assert_int_equal(loop_run(t.l), 0);
	assert_string_equal(t.seq, "hdo");
	teardown(&t);
}

/* The hot descriptor's own events go first; the work still runs once,
 * when the loop stops at the latest. */
static void test_hot_first_then_exit(void **state)
{
	struct t t;

	setup(&t);
	t.hot_left = 3;
	assert_int_equal(write(t.hot[1], "x", 1), 1);
	assert_int_equal(loop_run(t.l), 0);
	assert_string_equal(t.seq, "hhhhd");
	teardown(&t);
}

/* An unordered descriptor's event does not run the work first: it runs
 * after the idle time, as if nothing had come. */
static void test_unordered(void **state)
{
	struct t t;

	setup(&t);
	t.poke_other = true;
	assert_int_equal(loop_unordered(t.l, t.other[0]), 0);
	assert_int_equal(loop_unordered(t.l, -1), -1);
	assert_int_equal(write(t.hot[1], "x", 1), 1);
	assert_int_equal(loop_run(t.l), 0);
	assert_string_equal(t.seq, "hod");
	teardown(&t);
}

/* loop_settle: at once, and only when owed. */
static void test_settle(void **state)
{
	struct t t;

	setup(&t);
	loop_settle(t.l);
	assert_int_equal(t.n, 0);
	loop_defer(t.l, t.hot[0], 1, on_deferred, &t);
	loop_settle(t.l);
	loop_settle(t.l);
	assert_string_equal(t.seq, "d");
	teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_before_other),
		cmocka_unit_test(test_hot_first_then_exit),
		cmocka_unit_test(test_unordered),
		cmocka_unit_test(test_settle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
