/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "log.h"
#include "wan.h"

struct wan {
	struct mnl_socket *nl;
};

static unsigned prefix_len(const struct sockaddr_in *mask)
{
	return (unsigned)__builtin_popcount(mask->sin_addr.s_addr);
}

static void inside_add(struct wan_view *v, const struct ifaddrs *i)
{
	const struct sockaddr_in *sin = (const void *)i->ifa_addr;
	const struct sockaddr_in *mask = (const void *)i->ifa_netmask;
	struct prefix *p;

	if (!mask || v->n_inside >= RW_MAX_INSIDE)
		return;
	p = &v->inside[v->n_inside++];
	p->family = AF_INET;
	p->len = prefix_len(mask);
	p->addr.v4.s_addr = sin->sin_addr.s_addr & mask->sin_addr.s_addr;
}

/* Configured inside_networks: also networks routed behind the inside
 * interface, not only the ones on it. */
static void inside_conf(const struct conf *c, struct wan_view *v)
{
	unsigned k;

	v->n_inside = 0;
	for (k = 0; k < c->n_inside_networks && k < RW_MAX_INSIDE; k++) {
		v->inside[k].family = c->inside_networks[k].family;
		v->inside[k].addr = c->inside_networks[k].addr;
		v->inside[k].len = c->inside_networks[k].len;
		v->n_inside++;
	}
}

int wan_read(const struct conf *c, struct wan_view *v)
{
	struct ifaddrs *ifs, *i;

	memset(v, 0, sizeof(*v));
	v->in_ifindex = if_nametoindex(c->inside_interface);
	v->out_ifindex = if_nametoindex(c->outside_interface);
	if (c->public_family == AF_INET) {
		v->pub = c->public_address;
		v->have_pub = true;
	}
	if (getifaddrs(&ifs) < 0)
		return -1;
	for (i = ifs; i; i = i->ifa_next) {
		const struct sockaddr_in *sin = (const void *)i->ifa_addr;

		if (!sin || sin->sin_family != AF_INET)
			continue;
		if (v->n_own < WAN_MAX_OWN)
			v->own[v->n_own++].v4 = sin->sin_addr;
		if (!v->have_pub && !strcmp(i->ifa_name, c->outside_interface)) {
			v->pub.v4 = sin->sin_addr;
			v->have_pub = true;
		}
		if (!strcmp(i->ifa_name, c->inside_interface))
			inside_add(v, i);
	}
	freeifaddrs(ifs);
	if (c->n_inside_networks)
		inside_conf(c, v);
	return 0;
}

static unsigned wan_check_if(const char *key, const char *name)
{
	if (if_nametoindex(name))
		return 0;
	fprintf(stderr, "warning: %s %s does not exist now; sipalgd will "
		"wait for it (SIP passes unchanged until it exists)\n", key,
		name);
	return 1;
}

unsigned wan_check(const struct conf *c)
{
	unsigned n = wan_check_if("inside_interface", c->inside_interface) +
		     wan_check_if("outside_interface", c->outside_interface);
	char a[INET6_ADDRSTRLEN];

	if (c->public_family == AF_INET6) {
		inet_ntop(AF_INET6, &c->public_address, a, sizeof(a));
		fprintf(stderr, "warning: public_address %s is IPv6; sipalgd "
			"rewrites IPv4 and takes %s's IPv4 address instead\n",
			a, c->outside_interface);
		n++;
	}
	return n;
}

bool wan_ready(const struct wan_view *v)
{
	return v->in_ifindex && v->out_ifindex && v->have_pub;
}

struct wan *wan_open(void)
{
	struct wan *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!w->nl || mnl_socket_bind(w->nl, RTMGRP_LINK | RTMGRP_IPV4_IFADDR,
				      MNL_SOCKET_AUTOPID) < 0) {
		log_warn("rtnetlink: cannot watch interfaces");
		wan_close(w);
		return NULL;
	}
	return w;
}

void wan_close(struct wan *w)
{
	if (!w)
		return;
	if (w->nl)
		mnl_socket_close(w->nl);
	free(w);
}

int wan_fd(const struct wan *w)
{
	return mnl_socket_get_fd(w->nl);
}

static bool wan_relevant(uint16_t type)
{
	return type == RTM_NEWLINK || type == RTM_DELLINK ||
	       type == RTM_NEWADDR || type == RTM_DELADDR;
}

bool wan_drain(struct wan *w)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	bool changed = false;
	ssize_t n;

	while ((n = mnl_socket_recvfrom(w->nl, buf, sizeof(buf))) > 0) {
		const struct nlmsghdr *nlh = (const void *)buf;
		int len = (int)n;

		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			changed |= wan_relevant(nlh->nlmsg_type);
	}
	if (n < 0 && errno == ENOBUFS)
		changed = true;
	return changed;
}
