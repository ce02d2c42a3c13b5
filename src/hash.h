/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_HASH_H
#define SIPALG_HASH_H

#include <stddef.h>
#include <stdint.h>

/* hash_bytes - FNV-1a of p[0..n) continuing from h (start with
 * HASH_FNV_INIT). */
#define HASH_FNV_INIT 2166136261u
uint32_t hash_bytes(const void *p, size_t n, uint32_t h);

#endif
