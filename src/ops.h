/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_OPS_H
#define SIPALG_OPS_H

#include "alg.h"
#include "ctl.h"
#include "loop.h"
#include "meter.h"
#include "srv.h"

/*
 * What the operator sees of the running daemon, wired in one place so
 * main.c needs only a few calls: the control socket (sipalgctl), the HTTP
 * listener (metrics, status page), the counters behind both, the per-call
 * log line and systemd's notifications.
 */

struct ops {
	struct meter meter;
	struct ctl_ops ctl;
	struct srv *ctl_srv, *http_srv;
	struct alg *alg;
	const char *end_cause;	/* set while the operator ends a call */
	struct alg_stats before;	/* counters before this packet */
};

/*
 * ops_open - counters, the per-call log line and the listeners the
 * configuration names (control_socket, http_listen), on loop l.  The
 * reload callback is what sipalgctl reload runs.  Fatal on a listener
 * that cannot be opened (a misconfiguration the operator must see).
 */
void ops_open(struct ops *o, struct loop *l, const struct conf *c,
	      struct alg *a,
	      int (*reload)(void *ctx, char *err, size_t errlen), void *ctx);

/* ops_keep_restart_keys - the listeners are opened once: a reload keeps
 * the running control_socket, control_group and http_listen in c (from
 * old) and says so when the file changed them. */
void ops_keep_restart_keys(const struct conf *old, struct conf *c);

/* ops_packet_start / ops_packet_done - around alg_packet: count the
 * packet by direction and result. */
void ops_packet_start(struct ops *o);
void ops_packet_done(struct ops *o, uint32_t outdev);

/* ops_before_stats - call before alg_log_stats (which restarts the alg's
 * histograms): keeps them for the views since start. */
void ops_before_stats(struct ops *o);

/* ops_tick - once a second: cut off idle clients. */
void ops_tick(struct ops *o, uint64_t now);

/* ops_close - close the listeners (the control socket file goes). */
void ops_close(struct ops *o);

#endif
