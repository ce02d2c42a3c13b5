/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness for the operator's request parsers: the control
 * protocol (ctl_handle) and the HTTP listener (http_handle), fed the way
 * srv.c feeds them (the bytes so far, NUL-terminated, at most
 * SRV_REQ_MAX), over a gateway that holds a registration and a call made
 * by real messages (tests/fuzz/pipe.h).  The first input byte picks the
 * handler (even: control, odd: HTTP); the rest arrives in two reads, cut
 * where the second byte says, as a client's request may.  Checks: the
 * handler's answer is 0 (more needed, nothing written), -1, or 1 with a
 * reply that starts "ok\n" / "error " (control) or "HTTP/1.0 " (HTTP).
 */
#include "fuzz.h"
#include "pipe.h"
#include "opsgw.h"
#include "srv.h"

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libosipparser2.so\n";
}

static struct pipe gw;
static struct meter meter;
static struct ctl_ops ops;

static int no_reload(void *ctx, char *err, size_t len)
{
	snprintf(err, len, "not in the fuzzer");
	return -1;
}

/* The registration and call (the call may be ended by an input's
 * "end"; the next inputs then have none). */
static void setup(void)
{
	FUZZ_ASSERT(opsgw_init(&gw, &ops, &meter, no_reload) == 0,
		    "the gateway's messages were not rewritten");
}

/* One read of the request as srv.c gives it: NUL-terminated copy. */
static int handle(bool http, char *req, size_t len, struct buf *out)
{
	int rc;

	req[len] = '\0';
	rc = http ? http_handle(&ops, req, len, out)
		  : ctl_handle(&ops, req, len, out);
	FUZZ_ASSERT(rc >= -1 && rc <= 1, "rc %d", rc);
	if (rc == 0)
		FUZZ_ASSERT(!out->len, "answered with more to come");
	if (rc == 1 && !http)
		FUZZ_ASSERT(out->p && (!strncmp(out->p, "ok\n", 3) ||
				       !strncmp(out->p, "error ", 6)),
			    "control reply %.20s", out->p ? out->p : "");
	if (rc == 1 && http)
		FUZZ_ASSERT(out->p && !strncmp(out->p, "HTTP/1.0 ", 9),
			    "HTTP reply %.20s", out->p ? out->p : "");
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char req[SRV_REQ_MAX + 1];
	struct buf out = { 0 };
	size_t n, cut;
	bool http;

	if (!gw.alg)
		setup();
	if (size < 2)
		return 0;
	http = data[0] & 1;
	n = size - 2 < SRV_REQ_MAX ? size - 2 : SRV_REQ_MAX;
	memcpy(req, data + 2, n);
	cut = n ? data[1] % (n + 1) : 0;
	if (cut && cut < n && handle(http, req, cut, &out) != 0)
		goto done;
	memcpy(req, data + 2, n);
	handle(http, req, n, &out);
done:
	buf_free(&out);
	return 0;
}
