/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "rw.h"

/*
 * What outbound messages may open (issue 11, README "Security"): a
 * binding only for the packet's own source address, on a port at or above
 * bind_port_min, never for an address no phone can own.  Anything else a
 * message names passes as written (NAT Slipstreaming v1/v2 named other
 * inside hosts and ports in Contact, Via and SDP).
 */

const char *const RW_WHY_OTHER_HOST = "not bound: address of another inside "
				      "host";
const char *const RW_WHY_SPECIAL = "not bound: gateway, network, broadcast, "
				   "multicast or loopback address";
const char *const RW_WHY_LOW_PORT = "not bound: port below bind_port_min";
const char *const RW_WHY_MEDIA_RANGE = "not bound: media port outside "
				       "inside_media_ports";
const char *const RW_WHY_RTCP_WRAP = "not bound: RTCP port past 65535";
const char *const RW_WHY_BYE_TAGS = "ignored: tags name no dialog of the "
				    "call";
const char *const RW_WHY_ENDED_2XX = "not bound: 2xx retransmitted after "
				     "its dialog's BYE";
const char *const RW_WHY_CALLID_REUSE = "ignored: Call-ID of a call with "
					"another party";
const char *const RW_WHY_NOT_REGISTERED = "dropped: out-of-dialog request "
					  "names no registered Contact of "
					  "the phone, or incoming_from";
const char *const RW_WHY_REG_2XX = "ignored: 2xx to REGISTER matches no "
				   "outstanding REGISTER";

static bool v4_special(const struct rw_ctx *x, uint32_t h)
{
	unsigned i;

	if ((h >> 24) == 0 || (h >> 24) == 127 || (h >> 28) == 14 ||
	    (h >> 28) == 15)	/* this net, loopback, multicast, class E */
		return true;
	for (i = 0; i < x->n_inside; i++) {
		const struct prefix *p = &x->inside[i];
		uint32_t mask, net;

		if (p->family != AF_INET || p->len > 30 || p->len == 0)
			continue;
		mask = ~0u << (32 - p->len);
		net = ntohl(p->addr.v4.s_addr);
		if ((h & mask) == (net & mask) &&
		    ((h & ~mask) == 0 || (h & ~mask) == ~mask))
			return true;	/* its network or broadcast address */
	}
	return false;
}

static bool v6_special(const union addr *a)
{
	static const unsigned char zero[16];
	const unsigned char *b = a->v6.s6_addr;

	if (b[0] == 0xff)
		return true;	/* multicast */
	if (!memcmp(b, zero, 15))
		return b[15] <= 1;	/* unspecified, loopback */
	return false;
}

bool rw_policy_special(const struct rw_ctx *x, const union addr *a)
{
	unsigned i;

	for (i = 0; i < x->n_own; i++)
		if (rw_addr_eq(x->family, a, &x->own[i]))
			return true;
	if (x->family == AF_INET6)
		return v6_special(a);
	return v4_special(x, ntohl(a->v4.s_addr));
}

/* May a message from x->src carry a for binding?  A trusted proxy (a PBX
 * behind the gateway that does not anchor media) names its phones. */
static bool sender_may_name(const struct rw_ctx *x, const union addr *a)
{
	unsigned i;

	if (rw_addr_eq(x->family, a, &x->src))
		return true;
	for (i = 0; i < x->conf->n_trusted_proxies; i++) {
		const struct conf_net *n = &x->conf->trusted_proxies[i];

		if (conf_net_has(n, x->family, &x->src))
			return true;
	}
	return false;
}

const char *rw_policy_bind(const struct rw_ctx *x, const union addr *a,
			   uint16_t port)
{
	if (rw_policy_special(x, a))
		return RW_WHY_SPECIAL;
	if (!sender_may_name(x, a))
		return RW_WHY_OTHER_HOST;
	if (port < x->conf->bind_port_min)
		return RW_WHY_LOW_PORT;
	return NULL;
}

const char *rw_policy_media(const struct rw_ctx *x, const union addr *a,
			    uint32_t rtp, uint32_t rtcp)
{
	const struct conf *c = x->conf;
	const char *why = rw_policy_bind(x, a, (uint16_t)rtp);

	if (why)
		return why;
	if (rtcp > 65535 || rtcp == 0)
		return RW_WHY_RTCP_WRAP;
	if (rtcp < c->bind_port_min)
		return RW_WHY_LOW_PORT;
	if (rtp < c->inside_media_port_min || rtp > c->inside_media_port_max ||
	    rtcp < c->inside_media_port_min || rtcp > c->inside_media_port_max)
		return RW_WHY_MEDIA_RANGE;
	return NULL;
}

void rw_policy_note(struct rw_result *r, const char *why)
{
	unsigned i;

	for (i = 0; i < r->n_note; i++)
		if (r->note[i] == why)
			return;
	if (r->n_note < RW_MAX_NOTES)
		r->note[r->n_note++] = why;
}
