/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A diagnostic build of sipalgd, not a product: linked with
 * -Wl,--wrap=nat_ct_forget,--wrap=nat_ct_sweep, so the conntrack work the
 * daemon does when a call ends (deleting that call's media flows: by tuple,
 * or by dumping the table) is skipped.  Comparing it with build/sipalgd
 * shows what that work costs.  Media flows of ended calls then stay until
 * conntrack times them out.  A wrapped function the daemon does not have
 * is simply never called.
 */
#include "nat.h"

int __wrap_nat_ct_forget(void *ctx, const struct nat_elem *e, unsigned n);
int __wrap_nat_ct_sweep(void *ctx, const struct nat_elem *e, unsigned n);

int __wrap_nat_ct_forget(void *ctx, const struct nat_elem *e, unsigned n)
{
	return 0;
}

int __wrap_nat_ct_sweep(void *ctx, const struct nat_elem *e, unsigned n)
{
	return 0;
}
