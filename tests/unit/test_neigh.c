/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The neighbour table (src/neigh.c) as the dual-stack proof: an IPv6
 * phone's IPv4 address is its own only when the router's neighbour
 * entries of both carry one link-layer address on one interface.
 * rtnetlink messages are built here byte by byte, as the kernel sends
 * them (struct ndmsg, NDA_DST, NDA_LLADDR), several to a datagram.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "neigh.h"

#define IFX 2		/* the inside interface */

static const unsigned char MAC1[6] = { 0x02, 0, 0, 0, 0, 0x10 };
static const unsigned char MAC2[6] = { 0x02, 0, 0, 0, 0, 0x11 };

static union addr ad(int family, const char *s)
{
	union addr a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(inet_pton(family, s, &a), 1);
	return a;
}

/* Append to buf (at *off) one neighbour message as the kernel sends it;
 * ll NULL: no NDA_LLADDR. */
static void put_neigh(unsigned char *buf, size_t *off, uint16_t type,
		      int family, const char *dst, int ifindex,
		      uint16_t state, const unsigned char *ll)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(buf + *off);
	struct ndmsg *nd;
	struct rtattr *rta;
	union addr a = ad(family, dst);
	size_t alen = family == AF_INET6 ? 16 : 4;

	memset(h, 0, NLMSG_SPACE(sizeof(*nd)));
	h->nlmsg_type = type;
	h->nlmsg_len = NLMSG_LENGTH(sizeof(*nd));
	nd = NLMSG_DATA(h);
	nd->ndm_family = (uint8_t)family;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = state;
	rta = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));
	rta->rta_type = NDA_DST;
	rta->rta_len = (unsigned short)RTA_LENGTH(alen);
	memcpy(RTA_DATA(rta), &a, alen);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	if (ll) {
		rta = (struct rtattr *)((char *)h + h->nlmsg_len);
		rta->rta_type = NDA_LLADDR;
		rta->rta_len = (unsigned short)RTA_LENGTH(6);
		memcpy(RTA_DATA(rta), ll, 6);
		h->nlmsg_len += RTA_ALIGN(rta->rta_len);
	}
	*off += NLMSG_ALIGN(h->nlmsg_len);
}

/* One message alone as a datagram. */
static void feed1(struct neigh *n, uint16_t type, int family, const char *dst,
		  uint16_t state, const unsigned char *ll)
{
	_Alignas(4) unsigned char buf[256];
	size_t off = 0;

	put_neigh(buf, &off, type, family, dst, IFX, state, ll);
	neigh_msgs(n, buf, off);
}

static bool same(struct neigh *n, const char *v6, const char *v4)
{
	union addr a6 = ad(AF_INET6, v6), a4 = ad(AF_INET, v4);

	return neigh_same_host(n, IFX, &a6, &a4);
}

/* Two dual-stack phones as a dump reports them: each owns its own pair;
 * naming the neighbour's IPv4 address proves nothing. */
static void test_two_phones(void **state)
{
	_Alignas(4) unsigned char buf[1024];
	struct neigh *n = neigh_new();
	size_t off = 0;

	(void)state;
	assert_non_null(n);
	put_neigh(buf, &off, RTM_NEWNEIGH, AF_INET, "10.0.0.10", IFX,
		  NUD_REACHABLE, MAC1);
	put_neigh(buf, &off, RTM_NEWNEIGH, AF_INET6, "2001:db8:1::10", IFX,
		  NUD_STALE, MAC1);
	put_neigh(buf, &off, RTM_NEWNEIGH, AF_INET, "10.0.0.11", IFX,
		  NUD_DELAY, MAC2);
	put_neigh(buf, &off, RTM_NEWNEIGH, AF_INET6, "2001:db8:1::11", IFX,
		  NUD_REACHABLE, MAC2);
	assert_int_equal(neigh_msgs(n, buf, off), 4);
	assert_int_equal(neigh_count(n), 4);
	assert_true(same(n, "2001:db8:1::10", "10.0.0.10"));
	assert_true(same(n, "2001:db8:1::11", "10.0.0.11"));
	assert_false(same(n, "2001:db8:1::11", "10.0.0.10"));
	assert_false(same(n, "2001:db8:1::10", "10.0.0.11"));
	/* Unknown on either side: no proof. */
	assert_false(same(n, "2001:db8:1::12", "10.0.0.10"));
	assert_false(same(n, "2001:db8:1::10", "10.0.0.12"));
	/* The same pair on another interface proves nothing here. */
	{
		union addr a6 = ad(AF_INET6, "2001:db8:1::10");
		union addr a4 = ad(AF_INET, "10.0.0.10");

		assert_false(neigh_same_host(n, IFX + 1, &a6, &a4));
	}
	neigh_free(n);
}

/* Entries go when the kernel deletes them or loses their address
 * (FAILED, INCOMPLETE), and move when a new address is reported; an
 * IPv4 address taken over by another host proves for that host only. */
static void test_life(void **state)
{
	_Alignas(4) unsigned char buf[1024];
	struct neigh *n = neigh_new();
	size_t off = 0;

	(void)state;
	put_neigh(buf, &off, RTM_NEWNEIGH, AF_INET, "10.0.0.10", IFX,
		  NUD_REACHABLE, MAC1);
	put_neigh(buf, &off, RTM_NEWNEIGH, AF_INET6, "2001:db8:1::10", IFX,
		  NUD_REACHABLE, MAC1);
	put_neigh(buf, &off, RTM_NEWNEIGH, AF_INET6, "2001:db8:1::11", IFX,
		  NUD_REACHABLE, MAC2);
	neigh_msgs(n, buf, off);
	assert_true(same(n, "2001:db8:1::10", "10.0.0.10"));

	/* 10.0.0.10 now answers from phone2's MAC. */
	feed1(n, RTM_NEWNEIGH, AF_INET, "10.0.0.10", NUD_REACHABLE, MAC2);
	assert_false(same(n, "2001:db8:1::10", "10.0.0.10"));
	assert_true(same(n, "2001:db8:1::11", "10.0.0.10"));
	feed1(n, RTM_NEWNEIGH, AF_INET, "10.0.0.10", NUD_FAILED, NULL);
	assert_false(same(n, "2001:db8:1::11", "10.0.0.10"));
	assert_int_equal(neigh_count(n), 2);
	feed1(n, RTM_NEWNEIGH, AF_INET, "10.0.0.10", NUD_STALE, MAC1);
	assert_true(same(n, "2001:db8:1::10", "10.0.0.10"));
	feed1(n, RTM_NEWNEIGH, AF_INET, "10.0.0.10", NUD_INCOMPLETE, MAC1);
	assert_false(same(n, "2001:db8:1::10", "10.0.0.10"));
	feed1(n, RTM_NEWNEIGH, AF_INET, "10.0.0.10", NUD_PERMANENT, MAC1);
	assert_true(same(n, "2001:db8:1::10", "10.0.0.10"));
	feed1(n, RTM_DELNEIGH, AF_INET6, "2001:db8:1::10", NUD_REACHABLE, MAC1);
	assert_false(same(n, "2001:db8:1::10", "10.0.0.10"));
	assert_int_equal(neigh_count(n), 2);
	neigh_free(n);
}

/* Malformed and foreign messages are skipped without reading past their
 * ends: a truncated datagram, an attribute longer than its message, an
 * address of the wrong length, a proxy entry, a link message. */
static void test_malformed(void **state)
{
	_Alignas(4) unsigned char buf[1024];
	struct neigh *n = neigh_new();
	struct nlmsghdr *h;
	struct ndmsg *nd;
	size_t off = 0, k;

	(void)state;
	put_neigh(buf, &off, RTM_NEWNEIGH, AF_INET, "10.0.0.10", IFX,
		  NUD_REACHABLE, MAC1);
	for (k = 0; k < off; k++) {	/* every truncation */
		unsigned char *cut = malloc(k ? k : 1);

		memcpy(cut, buf, k);
		assert_int_equal(neigh_msgs(n, cut, k), 0);
		free(cut);
	}
	assert_int_equal(neigh_count(n), 0);
	h = (struct nlmsghdr *)buf;
	nd = NLMSG_DATA(h);
	nd->ndm_flags = NTF_PROXY;
	assert_int_equal(neigh_msgs(n, buf, off), 0);
	nd->ndm_flags = 0;
	nd->ndm_family = AF_INET6;	/* a 4-byte NDA_DST for IPv6 */
	assert_int_equal(neigh_msgs(n, buf, off), 0);
	nd->ndm_family = AF_INET;
	h->nlmsg_type = RTM_NEWLINK;
	assert_int_equal(neigh_msgs(n, buf, off), 0);
	h->nlmsg_type = RTM_NEWNEIGH;
	/* The first attribute claims more than the message holds. */
	((struct rtattr *)((char *)nd + NLMSG_ALIGN(sizeof(*nd))))->rta_len =
		200;
	assert_int_equal(neigh_msgs(n, buf, off), 0);
	assert_int_equal(neigh_count(n), 0);
	neigh_free(n);
}

/* A full table learns nothing more (counted) and still proves what it
 * holds; a removal makes room again. */
static void test_full(void **state)
{
	struct neigh *n = neigh_new();
	union addr a, a6 = ad(AF_INET6, "2001:db8:1::10");
	unsigned i;

	(void)state;
	for (i = 0; i < NEIGH_MAX; i++) {
		memset(&a, 0, sizeof(a));
		a.v4.s_addr = htonl(0x0a000000u + i);
		assert_int_equal(neigh_note(n, AF_INET, &a, IFX, MAC1, 6), 0);
	}
	assert_int_equal(neigh_note(n, AF_INET6, &a6, IFX, MAC1, 6), -1);
	assert_int_equal(neigh_full(n), 1);
	a.v4.s_addr = htonl(0x0a000000u + 5);
	neigh_forget(n, AF_INET, &a, IFX);
	assert_int_equal(neigh_note(n, AF_INET6, &a6, IFX, MAC1, 6), 0);
	assert_true(neigh_same_host(n, IFX, &a6, &(union addr){
		.v4.s_addr = htonl(0x0a000000u + 7) }));
	assert_false(neigh_same_host(n, IFX, &a6, &a));
	assert_int_equal(neigh_count(n), NEIGH_MAX);
	neigh_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_phones),
		cmocka_unit_test(test_life),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
