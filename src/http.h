/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_HTTP_H
#define SIPALG_HTTP_H

#include <stddef.h>

#include "buf.h"
#include "ctl.h"

/*
 * The HTTP listener (key http_listen): GET /metrics is the Prometheus
 * text exposition (metrics.c), GET / a status page that refreshes itself
 * (no scripts, no external assets).  HTTP/1.0 style: one request per
 * connection, closed after the reply.
 */

/*
 * http_handle - a srv_handler: once req holds the whole request head,
 * put the response in out and return 1; 0 while incomplete; ctx is the
 * daemon's struct ctl_ops (the same state the control socket shows).
 */
int http_handle(void *ctx, const char *req, size_t len, struct buf *out);

#endif
