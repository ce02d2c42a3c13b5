/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_CONF_H
#define SIPALG_CONF_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

#define CONF_MAX_SIP_PORTS 16
#define CONF_MAX_INSIDE_NETS 8
#define CONF_MAX_PUBLIC_POOL 15
#define CONF_PATH_MAX 108	/* sun_path */
#define CONF_NAME_MAX 32
#define CONF_CONTROL_SOCKET "/run/sipalg/control"
#define CONF_STATE_FILE "/var/lib/sipalg/state"


/* A network ADDR/LEN (family AF_INET or AF_INET6, host bits zero). */
struct conf_net {
	int family;
	union addr addr;
	unsigned len;
};

struct conf {
	char inside_interface[IF_NAMESIZE];
	char outside_interface[IF_NAMESIZE];
	int public_family;		/* 0 = take the outside address */
	union addr public_address;
	/* public_pool: more IPv4 addresses of the outside interface for
	 * bindings; each inside host keeps one address for all its own. */
	struct in_addr public_pool[CONF_MAX_PUBLIC_POOL];
	unsigned n_public_pool;
	uint16_t sip_ports[CONF_MAX_SIP_PORTS];
	unsigned n_sip_ports;
	uint16_t media_port_min, media_port_max;	/* inclusive */
	uint16_t signalling_port_min, signalling_port_max;
	uint16_t queue;
	uint32_t ct_mark;		/* conntrack mark for our flows */
	uint32_t register_default_expiry;	/* s, when no 200 yet */
	uint32_t register_max_expiry;		/* s, cap on a binding */
	uint32_t call_setup_timeout;		/* s, INVITE without answer */
	uint32_t media_idle_timeout;		/* s, no media in a call */
	uint32_t call_max_duration;		/* s, hard cap */
	uint32_t max_calls;
	uint32_t max_bindings;
	uint32_t log_interval;			/* s, rate limit per reason */
	/* inside_networks: the networks behind the gateway.  n = 0 when the
	 * key is absent (the daemon then takes the inside interface's
	 * networks; sipalg-replay the private ranges). */
	struct conf_net inside_networks[CONF_MAX_INSIDE_NETS];
	unsigned n_inside_networks;
	bool fail_closed;	/* drop what cannot be rewritten (default:
				 * pass unchanged) */
	int rules_backend;	/* enum conf_rules */
	uint32_t restart_grace;	/* s bindings outlive a stop (restart) */
	/* Where calls and registrations are kept across a restart ("" =
	 * nowhere). */
	char state_file[CONF_PATH_MAX];
	int log_level;		/* LOG_LEVEL_*: which lines reach the log */
	/* The control socket of sipalgctl ("" = none), and the group that
	 * may use it besides root ("" = root only). */
	char control_socket[CONF_PATH_MAX];
	char control_group[CONF_NAME_MAX];
	/* http_listen: metrics and status page; family 0 = off. */
	int http_family;
	union addr http_addr;
	uint16_t http_port;
	/* What a message may open (README "Security"). */
	uint16_t bind_port_min;		/* inside ports below: never bound */
	uint16_t inside_media_port_min, inside_media_port_max;
	/* trusted_proxies: inside proxies/PBXs whose messages may name other
	 * inside hosts (their phones) for binding. */
	struct conf_net trusted_proxies[CONF_MAX_INSIDE_NETS];
	unsigned n_trusted_proxies;
	/* incoming_from: who may send out-of-dialog requests to a
	 * registered phone (besides naming its registered Contact). */
	enum { INCOMING_ANY, INCOMING_REGISTRAR, INCOMING_NETS } incoming_from;
	struct conf_net incoming_nets[CONF_MAX_INSIDE_NETS];
	unsigned n_incoming_nets;
	/* media_from: who may send to a call's public media ports from the
	 * outside: any host, or only the far end its SDP (c=) or its
	 * signalling names. */
	enum { MEDIA_FROM_ANY, MEDIA_FROM_SDP } media_from;
	/* Quotas. */
	uint32_t max_calls_per_host;
	uint32_t max_media_per_host;		/* streams (RTP+RTCP pairs) */
	uint32_t max_signalling_per_host;	/* signalling bindings */
	uint32_t max_inbound_setups_per_source;	/* unanswered inbound */
	uint32_t max_callid_length;		/* bytes; longer: stateless */
	uint32_t tcp_max_connections;	/* SIP over TCP followed at once */
	uint32_t tcp_idle_timeout;	/* s; a quiet connection forgotten */
	bool ipv6;		/* IPv6 pinholes for phones with global
				 * addresses (default yes) */
};

/* Who diverts SIP to the queue: rules/sipalg-rules with iptables, or the
 * daemon's own table inet sipalg (auto: nft when iptables is missing). */
enum conf_rules { CONF_RULES_AUTO, CONF_RULES_IPTABLES, CONF_RULES_NFT };

/*
 * conf_defaults - fill *c with the documented defaults.
 */
void conf_defaults(struct conf *c);

/*
 * conf_load - read a "key = value" file into *c (starting from defaults).
 * Returns 0, or -1 with a message "FILE:LINE: what is wrong" in err
 * (errlen bytes).  *c is only written on success.
 */
int conf_load(struct conf *c, const char *path, char *err, size_t errlen);

/* conf_net_has - true when address a of family lies in network n. */
bool conf_net_has(const struct conf_net *n, int family, const union addr *a);

/* conf_nets_have - true when a lies in one of n[0..count). */
bool conf_nets_have(const struct conf_net *n, unsigned count, int family,
		    const union addr *a);

/* conf_is_sip_port - true when port is one of the configured SIP ports. */
bool conf_is_sip_port(const struct conf *c, uint16_t port);

#endif
