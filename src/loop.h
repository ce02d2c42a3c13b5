/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_LOOP_H
#define SIPALG_LOOP_H

/*
 * A small epoll loop: file descriptors with read callbacks, run until
 * loop_stop.  Timers are timerfds added like any other descriptor.
 */

#define LOOP_MAX_FD 8

typedef void (*loop_cb)(void *ctx, int fd);

struct loop;

/* loop_new - empty loop; NULL on error. */
struct loop *loop_new(void);

void loop_free(struct loop *l);

/* loop_add - call cb(ctx, fd) whenever fd is readable.  0 / -1. */
int loop_add(struct loop *l, int fd, loop_cb cb, void *ctx);

/* loop_timer - a timerfd firing every interval_ms; returns its fd (to be
 * added with loop_add, read with loop_timer_ack) or -1. */
int loop_timer(unsigned interval_ms);

/* loop_timer_ack - consume a timerfd's expirations. */
void loop_timer_ack(int fd);

/* loop_run - dispatch until loop_stop; returns 0, or -1 on epoll error. */
int loop_run(struct loop *l);

void loop_stop(struct loop *l);

#endif
