/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "call_restore.h"
#include "log.h"
#include "pin6.h"
#include "pin6_int.h"
#include "restart.h"
#include "state.h"

struct prior *restart_adopt(struct nat_nft *nft, struct nat_keep *keep,
			    struct calls *t)
{
	struct nat_elem *e = NULL;
	struct prior *p = NULL;
	struct calls_prior hooks;
	int n = nat_nft_dump(nft, &e), i;

	if (n < 0)
		log_warnx("cannot list the bindings an earlier run left; "
			  "starting without them");
	if (n > 0)
		p = prior_new(e, (unsigned)n);
	if (p) {
		for (i = 0; i < n; i++)
			nat_keep_adopt(keep, &e[i]);
		hooks = prior_hooks(p);
		calls_set_prior(t, &hooks);
		log_info("found %d bindings an earlier run left: the kernel "
			 "keeps forwarding them, their public ports stay "
			 "theirs", n);
	}
	free(e);
	return p;
}

void restart_leave(struct nat_nft *nft, struct nat_keep *keep,
		   uint32_t grace)
{
	int n = nat_keep_cap(keep, grace);

	if (n < 0)
		log_warnx("bindings not all capped to restart_grace");
	else if (n)
		log_info("leaving %d bindings in the kernel for %u s (a "
			 "restart takes them over)", n, grace);
	/* The IPv6 pinholes stay too: keep holds them, capped above like
	 * the IPv4 bindings; the next run takes table ip6 sipalg over
	 * (restart_restore6), a stop for good deletes it (sipalg-rules
	 * remove). */
	nat_nft_detach(nft);
}

/* ---- the state file ---------------------------------------------------- */

#define STATE_FILE_MAX (64u << 20)

static void restart_boot_id(struct restart_writer *w)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	size_t n = 0;

	if (f) {
		n = fread(w->boot_id, 1, sizeof(w->boot_id) - 1, f);
		fclose(f);
	}
	while (n && (w->boot_id[n - 1] == '\n' || w->boot_id[n - 1] == ' '))
		n--;
	w->boot_id[n] = '\0';
	if (!n || strspn(w->boot_id, "0123456789abcdef-") != n)
		strcpy(w->boot_id, "0");	/* unknown: the kernel's
						 * elements still decide */
}

static void restart_meta(struct alg *a, const struct restart_writer *w,
			 struct state_meta *m)
{
	const struct conf *c = a->conf;

	memset(m, 0, sizeof(*m));
	strcpy(m->boot_id, w->boot_id);
	m->written = a->now();
	m->n_pub = calls_publics(a->calls, m->pub, CALLS_MAX_PUB);
	m->media_min = c->media_port_min;
	m->media_max = c->media_port_max;
	m->sig_min = c->signalling_port_min;
	m->sig_max = c->signalling_port_max;
}

/* The whole file text into *out (malloc'd).  Its length, or -1 with
 * errno (ENOENT: there is none). */
static ssize_t restart_read(const char *path, char **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	ssize_t n = 0, got = 1;
	char *p;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > STATE_FILE_MAX ||
	    !(p = malloc((size_t)st.st_size + 1))) {
		close(fd);
		errno = EFBIG;
		return -1;
	}
	while (n < st.st_size && got > 0) {
		got = read(fd, p + n, (size_t)(st.st_size - n));
		n += got > 0 ? got : 0;
	}
	close(fd);
	if (n != st.st_size) {
		free(p);
		errno = EIO;
		return -1;
	}
	*out = p;
	return n;
}

static bool restart_have(void *ctx, const struct nat_elem *e)
{
	const struct nat_elem *k = prior_get(ctx, &e->pub_addr, e->pub_port);

	return k && k->in_port == e->in_port &&
	       k->in_addr.v4.s_addr == e->in_addr.v4.s_addr;
}

/* Every restored element again with its own timeout (deleted and added
 * in one batch per plan, as nat_keep_cap does). */
static int restart_fix(struct alg *a, const struct calls_restored *r)
{
	struct nat_plan *p = malloc(sizeof(*p));
	unsigned i;
	int rc = 0;

	if (!p)
		return -1;
	nat_plan_init(p);
	for (i = 0; i < r->n_fix && rc == 0; i++) {
		nat_plan_del(p, &r->fix[i]);
		nat_plan_add(p, &r->fix[i]);
		if (p->n_add == NAT_PLAN_MAX || i + 1 == r->n_fix) {
			rc = a->nat.apply(a->nat.ctx, p);
			nat_plan_init(p);
		}
	}
	free(p);
	return rc;
}

static void restart_log_restored(const char *path,
				 const struct calls_restored *r)
{
	log_info("state file %s: %u calls (%u media bindings) and %u "
		 "registrations on %u signalling bindings restored; %u "
		 "calls and %u bindings no longer in the kernel left out",
		 path, r->calls, r->media, r->regs, r->sig, r->calls_dropped,
		 r->bind_dropped);
}

/* The records of text p[0..n), when it is whole and this run's; NULL
 * (logged) when not. */
static struct state_set *restart_load(struct alg *a,
				      const struct restart_writer *w,
				      const char *p, size_t n)
{
	const struct conf *c = a->conf;
	struct state_meta want;
	struct state_set *s;
	char why[160];

	restart_meta(a, w, &want);
	s = state_parse(p, n, why, sizeof(why));
	if (!s || state_check(&s->meta, &want, want.written,
			      c->restart_grace, why, sizeof(why)) < 0) {
		log_warnx("state file %s refused (%s): starting without the "
			  "calls and registrations of the last run",
			  c->state_file, why);
		state_set_free(s);
		return NULL;
	}
	return s;
}

/* Text p[0..n) into a->calls, when it is whole and this run's. */
static void restart_apply(struct alg *a, const struct prior *pr,
			  struct restart_writer *w, const char *p, size_t n)
{
	const struct conf *c = a->conf;
	struct calls_restored r;
	struct state_set *s = restart_load(a, w, p, n);
	uint64_t now = a->now();

	if (!s)
		return;
	if (calls_restore(a->calls, s, restart_have, (void *)pr, now,
			  &r) < 0)
		log_warnx("state file %s: out of memory, restored in part",
			  c->state_file);
	if (restart_fix(a, &r) < 0)
		log_warn("state file %s: restored bindings keep the grace "
			 "timeout", c->state_file);
	restart_log_restored(c->state_file, &r);
	free(r.fix);
	state_set_free(s);
}

void restart_restore(struct alg *a, const struct prior *p,
		     struct restart_writer *w)
{
	const char *path = a->conf->state_file;
	char *text = NULL;
	ssize_t n;

	restart_boot_id(w);
	if (!path[0])
		return;
	errno = 0;
	n = restart_read(path, &text);
	if (n < 0) {
		if (errno != ENOENT)
			log_warn("state file %s refused (cannot read it): "
				 "starting without it", path);
		return;
	}
	if (!p)
		log_info("state file %s: the kernel holds no binding of the "
			 "last run; nothing to restore", path);
	else if (!a->pub.v4.s_addr)
		log_info("state file %s: no public address yet; nothing "
			 "restored", path);
	else
		restart_apply(a, p, w, text, (size_t)n);
	free(text);
}

/* ---- IPv6 pinholes ------------------------------------------------------ */

static int elem6_cmp(const void *x, const void *y)
{
	const struct nat_elem *a = x, *b = y;
	int c = memcmp(&a->in_addr.v6, &b->in_addr.v6, 16);

	return c ? c : (int)a->in_port - (int)b->in_port;
}

/* Does the kernel (sorted dump e[0..n)) hold the hole phone:port? */
static bool restart_has6(const struct nat_elem *e, unsigned n,
			 const union addr *phone, uint16_t port)
{
	struct nat_elem k;

	memset(&k, 0, sizeof(k));
	k.in_addr = *phone;
	k.in_port = port;
	return n && bsearch(&k, e, n, sizeof(*e), elem6_cmp);
}

/* Hole phone:port again with what is left until expires (its own
 * timeout, not the grace cap) into p, applied when full. */
static int restart_fix6(struct alg *a, struct nat_plan *p,
			const union addr *phone, uint16_t port,
			uint64_t expires, uint64_t now, unsigned *n)
{
	struct nat_elem e;
	int rc = 0;

	memset(&e, 0, sizeof(e));
	e.family = AF_INET6;
	e.proto = IPPROTO_UDP;
	e.in_addr = e.pub_addr = *phone;
	e.in_port = e.pub_port = port;
	e.timeout = expires > now + 1 ? (uint32_t)(expires - now) : 1;
	nat_plan_del(p, &e);
	nat_plan_add(p, &e);
	(*n)++;
	if (p->n_add == NAT_PLAN_MAX) {
		rc = a->nat.apply(a->nat.ctx, p);
		nat_plan_init(p);
	}
	return rc;
}

/* A call's ports the kernel still holds, in place; false when none. */
static bool restart_call6_held(struct pin6_call *k, const struct nat_elem *e,
			       unsigned n)
{
	unsigned i, j = 0;

	for (i = 0; i < k->n_port; i++)
		if (restart_has6(e, n, &k->phone, k->port[i]))
			k->port[j++] = k->port[i];
	k->n_port = j;
	return j > 0;
}

struct restored6 {
	unsigned regs, calls, pins, dropped;
};

static int restart_apply6(struct alg *a, struct state_set *s,
			  const struct nat_elem *e, unsigned n,
			  struct restored6 *r)
{
	uint64_t now = a->now();
	struct nat_plan *p = malloc(sizeof(*p));
	unsigned i, j;
	int rc = 0;

	if (!p)
		return -1;
	nat_plan_init(p);
	for (i = 0; i < s->n_reg6 && rc == 0; i++) {
		struct pin6_reg *g = &s->reg6[i];

		if (g->expires <= now ||
		    !restart_has6(e, n, &g->phone, g->port) ||
		    pin6_restore_reg(a->pin6, g) < 0) {
			r->dropped++;
			continue;
		}
		r->regs++;
		rc = restart_fix6(a, p, &g->phone, g->port, g->expires, now,
				  &r->pins);
	}
	for (i = 0; i < s->n_call6 && rc == 0; i++) {
		struct pin6_call *k = &s->call6[i];

		if (k->expires <= now || !restart_call6_held(k, e, n) ||
		    pin6_restore_call(a->pin6, k) < 0) {
			r->dropped++;
			continue;
		}
		r->calls++;
		for (j = 0; j < k->n_port && rc == 0; j++)
			rc = restart_fix6(a, p, &k->phone, k->port[j],
					  k->expires, now, &r->pins);
	}
	if (rc == 0 && p->n_add)
		rc = a->nat.apply(a->nat.ctx, p);
	free(p);
	return rc;
}

/* The state file's IPv6 records into a->pin6, for the holes in e. */
static void restart_file6(struct alg *a, struct restart_writer *w,
			  struct nat_elem *e, unsigned n)
{
	const char *path = a->conf->state_file;
	struct restored6 r = { 0 };
	struct state_set *s;
	char *text = NULL;
	ssize_t len;

	if (!path[0] || !a->pub.v4.s_addr)
		return;
	len = restart_read(path, &text);
	if (len < 0)
		return;		/* restart_restore said why */
	s = restart_load(a, w, text, (size_t)len);
	free(text);
	if (!s)
		return;
	qsort(e, n, sizeof(*e), elem6_cmp);
	if (restart_apply6(a, s, e, n, &r) < 0)
		log_warn("state file %s: restored IPv6 pinholes keep the "
			 "grace timeout", path);
	log_info("state file %s: %u IPv6 calls and %u IPv6 registrations "
		 "restored (%u pinholes); %u no longer in the kernel or "
		 "expired left out", path, r.calls, r.regs, r.pins,
		 r.dropped);
	state_set_free(s);
}

void restart_restore6(struct alg *a, struct nat_nft *nft,
		      struct nat_keep *keep, struct restart_writer *w)
{
	struct nat_elem *e = NULL;
	int n = nat_nft_dump6(nft, &e), i;

	if (n < 0)
		log_warnx("cannot list the IPv6 pinholes an earlier run "
			  "left; starting without them");
	if (n > 0) {
		for (i = 0; i < n; i++)
			nat_keep_adopt(keep, &e[i]);
		log_info("found %d IPv6 pinholes an earlier run left", n);
		restart_file6(a, w, e, (unsigned)n);
	}
	free(e);
}

static uint64_t restart_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Write b to path through path.tmp and a rename. */
static int restart_write(const char *path, const struct buf *b)
{
	char tmp[CONF_PATH_MAX + 8];
	size_t off = 0;
	ssize_t got;
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0)
		return -1;
	for (; off < b->len && rc == 0; off += (size_t)got) {
		got = write(fd, b->p + off, b->len - off);
		if (got <= 0)
			rc = -1;
	}
	if (close(fd) < 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -1;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

int restart_save(struct alg *a, struct restart_writer *w)
{
	const char *path = a->conf->state_file;
	struct state_meta m;
	struct buf b = { 0 };
	uint64_t t0;
	int rc;

	/* No public address yet (waiting for the interface): nothing the
	 * file could describe, and the last run's file may still be
	 * wanted. */
	if (!path[0] || !a->pub.v4.s_addr)
		return 0;
	t0 = restart_us();
	restart_meta(a, w, &m);
	w->at = m.written;
	w->packets = a->st.packets;
	w->ended = a->st.calls_ended;
	calls_stats(a->calls, &w->st);
	state_format(a->calls, a->pin6, &m, &b);
	rc = buf_ok(&b) ? restart_write(path, &b) : (errno = ENOMEM, -1);
	/* The write shares the loop with the packets: one that took t
	 * waits 100 t before the next (a large table, a slow disk). */
	w->gap = 1 + (uint32_t)((restart_us() - t0) / 10000);
	if (rc < 0 && !w->failing)
		log_warn("state file %s not written (calls and registrations "
			 "will not outlive a restart)", path);
	else if (rc == 0 && w->failing)
		log_info("state file %s written again", path);
	w->failing = rc < 0;
	buf_free(&b);
	return rc;
}

void restart_tick(struct alg *a, struct restart_writer *w)
{
	uint64_t now = a->now();
	uint32_t fresh = a->conf->restart_grace / 2;
	struct calls_stats st;

	if (now < w->at + (w->gap ? w->gap : 1))
		return;
	calls_stats(a->calls, &st);
	if (a->st.packets != w->packets || a->st.calls_ended != w->ended ||
	    memcmp(&st, &w->st, sizeof(st)) || now >= w->at + fresh)
		restart_save(a, w);
}

unsigned restart_check(const struct conf *c)
{
	char dir[CONF_PATH_MAX];
	char *slash;

	if (!c->state_file[0])
		return 0;
	strcpy(dir, c->state_file);
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (access(dir, W_OK | X_OK) == 0)
		return 0;
	fprintf(stderr, "warning: state_file %s: cannot write in %s (%s); "
		"calls and registrations will not outlive a restart (the "
		"unit's StateDirectory= makes /var/lib/sipalg)\n",
		c->state_file, dir, strerror(errno));
	return 1;
}
