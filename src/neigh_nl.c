/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "log.h"
#include "neigh.h"

/* The neighbour table's rtnetlink socket: events for both families, and
 * a dump (at start, and after an overrun lost events). */

struct neigh_nl {
	struct mnl_socket *nl;
	uint32_t seq;
};

/* Ask for the whole table; its answer is read like events.  A dump that
 * cannot be sent now (one is still running: EBUSY) is not retried: the
 * running one and the events after it cover the table. */
static void neigh_nl_dump(struct neigh_nl *s)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct ndmsg *nd;

	h->nlmsg_type = RTM_GETNEIGH;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	h->nlmsg_seq = ++s->seq;
	nd = mnl_nlmsg_put_extra_header(h, sizeof(*nd));
	nd->ndm_family = AF_UNSPEC;
	if (mnl_socket_sendto(s->nl, h, h->nlmsg_len) < 0)
		log_warn("rtnetlink: neighbour table dump not sent");
}

struct neigh_nl *neigh_nl_open(void)
{
	struct neigh_nl *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->seq = (uint32_t)time(NULL);
	s->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!s->nl ||
	    mnl_socket_bind(s->nl, RTMGRP_NEIGH, MNL_SOCKET_AUTOPID) < 0) {
		log_warn("rtnetlink: cannot watch the neighbour table");
		neigh_nl_close(s);
		return NULL;
	}
	neigh_nl_dump(s);
	return s;
}

void neigh_nl_close(struct neigh_nl *s)
{
	if (!s)
		return;
	if (s->nl)
		mnl_socket_close(s->nl);
	free(s);
}

int neigh_nl_fd(const struct neigh_nl *s)
{
	return mnl_socket_get_fd(s->nl);
}

void neigh_nl_drain(struct neigh_nl *s, struct neigh *n)
{
	_Alignas(8) char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t k;

	while ((k = mnl_socket_recvfrom(s->nl, buf, sizeof(buf))) > 0)
		neigh_msgs(n, buf, (size_t)k);
	if (k < 0 && errno == ENOBUFS) {
		log_warnx("rtnetlink: neighbour events lost; dumping the "
			  "table again");
		neigh_nl_dump(s);
	}
}
