/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness for the whole per-packet pipeline (alg_process): the
 * input is the UDP payload of a synthetic IPv4 packet, sent outbound from
 * the phone and then inbound to it, through one gateway whose call state
 * persists across inputs (so calls, dialogs and bindings pile up and expire
 * as they would in a daemon).  The NAT backend is a stub that accepts every
 * plan.  Every rewritten packet must pass tests/fuzz/pipe.h's checks and
 * the rewrite oracle; every other packet needs a counted outcome.
 */
#include "fuzz.h"
#include "pipe.h"

static struct pipe gw;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned inputs;
	const char *reason, *out;
	uint32_t out_len;
	int dir, rc;

	if (size > PIPE_MAX_PAYLOAD)
		return -1;
	if (!gw.alg && pipe_init(&gw, false) < 0)
		abort();
	for (dir = RW_OUT; dir <= RW_IN; dir++) {
		rc = pipe_run(&gw, (enum rw_dir)dir, (const char *)data,
			      (uint32_t)size, &reason, &out, &out_len);
		FUZZ_ASSERT(rc >= 0, "%s %s", dir == RW_OUT ? "out" : "in",
			    gw.why);
	}
	/* Time passes: every 64 inputs, a periodic tick ends what expired. */
	if (++inputs % 64 == 0) {
		pipe_clock += 7;
		alg_tick(gw.alg, false, NULL);
	}
	return 0;
}
