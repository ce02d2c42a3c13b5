/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include <sys/socket.h>

#include "nat.h"

/* One message's kernel work: elements to add and to remove. */

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

/* The same element: both of its keys (inside and public side). */
static bool elem_same(const struct nat_elem *x, const struct nat_elem *y)
{
	size_t n = x->family == AF_INET6 ? 16 : 4;

	return x->family == y->family && x->proto == y->proto &&
	       x->in_port == y->in_port && x->pub_port == y->pub_port &&
	       !memcmp(&x->in_addr, &y->in_addr, n) &&
	       !memcmp(&x->pub_addr, &y->pub_addr, n);
}

int nat_plan_del(struct nat_plan *p, const struct nat_elem *e)
{
	unsigned i;

	/* Added earlier in this plan: the add goes instead.  A new element
	 * was never in the kernel; a refreshed one keeps the removal its
	 * refresh planned before the add. */
	for (i = 0; i < p->n_add; i++)
		if (elem_same(&p->add[i], e)) {
			memmove(&p->add[i], &p->add[i + 1],
				(p->n_add - i - 1) * sizeof(*p->add));
			p->n_add--;
			return 0;
		}
	if (p->n_del >= NAT_PLAN_MAX) {
		p->overflow = true;
		return -1;
	}
	p->del[p->n_del++] = *e;
	return 0;
}
