/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The keyed hash (src/hash.c): SipHash-2-4 against the test vectors of
 * the SipHash paper (Aumasson and Bernstein 2012, appendix A: key
 * 00 01 .. 0f, messages 00 01 .. of length 0, 8 and 15), and two random
 * keys giving different hashes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hash.h"

static void test_vectors(void **state)
{
	static const struct {
		size_t len;
		uint64_t want;
	} v[] = {
		{ 0, 0x726fdb47dd0e0e31ull },
		{ 8, 0x93f5f5799a932462ull },
		{ 15, 0xa129ca6149be45e5ull },
	};
	unsigned char msg[16];
	struct hash_key k = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };
	unsigned i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)i;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(hash_keyed(&k, msg, v[i].len), v[i].want);
}

static void test_random_keys(void **state)
{
	struct hash_key a, b;

	hash_key_random(&a);
	hash_key_random(&b);
	assert_true(a.k0 != b.k0 || a.k1 != b.k1);
	assert_true(hash_keyed(&a, "call-id", 7) !=
		    hash_keyed(&b, "call-id", 7));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_random_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
