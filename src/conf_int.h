/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_CONF_INT_H
#define SIPALG_CONF_INT_H

/*
 * Inside the configuration parser: the key table (conf_keys.c) as the
 * file reader (conf.c) sees it.  Not for other modules.
 */

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

#define CONF_MAX_KEYS 64	/* rows conf_keys[] may have */

/* What a value parser reports: NULL when fine, else what is wrong. */
typedef const char *(*conf_parse_fn)(struct conf *c, size_t off,
				     const char *val);

struct conf_key {
	const char *name;
	conf_parse_fn parse;
	size_t off;		/* offsetof(struct conf, field) */
	bool required;
};

/* Every key, conf_nkeys (at most CONF_MAX_KEYS) of them. */
extern const struct conf_key conf_keys[];
extern const size_t conf_nkeys;

/* conf_key_find - index in conf_keys of the key called name, or -1. */
int conf_key_find(const char *name);

/* conf_trim - cut leading and trailing blanks of s in place; returns the
 * first byte that is not one (inside s). */
char *conf_trim(char *s);

#endif
