/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>

#include "log.h"
#include "restart.h"

struct prior *restart_adopt(struct nat_nft *nft, struct nat_keep *keep,
			    struct calls *t)
{
	struct nat_elem *e = NULL;
	struct prior *p = NULL;
	struct calls_prior hooks;
	int n = nat_nft_dump(nft, &e), i;

	if (n < 0)
		log_warnx("cannot list the bindings an earlier run left; "
			  "starting without them");
	if (n > 0)
		p = prior_new(e, (unsigned)n);
	if (p) {
		for (i = 0; i < n; i++)
			nat_keep_adopt(keep, &e[i]);
		hooks = prior_hooks(p);
		calls_set_prior(t, &hooks);
		log_info("found %d bindings an earlier run left: the kernel "
			 "keeps forwarding them, their public ports stay "
			 "theirs", n);
	}
	free(e);
	return p;
}

void restart_leave(struct nat_nft *nft, struct nat_keep *keep,
		   uint32_t grace)
{
	int n = nat_keep_cap(keep, grace);

	if (n < 0)
		log_warnx("bindings not all capped to restart_grace");
	else if (n)
		log_info("leaving %d bindings in the kernel for %u s (a "
			 "restart takes them over)", n, grace);
	nat_nft_detach(nft);
}
