/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

/* A watched descriptor.  gen changes whenever the slot is taken, so an
 * event fetched for an earlier owner of the slot is recognised. */
struct loop_fd {
	int fd;
	bool used;
	bool unordered;		/* loop_unordered: no settle before it */
	uint32_t gen;
	loop_cb cb;
	void *ctx;
};

struct loop {
	int ep;
	int stop;
	struct loop_fd fds[LOOP_MAX_FD];
	/* Work owed (loop_defer): fn NULL when none. */
	loop_idle_cb defer_fn;
	void *defer_ctx;
	int defer_fd;
	int defer_ms;
};

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->ep < 0) {
		free(l);
		return NULL;
	}
	return l;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	close(l->ep);
	free(l);
}

static struct loop_fd *loop_slot(struct loop *l, int fd)
{
	unsigned i;

	for (i = 0; i < LOOP_MAX_FD; i++)
		if (l->fds[i].used && l->fds[i].fd == fd)
			return &l->fds[i];
	return NULL;
}

static uint64_t loop_key(const struct loop *l, const struct loop_fd *f)
{
	return (uint64_t)f->gen << 32 | (uint64_t)(f - l->fds);
}

int loop_add(struct loop *l, int fd, loop_cb cb, void *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN };
	unsigned i;

	for (i = 0; i < LOOP_MAX_FD && l->fds[i].used; i++)
		;
	if (i == LOOP_MAX_FD) {
		errno = ENOSPC;
		return -1;
	}
	l->fds[i] = (struct loop_fd){ fd, true, false, l->fds[i].gen + 1, cb,
				      ctx };
	ev.data.u64 = loop_key(l, &l->fds[i]);
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		l->fds[i].used = false;
		return -1;
	}
	return 0;
}

int loop_del(struct loop *l, int fd)
{
	struct loop_fd *f = loop_slot(l, fd);

	if (!f)
		return -1;
	f->used = false;
	return epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
}

int loop_want_write(struct loop *l, int fd, bool on)
{
	struct loop_fd *f = loop_slot(l, fd);
	struct epoll_event ev = { .events = on ? EPOLLOUT : EPOLLIN };

	if (!f)
		return -1;
	ev.data.u64 = loop_key(l, f);
	return epoll_ctl(l->ep, EPOLL_CTL_MOD, fd, &ev);
}

int loop_timer(unsigned interval_ms)
{
	struct itimerspec its = {
		.it_interval = { interval_ms / 1000,
				 (long)(interval_ms % 1000) * 1000000 },
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

	if (fd < 0)
		return -1;
	its.it_value = its.it_interval;
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void loop_timer_ack(int fd)
{
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("timer read");
}

void loop_defer(struct loop *l, int fd, unsigned idle_ms, loop_idle_cb fn,
		void *ctx)
{
	l->defer_fn = fn;
	l->defer_ctx = ctx;
	l->defer_fd = fd;
	l->defer_ms = (int)idle_ms;
}

int loop_unordered(struct loop *l, int fd)
{
	struct loop_fd *f = loop_slot(l, fd);

	if (!f)
		return -1;
	f->unordered = true;
	return 0;
}

void loop_settle(struct loop *l)
{
	loop_idle_cb fn = l->defer_fn;

	if (!fn)
		return;
	l->defer_fn = NULL;	/* fn may defer anew */
	fn(l->defer_ctx);
}

int loop_run(struct loop *l)
{
	struct epoll_event ev[LOOP_MAX_FD];
	int rc = 0;

	while (!l->stop) {
		int i, n = epoll_wait(l->ep, ev, LOOP_MAX_FD,
				      l->defer_fn ? l->defer_ms : -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_warn("epoll_wait");
			rc = -1;
			break;
		}
		if (n == 0)	/* idle for defer_ms */
			loop_settle(l);
		for (i = 0; i < n && !l->stop; i++) {
			uint32_t slot = (uint32_t)ev[i].data.u64;
			struct loop_fd *f = &l->fds[slot];

			if (!f->used || f->gen != ev[i].data.u64 >> 32)
				continue;
			if (l->defer_fn && f->fd != l->defer_fd &&
			    !f->unordered)
				loop_settle(l);
			f->cb(f->ctx, f->fd);
		}
	}
	loop_settle(l);
	return rc;
}

void loop_stop(struct loop *l)
{
	l->stop = 1;
}
