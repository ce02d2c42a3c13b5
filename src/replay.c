/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipalg-replay - run the daemon's per-packet pipeline (alg_process_dir:
 * scan, plan, NAT bindings, edits, packet rewrite) over a capture file,
 * with a NAT backend that records instead of touching the kernel.
 *
 *	sipalg-replay -c FILE IN.pcap OUT.pcap [--json]
 *
 * UDP packets to or from one of sip_ports are what the daemon's rules
 * queue: they go through the pipeline, outbound when their source lies in
 * inside_networks (default: RFC 1918 and 100.64.0.0/10), inbound
 * otherwise.  Every other frame is copied to OUT unchanged; packets the
 * pipeline drops (fail_closed) are left out of OUT.  The pipeline's clock
 * is the capture's: calls expire as they would have.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "alg.h"
#include "log.h"
#include "nat_rec.h"
#include "pcapio.h"
#include "replay_tcp.h"

#define CLOCK_BASE 1000		/* the pipeline's clock at the first frame */

struct replay {
	struct conf conf;
	struct alg *alg;
	struct nat_rec rec;
	struct pio_reader *in;
	struct pio_writer *out;
	struct replay_tcp *tcp;
	uint64_t tcp_segments;
	const char *in_path, *out_path;
	bool json;
	bool have_t0;
	time_t t0;
	uint64_t written, other, not_udp_sip, incomplete;
	uint8_t frame[PIO_MAX_FRAME];
};

static uint64_t replay_clock = CLOCK_BASE;

static uint64_t replay_now(void)
{
	return replay_clock;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: sipalg-replay -c FILE IN.pcap OUT.pcap [--json]\n"
		"  -c FILE  sipalgd configuration (needs public_address; "
		"inside_networks\n"
		"           says which sources are inside, default RFC 1918 "
		"and 100.64.0.0/10)\n"
		"  --json   print the summary as JSON\n");
	exit(2);
}

static void default_inside(struct alg *a)
{
	static const char *const nets[][2] = {
		{ "10.0.0.0", "8" }, { "172.16.0.0", "12" },
		{ "192.168.0.0", "16" }, { "100.64.0.0", "10" },
	};

	for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
		struct prefix *p = &a->inside[a->n_inside++];

		p->family = AF_INET;
		inet_pton(AF_INET, nets[i][0], &p->addr.v4);
		p->len = (unsigned)atoi(nets[i][1]);
	}
}

static void setup(struct replay *rp)
{
	struct alg *a = rp->alg;
	const struct conf *c = &rp->conf;

	if (c->public_family != AF_INET)
		fatalx("sipalg-replay needs an IPv4 public_address in the "
		       "configuration");
	a->conf = c;
	a->now = replay_now;
	a->pub = c->public_address;
	a->calls = calls_new(c);
	if (!a->calls)
		fatalx("out of memory");
	if (calls_set_public_conf(a->calls, &a->pub, c) < 0)
		fatalx("out of memory");
	nat_rec_init(&rp->rec);
	a->nat = nat_rec_ops(&rp->rec);
	/* IPv6 messages open and close pinholes as in the daemon (their
	 * flows to forget are not counted: no forget6 here). */
	if (c->ipv6 && !(a->pin6 = pin6_new(c)))
		fatalx("out of memory");
	if (!c->n_inside_networks) {
		default_inside(a);
		return;
	}
	for (unsigned i = 0; i < c->n_inside_networks && i < RW_MAX_INSIDE;
	     i++) {
		a->inside[i].family = c->inside_networks[i].family;
		a->inside[i].addr = c->inside_networks[i].addr;
		a->inside[i].len = c->inside_networks[i].len;
		a->n_inside++;
	}
}

static bool inside(const struct alg *a, int family, const union addr *ad)
{
	for (unsigned i = 0; i < a->n_inside; i++) {
		struct conf_net n = { a->inside[i].family, a->inside[i].addr,
				      a->inside[i].len };

		if (conf_net_has(&n, family, ad))
			return true;
	}
	return false;
}

/*
 * Is p a UDP packet on a SIP port (what the daemon's rules queue)?  Fills
 * the source address.  IPv6 counts when UDP follows the fixed header.
 */
static bool sip_candidate(const struct conf *c, const struct pio_pkt *p,
			  union addr *src)
{
	const uint8_t *ip = p->ip, *udp;
	uint32_t hl;

	if (!ip)
		return false;
	if (p->family == AF_INET) {
		if (p->ip_len < 20 || ip[9] != 17)
			return false;
		memcpy(&src->v4, ip + 12, 4);
		if ((ip[6] << 8 | ip[7]) & 0x3fff)
			return true;	/* a lone fragment: counted by alg */
		hl = (ip[0] & 15u) * 4;
	} else {
		if (p->ip_len < 40 || ip[6] != 17)
			return false;
		memcpy(&src->v6, ip + 8, 16);
		hl = 40;
	}
	if (hl < 20 || p->ip_len < hl + 8)
		return false;
	udp = ip + hl;
	return conf_is_sip_port(c, (uint16_t)(udp[0] << 8 | udp[1])) ||
	       conf_is_sip_port(c, (uint16_t)(udp[2] << 8 | udp[3]));
}

static void clock_to(struct replay *rp, const struct pio_pkt *p)
{
	uint64_t t;

	if (!rp->have_t0) {
		rp->t0 = p->ts.tv_sec;
		rp->have_t0 = true;
	}
	t = p->ts.tv_sec >= rp->t0 ? (uint64_t)(p->ts.tv_sec - rp->t0) : 0;
	t += CLOCK_BASE;
	if (t > replay_clock) {
		replay_clock = t;
		alg_tick(rp->alg, false, NULL);	/* expire what timed out */
	}
}

static void write_or_die(struct replay *rp, const struct pio_pkt *p,
			 const uint8_t *f, uint32_t n)
{
	if (pio_write(rp->out, p, f, n) < 0)
		fatalx("%s: write failed", rp->out_path);
	rp->written++;
}

static void one(struct replay *rp, const struct pio_pkt *p)
{
	struct alg *a = rp->alg;
	union addr src = { 0 };
	uint32_t n = 0;
	long fl;
	int v;

	if (p->incomplete) {
		rp->incomplete++;
		write_or_die(rp, p, p->frame, p->caplen);
		return;
	}
	if (replay_tcp_is(&rp->conf, p)) {
		clock_to(rp, p);
		rp->rec.packet = p->index;
		if (p->family == AF_INET6)
			memcpy(&src.v6, p->ip + 8, 16);
		else
			memcpy(&src.v4, p->ip + 12, 4);
		replay_tcp_one(rp->tcp, p, inside(a, p->family, &src) ? RW_OUT
								       : RW_IN);
		return;
	}
	if (!sip_candidate(&rp->conf, p, &src)) {
		rp->other++;
		write_or_die(rp, p, p->frame, p->caplen);
		return;
	}
	clock_to(rp, p);
	rp->rec.packet = p->index;
	v = alg_process_dir(a, p->ip, p->ip_len,
			    inside(a, p->family, &src) ? RW_OUT : RW_IN, &n);
	alg_after_verdict(a);	/* the removals belong to this packet */
	if (v == 2)
		return;		/* dropped: the gateway would not send it */
	if (v == 1) {
		fl = pio_frame(p, a->out_pkt, n, rp->frame,
			       sizeof(rp->frame));
		if (fl >= 0) {
			write_or_die(rp, p, rp->frame, (uint32_t)fl);
			return;
		}
		log_warnx("frame %llu: rewritten packet does not fit; "
			  "written unchanged", (unsigned long long)p->index);
	}
	write_or_die(rp, p, p->frame, p->caplen);
}

/* ---- summary ----------------------------------------------------------- */

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void hostport(int family, const union addr *a, uint16_t port,
		     char *out, size_t cap)
{
	char t[ADDR_TEXT];

	snprintf(out, cap, "%s:%u", addr_ntop(family, a, t, sizeof(t), true),
		 port);
}

struct counter {
	const char *key;	/* JSON name */
	const char *label;	/* text form */
	uint64_t v;
};

/* The summary's counters, in the order both forms print them. */
static unsigned counters(const struct replay *rp, struct counter *c)
{
	const struct pio_stats *ps = pio_stats(rp->in);
	const struct alg_stats *s = &rp->alg->st;
	const struct counter all[] = {
		{ "frames", "frames read", ps->frames },
		{ "written", "frames written", rp->written },
		{ "messages", "messages seen (UDP on a SIP port, SIP over TCP)",
		  s->packets },
		{ "rewritten", "  rewritten", s->rewritten },
		{ "unchanged", "  nothing to change", s->unchanged },
		{ "passed", "  passed unchanged", s->passed },
		{ "dropped", "  dropped", s->dropped },
		{ "other_frames", "other frames copied", rp->other },
		{ "non_ip", "  of them without IP", ps->non_ip },
		{ "fragments", "fragments read", ps->fragments },
		{ "reassembled", "datagrams reassembled", ps->reassembled },
		{ "incomplete_fragments", "fragments left incomplete",
		  ps->incomplete },
		{ "calls_ended", "calls ended", s->calls_ended },
		{ "bindings_installed", "bindings installed", rp->rec.added },
		{ "bindings_removed", "bindings removed", rp->rec.removed },
		{ "flows_forgotten", "flows to forget", rp->rec.forgotten },
		{ "stale_flows", "early media flows to delete", rp->rec.unstale },
	};

	memcpy(c, all, sizeof(all));
	return sizeof(all) / sizeof(all[0]);
}

static void binding_text(const struct nat_rec_ent *e, char *in, char *pub)
{
	hostport(e->e.family, &e->e.in_addr, e->e.in_port, in, 64);
	hostport(e->e.family, &e->e.pub_addr, e->e.pub_port, pub, 64);
}

static void summary_text(const struct replay *rp)
{
	const struct alg *a = rp->alg;
	struct counter c[32];
	unsigned n = counters(rp, c);
	char in[64], pub[64];

	printf("sipalg-replay: %s (%s) -> %s\n", rp->in_path,
	       pio_linktype_name(rp->in), rp->out_path);
	for (unsigned i = 0; i < n; i++) {
		printf("%-40s %llu\n", c[i].label, (unsigned long long)c[i].v);
		if (strcmp(c[i].key, "passed"))
			continue;
		for (unsigned k = 0; k < a->n_reason; k++)
			printf("    because %s: %llu\n", a->reason[k].what,
			       (unsigned long long)a->reason[k].count);
	}
	if (rp->rec.oom)
		printf("(binding list incomplete: out of memory)\n");
	for (size_t i = 0; i < rp->rec.n; i++) {
		const struct nat_rec_ent *e = &rp->rec.ent[i];

		binding_text(e, in, pub);
		printf("  %s frame %llu udp %s <-> %s timeout %us\n",
		       e->add ? "install" : "remove",
		       (unsigned long long)e->packet, in, pub, e->e.timeout);
	}
}

static void summary_json(const struct replay *rp)
{
	const struct alg *a = rp->alg;
	struct counter c[32];
	unsigned n = counters(rp, c);
	char in[64], pub[64];

	printf("{\n  \"linktype\": ");
	json_str(pio_linktype_name(rp->in));
	printf(",\n");
	for (unsigned i = 0; i < n; i++)
		printf("  \"%s\": %llu,\n", c[i].key,
		       (unsigned long long)c[i].v);
	printf("  \"reasons\": {");
	for (unsigned i = 0; i < a->n_reason; i++) {
		printf("%s\n    ", i ? "," : "");
		json_str(a->reason[i].what);
		printf(": %llu", (unsigned long long)a->reason[i].count);
	}
	printf("%s},\n  \"policy\": {", a->n_reason ? "\n  " : "");
	/* What messages named and the policy did not open or let change
	 * (README "Security"); the messages went on. */
	for (unsigned i = 0; i < a->n_policy; i++) {
		printf("%s\n    ", i ? "," : "");
		json_str(a->policy[i].what);
		printf(": %llu", (unsigned long long)a->policy[i].count);
	}
	printf("%s},\n  \"bindings\": [", a->n_policy ? "\n  " : "");
	for (size_t i = 0; i < rp->rec.n; i++) {
		const struct nat_rec_ent *e = &rp->rec.ent[i];

		binding_text(e, in, pub);
		printf("%s\n    {\"op\": \"%s\", \"frame\": %llu, "
		       "\"proto\": \"udp\", \"inside\": \"%s\", "
		       "\"public\": \"%s\", \"timeout\": %u}",
		       i ? "," : "", e->add ? "install" : "remove",
		       (unsigned long long)e->packet, in, pub, e->e.timeout);
	}
	printf("%s]\n}\n", rp->rec.n ? "\n  " : "");
}

int main(int argc, char **argv)
{
	static struct replay rp;
	const char *conf_path = NULL, *pos[2];
	struct pio_pkt p;
	char err[512];
	uint64_t tcp_written;
	unsigned n_pos = 0;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			rp.json = true;
		else if (!strcmp(argv[i], "-c") && i + 1 < argc)
			conf_path = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1])
			usage();
		else if (n_pos < 2)
			pos[n_pos++] = argv[i];
		else
			usage();
	}
	if (!conf_path || n_pos != 2)
		usage();
	rp.in_path = pos[0];
	rp.out_path = pos[1];
	if (conf_load(&rp.conf, conf_path, err, sizeof(err)) < 0)
		fatalx("%s", err);
	rp.alg = calloc(1, sizeof(*rp.alg));
	if (!rp.alg)
		fatalx("out of memory");
	setup(&rp);
	rp.in = pio_open(rp.in_path, err, sizeof(err));
	if (!rp.in)
		fatalx("%s: %s", rp.in_path, err);
	rp.out = pio_create(rp.in, rp.out_path, err, sizeof(err));
	if (!rp.out)
		fatalx("%s: %s", rp.out_path, err);
	rp.tcp = replay_tcp_new(rp.alg, rp.out);
	if (!rp.tcp)
		fatalx("out of memory");
	while ((rc = pio_next(rp.in, &p, err, sizeof(err))) == 1)
		one(&rp, &p);
	if (rc < 0)
		fatalx("%s: %s", rp.in_path, err);
	rp.tcp_segments = replay_tcp_finish(rp.tcp, &tcp_written);
	rp.written += tcp_written;
	if (pio_finish(rp.out) < 0)
		fatalx("%s: write failed: %s", rp.out_path, strerror(errno));
	if (rp.json)
		summary_json(&rp);
	else
		summary_text(&rp);
	calls_free(rp.alg->calls);
	pin6_free(rp.alg->pin6);
	nat_rec_free(&rp.rec);
	pio_close(rp.in);
	free(rp.alg);
	return 0;
}
