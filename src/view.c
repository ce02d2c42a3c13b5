// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * view.c - the daemon's state as listings: calls, registrations, kernel
 * bindings, counters.  Text is for a terminal (aligned columns, one line
 * per entry); JSON is for programs (sipalgctl --json): an array of
 * objects per listing, an object for the counters.
 */
#include "view.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nat_ct.h"
#include "prior.h"
#include "stream.h"
#include "view6.h"

const uint32_t view_bucket_us[VIEW_NBUCKET] = {
	25, 50, 100, 250, 500, 1000, 2500, 5000, 10000
};

const char *view_addr(int family, const union addr *ad, uint16_t port,
		      char *out)
{
	/* By hand, not printf: the per-call log line names two. */
	if (!addr_port_text(family == AF_INET6 ? AF_INET6 : AF_INET, ad,
			    port, out, VIEW_ADDR_MAX))
		strcpy(out, "?");
	return out;
}

static uint64_t since(uint64_t now, uint64_t t)
{
	return now > t ? now - t : 0;
}

static uint64_t until(uint64_t now, uint64_t t)
{
	return t > now ? t - now : 0;
}

/* ---- calls ------------------------------------------------------------- */

static const char *call_state(const struct call *k)
{
	if (k->confirmed)
		return "confirmed";
	return k->setup_deadline ? "setup" : "answered";
}

/* The newest media time of k: its own or any of its bindings' (the
 * sweep folds them in lazily). */
static uint64_t call_media_seen(const struct call *k)
{
	uint64_t t = k->media_seen;
	unsigned i;

	for (i = 0; i < k->n_bind; i++)
		if (k->bind[i]->seen > t)
			t = k->bind[i]->seen;
	return t;
}

static void far_end(const struct call *k, char *out)
{
	unsigned i;

	for (i = 0; i < k->n_remote; i++)
		if (k->remote[i].rtp) {
			view_addr(AF_INET, &k->remote[i].addr,
				  k->remote[i].rtp, out);
			return;
		}
	strcpy(out, "-");
}

static void phone(const struct call *k, char *out)
{
	if (k->sig)
		view_addr(k->sig->family, &k->sig->in_addr, k->sig->in_port,
			  out);
	else
		strcpy(out, "-");
}

/* Streams as "in>pub" per RTP binding, RTCP after a '/'. */
static void streams_text(struct buf *b, const struct call *k)
{
	unsigned i, n = 0;

	for (i = 0; i < k->n_bind; i++) {
		const struct binding *x = k->bind[i];

		if (x->is_rtcp)
			continue;
		buf_printf(b, "%s%u>%u", n++ ? "," : "", x->in_port,
			   x->pub_port);
	}
	if (!n)
		buf_add(b, "-", 1);
}

static void streams_json(struct buf *b, const struct alg *a,
			 const struct call *k)
{
	char in[VIEW_ADDR_MAX], pub[VIEW_ADDR_MAX];
	unsigned i, n = 0;

	buf_add(b, "[", 1);
	for (i = 0; i < k->n_bind; i++) {
		const struct binding *x = k->bind[i];

		buf_printf(b, "%s{\"m\":%u,\"rtcp\":%s,\"inside\":\"%s\","
			   "\"public\":\"%s\"}", n++ ? "," : "", x->m_index,
			   x->is_rtcp ? "true" : "false",
			   view_addr(x->family, &x->in_addr, x->in_port, in),
			   view_addr(x->family,
				     calls_pub_addr(a->calls, x), x->pub_port,
				     pub));
	}
	buf_add(b, "]", 1);
}

struct call_walk {
	struct buf *b;
	struct alg *a;
	enum view_fmt f;
	uint64_t now;
	unsigned n;
};

static void call_entry(void *ctx, const struct call *k)
{
	struct call_walk *w = ctx;
	char ph[VIEW_ADDR_MAX], fe[VIEW_ADDR_MAX];
	uint64_t age = since(w->now, k->created);
	uint64_t idle = since(w->now, call_media_seen(k));

	phone(k, ph);
	far_end(k, fe);
	if (w->f == VIEW_TEXT) {
		buf_text(w->b, k->callid, k->callid_len, 40);
		buf_printf(w->b, " %-21s %-21s ", ph, fe);
		streams_text(w->b, k);
		buf_printf(w->b, " %s %llus media %llus ago\n",
			   call_state(k), (unsigned long long)age,
			   (unsigned long long)idle);
		w->n++;
		return;
	}
	buf_printf(w->b, "%s{\"call_id\":", w->n++ ? ",\n" : "\n");
	buf_json_str(w->b, k->callid, k->callid_len);
	buf_printf(w->b, ",\"phone\":\"%s\",\"far_end\":\"%s\",\"streams\":",
		   ph, fe);
	streams_json(w->b, w->a, k);
	buf_printf(w->b, ",\"state\":\"%s\",\"age_s\":%llu,"
		   "\"media_idle_s\":%llu}", call_state(k),
		   (unsigned long long)age, (unsigned long long)idle);
}

void view_calls(struct buf *b, struct alg *a, enum view_fmt f)
{
	struct call_walk w = { b, a, f, a->now(), 0 };

	if (f == VIEW_TEXT)
		buf_printf(b, "%-40s %-21s %-21s %s\n", "CALL-ID", "PHONE",
			   "FAR-END", "PORTS(in>public) STATE AGE MEDIA");
	else
		buf_add(b, "[", 1);
	calls_each_call(a->calls, call_entry, &w);
	w.n = view6_calls(b, a, f, w.now, w.n);
	if (f == VIEW_JSON)
		buf_add(b, "]\n", 2);
}

void view_call_line(struct buf *b, const struct alg *a, const struct call *k)
{
	char ph[VIEW_ADDR_MAX], fe[VIEW_ADDR_MAX];

	phone(k, ph);
	far_end(k, fe);
	buf_add(b, "call ", 5);
	buf_text(b, k->callid, k->callid_len, 0);
	buf_printf(b, " (%s) phone %s -> far end %s, ports ", call_state(k),
		   ph, fe);
	streams_text(b, k);
}

/* ---- registrations ----------------------------------------------------- */

struct reg_walk {
	struct buf *b;
	const struct alg *a;
	enum view_fmt f;
	uint64_t now;
	unsigned n;
};

static void reg_entry(void *ctx, const struct binding *x)
{
	struct reg_walk *w = ctx;
	char in[VIEW_ADDR_MAX], pub[VIEW_ADDR_MAX];
	unsigned i;

	if (x->kind != BIND_SIG || !x->sig)
		return;
	view_addr(x->family, &x->in_addr, x->in_port, in);
	view_addr(x->family, calls_pub_addr(w->a->calls, x), x->pub_port,
		  pub);
	for (i = 0; i < x->sig->n_reg; i++) {
		const char *aor = x->sig->reg[i].aor_uri;
		uint64_t left = until(w->now, x->sig->reg[i].until);

		if (w->f == VIEW_TEXT) {
			buf_text(w->b, aor, strlen(aor), 40);
			buf_printf(w->b, " %-21s %-21s %llus\n", in, pub,
				   (unsigned long long)left);
		} else {
			buf_printf(w->b, "%s{\"aor\":", w->n ? ",\n" : "\n");
			buf_json_str(w->b, aor, strlen(aor));
			buf_add(w->b, ",\"contact_text\":", 16);
			buf_json_str(w->b, x->sig->contact_hp,
				     strlen(x->sig->contact_hp));
			buf_printf(w->b, ",\"contact\":\"%s\",\"public\":\"%s\","
				   "\"expires_in_s\":%llu}", in, pub,
				   (unsigned long long)left);
		}
		w->n++;
	}
}

void view_registrations(struct buf *b, struct alg *a, enum view_fmt f)
{
	struct reg_walk w = { b, a, f, a->now(), 0 };

	if (f == VIEW_TEXT)
		buf_printf(b, "%-40s %-21s %-21s %s\n", "ADDRESS-OF-RECORD",
			   "CONTACT(phone)", "PUBLIC", "EXPIRES-IN");
	else
		buf_add(b, "[", 1);
	calls_each_binding(a->calls, reg_entry, &w);
	w.n = view6_registrations(b, a, f, w.now, w.n);
	if (f == VIEW_JSON)
		buf_add(b, "]\n", 2);
}

/* ---- bindings ---------------------------------------------------------- */

/* Which call holds a media binding: pairs sorted by binding. */
struct owner {
	const struct binding *b;
	const struct call *k;
};

struct owners {
	struct owner *v;
	size_t n, cap;
	bool failed;
};

static void owner_add(void *ctx, const struct call *k)
{
	struct owners *o = ctx;
	unsigned i;

	for (i = 0; i < k->n_bind; i++) {
		if (o->n == o->cap) {
			size_t cap = o->cap ? o->cap * 2 : 256;
			struct owner *v = realloc(o->v, cap * sizeof(*v));

			if (!v) {
				o->failed = true;
				return;
			}
			o->v = v;
			o->cap = cap;
		}
		o->v[o->n++] = (struct owner){ k->bind[i], k };
	}
}

static int owner_cmp(const void *x, const void *y)
{
	const struct binding *a = ((const struct owner *)x)->b;
	const struct binding *b = ((const struct owner *)y)->b;

	return a < b ? -1 : a > b;
}

static const struct call *owner_of(const struct owners *o,
				   const struct binding *b)
{
	struct owner key = { b, NULL }, *hit;

	hit = o->n ? bsearch(&key, o->v, o->n, sizeof(key), owner_cmp) : NULL;
	return hit ? hit->k : NULL;
}

struct bind_walk {
	struct buf *b;
	const struct alg *a;
	enum view_fmt f;
	uint64_t now;
	unsigned n;
	struct owners o;
};

/* The owner of binding x as text: the call (media), or the phone and
 * what keeps its signalling binding (registrations, calls). */
static void owner_text(struct bind_walk *w, const struct binding *x,
		       struct buf *t)
{
	const struct call *k;

	if (x->kind == BIND_SIG) {
		buf_printf(t, "phone (%u registration%s, %u call%s)",
			   x->sig ? x->sig->n_reg : 0,
			   x->sig && x->sig->n_reg == 1 ? "" : "s", x->users,
			   x->users == 1 ? "" : "s");
		return;
	}
	k = owner_of(&w->o, x);
	if (!k) {
		buf_add(t, "-", 1);
		return;
	}
	buf_add(t, "call ", 5);
	buf_text(t, k->callid, k->callid_len, 0);
}

static void bind_entry(void *ctx, const struct binding *x)
{
	struct bind_walk *w = ctx;
	char in[VIEW_ADDR_MAX], pub[VIEW_ADDR_MAX], left[24] = "-";
	const char *kind = x->kind == BIND_SIG ? "signalling" :
			   x->is_rtcp ? "rtcp" : "rtp";
	struct buf t = { 0 };

	/* kernel_until is kept for signalling bindings; media elements
	 * live as long as their call (their kernel timeout is only the
	 * backstop call_max_duration). */
	if (x->kernel_until)
		snprintf(left, sizeof(left), "%llu", (unsigned long long)
			 until(w->now, x->kernel_until));
	view_addr(x->family, &x->in_addr, x->in_port, in);
	view_addr(x->family, calls_pub_addr(w->a->calls, x), x->pub_port,
		  pub);
	owner_text(w, x, &t);
	if (w->f == VIEW_TEXT) {
		buf_printf(w->b, "%-10s %-21s %-21s %7s %s\n", kind, in, pub,
			   left, t.p ? t.p : "");
	} else {
		buf_printf(w->b, "%s{\"kind\":\"%s\",\"inside\":\"%s\","
			   "\"public\":\"%s\",\"kernel_timeout_s\":%s,"
			   "\"owner\":", w->n ? ",\n" : "\n", kind, in, pub,
			   x->kernel_until ? left : "null");
		buf_json_str(w->b, t.p ? t.p : "", t.len);
		buf_add(w->b, "}", 1);
	}
	buf_free(&t);
	w->n++;
}

/* An earlier run's element, unless a binding of ours holds its public
 * port now (then it is listed as ours). */
static void prior_entry(void *ctx, const struct nat_elem *e, uint64_t left)
{
	struct bind_walk *w = ctx;
	char in[VIEW_ADDR_MAX], pub[VIEW_ADDR_MAX];

	if (calls_binding_by_pub(w->a->calls, e->family, &e->pub_addr,
				 e->pub_port))
		return;
	view_addr(e->family, &e->in_addr, e->in_port, in);
	view_addr(e->family, &e->pub_addr, e->pub_port, pub);
	if (w->f == VIEW_TEXT)
		buf_printf(w->b, "%-10s %-21s %-21s %6llus %s\n", "kept", in,
			   pub, (unsigned long long)left,
			   "previous run (restart_grace)");
	else
		buf_printf(w->b, "%s{\"kind\":\"kept\",\"inside\":\"%s\","
			   "\"public\":\"%s\",\"kernel_timeout_s\":%llu,"
			   "\"owner\":\"previous run\"}", w->n ? ",\n" : "\n",
			   in, pub, (unsigned long long)left);
	w->n++;
}

void view_bindings(struct buf *b, struct alg *a, const struct prior *prior,
		   enum view_fmt f)
{
	struct bind_walk w = { b, a, f, a->now(), 0, { 0 } };

	calls_each_call(a->calls, owner_add, &w.o);
	if (w.o.n)
		qsort(w.o.v, w.o.n, sizeof(*w.o.v), owner_cmp);
	if (f == VIEW_TEXT)
		buf_printf(b, "%-10s %-21s %-21s %7s %s\n", "KIND", "INSIDE",
			   "PUBLIC", "TIMEOUT", "OWNER");
	else
		buf_add(b, "[", 1);
	calls_each_binding(a->calls, bind_entry, &w);
	w.n = view6_bindings(b, a, f, w.now, w.n);
	if (prior)
		prior_each(prior, prior_entry, &w);
	if (f == VIEW_JSON)
		buf_add(b, "]\n", 2);
	free(w.o.v);
}

/* ---- counters ---------------------------------------------------------- */

void view_hists(const struct alg *a, const struct meter *m,
		struct view_hist *out)
{
	static const struct {
		const char *name, *help;
	} what[4] = {
		{ "work", "read off the queue to the verdict handed over" },
		{ "bound", "read to the kernel's ack of the bindings" },
		{ "verdict", "the verdict call itself" },
		{ "after", "post-verdict kernel work" },
	};
	const struct meter_hist *mh[4] = { &m->work, &m->bound, &m->verdict,
					   &m->after };
	const struct alg_hist *live[4] = { &a->tm.work, &a->tm.bound,
					   &a->tm.verdict, &a->tm.after };
	unsigned i;

	for (i = 0; i < 4; i++) {
		out[i].name = what[i].name;
		out[i].help = what[i].help;
		meter_hist_total(mh[i], live[i], &out[i].h);
	}
}

/* One counter: "name value" or "\"name\":value". */
static void counter(struct buf *b, enum view_fmt f, const char *name,
		    uint64_t v)
{
	if (f == VIEW_TEXT)
		buf_printf(b, "%-32s %llu\n", name, (unsigned long long)v);
	else
		buf_printf(b, "\"%s\":%llu,", name, (unsigned long long)v);
}

unsigned view_registrations_count(struct alg *a)
{
	struct buf none = { .limit = 1 };
	struct reg_walk w = { &none, a, VIEW_JSON, a->now(), 0 };

	calls_each_binding(a->calls, reg_entry, &w);
	w.n = view6_registrations(&none, a, VIEW_JSON, w.now, w.n);
	buf_free(&none);
	return w.n;
}

static void stats_counters(struct buf *b, struct alg *a,
			   const struct meter *m, enum view_fmt f)
{
	struct calls_stats cs;
	char name[64];
	unsigned d, r;

	calls_stats(a->calls, &cs);
	counter(b, f, "packets", a->st.packets);
	counter(b, f, "rewritten", a->st.rewritten);
	counter(b, f, "unchanged", a->st.unchanged);
	counter(b, f, "passed_unchanged", a->st.passed);
	counter(b, f, "dropped", a->st.dropped);
	counter(b, f, "calls_ended", a->st.calls_ended);
	counter(b, f, "flows_deleted", a->st.flows_forgotten);
	counter(b, f, "kernel_later_refused", a->st.later_refused);
	for (d = 0; d < METER_NDIR; d++)
		for (r = 0; r < METER_NRES; r++) {
			snprintf(name, sizeof(name), "messages_%s_%s",
				 meter_dir_name[d], meter_result_name[r]);
			counter(b, f, name, m->msgs[d][r]);
		}
	counter(b, f, "calls", cs.calls);
	counter(b, f, "registrations", view_registrations_count(a));
	counter(b, f, "bindings_signalling", cs.sig_bindings);
	counter(b, f, "bindings_media", cs.media_bindings);
}

static void add_more(struct view_counter *out, unsigned *n,
		     const char *name, const char *help, bool gauge,
		     uint64_t v)
{
	if (*n < VIEW_MORE_MAX)
		out[(*n)++] = (struct view_counter){ name, help, gauge, v };
}

static void more_tcp(const struct alg *a, struct view_counter *out,
		     unsigned *n)
{
	struct stream_stats st = { 0 };

	/* The table is made at the first TCP packet: zeros until then. */
	if (a->streams)
		stream_stats(a->streams, &st);
	add_more(out, n, "tcp_connections", "SIP over TCP connections "
		 "followed now.", true, st.conns);
	add_more(out, n, "tcp_connections_opened", "TCP connections "
		 "followed.", false, st.opened);
	add_more(out, n, "tcp_connections_given_up", "TCP connections the "
		 "gateway stopped following (offsets only).", false,
		 st.gave_up);
	add_more(out, n, "tcp_connections_expired", "Idle TCP connections "
		 "forgotten.", false, st.expired);
	add_more(out, n, "tcp_messages", "SIP messages framed on TCP.", false,
		 st.messages);
	add_more(out, n, "tcp_messages_rewritten", "SIP messages on TCP "
		 "rewritten.", false, st.rewritten);
	add_more(out, n, "tcp_segments_held", "TCP segments held until "
		 "their message was whole.", false, st.held);
	add_more(out, n, "tcp_retransmissions", "TCP retransmissions "
		 "answered from released bytes.", false, st.retrans);
}

unsigned view_more(const struct alg *a, struct view_counter *out)
{
	unsigned n = 0;

	if (a->q) {
		uint64_t sends, verdicts;

		queue_sends(a->q, &sends, &verdicts);
		add_more(out, &n, "queue_verdicts", "Verdicts sent.", false,
			 verdicts);
		add_more(out, &n, "queue_datagrams", "Netlink datagrams the "
			 "verdicts went in.", false, sends);
		add_more(out, &n, "queue_passed_unseen", "Packets the kernel "
			 "passed without showing them because the daemon's "
			 "socket was full (fail-open; gaps in the packet "
			 "ids).  Passes of a full queue are counted nowhere.",
			 false, queue_skipped(a->q));
	}
	if (a->nat.counts) {
		uint64_t t, ad, del;

		a->nat.counts(a->nat.counts_ctx, &t, &ad, &del);
		add_more(out, &n, "nft_transactions", "nf_tables transactions "
			 "the bindings went in.", false, t);
		add_more(out, &n, "nft_elements_added", "Map elements added "
			 "(bindings installed or refreshed).", false, ad);
		add_more(out, &n, "nft_elements_removed", "Map elements "
			 "removed.", false, del);
	}
	if (a->ct) {
		add_more(out, &n, "conntrack_walks", "Full walks of the "
			 "conntrack table.", false, nat_ct_walks(a->ct));
		add_more(out, &n, "conntrack_flows", "Flows of ours known "
			 "from conntrack events now.", true,
			 nat_ct_flows(a->ct));
	}
	more_tcp(a, out, &n);
	return n;
}

/* A list of reasons with counts: "TITLE WHAT: N" lines or "KEY":{...};
 * with passed_of, a->reason's entries as the counts of those that passed
 * (none: left out). */
static void stats_reason_list(struct buf *b, const struct alg_reason *r,
			      unsigned n, const char *title,
			      const char *key, enum view_fmt f,
			      const struct alg *passed_of)
{
	unsigned i, k = 0;

	if (f == VIEW_JSON)
		buf_printf(b, "\"%s\":{", key);
	for (i = 0; i < n; i++) {
		const char *w = r[i].what;
		uint64_t c = passed_of ? alg_reason_passed(passed_of, &r[i])
				       : r[i].count;

		if (!c)
			continue;
		if (f == VIEW_TEXT) {
			buf_printf(b, "%s %s: %llu\n", title, w,
				   (unsigned long long)c);
			continue;
		}
		if (k++)
			buf_add(b, ",", 1);
		buf_json_str(b, w, strlen(w));
		buf_printf(b, ":%llu", (unsigned long long)c);
	}
	if (f == VIEW_JSON)
		buf_add(b, "},", 2);
}

static void stats_reasons(struct buf *b, const struct alg *a,
			  enum view_fmt f)
{
	struct view_counter more[VIEW_MORE_MAX];
	unsigned i, n = view_more(a, more);

	for (i = 0; i < n; i++)
		counter(b, f, more[i].name, more[i].v);
	stats_reason_list(b, a->reason, a->n_reason,
			  "passed unchanged because",
			  "passed_unchanged_by_reason", f, a);
	stats_reason_list(b, a->dropped_by, a->n_dropped_by,
			  "dropped because", "dropped_by_reason", f, NULL);
	stats_reason_list(b, a->policy, a->n_policy, "policy",
			  "policy_by_reason", f, NULL);
}

static void stats_hist(struct buf *b, const struct view_hist *v,
		       enum view_fmt f)
{
	const struct meter_hist *h = &v->h;
	unsigned i;

	if (f == VIEW_TEXT) {
		buf_printf(b, "latency %-8s (us, since start): n %llu p50 %llu "
			   "p90 %llu p99 %llu max %llu\n", v->name,
			   (unsigned long long)h->n,
			   (unsigned long long)meter_hist_q(h, 0.50),
			   (unsigned long long)meter_hist_q(h, 0.90),
			   (unsigned long long)meter_hist_q(h, 0.99),
			   (unsigned long long)h->max);
		return;
	}
	buf_printf(b, "\"%s\":{\"n\":%llu,\"p50_us\":%llu,\"p90_us\":%llu,"
		   "\"p99_us\":%llu,\"max_us\":%llu,\"le_us\":{", v->name,
		   (unsigned long long)h->n,
		   (unsigned long long)meter_hist_q(h, 0.50),
		   (unsigned long long)meter_hist_q(h, 0.90),
		   (unsigned long long)meter_hist_q(h, 0.99),
		   (unsigned long long)h->max);
	for (i = 0; i < VIEW_NBUCKET; i++)
		buf_printf(b, "\"%u\":%llu,", view_bucket_us[i],
			   (unsigned long long)meter_hist_le(
				   h, view_bucket_us[i]));
	buf_printf(b, "\"inf\":%llu}}", (unsigned long long)h->n);
}

void view_stats(struct buf *b, struct alg *a, const struct meter *m,
		enum view_fmt f)
{
	static struct view_hist v[4];	/* 80 KB each: not on the stack */
	unsigned i;

	view_hists(a, m, v);
	if (f == VIEW_JSON)
		buf_add(b, "{", 1);
	stats_counters(b, a, m, f);
	stats_reasons(b, a, f);
	if (f == VIEW_JSON)
		buf_add(b, "\"latency\":{", 11);
	for (i = 0; i < 4; i++) {
		if (f == VIEW_JSON && i)
			buf_add(b, ",", 1);
		stats_hist(b, &v[i], f);
	}
	if (f == VIEW_JSON)
		buf_add(b, "}}\n", 3);
}
