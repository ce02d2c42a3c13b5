// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * log.c - one line per message on stderr.
 *
 * Under systemd stderr goes to the journal, which adds the time and the
 * unit; the priority it takes from a "<N>" prefix (sd-daemon(3)), so a
 * line there is "<N>message" and elsewhere just the message.  Each line is
 * formatted first and written with one call (a batch of packets' lines
 * together, log_hold), so lines from concurrent writers do not
 * interleave.  Logging never changes errno.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 1024

/* syslog(3) priorities, as the journal reads them. */
enum { PRI_ERR = 3, PRI_WARNING = 4, PRI_NOTICE = 5, PRI_INFO = 6,
       PRI_DEBUG = 7 };

int log_level;
static bool log_prefix;

/* The last LOG_RECENT warnings and errors, for the status page. */
static struct {
	char text[LOG_RECENT_LEN];
	int64_t when;
} log_ring[LOG_RECENT];
static unsigned log_ring_n;	/* lines ever kept */

void log_init(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long dev, ino;
	struct stat st;

	/* JOURNAL_STREAM is "DEV:INO" of the stream systemd connected; it
	 * is inherited, so compare it with what stderr is now. */
	log_prefix = js && sscanf(js, "%lu:%lu", &dev, &ino) == 2 &&
		     fstat(STDERR_FILENO, &st) == 0 &&
		     (unsigned long)st.st_dev == dev &&
		     (unsigned long)st.st_ino == ino;
}

static void log_keep(const char *line, size_t n)
{
	unsigned i = log_ring_n++ % LOG_RECENT;

	if (n >= LOG_RECENT_LEN)
		n = LOG_RECENT_LEN - 1;
	memcpy(log_ring[i].text, line, n);
	log_ring[i].text[n] = '\0';
	log_ring[i].when = (int64_t)time(NULL);
}

const char *log_recent(unsigned i, int64_t *when)
{
	unsigned k;

	if (i >= LOG_RECENT || i >= log_ring_n)
		return NULL;
	k = (log_ring_n - 1 - i) % LOG_RECENT;
	*when = log_ring[k].when;
	return log_ring[k].text;
}

/* Lines written while held (log_hold): whole lines, at most this much. */
#define LOG_HELD_MAX (64 * 1024)
static char log_held[LOG_HELD_MAX];
static size_t log_held_len;
static bool log_holding;

static void log_write(const char *p, size_t n)
{
	if (write(STDERR_FILENO, p, n) < 0)
		return;		/* nowhere left to complain */
}

void log_release(void)
{
	log_holding = false;
	if (log_held_len)
		log_write(log_held, log_held_len);
	log_held_len = 0;
}

void log_hold(void)
{
	log_holding = true;
}

/* One formatted line out: now, or with the held ones. */
static void log_out(const char *line, size_t n)
{
	if (!log_holding) {
		log_write(line, n);
		return;
	}
	if (log_held_len + n > LOG_HELD_MAX) {
		log_write(log_held, log_held_len);
		log_held_len = 0;
	}
	memcpy(log_held + log_held_len, line, n);
	log_held_len += n;
}

/*
 * log_vwrite - format fmt/ap at priority pri, append ": strerror(errnum)"
 * when errnum is nonzero, and write the line to stderr.  A line that does
 * not fit is cut and ends in "...".
 */
static void log_vwrite(int pri, int errnum, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t max = sizeof(line) - 1;	/* room for the newline */
	size_t n = 0, start;
	int len;

	if (log_prefix)
		n = (size_t)snprintf(line, max, "<%d>", pri);
	start = n;
	len = vsnprintf(line + n, max - n, fmt, ap);
	n += len < 0 ? 0 : (size_t)len;
	if (errnum && n < max)
		n += (size_t)snprintf(line + n, max - n, ": %s",
				      strerror(errnum));
	if (n >= max) {
		n = max - 1;
		memcpy(line + n - 3, "...", 3);
	}
	if (pri <= PRI_WARNING)
		log_keep(line + start, n - start);
	line[n++] = '\n';
	log_out(line, n);
}

/* LOG_AT - the body of every level's function. */
#define LOG_AT(pri, errnum, fmt) \
	do { \
		int saved_ = errno; \
		va_list ap_; \
		va_start(ap_, fmt); \
		log_vwrite(pri, errnum ? saved_ : 0, fmt, ap_); \
		va_end(ap_); \
		errno = saved_; \
	} while (0)

void log_warnx(const char *fmt, ...)
{
	LOG_AT(PRI_WARNING, 0, fmt);
}

void log_warn(const char *fmt, ...)
{
	LOG_AT(PRI_WARNING, 1, fmt);
}

void log_notice(const char *fmt, ...)
{
	LOG_AT(PRI_NOTICE, 0, fmt);
}

void log_info(const char *fmt, ...)
{
	if (log_level < 1)
		return;
	LOG_AT(PRI_INFO, 0, fmt);
}

void log_debug(const char *fmt, ...)
{
	if (log_level < 2)
		return;
	LOG_AT(PRI_DEBUG, 0, fmt);
}

void fatalx(const char *fmt, ...)
{
	log_release();
	LOG_AT(PRI_ERR, 0, fmt);
	exit(1);
}
