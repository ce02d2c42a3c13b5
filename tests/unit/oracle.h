/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_TEST_ORACLE_H
#define SIPALG_TEST_ORACLE_H

/*
 * Independent SIP parser used only by the tests, as a second opinion: a
 * message the ALG rewrote must still be accepted by libosip2 when the
 * original was.  Link with -losipparser2.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

/* libosip2's osip_const.h defines SIP_OK as 200, which would silently turn
 * our enum sip_scan_result constant into a status code; drop the macro so
 * oracle.h and sip.h can be included in either order. */
#undef SIP_OK

static inline void oracle_trace_quiet(const char *fi, int li,
				      osip_trace_level_t level,
				      const char *chfr, va_list ap)
{
}

/*
 * oracle_parse_ok - true when libosip2 parses buf[0..len) as a SIP message.
 * buf need not be NUL-terminated; libosip2 copies it.  Not thread-safe (the
 * first call initialises libosip2's parser tables).
 */
static inline bool oracle_parse_ok(const char *buf, size_t len)
{
	static bool initialised;
	osip_message_t *msg;
	int level;
	int rc;

	if (!initialised) {
		/* libosip2 traces parse errors to stderr; the tests expect
		 * them, so keep the test output readable. */
		osip_trace_initialize_func(TRACE_LEVEL0, oracle_trace_quiet);
		for (level = 0; level < END_TRACE_LEVEL; level++)
			osip_trace_disable_level((osip_trace_level_t)level);
		parser_init();
		initialised = true;
	}
	if (osip_message_init(&msg) != 0)
		return false;
	rc = osip_message_parse(msg, buf, len);
	osip_message_free(msg);
	return rc == 0;
}

#endif
