/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_SRV_H
#define SIPALG_SRV_H

#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "conf.h"
#include "loop.h"

/*
 * A small request/reply stream server on the daemon's loop, for the
 * control socket and the HTTP listener: accept, read one request, reply,
 * close.  Everything is non-blocking; a client that is slow to send or
 * to read is cut off after SRV_IDLE_S seconds (srv_tick), and at most
 * SRV_MAX_CONN clients are served at once, so no client can stall the
 * packet path or hold memory for long.
 */

#define SRV_MAX_CONN 16
#define SRV_REQ_MAX 8192
#define SRV_IDLE_S 10

/*
 * srv_handler - look at the request bytes so far (req[0..len), NUL
 * terminated).  Returns 0 when more are needed, 1 when the reply is in
 * out (the server sends it and closes), -1 to close at once.
 */
typedef int (*srv_handler)(void *ctx, const char *req, size_t len,
			   struct buf *out);

struct srv;

/*
 * srv_open_unix - listen on a unix stream socket at path, mode 0600 (0660
 * with group gid; gid (gid_t)-1: none); an old socket file there is
 * replaced, any other file is left alone (EEXIST).  NULL with errno on
 * failure.
 */
struct srv *srv_open_unix(struct loop *l, const char *path, gid_t gid,
			  srv_handler fn, void *ctx);

/* srv_open_tcp - listen on addr:port (family AF_INET or AF_INET6).  NULL
 * with errno on failure. */
struct srv *srv_open_tcp(struct loop *l, int family, const union addr *addr,
			 uint16_t port, srv_handler fn, void *ctx);

/* srv_tick - close clients idle for SRV_IDLE_S seconds (now: monotonic
 * seconds). */
void srv_tick(struct srv *s, uint64_t now);

/* srv_close - close every client and the listener (a unix socket's file
 * is removed).  NULL is fine. */
void srv_close(struct srv *s);

#endif
