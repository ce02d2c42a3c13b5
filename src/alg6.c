/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>

#include "alg.h"
#include "log.h"
#include "pkt.h"

/* The IPv6 share of the per-packet work: no NAT, so no rewriting; the
 * message only opens and closes pinholes (pin6.c).  Same order as IPv4:
 * plan, kernel, then commit, then the verdict. */

/* "host ADDR": the message's inside party, for the log line. */
static const char *alg6_host(const struct pin6_msg *pm, char *out, size_t n)
{
	size_t k = (size_t)snprintf(out, n, "host ");

	addr_text(AF_INET6, pm->outbound ? &pm->src : &pm->dst, out + k,
		  n - k);
	return out;
}

static int alg6_pass(struct alg *a, const char *why, const char *host)
{
	alg_count(a, why, host);
	if (a->conf->fail_closed) {
		a->st.dropped++;
		return 2;
	}
	a->st.passed++;
	return 0;
}

int alg6_process(struct alg *a, const struct pkt_view *v, enum rw_dir dir,
		 const struct sip_msg *m)
{
	static struct nat_plan plan;
	static struct pin6_intent in;
	struct pin6_msg pm = {
		.m = m,
		.outbound = dir == RW_OUT,
		.src = v->src,
		.dst = v->dst,
		.sport = v->sport,
		.dport = v->dport,
		.tcp = v->proto == IPPROTO_TCP,
		.now = a->now(),
	};
	const char *why = NULL;
	char host[INET6_ADDRSTRLEN + 8];
	unsigned n_gone = 0;

	if (!a->pin6)
		return alg6_pass(a, "IPv6 (ipv6 = no)", NULL);
	nat_plan_init(&plan);
	if (pin6_plan(a->pin6, &pm, &plan, a->gone6, PIN6_CALL_PINS * 2,
		      &n_gone, &in, &why) < 0) {
		alg6_host(&pm, host, sizeof(host));
		if (!in.drop)
			return alg6_pass(a, why, host);
		alg_count_drop(a, why, host);
		return 2;
	}
	if ((plan.n_add || plan.n_del) && a->nat.apply(a->nat.ctx, &plan) < 0)
		return alg6_pass(a, "kernel refused IPv6 pinholes", NULL);
	pin6_commit(a->pin6, &in);
	if (in.note)
		alg_policy(a, in.note, alg6_host(&pm, host, sizeof(host)));
	if (in.ended)
		a->st.calls_ended++;
	a->n_gone6 = n_gone;
	a->st.unchanged++;
	return 0;
}

void alg6_after_verdict(struct alg *a)
{
	if (a->n_gone6 && a->forget6) {
		int k = a->forget6(a->forget6_ctx, a->gone6, a->n_gone6);

		if (k > 0)
			a->st.flows_forgotten += (uint64_t)k;
	}
	a->n_gone6 = 0;
}

void alg6_tick(struct alg *a)
{
	static struct nat_plan plan;
	unsigned ended;

	if (!a->pin6)
		return;
	nat_plan_init(&plan);
	a->n_gone6 = 0;
	ended = pin6_sweep(a->pin6, a->now(), &plan, a->gone6,
			   PIN6_CALL_PINS * 2, &a->n_gone6);
	if ((plan.n_add || plan.n_del) && a->nat.apply(a->nat.ctx, &plan) < 0)
		log_warnx("expiry: kernel refused removing %u IPv6 pinholes",
			  plan.n_del);
	if (ended)
		log_info("IPv6: %u call(s) or registration(s) expired", ended);
	a->st.calls_ended += ended;
	alg6_after_verdict(a);
}

int alg6_end_call(struct alg *a, const char *id, uint32_t len)
{
	static struct nat_plan plan;
	int slot;

	if (!a->pin6)
		return -1;
	if (a->after_pending)
		alg_after_verdict(a);
	nat_plan_init(&plan);
	a->n_gone6 = 0;
	slot = pin6_end_plan(a->pin6, id, len, &plan, a->gone6,
			     PIN6_CALL_PINS * 2, &a->n_gone6);
	if (slot < 0)
		return -1;
	if (plan.n_del && a->nat.apply(a->nat.ctx, &plan) < 0) {
		log_warnx("end call: kernel refused removing %u IPv6 "
			  "pinholes; the call stays", plan.n_del);
		a->n_gone6 = 0;
		return -1;
	}
	pin6_end_commit(a->pin6, slot);
	a->st.calls_ended++;
	alg6_after_verdict(a);	/* its flows go too */
	return 0;
}
