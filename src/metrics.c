// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * metrics.c - Prometheus text exposition of the daemon's counters.
 *
 * Names follow the Prometheus conventions: sipalg_ prefix, _total on
 * counters, base units (seconds).  Label values are escaped as the
 * format requires (backslash, double quote, newline).
 */
#include "metrics.h"

#include <stdio.h>
#include <string.h>

#include "view.h"

static void family(struct buf *b, const char *name, const char *type,
		   const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void label_value(struct buf *b, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			buf_printf(b, "\\%c", *v);
		else if (*v == '\n')
			buf_add(b, "\\n", 2);
		else
			buf_add(b, v, 1);
	}
}

static void sample(struct buf *b, const char *name, uint64_t v)
{
	buf_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

static void messages(struct buf *b, const struct meter *m)
{
	unsigned d, r;

	family(b, "sipalg_messages_total", "counter",
	       "SIP messages handled, by direction (out: towards the "
	       "outside) and result.");
	for (d = 0; d < METER_NDIR; d++)
		for (r = 0; r < METER_NRES; r++)
			buf_printf(b, "sipalg_messages_total{dir=\"%s\","
				   "result=\"%s\"} %llu\n", meter_dir_name[d],
				   meter_result_name[r],
				   (unsigned long long)m->msgs[d][r]);
}

static void reasons(struct buf *b, const struct alg *a)
{
	uint64_t kernel = 0;
	unsigned i;

	family(b, "sipalg_passed_unchanged_total", "counter",
	       "Messages passed unchanged because they could not be "
	       "rewritten, by reason.");
	for (i = 0; i < a->n_reason; i++) {
		uint64_t n = alg_reason_passed(a, &a->reason[i]);

		if (strstr(a->reason[i].what, "kernel"))
			kernel += a->reason[i].count;
		if (!n)
			continue;	/* every one dropped */
		buf_add(b, "sipalg_passed_unchanged_total{reason=\"", 38);
		label_value(b, a->reason[i].what);
		buf_printf(b, "\"} %llu\n", (unsigned long long)n);
	}
	family(b, "sipalg_dropped_total", "counter",
	       "Messages dropped, by reason (the policy's, or a message "
	       "that could not be rewritten with fail_closed).");
	for (i = 0; i < a->n_dropped_by; i++) {
		buf_add(b, "sipalg_dropped_total{reason=\"", 29);
		label_value(b, a->dropped_by[i].what);
		buf_printf(b, "\"} %llu\n",
			   (unsigned long long)a->dropped_by[i].count);
	}
	family(b, "sipalg_policy_total", "counter",
	       "Messages the security policy acted on, by what it did.");
	for (i = 0; i < a->n_policy; i++) {
		buf_add(b, "sipalg_policy_total{what=\"", 26);
		label_value(b, a->policy[i].what);
		buf_printf(b, "\"} %llu\n",
			   (unsigned long long)a->policy[i].count);
	}
	family(b, "sipalg_kernel_errors_total", "counter",
	       "Netlink batches the kernel refused, before the verdict "
	       "(the message passed unchanged) and after it.");
	buf_printf(b, "sipalg_kernel_errors_total{when=\"before_verdict\"} "
		   "%llu\n", (unsigned long long)kernel);
	buf_printf(b, "sipalg_kernel_errors_total{when=\"after_verdict\"} "
		   "%llu\n", (unsigned long long)a->st.later_refused);
}

static void state(struct buf *b, struct alg *a)
{
	struct calls_stats cs;

	calls_stats(a->calls, &cs);
	family(b, "sipalg_calls_ended_total", "counter", "Calls ended.");
	sample(b, "sipalg_calls_ended_total", a->st.calls_ended);
	family(b, "sipalg_flows_deleted_total", "counter",
	       "Media conntrack flows deleted as calls ended.");
	sample(b, "sipalg_flows_deleted_total", a->st.flows_forgotten);
	family(b, "sipalg_calls", "gauge", "Calls in progress.");
	sample(b, "sipalg_calls", cs.calls);
	family(b, "sipalg_registrations", "gauge",
	       "Registered addresses-of-record.");
	sample(b, "sipalg_registrations", view_registrations_count(a));
	family(b, "sipalg_bindings", "gauge",
	       "Kernel NAT bindings (one SNAT/DNAT element pair each).");
	buf_printf(b, "sipalg_bindings{kind=\"signalling\"} %u\n",
		   cs.sig_bindings);
	buf_printf(b, "sipalg_bindings{kind=\"media\"} %u\n",
		   cs.media_bindings);
}

/* The queue's, conntrack's and TCP's counters (view_more). */
static void more(struct buf *b, const struct alg *a)
{
	struct view_counter v[VIEW_MORE_MAX];
	unsigned i, n = view_more(a, v);
	char name[80];

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "sipalg_%s%s", v[i].name,
			 v[i].gauge ? "" : "_total");
		family(b, name, v[i].gauge ? "gauge" : "counter", v[i].help);
		sample(b, name, v[i].v);
	}
}

/* One hold-time histogram; microsecond samples in seconds.  The sum
 * counts holds of ALG_HIST_US or more as ALG_HIST_US (a lower bound). */
static void hist(struct buf *b, const struct view_hist *v)
{
	const struct meter_hist *h = &v->h;
	uint64_t sum = h->over * ALG_HIST_US;
	unsigned i;

	for (i = 0; i < ALG_HIST_US; i++)
		sum += (uint64_t)i * h->us[i];
	for (i = 0; i < VIEW_NBUCKET; i++)
		buf_printf(b, "sipalg_hold_seconds_bucket{step=\"%s\","
			   "le=\"%g\"} %llu\n", v->name,
			   view_bucket_us[i] / 1e6,
			   (unsigned long long)meter_hist_le(
				   h, view_bucket_us[i]));
	buf_printf(b, "sipalg_hold_seconds_bucket{step=\"%s\",le=\"+Inf\"} "
		   "%llu\n", v->name, (unsigned long long)h->n);
	buf_printf(b, "sipalg_hold_seconds_sum{step=\"%s\"} %.6f\n", v->name,
		   (double)sum / 1e6);
	buf_printf(b, "sipalg_hold_seconds_count{step=\"%s\"} %llu\n",
		   v->name, (unsigned long long)h->n);
}

void metrics_write(struct buf *b, struct alg *a, const struct meter *m)
{
	static struct view_hist v[4];	/* 80 KB each: not on the stack */
	unsigned i;

	family(b, "sipalg_build_info", "gauge", "Version of sipalgd.");
	buf_printf(b, "sipalg_build_info{version=\"%s\"} 1\n", SIPALG_VERSION);
	family(b, "sipalg_packets_total", "counter", "Packets read off the "
	       "queue.");
	sample(b, "sipalg_packets_total", a->st.packets);
	messages(b, m);
	reasons(b, a);
	state(b, a);
	more(b, a);
	view_hists(a, m, v);
	family(b, "sipalg_hold_seconds", "histogram",
	       "How long the daemon held a packet, by step: work (read to "
	       "verdict), bound (read to bindings acked), verdict (the "
	       "verdict call), after (post-verdict kernel work).");
	for (i = 0; i < 4; i++)
		hist(b, &v[i]);
}
