/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "nat_nft.h"
#include "nat_nft_int.h"

/* Listing a set's elements (a restart takes over what a stop left). */

struct nat_elem *nat_nft_dump_next(struct nat_nft_dump *d,
				   struct nftnl_set_elem *el)
{
	struct nat_elem *e;

	if (d->n == d->cap) {
		void *m = realloc(d->e, (d->cap * 2 + 64) * sizeof(*d->e));

		if (!m)
			return NULL;
		d->e = m;
		d->cap = d->cap * 2 + 64;
	}
	e = &d->e[d->n++];
	memset(e, 0, sizeof(*e));
	e->proto = IPPROTO_UDP;
	if (nftnl_set_elem_is_set(el, NFTNL_SET_ELEM_EXPIRATION))
		e->timeout = (uint32_t)(nftnl_set_elem_get_u64(
				el, NFTNL_SET_ELEM_EXPIRATION) / 1000);
	return e;
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nat_nft_dump *d = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *el;
	int rc = MNL_CB_OK;

	if (!s || nftnl_set_elems_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return MNL_CB_ERROR;
	}
	it = nftnl_set_elems_iter_create(s);
	for (el = it ? nftnl_set_elems_iter_next(it) : NULL; el;
	     el = nftnl_set_elems_iter_next(it))
		if (d->elem(d, el) < 0)
			rc = MNL_CB_ERROR;
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return rc;
}

int nat_nft_dump_set(struct nat_nft *h, uint16_t family, const char *set,
		     struct nat_nft_dump *d, struct nat_elem **out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	uint32_t seq = h->seq++;
	ssize_t n;
	int rc;

	*out = NULL;
	if (!s)
		return -1;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, family,
				    NLM_F_DUMP, seq);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	if (mnl_socket_sendto(h->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		n = mnl_socket_recvfrom(h->nl, buf, sizeof(buf));
		rc = n < 0 ? -1 : mnl_cb_run(buf, (size_t)n, seq, h->portid,
					     dump_cb, d);
	} while (rc > 0);
	if (rc < 0 && errno != ENOENT) {
		free(d->e);
		return -1;
	}
	*out = d->e;
	return (int)d->n;
}

static void key_unpack(const uint8_t *k, union addr *a, uint16_t *port)
{
	uint16_t p;

	memset(a, 0, sizeof(*a));
	memcpy(&a->v4, k, 4);
	memcpy(&p, k + 4, 2);
	*port = ntohs(p);
}

static int dump_elem(struct nat_nft_dump *d, struct nftnl_set_elem *el)
{
	uint32_t kl = 0, dl = 0;
	const uint8_t *k = nftnl_set_elem_get(el, NFTNL_SET_ELEM_KEY, &kl);
	const uint8_t *v = nftnl_set_elem_get(el, NFTNL_SET_ELEM_DATA, &dl);
	struct nat_elem *e;

	if (!k || !v || kl < 6 || dl < 6)
		return 0;
	e = nat_nft_dump_next(d, el);
	if (!e)
		return -1;
	e->family = AF_INET;
	key_unpack(k, &e->pub_addr, &e->pub_port);
	key_unpack(v, &e->in_addr, &e->in_port);
	return 0;
}

int nat_nft_dump(struct nat_nft *h, struct nat_elem **out)
{
	struct nat_nft_dump d = { .elem = dump_elem };

	return nat_nft_dump_set(h, NFPROTO_IPV4, "dnat4", &d, out);
}
