/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcapio.c - capture files for sipalg-replay: find the IP packet in each
 * frame, reassemble fragments, rebuild frames around rewritten packets.
 */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pcapio.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

#define PIO_MAX_DGRAMS 16	/* datagrams being reassembled at once */
#define PIO_MAX_LINK 128	/* link header bytes kept for reassembly */
#define PIO_MAX_PARTS 64	/* fragments per datagram */

struct pio_saved {
	struct pcap_pkthdr h;
	uint8_t *bytes;
	uint64_t index;
};

struct pio_dgram {
	bool used;
	uint64_t born;		/* order of creation, for eviction */
	int family;
	uint8_t key[37];	/* src, dst, id, (proto for IPv4) */
	bool have_first, have_last;
	uint32_t total;		/* payload bytes, known with the last */
	uint8_t link[PIO_MAX_LINK];
	uint32_t link_len;
	int pppoe_off;
	uint8_t hdr[60];	/* first fragment's IP header */
	uint32_t hdr_len;
	uint8_t next_hdr;	/* IPv6: the fragment header's next header */
	uint8_t seen[65536 / 64];	/* one bit per 8-byte unit */
	uint8_t data[65536];
	struct pio_saved part[PIO_MAX_PARTS];
	unsigned n_part;
};

struct pio_reader {
	pcap_t *pc;
	int dlt;
	struct pio_stats st;
	struct pio_dgram *dg[PIO_MAX_DGRAMS];
	uint64_t born;
	/* frames of given-up datagrams, returned before reading on */
	struct pio_saved *out;
	size_t n_out, i_out;
	struct pio_saved cur_out;	/* the one returned last */
	uint8_t asm_buf[PIO_MAX_FRAME];
};

struct pio_writer {
	pcap_t *dead;
	pcap_dumper_t *d;
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ---- finding the IP packet ----------------------------------------- */

/* After an ethertype et at offset off: skip VLAN tags and PPPoE. */
static int pio_ether(const uint8_t *f, uint32_t n, uint32_t off, uint16_t et,
		     struct pio_pkt *p)
{
	for (;;) {
		if (et == 0x8100 || et == 0x88a8 || et == 0x9100) {
			if (off + 4 > n)
				return -1;
			et = be16(f + off + 2);
			off += 4;
			continue;
		}
		if (et == 0x8864) {	/* PPPoE session, RFC 2516 */
			uint16_t proto;

			if (off + 8 > n || f[off] != 0x11 || f[off + 1] != 0)
				return -1;
			proto = be16(f + off + 6);
			p->pppoe_off = (int)off;
			off += 8;
			if (proto == 0x0021)
				et = 0x0800;
			else if (proto == 0x0057)
				et = 0x86dd;
			else
				return -1;
		}
		break;
	}
	if (et == 0x0800)
		p->family = AF_INET;
	else if (et == 0x86dd)
		p->family = AF_INET6;
	else
		return -1;
	p->l3_off = off;
	return 0;
}

static int pio_version(const uint8_t *f, uint32_t n, uint32_t off,
		       struct pio_pkt *p)
{
	if (off >= n)
		return -1;
	if (f[off] >> 4 == 4)
		p->family = AF_INET;
	else if (f[off] >> 4 == 6)
		p->family = AF_INET6;
	else
		return -1;
	p->l3_off = off;
	return 0;
}

static int pio_find_l3(int dlt, const uint8_t *f, uint32_t n,
		       struct pio_pkt *p)
{
	switch (dlt) {
	case DLT_EN10MB:
		return n < 14 ? -1 : pio_ether(f, n, 14, be16(f + 12), p);
	case DLT_LINUX_SLL:
		return n < 16 ? -1 : pio_ether(f, n, 16, be16(f + 14), p);
	case DLT_LINUX_SLL2:
		return n < 20 ? -1 : pio_ether(f, n, 20, be16(f), p);
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return pio_version(f, n, 0, p);
	case DLT_NULL:
	case DLT_LOOP:
		return pio_version(f, n, 4, p);
	default:
		return -1;
	}
}

/* The IP packet's own length, at most what was captured. */
static void pio_trim(struct pio_pkt *p)
{
	const uint8_t *ip = p->frame + p->l3_off;
	uint32_t avail = p->caplen - p->l3_off, len = avail;

	if (p->family == AF_INET && avail >= 20)
		len = be16(ip + 2);
	else if (p->family == AF_INET6 && avail >= 40)
		len = 40u + be16(ip + 4);
	if (len < 20 || len > avail)
		len = avail;	/* the pipeline names what is wrong */
	p->ip = ip;
	p->ip_len = len;
}

/* ---- fragments --------------------------------------------------------- */

struct pio_frag {
	uint8_t key[37];
	uint32_t hdr_len;	/* bytes before the fragment's data */
	uint32_t off, len;	/* of the data in the datagram */
	bool more;
	uint8_t next_hdr;
};

/* Is p's packet a fragment?  1 yes (*fr filled), 0 no. */
static int pio_is_frag(const struct pio_pkt *p, struct pio_frag *fr)
{
	const uint8_t *ip = p->ip;
	uint32_t n = p->ip_len, ihl;
	uint16_t fo;

	memset(fr, 0, sizeof(*fr));
	if (p->family == AF_INET) {
		if (n < 20)
			return 0;
		ihl = (ip[0] & 15u) * 4;
		fo = be16(ip + 6);
		if (!(fo & 0x3fff) || ihl < 20 || be16(ip + 2) != n || n <= ihl)
			return 0;
		memcpy(fr->key, ip + 12, 8);
		memcpy(fr->key + 8, ip + 4, 2);
		fr->key[10] = ip[9];
		fr->hdr_len = ihl;
		fr->off = (fo & 0x1fffu) * 8;
		fr->more = fo & 0x2000;
		fr->len = n - ihl;
		return 1;
	}
	if (n < 48 || ip[6] != 44 || 40u + be16(ip + 4) != n)
		return 0;
	fo = be16(ip + 42);
	memcpy(fr->key, ip + 8, 32);
	memcpy(fr->key + 32, ip + 44, 4);
	fr->hdr_len = 48;
	fr->off = fo & 0xfff8u;
	fr->more = fo & 1;
	fr->len = n - 48;
	fr->next_hdr = ip[40];
	return 1;
}

static void pio_saved_free(struct pio_saved *s)
{
	free(s->bytes);
	s->bytes = NULL;
}

static void pio_dgram_free(struct pio_reader *r, unsigned i)
{
	struct pio_dgram *d = r->dg[i];

	for (unsigned k = 0; k < d->n_part; k++)
		pio_saved_free(&d->part[k]);
	free(d);
	r->dg[i] = NULL;
}

/* Give up on datagram i: its frames go out unchanged. */
static void pio_give_up(struct pio_reader *r, unsigned i)
{
	struct pio_dgram *d = r->dg[i];
	struct pio_saved *o;

	o = realloc(r->out, (r->n_out + d->n_part) * sizeof(*o));
	if (o) {
		r->out = o;
		memcpy(o + r->n_out, d->part, d->n_part * sizeof(*o));
		r->n_out += d->n_part;
		r->st.incomplete += d->n_part;
		d->n_part = 0;
	}
	pio_dgram_free(r, i);
}

static struct pio_dgram *pio_dgram_get(struct pio_reader *r, int family,
				       const struct pio_frag *fr)
{
	unsigned i, free_i = PIO_MAX_DGRAMS, oldest = 0;

	for (i = 0; i < PIO_MAX_DGRAMS; i++) {
		struct pio_dgram *d = r->dg[i];

		if (!d) {
			free_i = i;
			continue;
		}
		if (d->family == family &&
		    !memcmp(d->key, fr->key, sizeof(d->key)))
			return d;
		if (r->dg[oldest] == NULL || d->born < r->dg[oldest]->born)
			oldest = i;
	}
	if (free_i == PIO_MAX_DGRAMS) {
		pio_give_up(r, oldest);
		free_i = oldest;
	}
	r->dg[free_i] = calloc(1, sizeof(struct pio_dgram));
	if (!r->dg[free_i])
		return NULL;
	r->dg[free_i]->used = true;
	r->dg[free_i]->born = r->born++;
	r->dg[free_i]->family = family;
	memcpy(r->dg[free_i]->key, fr->key, sizeof(fr->key));
	return r->dg[free_i];
}

static bool pio_complete(const struct pio_dgram *d)
{
	uint32_t units = (d->total + 7) / 8;

	if (!d->have_first || !d->have_last)
		return false;
	for (uint32_t u = 0; u < units; u++)
		if (!(d->seen[u / 8] & (1u << (u % 8))))
			return false;
	return true;
}

static uint16_t pio_csum(const uint8_t *h, uint32_t n)
{
	uint32_t s = 0;

	for (uint32_t i = 0; i + 1 < n; i += 2)
		s += be16(h + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Build the whole datagram behind the first fragment's link header. */
static void pio_assemble(struct pio_reader *r, struct pio_dgram *d,
			 const struct pcap_pkthdr *h, uint64_t index,
			 struct pio_pkt *p)
{
	uint8_t *o = r->asm_buf, *ip = o + d->link_len;
	uint32_t n = d->link_len + d->hdr_len + d->total;

	memcpy(o, d->link, d->link_len);
	memcpy(ip, d->hdr, d->hdr_len);
	memcpy(ip + d->hdr_len, d->data, d->total);
	if (d->family == AF_INET) {
		put16(ip + 2, (uint16_t)(d->hdr_len + d->total));
		put16(ip + 6, 0);
		put16(ip + 10, 0);
		put16(ip + 10, pio_csum(ip, d->hdr_len));
	} else {
		ip[6] = d->next_hdr;
		put16(ip + 4, (uint16_t)d->total);
	}
	memset(p, 0, sizeof(*p));
	p->ts = h->ts;
	p->frame = o;
	p->caplen = p->wire_len = n;
	p->index = index;
	p->family = d->family;
	p->l3_off = d->link_len;
	p->ip = ip;
	p->ip_len = d->hdr_len + d->total;
	p->pppoe_off = d->pppoe_off;
	p->frags = d->n_part;
	if (p->pppoe_off >= 0)
		put16(o + p->pppoe_off + 4,
		      (uint16_t)(n - (uint32_t)p->pppoe_off - 6));
}

/*
 * Take fragment p.  Returns 1 when it completed a datagram (*p now the
 * reassembled packet), 0 when it was kept, -1 when it cannot be
 * reassembled (p unchanged: handle it as a packet of its own).
 */
static int pio_frag_add(struct pio_reader *r, const struct pcap_pkthdr *h,
			struct pio_pkt *p, const struct pio_frag *fr)
{
	struct pio_dgram *d;
	struct pio_saved *s;
	unsigned i;
	int rc = 0;

	if (fr->off + fr->len > 65535 - fr->hdr_len || !fr->len ||
	    (fr->more && fr->len % 8) || p->l3_off > PIO_MAX_LINK)
		return -1;
	d = pio_dgram_get(r, p->family, fr);
	if (!d || d->n_part == PIO_MAX_PARTS)
		return -1;
	s = &d->part[d->n_part];
	s->bytes = malloc(h->caplen);
	if (!s->bytes)
		return -1;
	memcpy(s->bytes, p->frame, h->caplen);
	s->h = *h;
	s->index = p->index;
	d->n_part++;
	r->st.fragments++;
	memcpy(d->data + fr->off, p->ip + fr->hdr_len, fr->len);
	for (uint32_t u = fr->off / 8; u < (fr->off + fr->len + 7) / 8; u++)
		d->seen[u / 8] |= (uint8_t)(1u << (u % 8));
	if (fr->off == 0) {
		d->have_first = true;
		d->link_len = p->l3_off;
		memcpy(d->link, p->frame, p->l3_off);
		d->pppoe_off = p->pppoe_off;
		d->hdr_len = p->family == AF_INET ? fr->hdr_len : 40;
		memcpy(d->hdr, p->ip, d->hdr_len);
		d->next_hdr = fr->next_hdr;
	}
	if (!fr->more) {
		d->have_last = true;
		d->total = fr->off + fr->len;
	}
	if (d->have_last && d->hdr_len + d->total > 65535) {
		for (i = 0; i < PIO_MAX_DGRAMS; i++)
			if (r->dg[i] == d)
				pio_give_up(r, i);
		return 0;
	}
	if (pio_complete(d)) {
		pio_assemble(r, d, h, p->index, p);
		for (i = 0; i < PIO_MAX_DGRAMS; i++)
			if (r->dg[i] == d)
				pio_dgram_free(r, i);
		r->st.reassembled++;
		rc = 1;
	}
	return rc;
}

/* ---- reading ----------------------------------------------------------- */

/* Nanosecond classic pcap files stay nanosecond, the rest microsecond. */
static int pio_file_precision(const char *path)
{
	static const uint8_t nano_le[4] = { 0x4d, 0x3c, 0xb2, 0xa1 };
	static const uint8_t nano_be[4] = { 0xa1, 0xb2, 0x3c, 0x4d };
	uint8_t m[4];
	FILE *f = fopen(path, "rb");
	size_t n = 0;

	if (f) {
		n = fread(m, 1, sizeof(m), f);
		fclose(f);
	}
	if (n == 4 && (!memcmp(m, nano_le, 4) || !memcmp(m, nano_be, 4)))
		return PCAP_TSTAMP_PRECISION_NANO;
	return PCAP_TSTAMP_PRECISION_MICRO;
}

struct pio_reader *pio_open(const char *path, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE];
	struct pio_reader *r;

	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->pc = pcap_open_offline_with_tstamp_precision(
		path, pio_file_precision(path), perr);
	if (!r->pc) {
		snprintf(err, errlen, "%s", perr);
		free(r);
		return NULL;
	}
	r->dlt = pcap_datalink(r->pc);
	return r;
}

void pio_close(struct pio_reader *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < PIO_MAX_DGRAMS; i++)
		if (r->dg[i])
			pio_dgram_free(r, i);
	for (size_t i = r->i_out; i < r->n_out; i++)
		pio_saved_free(&r->out[i]);
	pio_saved_free(&r->cur_out);
	free(r->out);
	pcap_close(r->pc);
	free(r);
}

int pio_linktype(const struct pio_reader *r)
{
	return r->dlt;
}

const char *pio_linktype_name(const struct pio_reader *r)
{
	const char *n = pcap_datalink_val_to_name(r->dlt);

	return n ? n : "unknown";
}

const struct pio_stats *pio_stats(const struct pio_reader *r)
{
	return &r->st;
}

/* Return the next frame of a given-up datagram, if any. */
static int pio_next_out(struct pio_reader *r, struct pio_pkt *p)
{
	struct pio_saved *s;

	pio_saved_free(&r->cur_out);
	if (r->i_out == r->n_out) {
		r->i_out = r->n_out = 0;
		return 0;
	}
	s = &r->out[r->i_out++];
	r->cur_out = *s;
	s->bytes = NULL;
	memset(p, 0, sizeof(*p));
	p->ts = r->cur_out.h.ts;
	p->wire_len = r->cur_out.h.len;
	p->frame = r->cur_out.bytes;
	p->caplen = r->cur_out.h.caplen;
	p->index = r->cur_out.index;
	p->pppoe_off = -1;
	p->incomplete = true;
	return 1;
}

int pio_next(struct pio_reader *r, struct pio_pkt *p, char *err,
	     size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	struct pio_frag fr;
	int rc;

	for (;;) {
		if (pio_next_out(r, p))
			return 1;
		rc = pcap_next_ex(r->pc, &h, &data);
		if (rc == PCAP_ERROR_BREAK) {
			/* End: what is still pending never completed. */
			for (unsigned i = 0; i < PIO_MAX_DGRAMS; i++)
				if (r->dg[i])
					pio_give_up(r, i);
			return pio_next_out(r, p);
		}
		if (rc < 0) {
			snprintf(err, errlen, "%s", pcap_geterr(r->pc));
			return -1;
		}
		r->st.frames++;
		memset(p, 0, sizeof(*p));
		p->ts = h->ts;
		p->wire_len = h->len;
		p->frame = data;
		p->caplen = h->caplen;
		p->index = r->st.frames;
		p->pppoe_off = -1;
		if (pio_find_l3(r->dlt, data, h->caplen, p) < 0) {
			p->family = 0;
			p->pppoe_off = -1;
			r->st.non_ip++;
			return 1;
		}
		pio_trim(p);
		if (!pio_is_frag(p, &fr))
			return 1;
		rc = pio_frag_add(r, h, p, &fr);
		if (rc != 0)
			return 1;	/* whole, or not reassemblable */
	}
}

/* ---- writing ----------------------------------------------------------- */

long pio_frame(const struct pio_pkt *p, const uint8_t *ip, uint32_t ip_len,
	       uint8_t *out, uint32_t cap)
{
	uint32_t n = p->l3_off + ip_len;

	if (!p->ip || n > cap || n < ip_len)
		return -1;
	memcpy(out, p->frame, p->l3_off);
	memcpy(out + p->l3_off, ip, ip_len);
	if (p->pppoe_off >= 0) {
		if (n - (uint32_t)p->pppoe_off - 6 > 0xffff)
			return -1;
		put16(out + p->pppoe_off + 4,
		      (uint16_t)(n - (uint32_t)p->pppoe_off - 6));
	}
	return (long)n;
}

struct pio_writer *pio_create(const struct pio_reader *r, const char *path,
			      char *err, size_t errlen)
{
	struct pio_writer *w = calloc(1, sizeof(*w));

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->dead = pcap_open_dead_with_tstamp_precision(
		r->dlt, PIO_MAX_FRAME,
		pcap_get_tstamp_precision(r->pc));
	if (!w->dead) {
		snprintf(err, errlen, "pcap_open_dead failed");
		free(w);
		return NULL;
	}
	w->d = pcap_dump_open(w->dead, path);
	if (!w->d) {
		snprintf(err, errlen, "%s", pcap_geterr(w->dead));
		pcap_close(w->dead);
		free(w);
		return NULL;
	}
	return w;
}

int pio_write(struct pio_writer *w, const struct pio_pkt *p,
	      const uint8_t *frame, uint32_t len)
{
	struct pcap_pkthdr h;

	h.ts = p->ts;
	h.caplen = len;
	/* Unchanged frames keep their recorded wire length (snaplen). */
	h.len = frame == p->frame && len == p->caplen ? p->wire_len : len;
	pcap_dump((u_char *)w->d, &h, frame);
	return 0;
}

int pio_finish(struct pio_writer *w)
{
	int rc = 0;

	if (!w)
		return 0;
	if (pcap_dump_flush(w->d) < 0 || ferror(pcap_dump_file(w->d)))
		rc = -1;
	pcap_dump_close(w->d);
	pcap_close(w->dead);
	free(w);
	return rc;
}
