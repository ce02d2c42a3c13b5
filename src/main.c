/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipalgd - transparent SIP application-level gateway.
 *
 * Wiring only: configuration, signals, the loop, and the modules that do
 * the work (queue -> alg -> rewrite/call -> nat_nft/nat_ct).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "alg.h"
#include "guard.h"
#include "nat_tcp.h"
#include "log.h"
#include "loop.h"
#include "neigh.h"
#include "nat_ct.h"
#include "nat_ct6.h"
#include "nat_nft.h"
#include "notify.h"
#include "ops.h"
#include "renumber.h"
#include "restart.h"
#include "wan.h"

#define TICK_MS 1000
/* The post-verdict work of a batch (removals, refreshes, conntrack
 * deletes) waits while SIP is waiting: a reply that arrives while it runs
 * (the 200 to a BYE, within a few hundred microseconds) would wait for
 * all of it.  It runs once the queue was quiet for POST_IDLE_MS, before
 * any other event is handled, and under steady load after at most
 * POST_MAX_BATCHES more batches or POST_MAX_US.  A message that needs a
 * deferred removal first (its port freed and handed out again) runs it
 * itself (alg.c, plans_clash). */
#define POST_IDLE_MS 1
#define POST_MAX_BATCHES 4
#define POST_MAX_US 5000
#define MEDIA_SCAN_TICKS 10
/* How often the daemon checks that a firewall reload left its tables. */
#define GUARD_TICKS 2

struct daemon {
	const char *conf_path;
	struct conf conf[2];	/* active one and the one SIGHUP loads */
	unsigned active;
	struct alg *alg;
	struct loop *loop;
	struct queue *queue;
	struct nat_nft *nft;
	struct nat_ct6 *ct6;
	struct nat_ct *ct;
	struct guard guard;
	struct prior *prior;	/* bindings an earlier run left */
	unsigned adopted;	/* sockets adopted at start (alg_adopt_map) */
	struct restart_writer state;	/* the state file */
	struct wan *wan;
	struct neigh_nl *neigh_nl;	/* feeds alg->neigh (dual stack) */
	int sig_fd, timer_fd;
	unsigned ticks;
	int verbose;		/* -v given this many times */
	unsigned watchdog_ms;	/* systemd keep-alive interval, 0: none */
	int wd_fd;
	struct ops ops;		/* control socket, metrics, call log */
};

static uint64_t now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/* usage - the options on stdout and exit 0 when asked for (--help), on
 * stderr and exit 2 after a mistake. */
static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: sipalgd [-nvV] -c FILE\n"
		"  -c, --config FILE  configuration file\n"
		"  -n, --check        check the configuration and exit\n"
		"  -v, --verbose      more verbose than log_level (twice: "
		"debug)\n"
		"  -V, --version      print the version and exit\n"
		"  -h, --help         this text\n");
	exit(status);
}

/* A link or address changed: read the interfaces again and follow. */
static void on_wan(void *ctx, int fd)
{
	struct daemon *d = ctx;
	struct wan_view v;

	(void)fd;
	if (!wan_drain(d->wan))
		return;
	if (wan_read(&d->conf[d->active], &v) < 0) {
		log_warn("getifaddrs");
		return;
	}
	renumber_apply(d->alg, &d->guard, d->ct, &v);
}

/* The neighbour table changed (or the dump's answer came). */
static void on_neigh(void *ctx, int fd)
{
	struct daemon *d = ctx;

	(void)fd;
	neigh_nl_drain(d->neigh_nl, d->alg->neigh);
}

static void on_packet(void *ctx, struct queue *q, const struct queue_pkt *p)
{
	struct daemon *d = ctx;

	ops_packet_start(&d->ops);
	alg_packet(d->alg, q, p);
	ops_packet_done(&d->ops, p->outdev);
}

static void on_batch_end(void *ctx)
{
	struct daemon *d = ctx;

	alg_batch_end(d->alg);
}

static void on_ct_events(void *ctx, int fd)
{
	struct daemon *d = ctx;

	(void)fd;
	nat_ct_events_read(d->ct);
}

static void on_settle(void *ctx)
{
	struct daemon *d = ctx;

	queue_settle(d->queue);
}

static void on_queue(void *ctx, int fd)
{
	struct daemon *d = ctx;

	if (queue_read(d->queue) < 0)
		log_warnx("queue: read failed; continuing");
	if (queue_owed(d->queue))
		loop_defer(d->loop, fd, POST_IDLE_MS, on_settle, d);
}

/* How often conntrack is asked which media flows are alive: every
 * MEDIA_SCAN_TICKS seconds, or twice per media_idle_timeout when that is
 * shorter, so a call with media flowing is never taken for idle. */
static unsigned media_scan_ticks(const struct conf *c)
{
	unsigned n = c->media_idle_timeout / 2;

	if (n > MEDIA_SCAN_TICKS)
		n = MEDIA_SCAN_TICKS;
	return n ? n : 1;
}

static void on_timer(void *ctx, int fd)
{
	struct daemon *d = ctx;

	loop_timer_ack(fd);
	d->ticks++;
	alg_tick(d->alg, d->ticks % media_scan_ticks(&d->conf[d->active]) == 0,
		 d->ct);
	if (d->ticks % GUARD_TICKS == 0)
		guard_check(&d->guard);
	restart_tick(d->alg, &d->state);
	ops_tick(&d->ops, now_mono());
}

/* A keep-alive from the loop itself: a daemon stuck anywhere misses it
 * and systemd restarts it (WatchdogSec=). */
static void on_watchdog(void *ctx, int fd)
{
	(void)ctx;
	loop_timer_ack(fd);
	notify_send("WATCHDOG=1");
}

/* Keys that shape sockets, tables and rules need a restart; SIGHUP keeps
 * their old values and says so. */
static void keep_restart_keys(const struct conf *old, struct conf *c)
{
	if (strcmp(old->inside_interface, c->inside_interface) ||
	    strcmp(old->outside_interface, c->outside_interface) ||
	    old->queue != c->queue || old->ct_mark != c->ct_mark ||
	    old->rules_backend != c->rules_backend ||
	    old->public_family != c->public_family ||
	    memcmp(&old->public_address, &c->public_address,
		   sizeof(c->public_address)) ||
	    old->n_public_pool != c->n_public_pool ||
	    memcmp(old->public_pool, c->public_pool,
		   sizeof(c->public_pool)) ||
	    old->media_port_min != c->media_port_min ||
	    old->media_port_max != c->media_port_max ||
	    old->signalling_port_min != c->signalling_port_min ||
	    old->signalling_port_max != c->signalling_port_max)
		log_warnx("reload: interfaces, queue, ct_mark, rules_backend, "
			  "public_address, public_pool and port ranges change "
			  "only on restart");
	strcpy(c->inside_interface, old->inside_interface);
	strcpy(c->outside_interface, old->outside_interface);
	c->queue = old->queue;
	c->ct_mark = old->ct_mark;
	c->rules_backend = old->rules_backend;
	c->public_family = old->public_family;
	c->public_address = old->public_address;
	c->n_public_pool = old->n_public_pool;
	memcpy(c->public_pool, old->public_pool, sizeof(c->public_pool));
	c->media_port_min = old->media_port_min;
	c->media_port_max = old->media_port_max;
	c->signalling_port_min = old->signalling_port_min;
	c->signalling_port_max = old->signalling_port_max;
}

/* The effective log level: the configuration's, raised by -v. */
static void apply_log_level(const struct daemon *d)
{
	int l = d->conf[d->active].log_level;

	log_level = d->verbose > l ? d->verbose : l;
}

/* reload - SIGHUP and sipalgctl reload: 0, or -1 with why in err. */
static int reload(void *ctx, char *err, size_t errlen)
{
	struct daemon *d = ctx;
	unsigned next = !d->active;

	notify_send("RELOADING=1");
	if (conf_load(&d->conf[next], d->conf_path, err, errlen) < 0) {
		log_warnx("reload refused, keeping the running configuration: "
			  "%s", err);
		notify_send("READY=1\nSTATUS=reload refused: configuration "
			    "error, the running one stays");
		return -1;
	}
	keep_restart_keys(&d->conf[d->active], &d->conf[next]);
	ops_keep_restart_keys(&d->conf[d->active], &d->conf[next]);
	d->active = next;
	d->alg->conf = &d->conf[next];
	calls_set_conf(d->alg->calls, &d->conf[next]);
	apply_log_level(d);
	log_info("configuration reloaded from %s", d->conf_path);
	notify_send("READY=1\nSTATUS=running, configuration reloaded");
	return 0;
}

/* nat_ops.counts for sipalgctl stats and /metrics. */
static void nft_counts(void *ctx, uint64_t *txns, uint64_t *adds,
		       uint64_t *dels)
{
	nat_nft_counts(ctx, txns, adds, dels);
}

/* The kernel side of the stats: nf_tables transactions and elements. */
static void nft_log_stats(const struct daemon *d)
{
	uint64_t t, a, r;

	if (!d->nft)
		return;
	nat_nft_counts(d->nft, &t, &a, &r);
	log_notice("stats: nft transactions %llu, elements added %llu "
		   "removed %llu", (unsigned long long)t,
		   (unsigned long long)a, (unsigned long long)r);
}

static void on_signal(void *ctx, int fd)
{
	struct daemon *d = ctx;
	struct signalfd_siginfo si;
	char err[512];

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(d, err, sizeof(err));
		} else if (si.ssi_signo == SIGUSR1) {
			ops_before_stats(&d->ops);
			alg_log_stats(d->alg);
			nft_log_stats(d);
		} else
			loop_stop(d->loop);
	}
}

static int signals_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* IPv6 pinholes: their nft table, state and conntrack handle.  A kernel
 * without IPv6 nf_tables leaves IPv6 passing unchanged, with a warning. */
static void daemon_start6(struct daemon *d)
{
	const struct conf *c = &d->conf[d->active];
	struct alg *a = d->alg;

	/* Kept as a stop left it: its holes are taken over below. */
	if (nat_nft_open6_keep(d->nft) < 0 && nat_nft_open6(d->nft) < 0) {
		log_warnx("cannot create nftables table ip6 sipalg: IPv6 "
			  "passes unchanged");
		return;
	}
	a->pin6 = pin6_new(c);
	d->ct6 = nat_ct6_open(c->ct_mark);
	if (!a->pin6 || !d->ct6)
		fatalx("IPv6 pinholes: out of memory or no ctnetlink");
	a->forget6 = nat_ct6_forget;
	a->forget6_ctx = d->ct6;
	/* Dual stack: which IPv4 address is an IPv6 phone's own (alg6.c);
	 * without the table its IPv4 streams pass as written. */
	a->neigh = neigh_new();
	d->neigh_nl = a->neigh ? neigh_nl_open() : NULL;
	if (!d->neigh_nl) {
		neigh_free(a->neigh);
		a->neigh = NULL;
		log_warnx("no neighbour table: IPv4 streams of IPv6 calls "
			  "pass as written");
	}
	restart_restore6(a, d->nft, d->guard.keep, &d->state);
}

/* How long an adopted mapping is kept without SIP through it: as long
 * as conntrack would have kept the flow (a flow that saw replies). */
#define ADOPT_TTL 180

/* A SIP socket the kernel mapped before the daemon ran keeps its public
 * port: a NAT-aware phone may have learned and registered it. */
static void adopt_cb(void *ctx, const struct nat_map *m, const union addr *in)
{
	struct daemon *d = ctx;

	if (alg_adopt_map(d->alg, m, in, ADOPT_TTL) == 1)
		d->adopted++;
}

/* The NAT backend: table ip sipalg (kept with its bindings when an
 * earlier run left it: restart.c), ctnetlink, and the pipeline's nat ops
 * over them.  Fatal when the kernel refuses. */
static void daemon_open_nat(struct daemon *d)
{
	const struct conf *c = &d->conf[d->active];
	struct alg *a = d->alg;

	d->nft = nat_nft_open_keep(c->ct_mark, c->outside_interface);
	if (!d->nft)
		fatalx("cannot create nftables table ip sipalg (need "
		       "CAP_NET_ADMIN and nf_tables)");
	d->ct = nat_ct_open(c->ct_mark);
	if (!d->ct)
		fatalx("cannot open ctnetlink (need CAP_NET_ADMIN)");
	d->guard.nft = d->nft;
	d->guard.keep = nat_keep_new(nat_nft_apply, d->nft);
	if (!d->guard.keep)
		fatalx("out of memory");
	d->prior = restart_adopt(d->nft, d->guard.keep, a->calls);
	a->nat = (struct nat_ops){ "nft", nat_keep_apply, nat_ct_forget,
				   d->guard.keep, d->ct, nat_ct_unstale,
				   nat_ct_sweep, nat_ct_host_maps,
				   nat_nft_in_place(d->nft), nft_counts,
				   d->nft };
	a->ct = d->ct;
	calls_set_kernel(a->calls, &(struct calls_kernel){ nat_ct_port_other,
							    d->ct });
}

/* The packet and event sources: SIP over TCP's conntrack lookups, the
 * NFQUEUE, the divert table (or its checks) and the interface watch.
 * Fatal when one cannot be had. */
static void daemon_open_io(struct daemon *d)
{
	const struct conf *c = &d->conf[d->active];
	struct alg *a = d->alg;

	/* SIP over TCP: a connection's public side and liberal window
	 * tracking come from conntrack (nat_tcp.c). */
	a->conn_ctx = nat_tcp_open();
	if (a->conn_ctx) {
		a->conn_lookup = nat_tcp_conn;
		a->conn_bypass = nat_tcp_bypass;
	}
	d->queue = queue_open(c->queue, on_packet, d);
	if (!d->queue)
		fatalx("cannot bind NFQUEUE %u (is another sipalgd running?)",
		       c->queue);
	queue_on_batch_end(d->queue, on_batch_end);
	queue_defer(d->queue, POST_MAX_BATCHES, POST_MAX_US);
	/* The divert after the queue's binding: SIP it diverts earlier
	 * would pass unchanged (bypass). */
	d->guard.nft_backend = divert_wanted(c);
	d->guard.divert = divert_open(c, d->guard.nft_backend);
	if (!d->guard.divert)
		fatalx("cannot install table inet sipalg or open its checks");
	guard_init(&d->guard);
	d->wan = wan_open();
	if (!d->wan)
		fatalx("cannot watch the interfaces (rtnetlink)");
}

static void daemon_start(struct daemon *d)
{
	const struct conf *c = &d->conf[d->active];
	struct alg *a = d->alg;
	char pub[INET6_ADDRSTRLEN];
	struct wan_view v;
	int n;

	if (wan_read(c, &v) < 0)
		fatalx("getifaddrs: %s", strerror(errno));
	/* Missing interfaces are waited for (renumber_apply below). */
	a->pub = v.pub;
	a->conf = c;
	a->now = now_mono;
	a->calls = calls_new(c);
	if (!a->calls)
		fatalx("out of memory");
	if (calls_set_public_conf(a->calls, &a->pub, c) < 0)
		fatalx("out of memory");
	daemon_open_nat(d);
	/* Calls and registrations of the last run, where the kernel still
	 * holds their bindings; before the adoption below, which then
	 * finds their sockets bound already. */
	restart_restore(a, d->prior, &d->state);
	if (c->ipv6)
		daemon_start6(d);
	d->adopted = 0;
	n = nat_ct_flush_sip_adopt(d->ct, c->sip_ports, c->n_sip_ports,
				   adopt_cb, d);
	if (n > 0)
		log_info("deleted %d SIP flows made before the daemon ran "
			 "(%u phone sockets keep their public port)", n,
			 d->adopted);
	daemon_open_io(d);
	renumber_apply(a, &d->guard, d->ct, &v);
	inet_ntop(AF_INET, &a->pub, pub, sizeof(pub));
	log_info("sipalgd %s: queue %u, inside %s, outside %s, public %s, "
		 "media ports %u-%u, divert by %s", SIPALG_VERSION, c->queue,
		 c->inside_interface, c->outside_interface, pub,
		 c->media_port_min, c->media_port_max,
		 d->guard.nft_backend ? "table inet sipalg" : "iptables");
}

static void daemon_loop(struct daemon *d)
{
	d->loop = loop_new();
	d->sig_fd = signals_fd();
	d->timer_fd = loop_timer(TICK_MS);
	if (!d->loop || d->sig_fd < 0 || d->timer_fd < 0 ||
	    loop_add(d->loop, queue_fd(d->queue), on_queue, d) < 0 ||
	    loop_add(d->loop, d->sig_fd, on_signal, d) < 0 ||
	    loop_add(d->loop, d->timer_fd, on_timer, d) < 0 ||
	    loop_add(d->loop, wan_fd(d->wan), on_wan, d) < 0 ||
	    (d->neigh_nl &&
	     loop_add(d->loop, neigh_nl_fd(d->neigh_nl), on_neigh, d) < 0) ||
	    (nat_ct_events_fd(d->ct) >= 0 &&
	     loop_add(d->loop, nat_ct_events_fd(d->ct), on_ct_events, d) < 0))
		fatalx("event loop setup failed: %s", strerror(errno));
	/* Conntrack and neighbour events only file what the kernel reports
	 * (the flows of our bindings, the neighbours): the deferred
	 * post-verdict work need not run before them.  Its flow deletes
	 * even find more flows when the events came in first. */
	if (nat_ct_events_fd(d->ct) >= 0)
		loop_unordered(d->loop, nat_ct_events_fd(d->ct));
	if (d->neigh_nl)
		loop_unordered(d->loop, neigh_nl_fd(d->neigh_nl));
	ops_open(&d->ops, d->loop, &d->conf[d->active], d->alg, reload, d);
	d->ops.ctl.prior = d->prior;	/* sipalgctl bindings lists them */
	d->wd_fd = -1;
	if (d->watchdog_ms && ((d->wd_fd = loop_timer(d->watchdog_ms)) < 0 ||
			       loop_add(d->loop, d->wd_fd, on_watchdog, d) < 0))
		fatalx("watchdog timer: %s", strerror(errno));
	/* Ready: the queue is bound and the table installed (daemon_start),
	 * the listeners are open. */
	notify_send("READY=1\nSTATUS=running");
	loop_run(d->loop);
}

static void daemon_stop(struct daemon *d)
{
	notify_send("STOPPING=1");
	if (d->wd_fd >= 0)
		close(d->wd_fd);
	ops_close(&d->ops);
	ops_before_stats(&d->ops);
	alg_log_stats(d->alg);
	alg_tcp_free(d->alg);	/* held segments get their verdicts */
	nat_tcp_close(d->alg->conn_ctx);
	queue_close(d->queue);
	wan_close(d->wan);
	neigh_nl_close(d->neigh_nl);
	neigh_free(d->alg->neigh);
	d->alg->neigh = NULL;
	nat_ct_close(d->ct);
	nat_ct6_close(d->ct6);
	/* The divert stays: with bypass it passes SIP untouched while no
	 * daemon runs (fail open, a restart); sipalg-rules remove deletes
	 * it for good. */
	divert_close(d->guard.divert, false);
	restart_save(d->alg, &d->state);	/* pin6's records too */
	pin6_free(d->alg->pin6);
	d->alg->pin6 = NULL;
	restart_leave(d->nft, d->guard.keep, d->conf[d->active].restart_grace);
	nat_keep_free(d->guard.keep);
	calls_free(d->alg->calls);
	prior_free(d->prior);
	loop_free(d->loop);
	close(d->sig_fd);
	close(d->timer_fd);
	log_info("sipalgd: stopped");
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static struct daemon d;
	bool check = false;
	char err[512];
	int ch;

	d.conf_path = "/etc/sipalg/sipalgd.conf";
	log_init();
	while ((ch = getopt_long(argc, argv, "c:nvVh", longs, NULL)) != -1) {
		switch (ch) {
		case 'c':
			d.conf_path = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 'v':
			d.verbose++;
			break;
		case 'V':
			printf("sipalgd %s\n", SIPALG_VERSION);
			return 0;
		case 'h':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	d.watchdog_ms = notify_init();
	if (conf_load(&d.conf[0], d.conf_path, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (check) {
		wan_check(&d.conf[0]);
		restart_check(&d.conf[0]);
		printf("configuration OK\n");
		return 0;
	}
	apply_log_level(&d);
	d.alg = calloc(1, sizeof(*d.alg));
	if (!d.alg)
		fatalx("out of memory");
	daemon_start(&d);
	daemon_loop(&d);
	daemon_stop(&d);
	free(d.alg);
	return 0;
}
