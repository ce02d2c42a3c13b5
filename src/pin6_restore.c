/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include <sys/socket.h>

#include "pin6.h"
#include "pin6_int.h"

/* Calls and registrations of the last run back into pin6 (restart.c):
 * pure state, the caller has checked that the kernel holds their holes. */

int pin6_restore_call(struct pin6 *p, const struct pin6_call *k)
{
	unsigned i, free_i = PIN6_MAX_CALLS;
	struct pin6_call c;

	if (!k->id_len || k->id_len > PIN6_ID_MAX || !k->n_port ||
	    k->n_port > PIN6_CALL_PINS || k->n_dlg > PIN6_DLG)
		return -1;
	for (i = 0; i < PIN6_MAX_CALLS; i++) {
		if (!p->call[i].used) {
			if (free_i == PIN6_MAX_CALLS)
				free_i = i;
			continue;
		}
		if (p->call[i].id_len == k->id_len &&
		    !memcmp(p->call[i].id, k->id, k->id_len))
			return -1;
	}
	if (free_i == PIN6_MAX_CALLS)
		return -1;
	c = *k;
	c.used = true;
	pin6_call_set(p, (int)free_i, &c);
	return 0;
}

int pin6_restore_reg(struct pin6 *p, const struct pin6_reg *g)
{
	unsigned i, free_i = PIN6_MAX_REGS;

	if (!g->port || g->n_user > PIN6_USERS ||
	    g->n_pend_user > PIN6_USERS)
		return -1;
	for (i = 0; i < PIN6_MAX_REGS; i++) {
		const struct pin6_reg *x = &p->reg[i];

		if (!x->used && !x->pending) {
			if (free_i == PIN6_MAX_REGS)
				free_i = i;
			continue;
		}
		if (x->port == g->port && addr_eq(AF_INET6, &x->phone,
						  &g->phone))
			return -1;
	}
	if (free_i == PIN6_MAX_REGS)
		return -1;
	p->reg[free_i] = *g;
	p->reg[free_i].used = true;
	p->reg[free_i].aor[PIN6_AOR_MAX - 1] = '\0';
	return 0;
}
