/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_NFTX_H
#define SIPALG_NFTX_H

/*
 * The nftables vocabulary the daemon's two tables share: the NAT
 * backend's (nat_nft*.c, nat_from.c) and the divert table (divert.c).
 * Rule expressions are appended to a libnftnl rule; objects are built
 * into a message header the caller's batch made.  No batching, no
 * I/O but the socket's opening: each caller keeps its own transaction
 * and its own answer to a NACK.
 */

#include <stdbool.h>
#include <stdint.h>

struct mnl_socket;
struct nlmsghdr;
struct nftnl_rule;

/* nftx_socket - a netfilter netlink socket, bound, whose reads give up
 * after a second (a kernel that stopped answering must not hang the
 * daemon).  NULL on failure (errno set). */
struct mnl_socket *nftx_socket(void);

/* nftx_table_put - table name of family into message nlh. */
void nftx_table_put(struct nlmsghdr *nlh, const char *name, uint32_t family);

/* nftx_chain_put - base chain name of table (type "nat" or "filter", on
 * hook at priority prio, policy accept) into message nlh. */
void nftx_chain_put(struct nlmsghdr *nlh, const char *table,
		    const char *name, uint32_t hook, int32_t prio,
		    const char *type);

/* nftx_rule - a new rule for chain of table (family NFPROTO_*), to be
 * filled with the expressions below and given to nftx_rule_put.  NULL
 * when out of memory (libnftnl's own contract). */
struct nftnl_rule *nftx_rule(const char *table, const char *chain,
			     uint32_t family);

/* nftx_rule_put - rule r into message nlh; r is freed. */
void nftx_rule_put(struct nlmsghdr *nlh, struct nftnl_rule *r);

/* nftx_meta - meta key (NFT_META_*) into register 1. */
void nftx_meta(struct nftnl_rule *r, uint32_t key);

/* nftx_cmp - register 1 compared (NFT_CMP_*) with len bytes at v; a
 * mismatch ends the rule. */
void nftx_cmp(struct nftnl_rule *r, uint32_t op, const void *v, uint32_t len);

/* nftx_l4proto - meta l4proto == proto. */
void nftx_l4proto(struct nftnl_rule *r, uint8_t proto);

/* nftx_ifname - interface name (key NFT_META_IIFNAME or _OIFNAME)
 * compared (op) with ifname: by name, not index, so that an interface
 * made again (a new ppp0) still matches. */
void nftx_ifname(struct nftnl_rule *r, uint32_t key, uint32_t op,
		 const char *ifname);

/* nftx_payload - len bytes at off of base (NFT_PAYLOAD_*) into reg. */
void nftx_payload(struct nftnl_rule *r, uint32_t base, uint32_t off,
		  uint32_t len, uint32_t reg);

/* nftx_lookup - register 1 (and the ones after it, for a concatenation)
 * looked up in set (by name and id); flags: NFTX_MAP, the value found
 * replaces register 1; NFTX_INV, the rule goes on only on a miss.
 * Otherwise a miss ends the rule. */
#define NFTX_MAP 1u
#define NFTX_INV 2u
void nftx_lookup(struct nftnl_rule *r, const char *set, uint32_t id,
		 unsigned flags);

/* nftx_ct_mark_load - the flow's ct mark into register 1. */
void nftx_ct_mark_load(struct nftnl_rule *r);

/* nftx_ct_mark_set - ct mark set mark (through register reg). */
void nftx_ct_mark_set(struct nftnl_rule *r, uint32_t mark, uint32_t reg);

/* nftx_count_verdict - counter, then verdict (NF_DROP, NFT_RETURN, ...). */
void nftx_count_verdict(struct nftnl_rule *r, int32_t verdict);

#endif
