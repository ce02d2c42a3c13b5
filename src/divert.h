/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_DIVERT_H
#define SIPALG_DIVERT_H

#include <stdbool.h>

#include "conf.h"

/*
 * The nftables rules backend: the daemon's own "table inet sipalg" with
 * one chain, "divert" (filter, postrouting, priority mangle), that queues
 * forwarded SIP leaving through the inside or the outside interface to
 * the daemon's NFQUEUE with bypass - what rules/sipalg-rules installs
 * with iptables otherwise.  The daemon owns it so that it can put it back
 * after a firewall reload and so that it works on kernels without nft's
 * own queue expression (CONFIG_NFT_QUEUE off): there the same rule uses
 * the xtables NFQUEUE target through nft_compat, as iptables-nft does.
 * A second chain, "zones" (filter, forward), drops flows carrying the
 * daemon's conntrack mark that arrive from neither the outside nor the
 * inside interface (another zone of the router).
 *
 * The module also answers "is this chain there?" for the firewall-reload
 * check, over its own netlink socket.
 */

struct divert;

/*
 * divert_wanted - true when the daemon diverts SIP itself: rules_backend
 * nft, or auto and no iptables program in PATH (what sipalg-rules
 * decides the same way).
 */
bool divert_wanted(const struct conf *c);

/*
 * divert_open - a netlink handle for the checks and (when install is
 * true) the divert table, created now, replacing an older one.  Returns
 * NULL (reason logged) on failure.
 */
struct divert *divert_open(const struct conf *c, bool install);

/*
 * divert_install - (re)create table inet sipalg with its divert chain in
 * one transaction.  0, or -1 (reason logged, nothing changed).
 */
int divert_install(struct divert *d);

/*
 * divert_has_chain - 1 when chain exists in table of family (NFPROTO_*),
 * 0 when it (or its table) does not, -1 when the kernel did not answer.
 */
int divert_has_chain(struct divert *d, int family, const char *table,
		     const char *chain);

/* divert_installed - divert_has_chain for our own divert chain. */
int divert_installed(struct divert *d);

/*
 * divert_close - free d; when remove is true and d installed the table,
 * delete it (a stop for good: SIP then passes untouched).
 */
void divert_close(struct divert *d, bool remove);

#endif
