/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>

#include "alg.h"
#include "log.h"
#include "pkt.h"
#include "rw.h"

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
	if (a->conf->fail_closed) {
		alg_count_closed(a, why, host);
		return 2;
	}
	alg_count(a, why, host);
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

/* ---- dual stack: an IPv6 call's IPv4 streams ---- */

/* The reasons counted (policy: the message itself went on). */
static const char DUAL_UNPROVEN[] = "dual stack: IPv4 media of an IPv6 "
				    "message passed as written (the neighbour "
				    "table does not show the address is the "
				    "IPv6 phone's own)";

static bool dual_inside4(const struct alg *a, const union addr *v4)
{
	unsigned i;

	for (i = 0; i < a->n_inside; i++)
		if (addr_in_prefix(AF_INET, v4, a->inside[i].family,
				   &a->inside[i].addr, a->inside[i].len))
			return true;
	return false;
}

/* The first inside IPv4 address m's SDP sends media to (a stream's c=,
 * or the session's), into *out. */
static bool dual_sdp_addr(const struct alg *a, const struct sip_msg *m,
			  union addr *out)
{
	static struct sdp_msg s;
	struct span body;
	unsigned i;

	if (!rw_body_sdp(m, &body) ||
	    sdp_scan(&s, m->buf + body.off, body.len) != SDP_OK)
		return false;
	for (i = 0; i < s.n_media; i++) {
		const struct sdp_addr *c = sdp_media_conn(&s, i);

		memset(out, 0, sizeof(*out));
		if (c && c->family == SDP_AF_IP4 && c->is_literal &&
		    addr_parse4(m->buf + body.off + c->addr.off, c->addr.len,
				&out->v4) &&
		    dual_inside4(a, out))
			return true;
	}
	return false;
}

/* The inside IPv4 address of m's IPv4 call, when it has one (its phone:
 * what the quotas count it under). */
static bool dual_call_addr(const struct alg *a, const struct sip_msg *m,
			   union addr *out)
{
	int h = sip_hdr_find(m, SIP_HDR_CALL_ID, 0);
	const struct call *k;

	if (h < 0)
		return false;
	k = calls_find(a->calls, m->buf + m->hdr[h].value.off,
		       m->hdr[h].value.len);
	if (!k || !k->q_host_set || k->q_family != AF_INET)
		return false;
	*out = k->q_host;
	return true;
}

/* The IPv4 address of the message's inside phone whose streams m may
 * bind: the one its SDP names (outbound) or its call's.  false: none. */
static bool dual_phone4(const struct alg *a, const struct sip_msg *m,
			enum rw_dir dir, union addr *out)
{
	return (dir == RW_OUT && dual_sdp_addr(a, m, out)) ||
	       dual_call_addr(a, m, out);
}

static void dual_ctx(const struct alg *a, enum rw_dir dir,
		     const struct pkt_view *v, const union addr *phone4,
		     struct rw_ctx *x)
{
	memset(x, 0, sizeof(*x));
	x->conf = a->conf;
	x->calls = a->calls;
	x->now = a->now();
	x->dir = dir;
	x->family = AF_INET;
	if (dir == RW_OUT)
		x->src = *phone4;	/* the far end's IPv4: unknown, zero */
	else
		x->dst = *phone4;
	x->sport = v->sport;
	x->dport = v->dport;
	x->pub = *calls_pick_public(a->calls, AF_INET, phone4);
	x->inside = a->inside;
	x->n_inside = a->n_inside;
	x->own = a->own;
	x->n_own = a->n_own;
	x->media_only = true;
}

int alg6_dual(struct alg *a, const struct pkt_view *v, enum rw_dir dir,
	      const struct sip_msg *m, const uint8_t *data, uint32_t len,
	      uint32_t *out_len)
{
	const union addr *phone6 = dir == RW_OUT ? &v->src : &v->dst;
	struct rw_result *r = &a->rw;
	char host[INET6_ADDRSTRLEN + 8];
	union addr phone4;
	struct rw_ctx x;
	unsigned i;
	int verdict;

	if (!a->pin6 || a->no_v4 || !dual_phone4(a, m, dir, &phone4))
		return 0;	/* no IPv4 stream of an inside phone */
	snprintf(host, sizeof(host), "host ");
	addr_text(AF_INET6, phone6, host + 5, sizeof(host) - 5);
	/* Only the phone's own IPv4 address: one link-layer address for
	 * both (another inside host naming its neighbour's address would
	 * open a path to that neighbour). */
	if (!a->neigh ||
	    !neigh_same_host(a->neigh, a->in_ifindex, phone6, &phone4)) {
		alg_policy(a, DUAL_UNPROVEN, host);
		return 0;
	}
	dual_ctx(a, dir, v, &phone4, &x);
	if (rewrite_plan(&x, m, r) < 0) {
		for (i = 0; i < r->n_note; i++)
			alg_policy(a, r->note[i], host);
		alg_count(a, r->limit ? r->limit : r->skip, host);
		return 0;	/* the IPv6 message goes on as it is */
	}
	for (i = 0; i < r->n_note; i++)
		alg_policy(a, r->note[i], host);
	verdict = alg_commit(a, &x, v, data, len, out_len);
	/* alg6_process counted the message already: once, as this. */
	if (a->st.unchanged)
		a->st.unchanged--;
	return verdict;
}
