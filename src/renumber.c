/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "renumber.h"

static void renumber_wait_log(const struct conf *c, const struct wan_view *v)
{
	if (!v->in_ifindex)
		log_warnx("inside_interface %s does not exist (yet): waiting "
			  "for it; SIP passes unchanged until then",
			  c->inside_interface);
	if (!v->out_ifindex)
		log_warnx("outside_interface %s does not exist (yet): waiting "
			  "for it; SIP passes unchanged until then",
			  c->outside_interface);
	else if (!v->have_pub)
		log_warnx("outside_interface %s has no IPv4 address (yet): "
			  "waiting for one; SIP passes unchanged until then",
			  c->outside_interface);
}

static void renumber_ifaces(struct alg *a, const struct wan_view *v)
{
	const struct conf *c = a->conf;
	bool ready = wan_ready(v);
	/* Both interfaces but no IPv4 address: IPv6 pinholes work already
	 * (no NAT needs no public address); IPv4 passes unchanged. */
	bool v6_only = !ready && c->ipv6 && v->in_ifindex && v->out_ifindex &&
		       !v->have_pub;
	unsigned in = ready || v6_only ? v->in_ifindex : 0;
	unsigned out = ready || v6_only ? v->out_ifindex : 0;

	if (!ready && !v6_only &&
	    (a->out_ifindex || a->in_ifindex || !a->pub.v4.s_addr))
		renumber_wait_log(c, v);
	else if ((ready || v6_only) &&
		 (out != a->out_ifindex || in != a->in_ifindex))
		log_info("interfaces: inside %s ifindex %u, outside %s ifindex "
			 "%u", c->inside_interface, in, c->outside_interface,
			 out);
	if (v6_only && !a->no_v4)
		log_info("outside_interface %s has no IPv4 address: IPv6 "
			 "pinholes only until one appears", c->outside_interface);
	a->no_v4 = v6_only;
	a->in_ifindex = in;
	a->out_ifindex = out;
	memcpy(a->inside, v->inside, sizeof(a->inside));
	a->n_inside = v->n_inside;
	/* The router's own addresses change with the interfaces too. */
	a->n_own = v->n_own < ALG_MAX_OWN ? v->n_own : ALG_MAX_OWN;
	memset(a->own, 0, sizeof(a->own));
	memcpy(a->own, v->own, a->n_own * sizeof(a->own[0]));
}

/* The flows of every binding, and the SIP flows masqueraded to the old
 * address: both would keep sending from it. */
static void renumber_flows(struct guard *g, struct nat_ct *ct,
			   const struct conf *c)
{
	struct nat_elem *e;
	int n = nat_keep_list(g->keep, &e), gone = 0;

	if (n > 0)
		gone = nat_ct_sweep(ct, e, (unsigned)n);
	if (n >= 0)
		free(e);
	n = nat_ct_flush_sip(ct, c->sip_ports, c->n_sip_ports);
	log_info("renumbering: %d binding flows and %d SIP flows deleted",
		 gone > 0 ? gone : 0, n > 0 ? n : 0);
}

static int renumber_pub(struct alg *a, struct guard *g, struct nat_ct *ct,
			const struct wan_view *v)
{
	struct calls *t = calls_new(a->conf);
	char was[INET_ADDRSTRLEN], now[INET_ADDRSTRLEN];

	if (!t || calls_set_public_conf(t, &v->pub, a->conf) < 0) {
		calls_free(t);
		log_warnx("renumbering: out of memory; keeping the old address");
		return -1;
	}
	inet_ntop(AF_INET, &a->pub.v4, was, sizeof(was));
	inet_ntop(AF_INET, &v->pub.v4, now, sizeof(now));
	if (a->pub.v4.s_addr) {
		log_warnx("public address changed %s -> %s: %u bindings on "
			  "the old one removed", was, now,
			  nat_keep_count(g->keep));
		renumber_flows(g, ct, a->conf);
	} else {
		log_info("public address %s", now);
	}
	if (nat_nft_reset(g->nft) < 0)
		log_warnx("renumbering: table ip sipalg not emptied");
	nat_keep_clear(g->keep);
	calls_inherit_hooks(t, a->calls);
	calls_free(a->calls);
	a->calls = t;
	a->pub = v->pub;
	a->n_pending = 0;
	return 0;
}

int renumber_apply(struct alg *a, struct guard *g, struct nat_ct *ct,
		   const struct wan_view *v)
{
	int rc = 0;

	if (v->have_pub && memcmp(&v->pub, &a->pub, sizeof(v->pub)))
		rc = renumber_pub(a, g, ct, v);
	renumber_ifaces(a, v);
	return rc;
}
