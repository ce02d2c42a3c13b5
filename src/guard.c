/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "guard.h"
#include "log.h"

#include <linux/netfilter.h>

/* What rules/sipalg-rules installs with iptables (in iptables-nft's
 * table ip mangle); with iptables-legacy nft cannot see it. */
#define IPT_TABLE "mangle"
#define IPT_CHAIN "SIPALG_QUEUE"

static int guard_ipt_present(struct guard *g)
{
	return divert_has_chain(g->divert, NFPROTO_IPV4, IPT_TABLE, IPT_CHAIN);
}

void guard_init(struct guard *g)
{
	g->ipt_seen = !g->nft_backend && guard_ipt_present(g) == 1;
	g->ipt_gone_said = false;
}

static int guard_nat(struct guard *g)
{
	int n;

	if (divert_has_chain(g->divert, NFPROTO_IPV4, "sipalg", "pre") != 0)
		return 0;
	log_warnx("table ip sipalg is gone (firewall reload?); installing "
		  "it again with %u bindings", nat_keep_count(g->keep));
	if (nat_nft_reset(g->nft) < 0) {
		log_warnx("cannot create table ip sipalg again; will retry");
		return 0;
	}
	n = nat_keep_restore(g->keep);
	if (n < 0)
		log_warnx("bindings not all installed again; will retry");
	else
		log_info("table ip sipalg installed again, %d bindings", n);
	return 1;
}

static int guard_divert(struct guard *g)
{
	if (divert_installed(g->divert) != 0)
		return 0;
	log_warnx("table inet sipalg (the SIP divert) is gone (firewall "
		  "reload?); installing it again");
	if (divert_install(g->divert) < 0)
		return 0;
	log_info("table inet sipalg installed again");
	return 1;
}

/* iptables backend: the daemon does not own those rules; it says once
 * that SIP now passes unchanged, and once that they are back. */
static void guard_ipt(struct guard *g)
{
	int present = guard_ipt_present(g);

	if (present < 0)
		return;
	if (present) {
		if (g->ipt_gone_said)
			log_info("iptables chain %s is back", IPT_CHAIN);
		g->ipt_seen = true;
		g->ipt_gone_said = false;
	} else if (g->ipt_seen && !g->ipt_gone_said) {
		log_warnx("iptables chain %s is gone (firewall reload?): SIP "
			  "passes unchanged until 'sipalg-rules install' runs "
			  "(the unit's reload does)", IPT_CHAIN);
		g->ipt_gone_said = true;
	}
}

int guard_check(struct guard *g)
{
	int n = guard_nat(g);

	if (g->nft_backend)
		n += guard_divert(g);
	else
		guard_ipt(g);
	return n;
}
