/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_LOG_H
#define SIPALG_LOG_H

#include <stdint.h>

/*
 * Logging to stderr, one line per message.  When stderr is the journal
 * (systemd's JOURNAL_STREAM names it), each line starts with its syslog
 * priority "<N>" so that journalctl -p filters by level; elsewhere lines
 * are bare.  log_level chooses what is written: warnings and notices
 * always, info from 1 (the default of the log_level key), debug from 2.
 */
extern int log_level;	/* 0 = warnings (the start value), 1 = info, 2 = debug */

#define LOG_RECENT 16		/* warnings kept for the status page */
#define LOG_RECENT_LEN 200

/* log_init - decide whether lines carry priority prefixes (stderr is the
 * journal stream); call once at start, before logging. */
void log_init(void);

void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_notice - normal but significant (counters on request): always. */
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatalx(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/*
 * log_hold / log_release - lines logged in between are written together
 * at log_release (or when 64 KB are waiting): the packet path holds them
 * for one batch of queued packets, one write instead of one a line.
 * fatalx releases them first.
 */
void log_hold(void);
void log_release(void);

/*
 * log_recent - the i-th newest warning or error logged (0 = newest) and
 * its wall-clock time in *when; NULL past the last one kept.  The text
 * stays valid until the next log call.
 */
const char *log_recent(unsigned i, int64_t *when);

#endif
