/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "nat.h"


void nat_plan_init(struct nat_plan *p)
{
	p->n_add = 0;
	p->n_del = 0;
	p->overflow = false;
}

int nat_plan_add(struct nat_plan *p, const struct nat_elem *e)
{
	if (p->n_add >= NAT_PLAN_MAX) {
		p->overflow = true;
		return -1;
	}
	p->add[p->n_add++] = *e;
	return 0;
}

int nat_plan_del(struct nat_plan *p, const struct nat_elem *e)
{
	if (p->n_del >= NAT_PLAN_MAX) {
		p->overflow = true;
		return -1;
	}
	p->del[p->n_del++] = *e;
	return 0;
}
