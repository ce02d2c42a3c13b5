/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_METER_H
#define SIPALG_METER_H

#include "alg.h"

/*
 * Counters for the operator's views (sipalgctl stats, /metrics) that
 * never reset: messages by direction and result, and the latency
 * histograms since start.  The alg's own histograms restart at every
 * stats line (SIGUSR1, for the benchmarks' per-step numbers); meter_fold
 * keeps what they held before that.
 */

enum meter_dir { METER_IN, METER_OUT, METER_OTHER, METER_NDIR };
enum meter_result { METER_REWRITTEN, METER_UNCHANGED, METER_PASSED,
		    METER_DROPPED, METER_NRES };

/* A histogram since start: the folded part plus the alg's live one. */
struct meter_hist {
	uint64_t us[ALG_HIST_US];
	uint64_t n, over, max;
};

struct meter {
	uint64_t msgs[METER_NDIR][METER_NRES];
	struct meter_hist work, bound, verdict, after;
	uint64_t started;	/* wall clock, seconds */
};

extern const char *const meter_dir_name[METER_NDIR];
extern const char *const meter_result_name[METER_NRES];

/* meter_packet - count the packet alg_packet just handled: which counter
 * of a->st grew since *before, on the direction of outdev. */
void meter_packet(struct meter *m, const struct alg *a,
		  const struct alg_stats *before, uint32_t outdev);

/* meter_fold - add the alg's histograms into m; call just before
 * something resets them (alg_log_stats). */
void meter_fold(struct meter *m, const struct alg_timing *t);

/* meter_hist_total - h plus the alg's live histogram live, into *out. */
void meter_hist_total(const struct meter_hist *h, const struct alg_hist *live,
		      struct meter_hist *out);

/* meter_hist_le - samples of h at or below us microseconds. */
uint64_t meter_hist_le(const struct meter_hist *h, uint64_t us);

/* meter_hist_q - smallest value (us) with at least q of h's samples at
 * or below it (0 when empty). */
uint64_t meter_hist_q(const struct meter_hist *h, double q);

#endif
