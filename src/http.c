// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * http.c - the metrics endpoint and the status page.
 *
 * Only what a scraper and a browser need: the request line of a GET (or
 * HEAD), the head read up to its blank line and otherwise ignored, a
 * complete response with Content-Length, then the connection is closed.
 * The status page is plain HTML with the same listings as sipalgctl; a
 * meta refresh reloads it, so it needs no script and no other file.
 */
#include "http.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "metrics.h"
#include "view.h"

#define HTTP_REFRESH_S 5

static void http_response(struct buf *out, const char *status,
			  const char *type, const struct buf *body,
			  bool head_only)
{
	size_t n = body->p ? body->len : 0;

	buf_printf(out, "HTTP/1.0 %s\r\nContent-Type: %s\r\n"
		   "Content-Length: %zu\r\nCache-Control: no-store\r\n"
		   "X-Content-Type-Options: nosniff\r\nConnection: close\r\n"
		   "\r\n", status, type, n);
	if (n && !head_only)
		buf_add(out, body->p, n);
}

/* A section of the page: a heading and a listing, escaped. */
static void page_section(struct buf *b, const char *title, const char *id,
			 const struct buf *text)
{
	buf_printf(b, "<h2>%s</h2>\n<pre id=\"%s\">", title, id);
	if (text->p)
		buf_html(b, text->p, text->len);
	buf_add(b, "</pre>\n", 7);
}

static void page_recent(struct buf *b)
{
	const char *line;
	int64_t when;
	unsigned i;

	buf_add(b, "<h2>Recent warnings</h2>\n<ul id=\"recent\">\n", 41);
	for (i = 0; (line = log_recent(i, &when)); i++) {
		char t[32];
		time_t tt = (time_t)when;
		struct tm tm;

		strftime(t, sizeof(t), "%Y-%m-%d %H:%M:%S",
			 gmtime_r(&tt, &tm));
		buf_printf(b, "<li>%s UTC ", t);
		buf_html(b, line, strlen(line));
		buf_add(b, "</li>\n", 6);
	}
	if (!i)
		buf_add(b, "<li>none</li>\n", 14);
	buf_add(b, "</ul>\n", 6);
}

static void status_page(struct buf *b, struct ctl_ops *o)
{
	struct buf t = { 0 };

	buf_printf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
		   "<meta charset=\"utf-8\">"
		   "<meta http-equiv=\"refresh\" content=\"%d\">"
		   "<title>sipalg status</title><style>"
		   "body{font-family:sans-serif;margin:1em 2em}"
		   "pre{background:#f4f4f4;padding:.5em;overflow-x:auto}"
		   "h2{font-size:1.1em;margin-top:1.2em}"
		   "</style></head><body>\n<h1>sipalg status</h1>\n"
		   "<p>sipalgd %s &middot; refreshes every %d s</p>\n",
		   HTTP_REFRESH_S, SIPALG_VERSION, HTTP_REFRESH_S);
	view_calls(&t, o->alg, VIEW_TEXT);
	page_section(b, "Calls", "calls", &t);
	buf_reset(&t);
	view_registrations(&t, o->alg, VIEW_TEXT);
	page_section(b, "Registrations", "registrations", &t);
	buf_reset(&t);
	view_stats(&t, o->alg, o->meter, VIEW_TEXT);
	page_section(b, "Counters", "counters", &t);
	buf_free(&t);
	page_recent(b);
	buf_add(b, "</body></html>\n", 15);
}

/* The path of "GET /path HTTP/1.x": 0, or -1 when not such a line. */
static int http_path(const char *req, char *path, size_t cap, bool *head)
{
	const char *p, *sp;

	if (strncmp(req, "GET ", 4) == 0)
		p = req + 4, *head = false;
	else if (strncmp(req, "HEAD ", 5) == 0)
		p = req + 5, *head = true;
	else
		return -1;
	sp = strchr(p, ' ');
	if (!sp || (size_t)(sp - p) >= cap || strncmp(sp, " HTTP/1.", 8))
		return -1;
	memcpy(path, p, (size_t)(sp - p));
	path[sp - p] = '\0';
	path[strcspn(path, "?")] = '\0';	/* a query changes nothing */
	return 0;
}

int http_handle(void *ctx, const char *req, size_t len, struct buf *out)
{
	struct ctl_ops *o = ctx;
	struct buf body = { 0 };
	char path[256];
	bool head;

	if (!strstr(req, "\r\n\r\n") && !strstr(req, "\n\n"))
		return 0;
	if (http_path(req, path, sizeof(path), &head) < 0) {
		buf_add(&body, "only GET and HEAD\n", 18);
		http_response(out, "405 Method Not Allowed", "text/plain",
			      &body, false);
	} else if (strcmp(path, "/metrics") == 0) {
		metrics_write(&body, o->alg, o->meter);
		http_response(out, "200 OK",
			      "text/plain; version=0.0.4; charset=utf-8",
			      &body, head);
	} else if (strcmp(path, "/") == 0) {
		status_page(&body, o);
		http_response(out, "200 OK", "text/html; charset=utf-8",
			      &body, head);
	} else {
		buf_add(&body, "not found: try / or /metrics\n", 29);
		http_response(out, "404 Not Found", "text/plain", &body,
			      head);
	}
	buf_free(&body);
	if (!buf_ok(out))
		return -1;
	return 1;
}
