/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_HASH_H
#define SIPALG_HASH_H

#include <stddef.h>
#include <stdint.h>

/* hash_bytes - FNV-1a of p[0..n) continuing from h (start with
 * HASH_FNV_INIT).  Unkeyed: never for tables whose keys an outsider picks
 * (hash_keyed). */
#define HASH_FNV_INIT 2166136261u
uint32_t hash_bytes(const void *p, size_t n, uint32_t h);

/* A 128-bit key for hash_keyed: random at start, so that nobody outside
 * the daemon can choose keys that collide. */
struct hash_key {
	uint64_t k0, k1;
};

/* hash_key_random - a fresh random key (getrandom; the clock and the
 * process id when that fails). */
void hash_key_random(struct hash_key *k);

/* hash_keyed - SipHash-2-4 of p[0..n) under key k (Aumasson and
 * Bernstein, "SipHash: a fast short-input PRF", 2012). */
uint64_t hash_keyed(const struct hash_key *k, const void *p, size_t n);

#endif
