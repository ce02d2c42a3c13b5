/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_METRICS_H
#define SIPALG_METRICS_H

#include "alg.h"
#include "buf.h"
#include "meter.h"

/*
 * metrics_write - the Prometheus text exposition format (version 0.0.4)
 * of every counter, gauge and hold-time histogram into b.  Counters only
 * grow for the life of the process (they are never reset).
 */
void metrics_write(struct buf *b, struct alg *a, const struct meter *m);

#endif
