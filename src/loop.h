/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_LOOP_H
#define SIPALG_LOOP_H

#include <stdbool.h>

/*
 * A small epoll loop: file descriptors with read callbacks, run until
 * loop_stop.  Timers are timerfds added like any other descriptor.
 * Descriptors may come and go while it runs (control and HTTP clients).
 */

#define LOOP_MAX_FD 64

typedef void (*loop_cb)(void *ctx, int fd);

struct loop;

/* loop_new - empty loop; NULL on error. */
struct loop *loop_new(void);

void loop_free(struct loop *l);

/* loop_add - call cb(ctx, fd) whenever fd is readable.  0 / -1. */
int loop_add(struct loop *l, int fd, loop_cb cb, void *ctx);

/* loop_del - stop watching fd (before closing it); events of fd already
 * fetched are not delivered.  0 / -1. */
int loop_del(struct loop *l, int fd);

/* loop_want_write - also call fd's callback when fd is writable (on), or
 * only when readable again (off).  0 / -1. */
int loop_want_write(struct loop *l, int fd, bool on);

/* loop_timer - a timerfd firing every interval_ms; returns its fd (to be
 * added with loop_add, read with loop_timer_ack) or -1. */
int loop_timer(unsigned interval_ms);

/* loop_timer_ack - consume a timerfd's expirations. */
void loop_timer_ack(int fd);

typedef void (*loop_idle_cb)(void *ctx);

/* loop_defer - run fn(ctx) once, later: when the loop has waited idle_ms
 * with nothing to dispatch, or just before it dispatches an event of any
 * descriptor other than fd (so no other callback ever runs with the work
 * still owed), or from loop_settle.  fd's own events may be dispatched
 * first (the work is what they should not wait for; fd's owner bounds
 * how long it lets it wait).  A second call before it ran replaces the
 * first. */
void loop_defer(struct loop *l, int fd, unsigned idle_ms, loop_idle_cb fn,
		void *ctx);

/* loop_unordered - fd's callback may run while deferred work is owed
 * (it touches nothing that work reads or changes, e.g. it only files
 * kernel events), so its events do not make the work run first.  0 / -1
 * (fd not watched). */
int loop_unordered(struct loop *l, int fd);

/* loop_settle - run the deferred work now, if any is owed. */
void loop_settle(struct loop *l);

/* loop_run - dispatch until loop_stop; returns 0, or -1 on epoll error.
 * Deferred work still owed when it returns is run first. */
int loop_run(struct loop *l);

void loop_stop(struct loop *l);

#endif
