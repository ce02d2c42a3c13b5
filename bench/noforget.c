/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A diagnostic build of sipalgd, not a product: linked with
 * -Wl,--wrap=nat_ct_forget, so the conntrack dump the daemon runs for each
 * ended call (to delete that call's media flows) is skipped.  Comparing
 * it with build/sipalgd shows what that dump costs per call.  Media flows
 * of ended calls then stay until conntrack times them out.
 */
#include "nat.h"

int __wrap_nat_ct_forget(void *ctx, const struct nat_elem *e, unsigned n);

int __wrap_nat_ct_forget(void *ctx, const struct nat_elem *e, unsigned n)
{
	return 0;
}
