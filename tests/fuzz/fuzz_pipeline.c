/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness for the whole per-packet pipeline (alg_process): the
 * input is the UDP payload of a synthetic IPv4 packet, sent outbound from
 * the phone and then inbound to it, through one gateway whose call state
 * persists across inputs (so calls, dialogs and bindings pile up and expire
 * as they would in a daemon).  The NAT backend is a stub that accepts every
 * plan (FUZZ_REFUSE=N: refuses every N-th, and a refusal must leave the
 * call state exactly as it was).  Every rewritten packet must pass tests/fuzz/pipe.h's checks and
 * the rewrite oracle; every other packet needs a counted outcome.  An input
 * may also be a sequence of messages with directions (run_seq).
 */
#include "fuzz.h"
#include "pipe.h"

/* libosip2 (the oracle's parser, not ours) leaks a content-type it fails
 * to parse (osip_content_type_parse, libosip2 5.3): not a finding here.
 * Reproducer: tests/fuzz/regress/pipeline/osip-content-type-leak. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libosipparser2.so\n";
}

static struct pipe gw;
static bool no_tick;

static void run(enum rw_dir dir, const uint8_t *data, size_t n)
{
	const char *reason, *out;
	uint64_t before = gw.refuse_every ? pipe_state(&gw) : 0;
	uint32_t out_len;
	int rc = pipe_run(&gw, dir, (const char *)data, (uint32_t)n, &reason,
			  &out, &out_len);

	FUZZ_ASSERT(rc >= 0, "%s %s", dir == RW_OUT ? "out" : "in", gw.why);
	/* A batch the kernel refused before the verdict leaves the call
	 * state as it was (removals go after the verdict: not undone). */
	if (rc == PIPE_PASSED && gw.refuse_every &&
	    !strcmp(reason, "kernel refused bindings"))
		FUZZ_ASSERT(pipe_state(&gw) == before,
			    "%s: refused batch changed the call state",
			    dir == RW_OUT ? "out" : "in");
}

/*
 * A sequence input ("SEQ\n", then records of a direction byte 'o' or 'i'
 * (anything else: both), a 16-bit big-endian length and that many bytes)
 * plays a call flow: each message in its direction, in order, so the
 * fuzzer can reach the states answers, ACKs, re-INVITEs and BYEs lead to.
 * Seeds: the steps of each tests/golden file (seeds.py).
 */
static void run_seq(const uint8_t *p, size_t n)
{
	unsigned k;
	size_t len;
	uint8_t d;

	for (k = 0; k < 16 && n >= 3; k++) {
		d = p[0];
		len = (size_t)p[1] << 8 | p[2];
		p += 3;
		n -= 3;
		if (len > n)
			len = n;
		if (d != 'i')
			run(RW_OUT, p, len);
		if (d != 'o')
			run(RW_IN, p, len);
		p += len;
		n -= len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned inputs;

	if (size > PIPE_MAX_PAYLOAD)
		return -1;
	if (!gw.alg) {
		/* FUZZ_FAMILY=6: the same inputs as IPv6 messages of a phone
		 * with a global address (pinholes only, never rewritten, no
		 * pinhole for another address or below bind_port_min). */
		if (getenv("FUZZ_FAMILY") && !strcmp(getenv("FUZZ_FAMILY"), "6")
			    ? pipe_init6(&gw) < 0 : pipe_init(&gw, false) < 0)
			abort();
		/* FUZZ_NO_TICK=1: no expiry sweeps (to fuzz past a known
		 * crash in them; see tests/fuzz/README.md) */
		no_tick = getenv("FUZZ_NO_TICK") != NULL;
		/* FUZZ_REFUSE=N: the stub backend refuses every N-th batch,
		 * and the call state must come out of each refusal as it
		 * went in. */
		if (getenv("FUZZ_REFUSE"))
			gw.refuse_every = (unsigned)atoi(getenv("FUZZ_REFUSE"));
		/* FUZZ_MEDIA_FROM=sdp: media bindings carry their admitted
		 * sources, and the far end's SDP re-targets them. */
		if (getenv("FUZZ_MEDIA_FROM") &&
		    !strcmp(getenv("FUZZ_MEDIA_FROM"), "sdp"))
			gw.conf.media_from = MEDIA_FROM_SDP;
	}
	if (size >= 4 && memcmp(data, "SEQ\n", 4) == 0) {
		run_seq(data + 4, size - 4);
	} else {
		run(RW_OUT, data, size);
		run(RW_IN, data, size);
	}
	/* Time passes and the periodic tick ends what expired, after every
	 * input so that a crash in it reproduces from that input alone. */
	pipe_clock += ++inputs % 64 == 0 ? 7 : 1;
	if (!no_tick)
		alg_tick(gw.alg, false, NULL);
	return 0;
}
