// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * log.c - one line per message on stderr.
 *
 * Under systemd stderr goes to the journal, which adds the time, the unit
 * and the priority; so a line here is just the message.  Each line is
 * formatted first and written with one call, so lines from concurrent
 * writers do not interleave.  Logging never changes errno.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOG_LINE_MAX 1024

int log_level;

/*
 * log_vwrite - format fmt/ap, append ": strerror(errnum)" when errnum is
 * nonzero, and write the line to stderr.  A line that does not fit is cut
 * and ends in "...".
 */
static void log_vwrite(int errnum, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t max = sizeof(line) - 1;	/* room for the newline */
	size_t n;
	int len;

	len = vsnprintf(line, max, fmt, ap);
	n = len < 0 ? 0 : (size_t)len;
	if (errnum && n < max)
		n += (size_t)snprintf(line + n, max - n, ": %s",
				      strerror(errnum));
	if (n >= max) {
		n = max - 1;
		memcpy(line + n - 3, "...", 3);
	}
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return;		/* nowhere left to complain */
}

void log_warnx(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(0, fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_info(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (log_level < 1)
		return;
	va_start(ap, fmt);
	log_vwrite(0, fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_debug(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (log_level < 2)
		return;
	va_start(ap, fmt);
	log_vwrite(0, fmt, ap);
	va_end(ap);
	errno = saved;
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(0, fmt, ap);
	va_end(ap);
	exit(1);
}
