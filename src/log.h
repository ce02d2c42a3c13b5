/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_LOG_H
#define SIPALG_LOG_H

#include <stdint.h>

/*
 * Logging to stderr, systemd style ("<3>" priority prefixes are added by
 * the journal from the unit, not here).  -v raises log_level.
 */
extern int log_level;	/* 0 = warnings, 1 = info, 2 = debug */

void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatalx(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
