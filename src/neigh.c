/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "neigh.h"

/* A chained hash over fixed arrays: entries never move, a free list holds
 * the unused ones. */
#define NEIGH_BUCKETS 1024

struct neigh_ent {
	int family;
	unsigned ifindex;
	union addr a;
	unsigned char ll[NEIGH_LL_MAX];
	unsigned char ll_len;
	int next;		/* in its bucket or the free list, -1: end */
};

struct neigh {
	int bucket[NEIGH_BUCKETS];
	int free;
	unsigned n;
	unsigned long full;
	struct neigh_ent e[NEIGH_MAX];
};

struct neigh *neigh_new(void)
{
	struct neigh *n = calloc(1, sizeof(*n));
	int i;

	if (!n)
		return NULL;
	for (i = 0; i < NEIGH_BUCKETS; i++)
		n->bucket[i] = -1;
	for (i = 0; i < NEIGH_MAX; i++)
		n->e[i].next = i + 1 < NEIGH_MAX ? i + 1 : -1;
	n->free = 0;
	return n;
}

void neigh_free(struct neigh *n)
{
	free(n);
}

static unsigned neigh_hash(int family, const union addr *a, unsigned ifindex)
{
	const unsigned char *p = (const void *)a;
	uint32_t h = 2166136261u ^ (uint32_t)family ^ ifindex * 31u;
	size_t i;

	for (i = 0; i < addr_len(family); i++)
		h = (h ^ p[i]) * 16777619u;
	return h % NEIGH_BUCKETS;
}

/* The slot holding family/a on ifindex (and where its link is, for
 * removal), or -1. */
static int neigh_find(const struct neigh *n, int family, const union addr *a,
		      unsigned ifindex, int **link)
{
	int *l = (int *)&n->bucket[neigh_hash(family, a, ifindex)];

	for (; *l >= 0; l = (int *)&n->e[*l].next) {
		const struct neigh_ent *e = &n->e[*l];

		if (e->family == family && e->ifindex == ifindex &&
		    addr_eq(family, &e->a, a)) {
			if (link)
				*link = l;
			return *l;
		}
	}
	return -1;
}

void neigh_forget(struct neigh *n, int family, const union addr *a,
		  unsigned ifindex)
{
	int *link, i = neigh_find(n, family, a, ifindex, &link);

	if (i < 0)
		return;
	*link = n->e[i].next;
	n->e[i].next = n->free;
	n->free = i;
	n->n--;
}

int neigh_note(struct neigh *n, int family, const union addr *a,
	       unsigned ifindex, const unsigned char *ll, size_t ll_len)
{
	unsigned h;
	int i;

	if (family != AF_INET && family != AF_INET6)
		return 0;
	if (!ll_len || ll_len > NEIGH_LL_MAX) {
		neigh_forget(n, family, a, ifindex);
		return 0;
	}
	i = neigh_find(n, family, a, ifindex, NULL);
	if (i < 0) {
		if (n->free < 0) {
			n->full++;
			return -1;
		}
		i = n->free;
		n->free = n->e[i].next;
		h = neigh_hash(family, a, ifindex);
		memset(&n->e[i], 0, sizeof(n->e[i]));
		n->e[i].family = family;
		n->e[i].ifindex = ifindex;
		memcpy(&n->e[i].a, a, addr_len(family));
		n->e[i].next = n->bucket[h];
		n->bucket[h] = i;
		n->n++;
	}
	memcpy(n->e[i].ll, ll, ll_len);
	n->e[i].ll_len = (unsigned char)ll_len;
	return 0;
}

/* States whose link-layer address the kernel does not (yet, or any more)
 * know, or that belong to no host on the link. */
static bool neigh_state_bad(uint16_t state)
{
	return !state || (state & (NUD_INCOMPLETE | NUD_FAILED | NUD_NOARP));
}

/* One RTM_NEWNEIGH / RTM_DELNEIGH message; false when it is not one or
 * is malformed. */
static bool neigh_one(struct neigh *n, const struct nlmsghdr *h)
{
	const struct ndmsg *nd = NLMSG_DATA(h);
	const struct rtattr *rta;
	const unsigned char *ll = NULL;
	const void *dst = NULL;
	size_t ll_len = 0, dst_len = 0;
	union addr a;
	int len;

	if ((h->nlmsg_type != RTM_NEWNEIGH && h->nlmsg_type != RTM_DELNEIGH) ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*nd)))
		return false;
	len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*nd)));
	for (rta = (const struct rtattr *)((const char *)nd +
					   NLMSG_ALIGN(sizeof(*nd)));
	     RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == NDA_DST) {
			dst = RTA_DATA(rta);
			dst_len = RTA_PAYLOAD(rta);
		} else if (rta->rta_type == NDA_LLADDR) {
			ll = RTA_DATA(rta);
			ll_len = RTA_PAYLOAD(rta);
		}
	}
	if (!dst || (nd->ndm_family != AF_INET && nd->ndm_family != AF_INET6) ||
	    dst_len != addr_len(nd->ndm_family) || (nd->ndm_flags & NTF_PROXY))
		return false;
	memset(&a, 0, sizeof(a));
	memcpy(&a, dst, dst_len);
	if (h->nlmsg_type == RTM_DELNEIGH || neigh_state_bad(nd->ndm_state))
		ll_len = 0;	/* no usable address: forgotten */
	neigh_note(n, nd->ndm_family, &a, (unsigned)nd->ndm_ifindex, ll,
		   ll ? ll_len : 0);
	return true;
}

unsigned neigh_msgs(struct neigh *n, const void *buf, size_t len)
{
	const struct nlmsghdr *h;
	size_t off = 0;
	unsigned k = 0;

	/* NLMSG_OK/NLMSG_NEXT by hand, in size_t: every header and its
	 * stated length inside buf. */
	while (len - off >= sizeof(*h)) {
		h = (const struct nlmsghdr *)((const char *)buf + off);
		if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > len - off)
			break;
		k += neigh_one(n, h);
		off += NLMSG_ALIGN(h->nlmsg_len);
		if (off > len)
			break;
	}
	return k;
}

bool neigh_same_host(const struct neigh *n, unsigned ifindex,
		     const union addr *a6, const union addr *a4)
{
	int i6 = neigh_find(n, AF_INET6, a6, ifindex, NULL);
	int i4 = neigh_find(n, AF_INET, a4, ifindex, NULL);

	return i6 >= 0 && i4 >= 0 && n->e[i6].ll_len &&
	       n->e[i6].ll_len == n->e[i4].ll_len &&
	       !memcmp(n->e[i6].ll, n->e[i4].ll, n->e[i6].ll_len);
}

unsigned neigh_count(const struct neigh *n)
{
	return n->n;
}

unsigned long neigh_full(const struct neigh *n)
{
	return n->full;
}
