/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_NAT_NFT_INT_H
#define SIPALG_NAT_NFT_INT_H

/*
 * Inside the nftables backend: the handle, one batch, and the helpers
 * nat_nft*.c share with nat_from.c (the media_from filter).  Not for
 * other modules.
 */

#include <arpa/inet.h>
#include <net/if.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/rule.h>

#include "nat.h"

#define NFT_TABLE "sipalg"
#define BATCH_SIZE (256 * 1024)
/* nft's type ids (ipv4_addr = 7, inet_service = 13) and how nft packs a
 * concatenation into one key type: 6 bits per member. */
#define TYPE_IPV4_PORT ((7 << 6) | 13)
#define KEY_LEN 8	/* 4 address bytes + 2 port bytes, padded to 4 */
#define SET_ID_SNAT 1
#define SET_ID_DNAT 2
/* ipv6_addr (8) . inet_service (13); 16 address bytes + the port padded
 * to 4. */
#define TYPE_IPV6_PORT ((8 << 6) | 13)
#define KEY6_LEN 20
#define SET_ID_PIN6 3
/* media_from = sdp for pinholes: filt6 (ipv6_addr . inet_service, as
 * pin6) and from6 (ipv6_addr . ipv6_addr . inet_service: source, hole). */
#define SET_ID_FILT6 7
#define SET_ID_FROM6 8
/* TCP registration holes, pin6t: registrar . phone . port (from6's
 * layout). */
#define SET_ID_PIN6T 9
#define TYPE_FROM6 ((((8 << 6) | 8) << 6) | 13)
#define FROM6_KEY_LEN 36
#define REG_MARK NFT_REG32_04
#define GC_INTERVAL_MS 30000

struct nat_nft {
	/* Transactions sent and the elements in them (the stats line). */
	uint64_t txns, n_add, n_del;
	bool v6;		/* the ip6 pinhole table is installed */
	bool in_place;		/* re-adding an element updates its timeout */
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	uint32_t ct_mark;
	char outside[IF_NAMESIZE];	/* media_from filters what it brings */
	char *buf;
};

/* Only a batch's last message asks for an ack: the kernel answers errors
 * for every message anyway, in order, so that ack ends the answer. */
struct batch {
	struct mnl_nlmsg_batch *b;
	unsigned n;		/* messages */
	uint32_t first_seq;	/* of the first message */
	struct nlmsghdr *last;	/* the one that asks for an ack */
	uint16_t family;	/* of the next message's table */
	const char *what[8];	/* description of each, for errors */
};

/* nat_nft_batch_start - begin a transaction in h's buffer; its messages
 * are for bt->family's table (IPv4 until the caller says otherwise). */
void nat_nft_batch_start(struct nat_nft *h, struct batch *bt);

/* nat_nft_batch_send - end bt, send it and read the kernel's answer (a
 * second at most).  0, or -1 with errno set and the failed message's
 * description logged. */
int nat_nft_batch_send(struct nat_nft *h, struct batch *bt);

/* nat_nft_msg - the header of the batch's next message (family
 * bt->family); what describes it in a NACK's log line. */
struct nlmsghdr *nat_nft_msg(struct nat_nft *h, struct batch *bt,
			     uint16_t type, uint16_t flags, const char *what);

/* nat_nft_put_table - NFT_MSG_NEWTABLE (created when missing) or
 * NFT_MSG_DELTABLE of table sipalg in bt's family; what for a NACK. */
void nat_nft_put_table(struct nat_nft *h, struct batch *bt, uint16_t type,
		       const char *what);

/* nat_nft_put_flush - delete every rule of chain (the chain and the
 * sets stay); what for a NACK. */
void nat_nft_put_flush(struct nat_nft *h, struct batch *bt, const char *chain,
		       const char *what);

/* A set with timeouts, as nat_nft_put_set makes it; a map when it has
 * data (data_len not 0). */
struct nat_nft_set {
	const char *name;
	uint32_t family;	/* NFPROTO_* */
	uint32_t id;
	uint32_t key_type, key_len;
	uint32_t data_type, data_len;
};

/* nat_nft_put_set - create set d in bt; excl NLM_F_EXCL fails when it
 * exists (a fresh table), 0 keeps one that does. */
void nat_nft_put_set(struct nat_nft *h, struct batch *bt,
		     const struct nat_nft_set *d, uint16_t excl);

/* nat_nft_put_chain - create base chain name (type "nat" or "filter")
 * on hook at priority prio in bt's family's table. */
void nat_nft_put_chain(struct nat_nft *h, struct batch *bt, const char *name,
		       uint32_t hook, int32_t prio, const char *type);

/* nat_nft_key_pack - a's 4 bytes and port (network order), padded to
 * KEY_LEN, at k: the key (and a map's data) layout of snat4/dnat4. */
static inline void nat_nft_key_pack(uint8_t *k, const union addr *a,
				    uint16_t port)
{
	uint16_t p = htons(port);

	memset(k, 0, KEY_LEN);
	memcpy(k, &a->v4, 4);
	memcpy(k + 4, &p, 2);
}

/* nat_nft_apply_once - one transaction deleting del[0..n_del) and adding
 * add[0..n_add) (IPv4 bindings and IPv6 pinholes alike).  0, or -1 with
 * errno set (the kernel refused it whole: nothing changed). */
int nat_nft_apply_once(struct nat_nft *h, const struct nat_elem *del,
		       unsigned n_del, const struct nat_elem *add,
		       unsigned n_add);

/*
 * nat_from_setup - the media_from filter's two sets and its chain, into
 * bt: excl fails on sets that exist (a fresh table); without, they are
 * kept (a restart) and the chain's rule is made again.
 */
void nat_from_setup(struct nat_nft *h, struct batch *bt, bool excl);

/*
 * nat_from_put - the filter's elements of e[0..n) (IPv4, those with
 * filter set) added or deleted in bt: the public port in filt4, one
 * element per admitted source in from4.  Nothing when none is filtered.
 */
/* nat_nft_elems_start - (nat_nft_elem.c) the element list of set name in
 * nlh; close it with mnl_attr_nest_end.  nat_nft_elem_put - element i
 * (from 1) of a set (no data): its key, and when adding its timeout. */
struct nlattr *nat_nft_elems_start(struct nlmsghdr *nlh, const char *name);
void nat_nft_elem_put(struct nlmsghdr *nlh, unsigned i, const void *key,
		      size_t klen, bool add, uint32_t timeout_s);

/*
 * nat_from6_put - the same for IPv6 pinholes (table ip6, sets filt6 and
 * from6; nat_nft_pin6.c): elements of e[0..n) with filter set.
 */
void nat_from6_put(struct nat_nft *h, struct batch *bt, bool add,
		   const struct nat_elem *e, unsigned n);

/* nat_pin6t_put - the TCP holes of e[0..n) (proto TCP: from[0] may open
 * a connection to in_addr:in_port) added or deleted in bt (set pin6t).
 * Nothing when there is none. */
void nat_pin6t_put(struct nat_nft *h, struct batch *bt, bool add,
		   const struct nat_elem *e, unsigned n);

void nat_from_put(struct nat_nft *h, struct batch *bt, bool add,
		  const struct nat_elem *e, unsigned n);

/* Listing a set's elements (nat_nft_dump_set): elem turns one into a
 * nat_elem (from nat_nft_dump_next) or skips it; -1 when out of memory. */
struct nftnl_set_elem;
struct nat_nft_dump {
	int (*elem)(struct nat_nft_dump *d, struct nftnl_set_elem *el);
	struct nat_elem *e;
	unsigned n, cap;
};

/* nat_nft_dump_next - room for one more element in d, zeroed but for
 * proto (UDP) and timeout (the seconds el has left); NULL when out of
 * memory. */
struct nat_elem *nat_nft_dump_next(struct nat_nft_dump *d,
				   struct nftnl_set_elem *el);

/* nat_nft_dump_set - every element of set (table sipalg of family) through
 * d->elem into a malloc'd *out (NULL when none).  The count, or -1. */
int nat_nft_dump_set(struct nat_nft *h, uint16_t family, const char *set,
		     struct nat_nft_dump *d, struct nat_elem **out);

#endif
