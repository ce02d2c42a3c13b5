/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_NOTIFY_H
#define SIPALG_NOTIFY_H

#include <stdint.h>

/*
 * systemd's service notifications (sd_notify(3) protocol, spoken
 * directly: one datagram to $NOTIFY_SOCKET): READY=1 once the daemon
 * works, WATCHDOG=1 keep-alives from the main loop, RELOADING=1,
 * STOPPING=1.  Without $NOTIFY_SOCKET everything here does nothing.
 */

/* notify_init - read the environment ($NOTIFY_SOCKET, $WATCHDOG_USEC and
 * $WATCHDOG_PID) and forget it, so children do not inherit it.  Returns
 * the keep-alive interval in milliseconds (half the watchdog timeout), 0
 * when no watchdog was asked for. */
unsigned notify_init(void);

/* notify_send - send state ("READY=1\nSTATUS=...").  0, or -1 (not under
 * systemd, or the send failed: never fatal). */
int notify_send(const char *state);

#endif
