// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * view6.c - IPv6 pinholes in the operator's listings (view.c lists the
 * IPv4 state; the rows here have the same columns and JSON keys, plus
 * "family":"ipv6").
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "view6.h"

struct v6_walk {
	struct buf *b;
	enum view_fmt f;
	uint64_t now;
	unsigned n;
};

static unsigned long long left(uint64_t now, uint64_t t)
{
	return t > now ? t - now : 0;
}

static const char *sep(const struct v6_walk *w)
{
	return w->n ? ",\n" : "\n";
}

static void ports_text(struct buf *b, const struct pin6_call_info *c)
{
	unsigned i;

	for (i = 0; i < c->n_port; i++)
		buf_printf(b, "%s%u>%u", i ? "," : "", c->port[i], c->port[i]);
	if (!c->n_port)
		buf_add(b, "-", 1);
}

static void ports_json(struct buf *b, const struct pin6_call_info *c)
{
	char hp[VIEW_ADDR_MAX];
	unsigned i;

	buf_add(b, "[", 1);
	for (i = 0; i < c->n_port; i++) {
		view_addr(AF_INET6, c->phone, c->port[i], hp);
		buf_printf(b, "%s{\"inside\":\"%s\",\"public\":\"%s\"}",
			   i ? "," : "", hp, hp);
	}
	buf_add(b, "]", 1);
}

static void call_row(void *ctx, const struct pin6_call_info *c)
{
	struct v6_walk *w = ctx;
	const char *state = c->confirmed ? "confirmed" : "setup";
	unsigned long long age = w->now > c->created ? w->now - c->created
						     : 0;
	char ph[VIEW_ADDR_MAX];

	view_addr(AF_INET6, c->phone, 0, ph);
	if (w->f == VIEW_TEXT) {
		buf_text(w->b, c->id, c->id_len, 40);
		buf_printf(w->b, " %-21s %-21s ", ph, "-");
		ports_text(w->b, c);
		buf_printf(w->b, " %s %llus media - (IPv6)\n", state, age);
	} else {
		buf_printf(w->b, "%s{\"call_id\":", sep(w));
		buf_json_str(w->b, c->id, c->id_len);
		buf_printf(w->b, ",\"family\":\"ipv6\",\"phone\":\"%s\","
			   "\"far_end\":\"-\",\"streams\":", ph);
		ports_json(w->b, c);
		buf_printf(w->b, ",\"state\":\"%s\",\"age_s\":%llu,"
			   "\"media_idle_s\":null}", state, age);
	}
	w->n++;
}

unsigned view6_calls(struct buf *b, const struct alg *a, enum view_fmt f,
		     uint64_t now, unsigned n)
{
	struct v6_walk w = { b, f, now, n };

	pin6_each_call(a->pin6, call_row, &w);
	return w.n;
}

static void reg_row(void *ctx, const struct pin6_reg_info *g)
{
	struct v6_walk *w = ctx;
	char hp[VIEW_ADDR_MAX];

	view_addr(AF_INET6, g->phone, g->port, hp);
	if (w->f == VIEW_TEXT) {
		buf_text(w->b, *g->aor ? g->aor : "-",
			 *g->aor ? strlen(g->aor) : 1, 40);
		buf_printf(w->b, " %-21s %-21s %llus\n", hp, hp,
			   left(w->now, g->expires));
	} else {
		buf_printf(w->b, "%s{\"aor\":", sep(w));
		buf_json_str(w->b, g->aor, strlen(g->aor));
		buf_printf(w->b, ",\"family\":\"ipv6\",\"contact\":\"%s\","
			   "\"public\":\"%s\",\"expires_in_s\":%llu}", hp, hp,
			   left(w->now, g->expires));
	}
	w->n++;
}

unsigned view6_registrations(struct buf *b, const struct alg *a,
			     enum view_fmt f, uint64_t now, unsigned n)
{
	struct v6_walk w = { b, f, now, n };

	pin6_each_reg(a->pin6, reg_row, &w);
	return w.n;
}

static void bind_row(struct v6_walk *w, const char *kind, const char *hp,
		     const char *t_left, const char *owner, unsigned own_len)
{
	if (w->f == VIEW_TEXT) {
		buf_printf(w->b, "%-10s %-21s %-21s %7s %.*s\n", kind, hp, hp,
			   t_left, (int)own_len, owner);
	} else {
		buf_printf(w->b, "%s{\"kind\":\"%s\",\"family\":\"ipv6\","
			   "\"inside\":\"%s\",\"public\":\"%s\","
			   "\"kernel_timeout_s\":%s,\"owner\":", sep(w), kind,
			   hp, hp, *t_left == '-' ? "null" : t_left);
		buf_json_str(w->b, owner, own_len);
		buf_add(w->b, "}", 1);
	}
	w->n++;
}

static void call_binds(void *ctx, const struct pin6_call_info *c)
{
	struct v6_walk *w = ctx;
	char hp[VIEW_ADDR_MAX];
	struct buf own = { 0 };
	unsigned i;

	buf_add(&own, "call ", 5);
	buf_text(&own, c->id, c->id_len, 0);
	for (i = 0; i < c->n_port; i++) {
		view_addr(AF_INET6, c->phone, c->port[i], hp);
		bind_row(w, "media", hp, "-", own.p ? own.p : "call",
			 own.p ? (unsigned)own.len : 4);
	}
	buf_free(&own);
}

static void reg_binds(void *ctx, const struct pin6_reg_info *g)
{
	struct v6_walk *w = ctx;
	char hp[VIEW_ADDR_MAX], t[24];
	static const char own[] = "phone (registration)";

	view_addr(AF_INET6, g->phone, g->port, hp);
	snprintf(t, sizeof(t), "%llu", left(w->now, g->expires));
	bind_row(w, "signalling", hp, t, own, sizeof(own) - 1);
}

unsigned view6_bindings(struct buf *b, const struct alg *a, enum view_fmt f,
			uint64_t now, unsigned n)
{
	struct v6_walk w = { b, f, now, n };

	pin6_each_reg(a->pin6, reg_binds, &w);
	pin6_each_call(a->pin6, call_binds, &w);
	return w.n;
}
