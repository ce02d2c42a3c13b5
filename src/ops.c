// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ops.c - the operator's side of the daemon: control socket, HTTP
 * listener, counters since start, the per-call log line.
 */
#include "ops.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "http.h"
#include "log.h"
#include "view.h"

/* The log line of an ending call, with what ended it: a timer (why), the
 * operator, or the message being handled (a BYE, a final response). */
static void ops_call_ended(void *ctx, const struct call *k, const char *why)
{
	struct ops *o = ctx;
	const struct sip_msg *m = &o->alg->msg;
	struct buf b = { 0 };

	if (log_level < 1)
		return;
	view_call_line(&b, o->alg, k);
	if (why)
		buf_printf(&b, ", ended by %s", why);
	else if (o->end_cause)
		buf_printf(&b, ", ended by %s", o->end_cause);
	else if (m->is_request)
		buf_printf(&b, ", ended by %.*s", (int)m->method.len,
			   m->buf + m->method.off);
	else
		buf_printf(&b, ", ended by a %d response", m->status);
	buf_printf(&b, " after %llu s",
		   (unsigned long long)(o->alg->now() - k->created));
	if (b.p)
		log_info("%s", b.p);
	buf_free(&b);
}

static int ops_end_call(void *ctx, const char *id, size_t len)
{
	struct ops *o = ctx;
	int rc;

	o->end_cause = "the operator (sipalgctl end)";
	rc = alg_end_call(o->alg, id, (uint32_t)len);
	o->end_cause = NULL;
	return rc;
}

static gid_t ops_group(const char *name)
{
	struct group *g;

	if (!name[0])
		return (gid_t)-1;
	g = getgrnam(name);
	if (!g)
		fatalx("control_group %s: no such group", name);
	return g->gr_gid;
}

/* The socket's directory, when systemd (RuntimeDirectory=) did not make
 * it: one level, searchable by others so that the socket's own mode and
 * group decide who connects. */
static void ops_socket_dir(const char *path)
{
	char dir[CONF_PATH_MAX], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		fatalx("control_socket: cannot create %s: %s", dir,
		       strerror(errno));
}

static void ops_open_ctl(struct ops *o, struct loop *l, const struct conf *c)
{
	if (!c->control_socket[0])
		return;
	ops_socket_dir(c->control_socket);
	o->ctl_srv = srv_open_unix(l, c->control_socket,
				   ops_group(c->control_group), ctl_handle,
				   &o->ctl);
	if (!o->ctl_srv)
		fatalx("control_socket %s: %s", c->control_socket,
		       strerror(errno));
}

static void ops_open_http(struct ops *o, struct loop *l,
			  const struct conf *c)
{
	char where[VIEW_ADDR_MAX];

	if (!c->http_family)
		return;
	view_addr(c->http_family, &c->http_addr, c->http_port, where);
	o->http_srv = srv_open_tcp(l, c->http_family, &c->http_addr,
				   c->http_port, http_handle, &o->ctl);
	if (!o->http_srv)
		fatalx("http_listen %s: %s", where, strerror(errno));
	log_info("metrics and status page on http://%s/", where);
}

void ops_open(struct ops *o, struct loop *l, const struct conf *c,
	      struct alg *a,
	      int (*reload)(void *ctx, char *err, size_t errlen), void *ctx)
{
	o->alg = a;
	o->ctl = (struct ctl_ops){ .alg = a, .meter = &o->meter,
				   .reload = reload, .reload_ctx = ctx,
				   .end_call = ops_end_call, .end_ctx = o };
	calls_set_end_hook(a->calls, ops_call_ended, o);
	ops_open_ctl(o, l, c);
	ops_open_http(o, l, c);
}

void ops_keep_restart_keys(const struct conf *old, struct conf *c)
{
	if (strcmp(old->control_socket, c->control_socket) ||
	    strcmp(old->control_group, c->control_group) ||
	    old->http_family != c->http_family ||
	    old->http_port != c->http_port ||
	    memcmp(&old->http_addr, &c->http_addr, sizeof(c->http_addr)))
		log_warnx("reload: control_socket, control_group and "
			  "http_listen change only on restart");
	strcpy(c->control_socket, old->control_socket);
	strcpy(c->control_group, old->control_group);
	c->http_family = old->http_family;
	c->http_addr = old->http_addr;
	c->http_port = old->http_port;
}

void ops_packet_start(struct ops *o)
{
	o->before = o->alg->st;
}

void ops_packet_done(struct ops *o, uint32_t outdev)
{
	meter_packet(&o->meter, o->alg, &o->before, outdev);
}

void ops_before_stats(struct ops *o)
{
	meter_fold(&o->meter, &o->alg->tm);
}

void ops_tick(struct ops *o, uint64_t now)
{
	srv_tick(o->ctl_srv, now);
	srv_tick(o->http_srv, now);
}

void ops_close(struct ops *o)
{
	srv_close(o->ctl_srv);
	srv_close(o->http_srv);
	o->ctl_srv = o->http_srv = NULL;
}
