/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_CTL_H
#define SIPALG_CTL_H

#include <stddef.h>

#include "alg.h"
#include "buf.h"
#include "meter.h"

/*
 * The control protocol of sipalgctl (sipalgctl(8) documents it): one
 * request line "COMMAND [ARG...]", one reply "ok\n" + body or
 * "error TEXT\n", then the daemon closes the connection.
 */

struct ctl_ops {
	struct alg *alg;
	struct meter *meter;
	const struct prior *prior;	/* an earlier run's bindings, or NULL */
	/* reload - re-read the configuration: 0, or -1 with why in err. */
	int (*reload)(void *ctx, char *err, size_t errlen);
	void *reload_ctx;
	/* end_call - end a call by Call-ID for the operator: 0 or -1. */
	int (*end_call)(void *ctx, const char *id, size_t len);
	void *end_ctx;
};

/*
 * ctl_handle - a srv_handler: when req holds a whole line, execute it and
 * put the reply in out (returns 1); 0 while the line is incomplete.  ctx
 * is a struct ctl_ops.
 */
int ctl_handle(void *ctx, const char *req, size_t len, struct buf *out);

#endif
