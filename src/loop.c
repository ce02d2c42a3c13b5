/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

struct loop_fd {
	int fd;
	loop_cb cb;
	void *ctx;
};

struct loop {
	int ep;
	int stop;
	struct loop_fd fds[LOOP_MAX_FD];
	unsigned n;
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

int loop_add(struct loop *l, int fd, loop_cb cb, void *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (l->n == LOOP_MAX_FD)
		return -1;
	l->fds[l->n] = (struct loop_fd){ fd, cb, ctx };
	ev.data.u32 = l->n;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	l->n++;
	return 0;
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

int loop_run(struct loop *l)
{
	struct epoll_event ev[LOOP_MAX_FD];

	while (!l->stop) {
		int i, n = epoll_wait(l->ep, ev, LOOP_MAX_FD, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_warn("epoll_wait");
			return -1;
		}
		for (i = 0; i < n && !l->stop; i++) {
			struct loop_fd *f = &l->fds[ev[i].data.u32];

			f->cb(f->ctx, f->fd);
		}
	}
	return 0;
}

void loop_stop(struct loop *l)
{
	l->stop = 1;
}
