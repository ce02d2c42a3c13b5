// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * srv.c - non-blocking request/reply server on the event loop.
 *
 * A client's life: accepted (non-blocking) -> its bytes are collected
 * until the handler says the request is whole -> the reply is written as
 * the socket takes it (EPOLLOUT) -> closed.  Nothing here waits.
 */
#include "srv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

struct srv_conn {
	int fd;			/* -1: slot free */
	struct srv *s;
	char req[SRV_REQ_MAX + 1];
	size_t len;
	struct buf out;
	size_t sent;
	bool replying;
	uint64_t since;
};

struct srv {
	int fd;
	struct loop *loop;
	srv_handler fn;
	void *ctx;
	char path[CONF_PATH_MAX];	/* unix socket file, "" for TCP */
	struct srv_conn conn[SRV_MAX_CONN];
};

static uint64_t srv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

static void conn_close(struct srv_conn *c)
{
	loop_del(c->s->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	buf_free(&c->out);
}

/* Write what the socket takes; closed once all is sent or on error. */
static void conn_write(struct srv_conn *c)
{
	while (c->sent < c->out.len) {
		ssize_t n = send(c->fd, c->out.p + c->sent,
				 c->out.len - c->sent, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			conn_close(c);
			return;
		}
		c->sent += (size_t)n;
	}
	conn_close(c);
}

static void conn_reply(struct srv_conn *c)
{
	c->replying = true;
	c->since = srv_now();
	if (loop_want_write(c->s->loop, c->fd, true) < 0) {
		conn_close(c);
		return;
	}
	conn_write(c);
}

static void conn_read(struct srv_conn *c)
{
	ssize_t n;
	int rc;

	n = recv(c->fd, c->req + c->len, SRV_REQ_MAX - c->len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {		/* gone, or an error: nothing to answer */
		conn_close(c);
		return;
	}
	c->len += (size_t)n;
	c->req[c->len] = '\0';
	rc = c->s->fn(c->s->ctx, c->req, c->len, &c->out);
	if (rc < 0 || (rc == 0 && c->len == SRV_REQ_MAX))
		conn_close(c);
	else if (rc > 0)
		conn_reply(c);
}

static void on_conn(void *ctx, int fd)
{
	struct srv_conn *c = ctx;

	(void)fd;
	if (c->replying)
		conn_write(c);
	else
		conn_read(c);
}

static struct srv_conn *conn_slot(struct srv *s)
{
	unsigned i;

	for (i = 0; i < SRV_MAX_CONN; i++)
		if (s->conn[i].fd < 0)
			return &s->conn[i];
	return NULL;
}

static void on_listen(void *ctx, int fd)
{
	struct srv *s = ctx;
	struct srv_conn *c;
	int cfd;

	while ((cfd = accept4(fd, NULL, NULL,
			      SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		c = conn_slot(s);
		if (!c || loop_add(s->loop, cfd, on_conn, c) < 0) {
			close(cfd);	/* busy: the client sees EOF */
			continue;
		}
		c->fd = cfd;
		c->s = s;
		c->len = 0;
		c->sent = 0;
		c->replying = false;
		c->since = srv_now();
		c->out = (struct buf){ 0 };
	}
}

static struct srv *srv_new(struct loop *l, int fd, srv_handler fn, void *ctx)
{
	struct srv *s = calloc(1, sizeof(*s));
	unsigned i;

	if (!s)
		return NULL;
	s->fd = fd;
	s->loop = l;
	s->fn = fn;
	s->ctx = ctx;
	for (i = 0; i < SRV_MAX_CONN; i++)
		s->conn[i].fd = -1;
	if (listen(fd, SRV_MAX_CONN) < 0 || loop_add(l, fd, on_listen, s) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

struct srv *srv_open_unix(struct loop *l, const char *path, gid_t gid,
			  srv_handler fn, void *ctx)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	struct srv *s;
	int fd, rc;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	/* The old socket of a daemon that was killed is replaced; a file
	 * of any other kind a mistyped control_socket names is not ours
	 * to delete. */
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return NULL;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	unlink(path);
	/* Created with the final mode (no window where others could
	 * connect), then handed to the group. */
	old = umask(gid == (gid_t)-1 ? 0177 : 0117);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc < 0 || (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) < 0) ||
	    !(s = srv_new(l, fd, fn, ctx))) {
		int e = errno;

		close(fd);
		errno = e;
		return NULL;
	}
	strcpy(s->path, path);
	return s;
}

struct srv *srv_open_tcp(struct loop *l, int family, const union addr *addr,
			 uint16_t port, srv_handler fn, void *ctx)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	struct srv *s;
	int fd, one = 1;

	if (family == AF_INET6) {
		in6->sin6_family = AF_INET6;
		in6->sin6_addr = addr->v6;
		in6->sin6_port = htons(port);
		len = sizeof(*in6);
	} else {
		in4->sin_family = AF_INET;
		in4->sin_addr = addr->v4;
		in4->sin_port = htons(port);
		len = sizeof(*in4);
	}
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    !(s = srv_new(l, fd, fn, ctx))) {
		int e = errno;

		close(fd);
		errno = e;
		return NULL;
	}
	return s;
}

void srv_tick(struct srv *s, uint64_t now)
{
	unsigned i;

	if (!s)
		return;
	for (i = 0; i < SRV_MAX_CONN; i++)
		if (s->conn[i].fd >= 0 && now >= s->conn[i].since + SRV_IDLE_S)
			conn_close(&s->conn[i]);
}

void srv_close(struct srv *s)
{
	unsigned i;

	if (!s)
		return;
	for (i = 0; i < SRV_MAX_CONN; i++)
		if (s->conn[i].fd >= 0)
			conn_close(&s->conn[i]);
	loop_del(s->loop, s->fd);
	close(s->fd);
	if (s->path[0])
		unlink(s->path);
	free(s);
}
