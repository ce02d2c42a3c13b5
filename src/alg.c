/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "alg.h"
#include "log.h"
#include "nat_ct.h"
#include "pkt.h"

enum { V_ACCEPT = 0, V_MANGLED = 1, V_DROP = 2 };

static struct alg_reason *reason_slot(struct alg_reason *v, unsigned *n,
				      const char *what)
{
	unsigned i;

	for (i = 0; i < *n; i++)
		if (v[i].what == what || strcmp(v[i].what, what) == 0)
			return &v[i];
	if (*n == ALG_MAX_REASONS)
		return &v[ALG_MAX_REASONS - 1];
	v[*n].what = what;
	return &v[(*n)++];
}

static void count_reason(struct alg *a, struct alg_reason *r,
			 const char *prefix, const char *what,
			 const char *detail)
{
	uint64_t now = a->now();

	r->count++;
	if (r->logged_at && now < r->logged_at + a->conf->log_interval) {
		r->suppressed++;
		return;
	}
	log_warnx("%s%s%s%s (%llu so far%s)", prefix, what,
		  detail ? ": " : "", detail ? detail : "",
		  (unsigned long long)r->count,
		  r->suppressed ? ", repeats suppressed" : "");
	r->logged_at = now;
	r->suppressed = 0;
}

void alg_count(struct alg *a, const char *what, const char *detail)
{
	count_reason(a, reason_slot(a->reason, &a->n_reason, what),
		     "passed unchanged: ", what, detail);
}

void alg_dropped(struct alg *a, const char *what)
{
	reason_slot(a->dropped_by, &a->n_dropped_by, what)->count++;
	a->st.dropped++;
}

void alg_count_drop(struct alg *a, const char *what, const char *detail)
{
	count_reason(a, reason_slot(a->reason, &a->n_reason, what), "", what,
		     detail);
	alg_dropped(a, what);
}

void alg_count_closed(struct alg *a, const char *what, const char *detail)
{
	count_reason(a, reason_slot(a->reason, &a->n_reason, what),
		     "dropped (fail_closed): ", what, detail);
	alg_dropped(a, what);
}

uint64_t alg_reason_passed(const struct alg *a, const struct alg_reason *r)
{
	unsigned i;

	for (i = 0; i < a->n_dropped_by; i++)
		if (strcmp(a->dropped_by[i].what, r->what) == 0)
			/* Both tables full, their last slots may differ. */
			return r->count > a->dropped_by[i].count ?
			       r->count - a->dropped_by[i].count : 0;
	return r->count;
}

void alg_policy(struct alg *a, const char *what, const char *host)
{
	count_reason(a, reason_slot(a->policy, &a->n_policy, what),
		     "policy: ", what, host);
}

/* "host 10.0.0.10" for the packet's inside party ("source 198.51.100.9"
 * for the outside source of an inbound INVITE over its quota, and of an
 * inbound request the policy drops). */
static const char *inside_host(const struct rw_ctx *x, const char *limit,
			       char *out)
{
	bool src = x->dir == RW_IN &&
		   !strcmp(limit, "max_inbound_setups_per_source");
	size_t n;

	strcpy(out, src ? "source " : "host ");
	n = strlen(out);
	rewrite_addr_text(x->family, x->dir == RW_OUT || src ? &x->src
							    : &x->dst,
			  out + n, INET6_ADDRSTRLEN);
	return out;
}

/* The policy's notes on this message, naming its inside host. */
static void count_notes(struct alg *a, const struct rw_ctx *x,
			const struct rw_result *r)
{
	char host[INET6_ADDRSTRLEN + 16];
	unsigned i;

	if (!r->n_note)
		return;
	rewrite_addr_text(x->family, x->dir == RW_OUT ? &x->src : &x->dst,
			  host, sizeof(host));
	for (i = 0; i < r->n_note; i++)
		alg_policy(a, r->note[i], host);
}

static const char *scan_reason(enum sip_scan_result rc)
{
	switch (rc) {
	case SIP_NOT_SIP:
		return "not SIP";
	case SIP_MALFORMED:
		return "malformed SIP";
	case SIP_TRUNCATED:
		return "truncated SIP";
	case SIP_TOO_MANY_HEADERS:
		return "too many SIP headers";
	default:
		return "SIP scan failed";
	}
}

/* Which way the packet crosses the gateway, from the interface it leaves
 * on (queued in POSTROUTING, so the output device is final). */
static int classify(const struct alg *a, uint32_t outdev, enum rw_dir *dir)
{
	if (outdev == a->out_ifindex) {
		*dir = RW_OUT;
		return 0;
	}
	if (outdev == a->in_ifindex) {
		*dir = RW_IN;
		return 0;
	}
	return -1;
}

static void ctx_fill(const struct alg *a, const struct pkt_view *v,
		     enum rw_dir dir, struct rw_ctx *x)
{
	const struct binding *b;

	x->conf = a->conf;
	x->calls = a->calls;
	x->now = a->now();
	x->dir = dir;
	x->family = v->family;
	x->src = v->src;
	x->dst = v->dst;
	x->sport = v->sport;
	x->dport = v->dport;
	/* The public address of the packet's inside host (one of several
	 * with public_pool); bindings made now get it.  An inside socket
	 * that has its binding keeps that binding's address (it may have
	 * adopted the kernel's mapping on another of ours, host_maps). */
	x->pub = *calls_pick_public(a->calls, v->family,
				    dir == RW_OUT ? &v->src : &v->dst);
	b = calls_binding_find(a->calls, v->family,
			       dir == RW_OUT ? &v->src : &v->dst,
			       dir == RW_OUT ? v->sport : v->dport);
	if (b && b->kind == BIND_SIG)
		x->pub = *calls_use_public(a->calls, v->family,
					   calls_pub_addr(a->calls, b));
	x->inside = a->inside;
	x->n_inside = a->n_inside;
	x->own = a->own;
	x->n_own = a->n_own;
	x->maps = NULL;
	x->n_maps = 0;
	x->media_only = false;
}

/* A STUN message (RFC 5389 6: the first two bits zero, the magic cookie
 * at offset 4) on a SIP port: a SIP outbound flow's keep-alive (RFC 5626
 * 4.4.2) or a NAT-aware phone asking its mapping.  Not SIP, not bad
 * input: it passes as it is, like a CRLF keep-alive. */
static bool is_stun(const uint8_t *p, uint32_t n)
{
	return n >= 20 && (p[0] & 0xc0) == 0 && p[4] == 0x21 &&
	       p[5] == 0x12 && p[6] == 0xa4 && p[7] == 0x42;
}

/* Does the body name public address pub (a NAT-aware phone's SDP)? */
static bool body_names(const struct sip_msg *m, int family,
		       const union addr *pub)
{
	char txt[INET6_ADDRSTRLEN];

	rewrite_addr_text(family, pub, txt, sizeof(txt));
	return m->body.len && txt[0] &&
	       memmem(m->buf + m->body.off, m->body.len, txt, strlen(txt));
}

/* The kernel masquerades the sending socket to another of our public
 * addresses than the one picked for its host (public_pool: the
 * masquerading takes the interface's address): the socket keeps that
 * address, so what its STUN server saw is what every host sees. */
static void own_public(struct alg *a, struct rw_ctx *x)
{
	const union addr *pub;
	unsigned i;

	for (i = 0; i < x->n_maps; i++) {
		if (x->maps[i].in_port != x->sport ||
		    addr_eq(x->family, &x->maps[i].pub_addr, &x->pub))
			continue;
		pub = calls_use_public(a->calls, x->family,
				       &x->maps[i].pub_addr);
		if (pub)
			x->pub = *pub;
		return;
	}
}

/* Ask the kernel how it already maps the sending inside host's sockets
 * when the plan may need it: the source socket has no binding yet (a new
 * one adopts the mapping, RFC 4787 REQ-1: a STUN request made it), or
 * the SDP names the public address (a NAT-aware phone's media, bound on
 * the ports it learned).  One filtered conntrack dump (a walk of the
 * kernel's whole table); other messages pay nothing, nor does a host
 * that may not have another signalling binding (its message passes as
 * it is: a flood from fresh ports costs no walks). */
static void host_maps(struct alg *a, const struct sip_msg *m,
		      struct rw_ctx *x)
{
	int n;

	x->maps = a->maps;
	x->n_maps = 0;
	if (!a->nat.host_maps ||
	    (x->dir != RW_OUT && !rewrite_from_inside(x)))
		return;
	if (calls_binding_find(a->calls, x->family, &x->src, x->sport)
		    ? !body_names(m, x->family, &x->pub)
		    : !calls_sig_room(a->calls, x->family, &x->src))
		return;
	n = a->nat.host_maps(a->nat.forget_ctx, x->family, &x->src, a->maps,
			     ALG_MAPS);
	if (n > 0)
		x->n_maps = (unsigned)n;
	own_public(a, x);
}

/* Count flows a backend reports deleted (k < 0: it failed; nothing). */
static void forgotten(struct alg *a, int k)
{
	if (k > 0)
		a->st.flows_forgotten += (uint64_t)k;
}

static void sweep_pending(struct alg *a)
{
	if (a->n_pending && a->nat.sweep)
		forgotten(a, a->nat.sweep(a->nat.forget_ctx, a->pending,
					  a->n_pending));
	a->n_pending = 0;	/* without a sweep (tests) nothing to keep */
}

/* Media bindings just removed: their flows to the known far end go now,
 * by tuple; any other flow of theirs goes at the next tick's sweep. */
static void forget_flows(struct alg *a, const struct nat_elem *e, unsigned n)
{
	unsigned i;

	if (!n)
		return;
	if (a->nat.forget)
		forgotten(a, a->nat.forget(a->nat.forget_ctx, e, n));
	for (i = 0; i < n; i++)
		if (!e[i].peer_port)
			a->sweep_soon = true;	/* no tuple to delete by */
	if (a->n_pending + n > ALG_PENDING)
		sweep_pending(a);
	if (n > ALG_PENDING)
		n = ALG_PENDING;
	memcpy(a->pending + a->n_pending, e, n * sizeof(*e));
	a->n_pending += n;
}

static int pass(struct alg *a, const char *why, const char *detail)
{
	if (a->conf->fail_closed) {
		alg_count_closed(a, why, detail);
		return V_DROP;
	}
	alg_count(a, why, detail);
	a->st.passed++;
	return V_ACCEPT;
}

static void hist_add(struct alg_hist *h, uint64_t us);

static uint64_t usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static bool same_key(const struct nat_elem *x, const struct nat_elem *y,
		     bool pub)
{
	size_t n = x->family == AF_INET6 ? 16 : 4;

	if (x->family != y->family || x->proto != y->proto)
		return false;
	if (pub)
		return x->pub_port == y->pub_port &&
		       !memcmp(&x->pub_addr, &y->pub_addr, n);
	return x->in_port == y->in_port && !memcmp(&x->in_addr, &y->in_addr, n);
}

/* The same admitted sources (media_from): a removal and an add that
 * differ in them re-target the filter, which the verdict needs. */
static bool same_from(const struct nat_elem *x, const struct nat_elem *y)
{
	return x->filter == y->filter && x->n_from == y->n_from &&
	       !memcmp(x->from, y->from, sizeof(x->from));
}

/*
 * Split p: what the verdict needs stays in p - new elements, and any
 * removal sharing a key with one (a re-target, also of the admitted
 * sources, stays one atomic batch).
 * The rest moves to later: removals, and refreshes (a removal and an add of
 * the same element, only its timeout longer) of elements the kernel has.
 */
static void plan_split(struct nat_plan *p, struct nat_plan *later,
		       bool in_place)
{
	bool keep_del[NAT_PLAN_MAX] = { false };
	bool refresh_del[NAT_PLAN_MAX] = { false };
	int pair[NAT_PLAN_MAX];
	unsigned i, j, na = 0, nd = 0;

	nat_plan_init(later);
	for (i = 0; i < p->n_add; i++) {
		bool clash = false;

		pair[i] = -1;
		for (j = 0; j < p->n_del; j++) {
			bool sp = same_key(&p->add[i], &p->del[j], true);
			bool si = same_key(&p->add[i], &p->del[j], false);

			if (sp && si && pair[i] < 0 &&
			    same_from(&p->add[i], &p->del[j]))
				pair[i] = (int)j;
			else if (sp || si)
				clash = true;
		}
		if (!clash)
			continue;
		pair[i] = -1;
		for (j = 0; j < p->n_del; j++)
			if (same_key(&p->add[i], &p->del[j], true) ||
			    same_key(&p->add[i], &p->del[j], false))
				keep_del[j] = true;
	}
	for (i = 0; i < p->n_add; i++) {
		if (pair[i] >= 0 && !keep_del[pair[i]]) {
			later->add[later->n_add++] = p->add[i];
			refresh_del[pair[i]] = in_place;
		} else {
			p->add[na++] = p->add[i];
		}
	}
	for (j = 0; j < p->n_del; j++) {
		if (keep_del[j])
			p->del[nd++] = p->del[j];
		else if (!refresh_del[j])	/* the add alone refreshes */
			later->del[later->n_del++] = p->del[j];
	}
	p->n_add = na;
	p->n_del = nd;
}

static bool elems_clash(const struct nat_elem *x, unsigned nx,
			const struct nat_elem *y, unsigned ny)
{
	unsigned i, j;

	for (i = 0; i < nx; i++)
		for (j = 0; j < ny; j++)
			if (same_key(&x[i], &y[j], true) ||
			    same_key(&x[i], &y[j], false))
				return true;
	return false;
}

/* Whether plan p touches an element the batch's collected work does. */
static bool plans_clash(const struct nat_plan *p, const struct nat_plan *b)
{
	if (!b->n_add && !b->n_del)
		return false;
	return elems_clash(p->add, p->n_add, b->add, b->n_add) ||
	       elems_clash(p->add, p->n_add, b->del, b->n_del) ||
	       elems_clash(p->del, p->n_del, b->add, b->n_add) ||
	       elems_clash(p->del, p->n_del, b->del, b->n_del);
}

/* Kernel work no verdict waits for: removals and refreshes (one
 * transaction), then the flows of ended bindings and stale flows. */
static void post_work(struct alg *a, struct nat_plan *p,
		      const struct nat_elem *gone, unsigned n_gone,
		      const struct nat_flow *stale, unsigned n_stale)
{
	if ((p->n_add || p->n_del) && a->nat.apply(a->nat.ctx, p) < 0) {
		a->st.later_refused++;
		log_warnx("kernel refused removing %u / refreshing %u bindings "
			  "(they expire by their timeout)", p->n_del, p->n_add);
	}
	nat_plan_init(p);
	forget_flows(a, gone, n_gone);
	if (n_stale && a->nat.unstale)
		forgotten(a, a->nat.unstale(a->nat.forget_ctx, stale,
					    n_stale));
}

/* The batch's collected post-verdict work, now. */
static void batch_run(struct alg *a)
{
	post_work(a, &a->b_later, a->b_gone, a->n_b_gone, a->b_stale,
		  a->n_b_stale);
	a->n_b_gone = 0;
	a->n_b_stale = 0;
}

/* Would the message's post-verdict work fit the batch's collection? */
static bool batch_room(const struct alg *a)
{
	const struct rw_result *r = &a->rw;

	return a->b_later.n_add + a->later.n_add <= NAT_PLAN_MAX &&
	       a->b_later.n_del + a->later.n_del <= NAT_PLAN_MAX &&
	       a->n_b_gone + r->n_gone <= ALG_BATCH_GONE &&
	       a->n_b_stale + r->n_stale <= ALG_BATCH_STALE;
}

/* Drop collected refreshes of an element now removed: in one transaction
 * removals go first, and the refresh would bring it back. */
static void batch_unrefresh(struct nat_plan *b, const struct nat_elem *e)
{
	unsigned i, k = 0;

	for (i = 0; i < b->n_add; i++)
		if (!(same_key(&b->add[i], e, true) &&
		      same_key(&b->add[i], e, false)))
			b->add[k++] = b->add[i];
	b->n_add = k;
}

/* Move the message's post-verdict work into the batch's collection (its
 * verdict is collected too; both go out at the batch's end). */
static void batch_defer(struct alg *a)
{
	struct rw_result *r = &a->rw;
	struct nat_plan *b = &a->b_later;
	unsigned i;

	if (!batch_room(a) ||
	    elems_clash(a->later.add, a->later.n_add, b->del, b->n_del)) {
		queue_flush(a->q);	/* their verdicts first */
		batch_run(a);
	}
	for (i = 0; i < a->later.n_del; i++) {
		batch_unrefresh(b, &a->later.del[i]);
		b->del[b->n_del++] = a->later.del[i];
	}
	for (i = 0; i < a->later.n_add; i++)
		b->add[b->n_add++] = a->later.add[i];
	nat_plan_init(&a->later);
	memcpy(a->b_gone + a->n_b_gone, r->gone, r->n_gone * sizeof(*r->gone));
	a->n_b_gone += r->n_gone;
	r->n_gone = 0;
	memcpy(a->b_stale + a->n_b_stale, r->stale,
	       r->n_stale * sizeof(*r->stale));
	a->n_b_stale += r->n_stale;
	r->n_stale = 0;
	/* An IPv6 message's ended pinholes: their flows now (the list is
	 * the message's own; before, a batch dropped it unsent). */
	alg6_after_verdict(a);
	a->after_pending = false;
}

void alg_batch_end(struct alg *a)
{
	uint64_t t0 = usec();

	if (!a->b_later.n_add && !a->b_later.n_del && !a->n_b_gone &&
	    !a->n_b_stale)
		return;
	batch_run(a);
	hist_add(&a->tm.after, usec() - t0);
}

/* The flows a phone started through plain masquerading before the new
 * bindings existed (media sent while its answer waited in the queue),
 * deleted now that the bindings are in the kernel and before the verdict
 * lets the far end send to the advertised ports: the far end's first
 * packet through a binding would otherwise clash with the masqueraded
 * flow's tuple, and the kernel keeps the clash for the rest of the call.
 * The phone's next packet makes a new flow through its binding. */
static void unstale_now(struct alg *a, struct rw_result *r)
{
	if (r->n_stale && a->nat.unstale)
		forgotten(a, a->nat.unstale(a->nat.forget_ctx, r->stale,
					    r->n_stale));
	r->n_stale = 0;
}

/* Bytes, then kernel, then state: the edited packet is built first (an
 * edit that cannot be applied changes nothing), the kernel takes the
 * bindings before the verdict (a message never names a port whose
 * binding does not exist), and only then does the plan's call state
 * count (rewrite_commit); a refusal at any step rolls it all back.
 * data NULL (a message from a TCP stream): the new message itself,
 * a->out_payload[0..*out_len), is the result. */
int alg_commit(struct alg *a, const struct rw_ctx *x,
	       const struct pkt_view *v, const uint8_t *data, uint32_t len,
	       uint32_t *out_len)
{
	struct rw_result *r = &a->rw;
	long n = 0;

	if (r->edits.n) {
		n = edits_apply(&r->edits, (const char *)v->payload,
				v->payload_len, a->out_payload,
				sizeof(a->out_payload));
		if (n >= 0 && data)
			n = pkt_replace_payload(data, len, a->out_payload,
						(uint32_t)n, a->out_pkt,
						sizeof(a->out_pkt));
		if (n < 0) {
			rewrite_rollback(x, r);
			return pass(a, "edit could not be applied", NULL);
		}
	}
	plan_split(&r->plan, &a->later, a->nat.refresh_in_place);
	if (r->plan.n_add || r->plan.n_del) {
		/* An element this batch removes or refreshes later, named
		 * again now (a freed port handed out anew): that work first,
		 * in order. */
		if (plans_clash(&r->plan, &a->b_later))
			batch_run(a);
		if (a->nat.apply(a->nat.ctx, &r->plan) < 0) {
			nat_plan_init(&a->later);
			rewrite_rollback(x, r);
			return pass(a, "kernel refused bindings", NULL);
		}
		a->bound_at = usec();
	}
	unstale_now(a, r);
	if (r->end)
		a->st.calls_ended++;
	rewrite_commit(x, r);
	if (!r->edits.n) {
		a->st.unchanged++;
		return V_ACCEPT;
	}
	*out_len = (uint32_t)n;
	a->st.rewritten++;
	return V_MANGLED;
}

int alg_process(struct alg *a, const uint8_t *data, uint32_t len,
		uint32_t indev, uint32_t outdev, uint32_t *out_len)
{
	enum rw_dir dir;

	if (classify(a, outdev, &dir) < 0) {
		a->st.packets++;
		return pass(a, "packet on an unknown interface", NULL);
	}
	return alg_process_dir(a, data, len, dir, out_len);
}

/* Scan, plan and commit the message in v (in the packet data[0..len),
 * or data NULL: a message of a TCP stream, on connection conn). */
static int message(struct alg *a, const struct pkt_view *v, enum rw_dir dir,
		   struct stream_sig *conn, const uint8_t *data, uint32_t len,
		   uint32_t *out_len)
{
	char host[INET6_ADDRSTRLEN + 8];
	struct rw_result *r = &a->rw;
	enum sip_scan_result sr;
	struct sip_msg *m = &a->msg;
	struct rw_ctx x;
	int verdict;

	a->bound_at = 0;
	r->n_gone = 0;
	r->n_stale = 0;
	sr = sip_scan(m, (const char *)v->payload, v->payload_len);
	if (sr != SIP_OK)
		return pass(a, scan_reason(sr), NULL);
	if (v->family == AF_INET6) {
		/* No NAT: pinholes only (over TCP too: nothing is
		 * rewritten, the stream's bytes pass as they are). */
		verdict = alg6_process(a, v, dir, m);
		if (verdict == V_ACCEPT)	/* its IPv4 streams */
			verdict = alg6_dual(a, v, dir, m, data, len, out_len);
		a->after_pending = a->n_gone6 > 0 || a->later.n_add ||
				   a->later.n_del || r->n_gone || r->n_stale;
		return verdict;
	}
	if (a->no_v4)
		return pass(a, "no IPv4 public address", NULL);
	ctx_fill(a, v, dir, &x);
	x.conn = conn;
	if (!conn)	/* the mappings looked up are UDP ones */
		host_maps(a, m, &x);
	if (rewrite_plan(&x, m, r) < 0) {
		count_notes(a, &x, r);
		if (r->drop) {	/* the policy's, not fail_closed's */
			alg_count_drop(a, r->drop,
				       inside_host(&x, "max_inbound_setups_per_source",
						   host));
			return V_DROP;
		}
		if (r->limit)	/* by limit, naming the host that hit it */
			return pass(a, r->limit, inside_host(&x, r->limit,
							     host));
		return pass(a, r->skip, NULL);
	}
	count_notes(a, &x, r);
	verdict = alg_commit(a, &x, v, data, len, out_len);
	a->after_pending = a->later.n_add || a->later.n_del || r->n_gone ||
			   r->n_stale;
	return verdict;
}

int alg_message(struct alg *a, const struct pkt_view *v, enum rw_dir dir,
		struct stream_sig *conn, uint32_t *n)
{
	if (a->after_pending)
		alg_after_verdict(a);
	return message(a, v, dir, conn, NULL, 0, n);
}

int alg_process_dir(struct alg *a, const uint8_t *data, uint32_t len,
		    enum rw_dir dir, uint32_t *out_len)
{
	struct pkt_view v;
	const char *bad;

	if (a->after_pending)
		alg_after_verdict(a);
	a->st.packets++;
	bad = pkt_parse(data, len, &v);
	if (bad)
		return pass(a, bad, NULL);
	if (v.payload_len == 0 || (v.payload_len <= 4 &&
				   (v.payload[0] == '\r' || v.payload[0] == '\n' ||
				    v.payload[0] == 0)) ||
	    is_stun(v.payload, v.payload_len)) {
		a->st.unchanged++;	/* keep-alive (RFC 5626 3.5.1) */
		return V_ACCEPT;
	}
	return message(a, &v, dir, NULL, data, len, out_len);
}

void alg_after_verdict(struct alg *a)
{
	struct rw_result *r = &a->rw;

	if (!a->after_pending)
		return;
	a->after_pending = false;
	alg6_after_verdict(a);
	post_work(a, &a->later, r->gone, r->n_gone, r->stale, r->n_stale);
	r->n_gone = 0;
	r->n_stale = 0;
}

static void hist_add(struct alg_hist *h, uint64_t us)
{
	h->n++;
	if (us > h->max)
		h->max = us;
	if (us < ALG_HIST_US)
		h->us[us]++;
	else
		h->over++;
}

/* A TCP segment (IPv4, or IPv6 whose next header is TCP: the stream
 * module passes one with extension headers, counted). */
static bool is_tcp(const uint8_t *d, uint32_t len)
{
	if (len >= 20 && d[0] >> 4 == 4)
		return d[9] == IPPROTO_TCP;
	return len >= 40 && d[0] >> 4 == 6 && d[6] == IPPROTO_TCP;
}

void alg_packet(struct alg *a, struct queue *q, const struct queue_pkt *p)
{
	enum rw_dir dir;
	uint32_t n = 0;
	uint64_t t0 = usec(), t1, t2;
	int v;

	a->q = q;
	if (is_tcp(p->data, p->len) && classify(a, p->outdev, &dir) == 0) {
		alg_tcp_packet(a, p->id, p->data, p->len, dir);
		hist_add(&a->tm.work, usec() - t0);
		return;		/* verdicts through the stream module */
	}
	v = alg_process(a, p->data, p->len, p->indev, p->outdev, &n);
	t1 = usec();
	hist_add(&a->tm.work, t1 - t0);
	if (a->bound_at)
		hist_add(&a->tm.bound, a->bound_at - t0);
	queue_verdict(q, p->id, v == V_MANGLED ? a->out_pkt : NULL, n,
		      v == V_DROP);
	t2 = usec();
	hist_add(&a->tm.verdict, t2 - t1);
	if (!a->after_pending)
		return;
	if (queue_batching(q)) {
		batch_defer(a);		/* alg_batch_end does it */
		return;
	}
	alg_after_verdict(a);
	hist_add(&a->tm.after, usec() - t2);
}

static void touch_cb(void *ctx, const union addr *ad, uint16_t port,
		     uint32_t idle)
{
	struct alg *a = ctx;
	uint64_t now = a->now();

	calls_media_touch(a->calls, AF_INET, ad, port,
			  idle < now ? now - idle : 0);
}

void alg_tick(struct alg *a, bool scan_media, void *ct)
{
	static struct nat_plan plan;
	struct nat_elem gone[256];
	unsigned n_gone, ended;

	if (scan_media && ct)
		nat_ct_each_inside(ct, touch_cb, a);
	nat_plan_init(&plan);
	ended = calls_sweep(a->calls, a->now(), &plan, gone, 256, &n_gone);
	if ((plan.n_add || plan.n_del) && a->nat.apply(a->nat.ctx, &plan) < 0)
		log_warnx("expiry: kernel refused removing %u bindings",
			  plan.n_del);
	a->st.calls_ended += ended;
	if (ended)
		log_info("expired %u call(s)", ended);
	forget_flows(a, gone, n_gone);
	alg6_tick(a);
	/* The sweep walks the whole conntrack table (every bucket, under
	 * its lock): at the next tick for bindings whose far end was never
	 * known (no flow to delete by tuple), else with the media scan - the
	 * flows to the far end the SDP named went at once by tuple, this
	 * only catches media from elsewhere. */
	if (a->streams)
		stream_tick(a->streams, a->now());
	if (scan_media || a->sweep_soon || a->n_pending > ALG_PENDING / 2) {
		sweep_pending(a);
		a->sweep_soon = false;
	}
}

/* Smallest value with at least q of the samples at or below it. */
static uint64_t hist_q(const struct alg_hist *h, double q)
{
	uint64_t want = (uint64_t)(q * (double)h->n + 0.999999), seen = 0;
	unsigned i;

	if (!want)
		want = 1;
	for (i = 0; i < ALG_HIST_US; i++) {
		seen += h->us[i];
		if (seen >= want)
			return i;
	}
	return h->max;
}

static void hist_log(struct alg_hist *h, const char *what)
{
	if (h->n)
		log_notice("stats: %s (us): n %llu p50 %llu p90 %llu p99 %llu "
			  "max %llu", what, (unsigned long long)h->n,
			  (unsigned long long)hist_q(h, 0.50),
			  (unsigned long long)hist_q(h, 0.90),
			  (unsigned long long)hist_q(h, 0.99),
			  (unsigned long long)h->max);
	memset(h, 0, sizeof(*h));
}

void alg_log_stats(struct alg *a)
{
	struct calls_stats cs;
	unsigned i;

	calls_stats(a->calls, &cs);
	log_notice("stats: packets %llu rewritten %llu unchanged %llu passed "
		  "%llu dropped %llu calls %u (ended %llu) bindings sig %u "
		  "media %u flows-deleted %llu walks %lu flows %u",
		  (unsigned long long)a->st.packets,
		  (unsigned long long)a->st.rewritten,
		  (unsigned long long)a->st.unchanged,
		  (unsigned long long)a->st.passed,
		  (unsigned long long)a->st.dropped, cs.calls,
		  (unsigned long long)a->st.calls_ended, cs.sig_bindings,
		  cs.media_bindings,
		  (unsigned long long)a->st.flows_forgotten,
		  a->ct ? nat_ct_walks(a->ct) : 0, a->ct ? nat_ct_flows(a->ct)
						      : 0);
	for (i = 0; i < a->n_reason; i++)
		if (alg_reason_passed(a, &a->reason[i]))
			log_notice("stats: passed unchanged because %s: %llu",
				   a->reason[i].what, (unsigned long long)
				   alg_reason_passed(a, &a->reason[i]));
	for (i = 0; i < a->n_dropped_by; i++)
		log_notice("stats: dropped because %s: %llu",
			   a->dropped_by[i].what,
			   (unsigned long long)a->dropped_by[i].count);
	alg_tcp_log_stats(a);
	for (i = 0; i < a->n_policy; i++)
		log_notice("stats: policy %s: %llu", a->policy[i].what,
			  (unsigned long long)a->policy[i].count);
	if (a->q) {
		uint64_t sends, verdicts;

		queue_sends(a->q, &sends, &verdicts);
		log_notice("stats: verdicts %llu in %llu datagrams, passed "
			   "unseen (socket full, fail-open) %llu",
			   (unsigned long long)verdicts,
			   (unsigned long long)sends,
			   (unsigned long long)queue_skipped(a->q));
	}
	if (a->st.later_refused)
		log_notice("stats: post-verdict batches refused: %llu",
			  (unsigned long long)a->st.later_refused);
	hist_log(&a->tm.work, "read to verdict, since last stats");
	hist_log(&a->tm.bound, "read to bindings acked, since last stats");
	hist_log(&a->tm.verdict, "verdict call, since last stats");
	hist_log(&a->tm.after, "post-verdict work, since last stats");
}

int alg_end_call(struct alg *a, const char *id, uint32_t len)
{
	static struct nat_plan plan;
	struct nat_elem gone[CALL_MAX_BIND];
	struct call *k = calls_find(a->calls, id, len);
	unsigned n_gone = 0;

	if (!k)
		return alg6_end_call(a, id, len);
	if (a->after_pending)
		alg_after_verdict(a);
	nat_plan_init(&plan);
	calls_end(a->calls, k, &plan, gone, &n_gone);
	if ((plan.n_add || plan.n_del) && a->nat.apply(a->nat.ctx, &plan) < 0)
		log_warnx("end call: kernel refused removing %u bindings",
			  plan.n_del);
	a->st.calls_ended++;
	forget_flows(a, gone, n_gone);
	/* The operator wants it closed now: media from elsewhere too. */
	sweep_pending(a);
	a->sweep_soon = false;
	return 0;
}
