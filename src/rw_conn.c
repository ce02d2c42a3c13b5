/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "rw.h"

/*
 * SIP over TCP.  A phone's own address in a message it sends on a
 * connection (Via sent-by, Contact) is replaced by the connection's public
 * side: the address and port the NAT gave the connection, which conntrack
 * holds for as long as the connection lives.  A registrar then reaches the
 * phone over the connection it registered on, as registrars do with
 * phones behind NAT (a request to a Contact whose host:port is an open
 * connection's far end uses that connection; RFC 3261 18.2.2 sends
 * responses over it anyway).  No kernel binding is made for it: the
 * connection is the binding.  On the way back the texts the phone wrote
 * are restored.
 */

static void copy_text(char *dst, size_t cap, const char *buf, struct span s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;

	memcpy(dst, buf + s.off, n);
	dst[n] = '\0';
}

int rw_conn_out(const struct rw_ctx *x, const struct sip_msg *m,
		const struct sip_hostport *hp, char *save, size_t cap,
		struct rw_result *r)
{
	const struct stream_sig *c = x->conn;
	char a[INET6_ADDRSTRLEN], txt[INET6_ADDRSTRLEN + 8];
	union addr h;

	if (!rw_addr_parse(m->buf, hp->host, x->family, &h) ||
	    !rw_addr_eq(x->family, &h, &x->src))
		return 0;	/* another inside host: not this connection */
	if (save)
		copy_text(save, cap, m->buf, rw_addr_hostport_span(hp));
	rewrite_addr_text(x->family, &c->pub, a, sizeof(a));
	snprintf(txt, sizeof(txt), x->family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		 a, c->pub_port);
	return edits_add_str(&r->edits, rw_addr_hostport_span(hp), txt) < 0
		       ? -1
		       : 1;
}

int rw_conn_in(const struct rw_ctx *x, const struct sip_msg *m,
	       const struct sip_hostport *hp, const char *saved,
	       struct rw_result *r)
{
	const struct stream_sig *c = x->conn;
	uint16_t port = hp->port_num ? hp->port_num : 5060;
	char txt[INET6_ADDRSTRLEN + 8];
	union addr h;

	if (!rw_addr_parse(m->buf, hp->host, x->family, &h) ||
	    !rw_addr_eq(x->family, &h, &c->pub) || port != c->pub_port)
		return 0;
	if (!saved || !saved[0]) {
		rewrite_addr_text(x->family, &x->dst, txt, sizeof(txt));
		snprintf(txt + strlen(txt), sizeof(txt) - strlen(txt), ":%u",
			 x->dport);
		saved = txt;
	}
	return edits_add_str(&r->edits, rw_addr_hostport_span(hp), saved) < 0
		       ? -1
		       : 1;
}

int rw_conn_contacts(const struct rw_ctx *x, const struct sip_msg *m,
		     struct rw_result *r)
{
	unsigned i;

	for (i = 0; i < m->n_hdr; i++) {
		struct sip_hostport hp;
		struct span item;
		uint32_t pos = 0;

		if (m->hdr[i].id != SIP_HDR_CONTACT)
			continue;
		while (sip_list_next(m->buf, m->hdr[i].value, &pos, &item))
			if (sip_uri_hostport(m->buf, item, &hp) == 0 &&
			    rw_conn_in(x, m, &hp, x->conn->contact_hp, r) < 0)
				return -1;
	}
	return 0;
}
