// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * meter.c - counters since start for sipalgctl and /metrics.
 */
#include "meter.h"

#include <string.h>

const char *const meter_dir_name[METER_NDIR] = { "in", "out", "other" };
const char *const meter_result_name[METER_NRES] = {
	"rewritten", "unchanged", "passed", "dropped"
};

void meter_packet(struct meter *m, const struct alg *a,
		  const struct alg_stats *before, uint32_t outdev)
{
	enum meter_dir d = outdev == a->out_ifindex ? METER_OUT :
			   outdev == a->in_ifindex ? METER_IN : METER_OTHER;
	uint64_t *row = m->msgs[d];

	/* A packet ends in exactly one of these (alg.c's verdict paths). */
	row[METER_REWRITTEN] += a->st.rewritten - before->rewritten;
	row[METER_UNCHANGED] += a->st.unchanged - before->unchanged;
	row[METER_PASSED] += a->st.passed - before->passed;
	row[METER_DROPPED] += a->st.dropped - before->dropped;
}

static void hist_fold(struct meter_hist *h, const struct alg_hist *x)
{
	unsigned i;

	for (i = 0; i < ALG_HIST_US; i++)
		h->us[i] += x->us[i];
	h->n += x->n;
	h->over += x->over;
	if (x->max > h->max)
		h->max = x->max;
}

void meter_fold(struct meter *m, const struct alg_timing *t)
{
	hist_fold(&m->work, &t->work);
	hist_fold(&m->bound, &t->bound);
	hist_fold(&m->verdict, &t->verdict);
	hist_fold(&m->after, &t->after);
}

void meter_hist_total(const struct meter_hist *h, const struct alg_hist *live,
		      struct meter_hist *out)
{
	memcpy(out, h, sizeof(*out));
	hist_fold(out, live);
}

uint64_t meter_hist_le(const struct meter_hist *h, uint64_t us)
{
	uint64_t n = 0, i;

	for (i = 0; i <= us && i < ALG_HIST_US; i++)
		n += h->us[i];
	return n;
}

uint64_t meter_hist_q(const struct meter_hist *h, double q)
{
	uint64_t want = (uint64_t)(q * (double)h->n + 0.999999), seen = 0;
	unsigned i;

	if (!h->n)
		return 0;
	if (!want)
		want = 1;
	for (i = 0; i < ALG_HIST_US; i++) {
		seen += h->us[i];
		if (seen >= want)
			return i;
	}
	return h->max;
}
