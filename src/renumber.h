/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_RENUMBER_H
#define SIPALG_RENUMBER_H

#include "alg.h"
#include "guard.h"
#include "nat_ct.h"
#include "wan.h"

/*
 * renumber_apply - make the running daemon follow the interfaces as v
 * shows them.  Interface indexes and inside networks are taken as they
 * are (a re-created ppp0 has a new index; until both interfaces exist
 * every packet passes unchanged).  A new public address ends everything
 * made on the old one, which no far end can reach any more: the calls and
 * registrations, their kernel bindings and their conntrack flows (and the
 * SIP flows masqueraded to it); the phones' next REGISTER or INVITE makes
 * new bindings on the new address.  Logs "public address changed A -> B".
 * Returns 0, or -1 when a new call table could not be made (the old one
 * stays).
 */
int renumber_apply(struct alg *a, struct guard *g, struct nat_ct *ct,
		   const struct wan_view *v);

#endif
