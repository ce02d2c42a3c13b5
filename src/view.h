/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_VIEW_H
#define SIPALG_VIEW_H

#include "alg.h"
#include "buf.h"
#include "meter.h"

/*
 * What the daemon holds, as text for people or JSON for programs: the
 * listings of sipalgctl (and the status page's tables), built from the
 * call table and the counters.  Read-only; each function appends to b.
 */

enum view_fmt { VIEW_TEXT, VIEW_JSON };

/* view_calls - one entry per call: call_id, phone, far_end, streams
 * (inside and public ports), state, age_s, media_idle_s. */
void view_calls(struct buf *b, struct alg *a, enum view_fmt f);

/* view_registrations - one entry per registered address-of-record: aor,
 * contact (the phone), public binding, expires_in_s. */
void view_registrations(struct buf *b, struct alg *a, enum view_fmt f);

/* view_bindings - every kernel binding (one SNAT/DNAT element pair
 * each): kind, inside, public, owner, kernel_timeout_s; with prior, also
 * the elements an earlier run left that no binding of this run took over
 * (owner "previous run"), so the list matches the kernel's maps. */
struct prior;
void view_bindings(struct buf *b, struct alg *a, const struct prior *prior,
		   enum view_fmt f);

/* view_stats - every counter, the passed-unchanged reasons, the gauges
 * and the latency histograms since start (quantiles; JSON also has the
 * buckets). */
void view_stats(struct buf *b, struct alg *a, const struct meter *m,
		enum view_fmt f);

/* view_call_line - "call ID (state) phone A -> far end B, ports
 * IN>PUB,..." for the log line of call k (no newline). */
void view_call_line(struct buf *b, const struct alg *a,
		    const struct call *k);

/* view_addr - "a.b.c.d:port" / "[v6]:port" (port 0: address only) into
 * out (at least VIEW_ADDR_MAX bytes). */
#define VIEW_ADDR_MAX 64
const char *view_addr(int family, const union addr *ad, uint16_t port,
		      char *out);

/* Counters of the queue, conntrack and TCP modules, as a list the
 * stats listing and /metrics both print (names without prefix/suffix). */
struct view_counter {
	const char *name;
	const char *help;
	bool gauge;		/* a level, not a count since start */
	uint64_t v;
};

#define VIEW_MORE_MAX 24

/* view_more - fill out[] (VIEW_MORE_MAX) with the counters of the
 * modules a has (queue, nf_tables, conntrack, TCP streams); returns how
 * many. */
unsigned view_more(const struct alg *a, struct view_counter *out);

/* view_registrations_count - how many entries view_registrations lists. */
unsigned view_registrations_count(struct alg *a);

/* Histogram bucket bounds (microseconds, "at or below"; the alg's
 * histogram has 1 us resolution up to ALG_HIST_US), for /metrics too. */
#define VIEW_NBUCKET 9
extern const uint32_t view_bucket_us[VIEW_NBUCKET];

/* The four hold-time histograms by name, since start. */
struct view_hist {
	const char *name;	/* work, bound, verdict, after */
	const char *help;
	struct meter_hist h;
};

/* view_hists - fill out[4] from m and a's live histograms. */
void view_hists(const struct alg *a, const struct meter *m,
		struct view_hist *out);

#endif
