/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_VIEW6_H
#define SIPALG_VIEW6_H

#include "alg.h"
#include "buf.h"
#include "view.h"

/*
 * The IPv6 pinholes (pin6) in the operator's listings: each function
 * appends its entries after the IPv4 ones of the same listing, in the
 * same columns (text) or as more objects of the same array (JSON; n is
 * how many entries the array already holds, for the commas).  Each
 * returns n plus the entries it added.  Nothing when a has no pin6.
 */

/* view6_calls - one entry per IPv6 call: Call-ID, phone, its pinholes
 * (inside = public: no NAT), state, age; "family":"ipv6" in JSON. */
unsigned view6_calls(struct buf *b, const struct alg *a, enum view_fmt f,
		     uint64_t now, unsigned n);

/* view6_registrations - one entry per registration pinhole: the AOR of
 * the REGISTER that opened it, the Contact, expires in. */
unsigned view6_registrations(struct buf *b, const struct alg *a,
			     enum view_fmt f, uint64_t now, unsigned n);

/* view6_bindings - one entry per element of the kernel's pin6 set:
 * kind "signalling" (a registration) or "media" (a call's), owner. */
unsigned view6_bindings(struct buf *b, const struct alg *a, enum view_fmt f,
			uint64_t now, unsigned n);

#endif
