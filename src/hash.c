/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <endian.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"

uint32_t hash_bytes(const void *p, size_t n, uint32_t h)
{
	const unsigned char *c = p;

	while (n--)
		h = (h ^ *c++) * 16777619u;
	return h;
}

void hash_key_random(struct hash_key *k)
{
	struct timespec ts;

	if (getrandom(k, sizeof(*k), GRND_NONBLOCK) == (ssize_t)sizeof(*k))
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	k->k0 = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	k->k1 = (uint64_t)ts.tv_sec * 0xc2b2ae3d27d4eb4full ^ (uint64_t)time(NULL);
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

/* One SipRound (the paper's section 2). */
static void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

/* Little-endian 64-bit word from 8 bytes. */
static uint64_t word_le(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return le64toh(w);
}

static void sip_absorb(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;
}

uint64_t hash_keyed(const struct hash_key *k, const void *p, size_t n)
{
	const unsigned char *c = p;
	unsigned char last[8] = { 0 };
	uint64_t v[4] = { k->k0 ^ 0x736f6d6570736575ull,
			  k->k1 ^ 0x646f72616e646f6dull,
			  k->k0 ^ 0x6c7967656e657261ull,
			  k->k1 ^ 0x7465646279746573ull };
	size_t i, full = n / 8 * 8;

	for (i = 0; i < full; i += 8)
		sip_absorb(v, word_le(c + i));
	/* The last block: the remaining bytes, the length's low byte on
	 * top. */
	memcpy(last, c + full, n - full);
	last[7] = (unsigned char)n;
	sip_absorb(v, word_le(last));
	v[2] ^= 0xff;
	sip_round(v);
	sip_round(v);
	sip_round(v);
	sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}
