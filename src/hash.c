/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "hash.h"

uint32_t hash_bytes(const void *p, size_t n, uint32_t h)
{
	const unsigned char *c = p;

	while (n--)
		h = (h ^ *c++) * 16777619u;
	return h;
}
