// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl.c - the control protocol: what sipalgctl asks, and the replies.
 *
 * A request is one line of words: a command, then its arguments.  The
 * listings take the argument "json".  Commands are rows of a table, like
 * the configuration's keys.
 */
#include "ctl.h"

#include <stdio.h>
#include <string.h>

#include "view.h"

#define CTL_MAX_ARGS 4
#define CTL_LINE_MAX 1024

struct ctl_cmd {
	const char *name;
	int (*run)(struct ctl_ops *o, int argc, char **argv, struct buf *out);
	const char *usage;
	/* listings: what run prints, in the format asked for */
	void (*list)(struct ctl_ops *o, struct buf *out, enum view_fmt f);
};

static void list_calls(struct ctl_ops *o, struct buf *out, enum view_fmt f)
{
	view_calls(out, o->alg, f);
}

static void list_registrations(struct ctl_ops *o, struct buf *out,
			       enum view_fmt f)
{
	view_registrations(out, o->alg, f);
}

static void list_bindings(struct ctl_ops *o, struct buf *out,
			  enum view_fmt f)
{
	view_bindings(out, o->alg, o->prior, f);
}

static void list_stats(struct ctl_ops *o, struct buf *out, enum view_fmt f)
{
	view_stats(out, o->alg, o->meter, f);
}

static const struct ctl_cmd *ctl_find(const char *name);

/* The listings: "NAME [json]". */
static int ctl_list(struct ctl_ops *o, int argc, char **argv,
		    struct buf *out)
{
	enum view_fmt f = VIEW_TEXT;

	if (argc == 2 && strcmp(argv[1], "json") == 0)
		f = VIEW_JSON;
	else if (argc != 1) {
		buf_printf(out, "error usage: %s [json]\n", argv[0]);
		return 0;
	}
	buf_add(out, "ok\n", 3);
	ctl_find(argv[0])->list(o, out, f);
	return 0;
}

static int ctl_end(struct ctl_ops *o, int argc, char **argv, struct buf *out)
{
	if (argc != 2) {
		buf_add(out, "error usage: end CALLID\n", 24);
		return 0;
	}
	if (o->end_call(o->end_ctx, argv[1], strlen(argv[1])) < 0)
		buf_printf(out, "error no call with Call-ID %s\n", argv[1]);
	else
		buf_printf(out, "ok\nended call %s\n", argv[1]);
	return 0;
}

static int ctl_reload(struct ctl_ops *o, int argc, char **argv,
		      struct buf *out)
{
	char err[512];

	if (argc != 1) {
		buf_add(out, "error usage: reload\n", 20);
		return 0;
	}
	if (o->reload(o->reload_ctx, err, sizeof(err)) < 0)
		buf_printf(out, "error reload refused: %s\n", err);
	else
		buf_add(out, "ok\nconfiguration reloaded\n", 26);
	return 0;
}

static int ctl_version(struct ctl_ops *o, int argc, char **argv,
		       struct buf *out)
{
	buf_printf(out, "ok\nsipalgd %s\n", SIPALG_VERSION);
	return 0;
}

static const struct ctl_cmd ctl_cmds[] = {
	{ "calls", ctl_list, "calls [json]", list_calls },
	{ "registrations", ctl_list, "registrations [json]",
	  list_registrations },
	{ "bindings", ctl_list, "bindings [json]", list_bindings },
	{ "stats", ctl_list, "stats [json]", list_stats },
	{ "end", ctl_end, "end CALLID", NULL },
	{ "reload", ctl_reload, "reload", NULL },
	{ "version", ctl_version, "version", NULL },
};

#define CTL_NCMDS (sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

static const struct ctl_cmd *ctl_find(const char *name)
{
	size_t i;

	for (i = 0; i < CTL_NCMDS; i++)
		if (strcmp(name, ctl_cmds[i].name) == 0)
			return &ctl_cmds[i];
	return NULL;
}

/* ctl_split - cut line into blank-separated words; -1 past max. */
static int ctl_split(char *line, char **argv, int max)
{
	int argc = 0;
	char *w;

	while ((w = strsep(&line, " \t"))) {
		if (!*w)
			continue;
		if (argc == max)
			return -1;
		argv[argc++] = w;
	}
	return argc;
}

static void ctl_run(struct ctl_ops *o, char *line, struct buf *out)
{
	char *argv[CTL_MAX_ARGS];
	int argc = ctl_split(line, argv, CTL_MAX_ARGS);
	const struct ctl_cmd *c;
	size_t i;

	if (argc <= 0) {
		buf_add(out, "error empty or overlong request\n", 32);
		return;
	}
	c = ctl_find(argv[0]);
	if (c) {
		c->run(o, argc, argv, out);
		return;
	}
	buf_add(out, "error unknown command; commands:", 32);
	for (i = 0; i < CTL_NCMDS; i++)
		buf_printf(out, " %s%s", ctl_cmds[i].usage,
			   i + 1 < CTL_NCMDS ? "," : "\n");
}

int ctl_handle(void *ctx, const char *req, size_t len, struct buf *out)
{
	char line[CTL_LINE_MAX];
	const char *nl = memchr(req, '\n', len);
	size_t n;

	if (!nl)
		return 0;
	n = (size_t)(nl - req);
	if (n && req[n - 1] == '\r')
		n--;
	if (n >= sizeof(line)) {
		buf_add(out, "error request line too long\n", 28);
		return 1;
	}
	memcpy(line, req, n);
	line[n] = '\0';
	ctl_run(ctx, line, out);
	if (!buf_ok(out)) {
		buf_reset(out);
		buf_add(out, "error reply too large or out of memory\n", 39);
	}
	return 1;
}
