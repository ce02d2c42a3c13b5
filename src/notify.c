// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * notify.c - sd_notify without libsystemd: the protocol is one datagram
 * of "KEY=VALUE" lines to the unix socket named in $NOTIFY_SOCKET (a
 * path, or an abstract name when it starts with '@').
 */
#include "notify.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static struct sockaddr_un notify_addr;
static socklen_t notify_len;

unsigned notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	unsigned long long us = usec ? strtoull(usec, NULL, 10) : 0;
	size_t n = path ? strlen(path) : 0;

	if (n > 1 && n < sizeof(notify_addr.sun_path) &&
	    (path[0] == '/' || path[0] == '@')) {
		notify_addr.sun_family = AF_UNIX;
		memcpy(notify_addr.sun_path, path, n);
		if (path[0] == '@')
			notify_addr.sun_path[0] = '\0';
		notify_len = (socklen_t)(offsetof(struct sockaddr_un,
						  sun_path) + n);
	}
	/* The watchdog is ours only when WATCHDOG_PID is absent or names
	 * this process (sd_watchdog_enabled(3)). */
	if (pid && strtol(pid, NULL, 10) != (long)getpid())
		us = 0;
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	if (!notify_len || us < 2000)
		return 0;
	return (unsigned)(us / 2000);
}

int notify_send(const char *state)
{
	int fd, rc;

	if (!notify_len)
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	rc = (int)sendto(fd, state, strlen(state), MSG_NOSIGNAL,
			 (struct sockaddr *)&notify_addr, notify_len);
	close(fd);
	return rc < 0 ? -1 : 0;
}
