#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench/report.py DIR - BENCHMARKS.md (stdout) from a bench/run.sh result
directory: env, results.jsonl, cpu.md, prof/."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cps_report  # noqa: E402  (the calls-per-second table)

D = sys.argv[1]
ENV = {}
for line in open(os.path.join(D, "env")):
    k, _, v = line.rstrip("\n").partition("=")
    ENV[k] = v
RES = [json.loads(l) for l in open(os.path.join(D, "results.jsonl")) if l.strip()]
MODES = ["none", "accept", "kernel", "sipalg", "sipalg-noforget"]
LABEL = {
    "none": "plain NAT, no queue",
    "accept": "accept-all NFQUEUE loop (bench/nfq_accept)",
    "kernel": "kernel SIP helper (nf_conntrack_sip + nf_nat_sip)",
    "sipalg": "sipalgd (build/sipalgd)",
    "sipalg-noforget": "diagnostic: sipalgd without conntrack cleanup (noforget.c)",
}


def get(task, mode=None, **kw):
    out = []
    for r in RES:
        if r.get("task") != task or (mode and r.get("mode") != mode):
            continue
        if all(r.get(k) == v for k, v in kw.items()):
            out.append(r)
    return out


def one(task, mode=None, **kw):
    r = get(task, mode, **kw)
    return r[-1] if r else None


def ratio(a, b):
    if a is None or b in (None, 0):
        return "n/a"
    return "%.2f" % (a / b)


def fmt(x, nd=0):
    if x is None:
        return "n/a"
    return ("%%.%df" % nd) % x


p = print
p("# sipalg benchmarks")
p()
p("Written by `make bench` (bench/run.sh); every number below comes from the")
p("one run described here.  Re-run `make bench` to regenerate this file.")
p()
if ENV.get("quick") == "1":
    p("**QUICK RUN (BENCH_QUICK=1): tiny steps, numbers not meaningful.**")
    p()
p("| | |")
p("|---|---|")
p("| date (UTC) | %s |" % ENV.get("date_utc"))
p("| kernel | %s |" % ENV.get("kernel"))
p("| machine | %s CPUs, %s, %.1f GiB memory |" % (
    ENV.get("nproc"), ENV.get("cpu"), int(ENV.get("mem_kb", "0")) / 1048576))
p("| source | %s |" % ENV.get("git"))
p("| run time | %s s |" % ENV.get("total_secs"))
p("| load at start | `%s` |" % ENV.get("uptime_start", "").strip())
p("| load at end | `%s` |" % ENV.get("uptime_end", "").strip())
p()
p("The lab is tests/netns/lib.sh: phone, router and outside hosts in network")
p("namespaces joined by veth pairs and a bridge, **all on this one machine**:")
p("the load generators, the sinks, the router's kernel forwarding and the")
p("daemon share its %s CPUs." % ENV.get("nproc"))
p()


def load1(u):
    try:
        return float(u.split("load average:")[1].split(",")[0])
    except (IndexError, ValueError):
        return None


l0, l1 = load1(ENV.get("uptime_start", "")), load1(ENV.get("uptime_end", ""))
others = int(ENV.get("others_start", "0") or 0)
ns0 = int(ENV.get("netns_start", "0") or 0)
if others > 0 or ns0 > 0:
    p("**Other jobs were running on the machine during this run** (other")
    p("helpers' tests: %d test processes and %d network namespaces of other" % (others, ns0))
    p("labs at the start; 1-minute load average %s at the start, %s at the" % (l0, l1))
    p("end), so absolute numbers are noisy; the modes ran one after another in")
    p("the same run, and the ratios are what to read.")
elif (l0 or 0) >= 0.5:
    p("No other test jobs or labs were seen at the start, but the 1-minute")
    p("load average was %s (the tail of earlier work; %s at the end): the" % (l0, l1))
    p("modes ran one after another in the same run, and the ratios are what")
    p("to read.")
else:
    p("No other jobs were seen at the start (no other namespace labs, load")
    p("average %s); the modes ran one after another in the same run." % l0)
p()

# ---------------------------------------------------------------- summary
smax = {m: (one("sip-max", m) or {}).get("calls_per_s") for m in MODES}
lat = {m: (one("sip-lat", m) or {}).get("step") for m in MODES}
rtp = {(r["mode"], r.get("name")): r for r in get("rtp")}
sipp = {m: (one("sipp-max", m) or {}).get("calls_per_s") for m in MODES}


def median(xs):
    xs = sorted(xs)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def us_per_pkt(u):
    """CPU microseconds per received packet: busy clock ticks of the CPU the
    sender, sink (and relay) were pinned to, over the blast, per packet."""
    if not u.get("clk_tck") or not u.get("recv"):
        return None
    return u["cpu_busy_ticks"] * 1e6 / u["clk_tck"] / u["recv"]


def rtp_runs(mode, name):
    r = rtp.get((mode, name))
    return r["runs"] if r and r.get("runs") else []


def rtp_pps(mode, name):
    """Median received rate of the runs."""
    return median([u["recv_pps"] for u in rtp_runs(mode, name)])


def rtp_us(mode, name):
    return median([x for x in map(us_per_pkt, rtp_runs(mode, name)) if x])


def verdict(ok):
    return "n/a" if ok is None else ("met" if ok else "**MISSED**")


def ratio_ok(a, b, goal):
    r = ratio(a, b)
    return None if r == "n/a" else float(r) >= goal


inter = get("rtp-inter")
inter_sum = one("rtp-inter-summary")


def inter_runs(size):
    return [r["run"] for r in inter if r["size"] == size]


pps_inat = median([u["recv_pps"] for u in inter_runs("nat")])
pps_i10 = median([u["recv_pps"] for u in inter_runs("10")])
pps_i100k = median([u["recv_pps"] for u in inter_runs("100k")])
us_i10 = median([x for x in map(us_per_pkt, inter_runs("10")) if x])
us_i100k = median([x for x in map(us_per_pkt, inter_runs("100k")) if x])
# Every kernel-path row of sipalgd: the daemon's queue count during it.
seen = [(r["name"], r.get("queued_during_rtp")) for r in get("rtp", "sipalg")
        if r.get("runs")]
if inter_sum:
    seen.append(("interleaved 10 / 100k", inter_sum.get("queued_during_rtp")))


g_thr = ratio(smax.get("sipalg"), smax.get("accept"))
g_lat = lat.get("sipalg") and lat["sipalg"]["lat_p99_us"]
p("## Goals")
p()
p("| goal | measured | |")
p("|---|---|---|")
p("| SIP throughput >= 0.7 x accept-all loop | %s (%s / %s calls/s) | %s |" % (
    g_thr, fmt(smax.get("sipalg")), fmt(smax.get("accept")),
    verdict(None if g_thr == "n/a" else float(g_thr) >= 0.7)))
p("| call setup rate (sipp) >= kernel helper | %s vs %s calls/s | %s |" % (
    fmt(sipp.get("sipalg")), fmt(sipp.get("kernel")),
    verdict(None if sipp.get("sipalg") is None or sipp.get("kernel") is None
            else sipp["sipalg"] >= sipp["kernel"])))
CPS = {}
for r in get("cps"):
    CPS.setdefault(r["mode"], []).append(r)
if CPS:
    cm = cps_report.medians(CPS)
    for goal, other, want in (("calls/s (closed loop) >= kernel helper",
                               "kernel", 1.0),
                              ("calls/s (closed loop) >= 0.7 x accept-all loop"
                               " (%s)" % ("batched"
                                          if cps_report.accept_base(cm) ==
                                          "accept-batch" else "unbatched"),
                               cps_report.accept_base(cm), 0.7)):
        r = ratio(cm.get("sipalg"), cm.get(other))
        p("| %s | %s (medians %s / %s calls/s, section 2b) | %s |" % (
            goal, r, fmt(cm.get("sipalg")), fmt(cm.get(other)),
            verdict(None if r == "n/a" else float(r) >= want)))
    walks = sum(max(0, r.get("walks", 0)) for r in CPS.get("sipalg", []))
    p("| conntrack table walks at full load = 0 | %d during the closed-loop runs | %s |" % (
        walks, verdict(walks == 0 if CPS.get("sipalg") else None)))
ovl = one("overload", "sipalg")
if ovl:
    st = ovl["step"]
    unseen = st["sent"] - ovl["seen"] - ovl["skipped"]
    # What the daemon did with the messages it saw (older results lack it).
    c = ovl.get("counted")
    did = ("; of those seen %d rewritten, %d unchanged, %d passed unchanged "
           "and counted, %d dropped" % (c["rewritten"], c["unchanged"],
                                        c["passed"], c["dropped"])
           if c else "")
    p("| overload (asked 1.5 x the closed-loop rate, %d s): every message rewritten or passed and counted; no media binding outlives the idle timeout | blaster reached %.0f of %s calls/s asked; %d messages sent, %d seen by the daemon, %d counted as passed unseen by it, %d passed unseen and uncounted (a full queue passes packets before numbering them; the kernel counts nothing)%s; p50/p99 latency %.0f / %.0f ms; %d media bindings right after, %d after %d s (idle timeout %d s) | %s |" % (
        st["secs"], st["calls"] / st["secs"], fmt(ovl["rate"]), st["sent"],
        ovl["seen"], ovl["skipped"], unseen, did, st["lat_p50_us"] / 1000,
        st["lat_p99_us"] / 1000, ovl["media_after"], ovl["media_left"],
        ovl["secs_to_left"], ovl["idle_timeout"],
        verdict(unseen == 0 and ovl["media_left"] == 0)))
g_acc = lat.get("accept") and lat["accept"]["lat_p99_us"]
g_none = lat.get("none") and lat["none"]["lat_p99_us"]
g_hold = lat.get("sipalg") and lat["sipalg"].get("hold_work")
if g_lat is not None and g_acc is not None and g_hold:
    p("| added latency p99 <= 200 us: the daemon's own | %.0f us p99 from reading a message off the queue to handing its verdict to the kernel (sipalgd's timer, %d messages at %s calls/s); end to end %.0f us p99 against %.0f us through the accept-all loop (%+.0f us) | %s |" % (
        g_hold[2], g_hold[0], fmt(lat["sipalg"]["rate_calls"]), g_lat, g_acc,
        g_lat - g_acc, verdict(g_hold[2] <= 200 and g_lat - g_acc <= 200)))
else:
    p("| added latency p99 <= 200 us | %s us p99 at %s calls/s | %s |" % (
        fmt(g_lat, 1), fmt(lat.get("sipalg") and lat["sipalg"]["rate_calls"]),
        verdict(None if g_lat is None else g_lat <= 200)))
if g_lat is not None and g_none is not None:
    p("| added latency p99 <= 200 us: against the unqueued path | %.0f us p99 against %.0f us with plain NAT (%+.0f us; the accept-all loop alone: %s) | %s |" % (
        g_lat, g_none, g_lat - g_none,
        "n/a" if g_acc is None else "%+.0f us" % (g_acc - g_none),
        verdict(g_lat - g_none <= 200)))
pps_d10 = rtp_pps("sipalg", "bindings-10")
pps_nat = rtp_pps("none", "conntrack-nat")
pps_relay = rtp_pps("none", "relay")
pps_dmany = rtp_pps("sipalg", "bindings-many")
pps_natmany = rtp_pps("none", "conntrack-nat-many")
pps_relaymany = rtp_pps("none", "relay-many")
p("| media on sipalgd bindings >= 0.95 x conntrack NAT (verdict: 10 flows, interleaved in one lab) | %s (medians %s / %s packets/s); from separate labs: 10 flows %s, %s streams %s | %s |" % (
    ratio(pps_i10, pps_inat), fmt(pps_i10), fmt(pps_inat),
    ratio(pps_d10, pps_nat),
    fmt((rtp.get(("sipalg", "bindings-many")) or {}).get("flows")),
    ratio(pps_dmany, pps_natmany), verdict(ratio_ok(pps_i10, pps_inat, 0.95))))
p("| media with 100,000 bindings >= 0.95 x with 10 (interleaved in one lab) | %s (medians %s / %s packets/s); CPU per packet %s x | %s |" % (
    ratio(pps_i100k, pps_i10), fmt(pps_i100k), fmt(pps_i10),
    ratio(us_i100k, us_i10), verdict(ratio_ok(pps_i100k, pps_i10, 0.95))))
p("| kernel forwarding >= 3 x userspace relay (verdict: %s streams at full rate, a socket pair each) | %s streams: %s (sipalgd bindings %s / relay %s packets/s; conntrack NAT / relay in one lab: %s); 10 flows into one relay socket: %s; paced streams in section 4b | %s |" % (
    fmt((rtp.get(("none", "relay-many")) or {}).get("flows")),
    fmt((rtp.get(("none", "relay-many")) or {}).get("flows")),
    ratio(pps_dmany, pps_relaymany), fmt(pps_dmany), fmt(pps_relaymany),
    ratio(pps_natmany, pps_relaymany),
    ratio(pps_d10, pps_relay),
    verdict(ratio_ok(pps_dmany, pps_relaymany, 3))))
p("| RTP packets seen by the daemon = 0 (every sipalgd media row) | %s | %s |" % (
    ", ".join("%s: %s" % (n, fmt(q)) for n, q in seen) or "n/a",
    verdict(None if not seen else all(q == 0 for _, q in seen))))
bind = {(r["mode"], r["run"]["delay_us"]): r["run"] for r in get("bind") if r.get("run")}
b_s, b_a = bind.get(("sipalg", 0)), bind.get(("accept", 0))
if b_s:
    p("| binding cost p99 <= 1 ms | INVITE installing 3 bindings: p99 %.0f us through sipalgd, %s us through the accept loop | %s |" % (
        b_s["invite_p99_us"], fmt(b_a and b_a["invite_p99_us"]),
        verdict(b_s["invite_p99_us"] <= 1000)))
else:
    p("| binding cost p99 <= 1 ms | not measured | |")
b_1 = bind.get(("sipalg", 1000))
if b_1:
    p("| RTP sent 1 ms after the verdict arrives | %d of %d lost | %s |" % (
        b_1["media_lost"], b_1["probes"] - b_1["invite_lost"],
        verdict(b_1["media_lost"] == 0 and b_1["invite_lost"] == 0)))
def setup_runs(sc, key):
    """The fixed-rate setup steps at one size (a list; older runs: one)."""
    v = sc.get(key)
    return v if isinstance(v, list) else ([v] if v else [])


def cpu_msg(st):
    return st["consumer_cpu_us"] / max(st["queued"], 1)


sc = one("scale")
kb = None
if sc and sc["calls_big"] > sc["calls_small"]:
    kb = (sc["rss_big_kb"] - sc["rss_small_kb"]) / (sc["calls_big"] - sc["calls_small"])
    p("| <= 2 KB resident memory per call, %d concurrent calls held | %.2f KB | %s |" % (
        sc["calls_big"], kb, verdict(kb <= 2 and sc["calls_big"] >= 100000)))
    cs = sc["step_small"]["consumer_cpu_us"] / max(sc["step_small"]["queued"], 1)
    cb = sc["step_big"]["consumer_cpu_us"] / max(sc["step_big"]["queued"], 1)
    p("| per-message CPU at %d calls within 10%% of at %d (%s calls/s) | %.1f vs %.1f us (%s) | %s |" % (
        sc["calls_big"], sc["calls_small"], fmt(sc["step_small"]["rate_calls"]),
        cb, cs, ratio(cb, cs), verdict(cb <= cs * 1.1)))
    ss, sb = setup_runs(sc, "setup_small"), setup_runs(sc, "setup_big")
    if ss and sb:
        us_s = median([cpu_msg(st) for st in ss])
        us_b = median([cpu_msg(st) for st in sb])
        ok = lambda runs: all(st["lost"] == 0 and st["completed"] == st["calls"] and st["queued"] == st["sent"] for st in runs)
        p("| setup rate at %d calls within 10%% of at %d | %s calls/s, %d steps of 2 s at each size: %s at %d held, %s at %d; median CPU %.1f vs %.1f us per message (%s) | %s |" % (
            sc["calls_big"], sc["calls_small"], fmt(ss[0]["rate_calls"]), len(ss),
            "no loss" if ok(sb) else "LOSS", sc["calls_big"],
            "no loss" if ok(ss) else "LOSS", sc["calls_small"], us_b, us_s,
            ratio(us_b, us_s), verdict(ok(sb) and ok(ss) and us_b <= us_s * 1.1)))
else:
    p("| 100,000 concurrent calls, <= 2 KB per call | not measured | |")
p()

for r in get("rerun-note"):
    p("**Note:** " + r["text"])
    p()

# ---------------------------------------------------------------- CPU
p("## 1. CPU per message (callgrind)")
p()
p(open(os.path.join(D, "cpu.md")).read().rstrip())
p()
p("Source: bench/cpu_msg.c linked with the pure modules (build/*.o of")
p("sip sdp edit rewrite call conf log); the kernel plan is computed but not")
p("applied.  Replies are built from the rewritten request as the peer would")
p("see it.")
p()
p("The daemon's CPU time per queued message under load (user + system, from")
p("/proc/PID/schedstat in nanoseconds over one step, so it includes the")
p("kernel work done in its system calls: verdicts, nft batches, conntrack):")
p()
p("| consumer | rate (calls/s) | messages | CPU us per message |")
p("|---|---:|---:|---:|")
for m in ("accept", "sipalg", "sipalg-noforget"):
    r = one("sip-lat", m)
    if not r:
        continue
    s = r["step"]
    if s.get("queued", 0) > 0:
        p("| %s | %s | %d | %.1f |" % (LABEL[m], fmt(s["rate_calls"]),
                                       s["queued"],
                                       s["consumer_cpu_us"] / s["queued"]))
p()

# ---------------------------------------------------------------- throughput
p("## 2. SIP throughput (bench/blast.c)")
p()
p("Distinct calls from the phone namespace (10.0.0.10:5060) to a peer and")
p("registrar in the outside namespace (203.0.113.10:5060): per call INVITE")
p("with SDP, 200 with SDP, ACK, BYE, 200, REGISTER, 200 = 7 messages, every")
p("Call-ID, tag, branch and media port unique.  The peer answers what it")
p("receives (so responses carry the Via the gateway wrote), the phone ACKs")
p("and BYEs the 200 it receives.  sendmmsg/recvmmsg, one process with its")
p("sockets in both namespaces.  A step passes when every message arrived,")
p("every call completed, the generator started at least 95% of the calls")
p("asked for (otherwise the generator was the limit, and the step fails),")
p("and (with a queue) the queue consumer handled every message (fail-open")
p("bypass counts as a failure).  Rates double from %s" %
  os.environ.get("BENCH_START_RATE", "100"))
p("calls/s until a step fails, then two bisection steps; %s s per step." %
  os.environ.get("BENCH_STEP_SECS", "2"))
p()
p("| mode | highest zero-loss rate (calls/s) | messages/s | vs accept loop | vs kernel helper |")
p("|---|---:|---:|---:|---:|")
for m in MODES:
    if smax.get(m) is None:
        continue
    r = one("sip-max", m)
    cap = " (highest rate tried)" if r["first_bad"] == 0 else ""
    p("| %s | %d%s | %d | %s | %s |" % (
        LABEL[m], smax[m], cap, smax[m] * 7, ratio(smax[m], smax.get("accept")),
        ratio(smax[m], smax.get("kernel"))))
p()
p("<details><summary>every step</summary>")
p()
p("| mode | rate | calls asked | calls started | completed | sent | received | lost | through queue | p50 us | p99 us |")
p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in get("sip-step"):
    s = r["step"]
    p("| %s | %d | %d | %d | %d | %d | %d | %d | %s | %.0f | %.0f |" % (
        r["mode"], s["rate_calls"], s["rate_calls"] * s["secs"], s["calls"],
        s["completed"], s["sent"], s["recv"], s["lost"],
        "-" if s["queued"] < 0 else s["queued"], s["lat_p50_us"],
        s["lat_p99_us"]))
p()
p("</details>")
p()

# ---------------------------------------------------------------- latency
if CPS:
    p("## 2b. Calls per second, closed loop (bench/cps)")
    p()
    p("bench/cps keeps 64 calls in flight (INVITE and 200 with SDP, ACK, BYE")
    p("and 200; a finished call starts the next), sendmmsg/recvmmsg, phone")
    p("and peer in one thread.  The rate is whatever the path sustains on")
    p("this machine, where generator, forwarding and consumer share 2 CPUs;")
    p("the CPU time per call splits the cost: the queue consumer's")
    p("(schedstat), the generator's (its own system calls carry the kernel")
    p("forwarding of what it sends) and all CPUs' (includes other jobs).")
    p()
    for line in cps_report.table(CPS):
        p(line)
    p()
p("## 3. Added latency per SIP message")
p()
p("Send -> receive time of every message of the run (X-Ts header written")
p("by the sender, CLOCK_MONOTONIC read by the receiver: one clock, shared")
p("by all namespaces), at a moderate rate:")
p()
p("| mode | rate (calls/s) | messages | p50 us | p99 us | max us | p99 added vs plain NAT |")
p("|---|---:|---:|---:|---:|---:|---:|")
base = lat.get("none")
for m in MODES:
    s = lat.get(m)
    if not s:
        continue
    add = "" if not base or m == "none" else "%.0f us" % (
        s["lat_p99_us"] - base["lat_p99_us"])
    p("| %s | %d | %d | %.1f | %.1f | %.1f | %s |" % (
        LABEL[m], s["rate_calls"], s["recv"], s["lat_p50_us"],
        s["lat_p99_us"], s["lat_max_us"], add))
p()

acc = lat.get("accept")
if acc:
    p("The floor for any NFQUEUE daemon on this machine is the accept-all")
    p("loop's own latency: p99 %.0f us (%.0f us above plain NAT), with a" % (
        acc["lat_p99_us"], acc["lat_p99_us"] - (base["lat_p99_us"] if base else 0)))
    p("consumer that does no work.  The 200 us goal is about what sipalgd adds")
    p("on top of that: compare the sipalgd rows with the accept-loop row.")
    p()
p("Per message type (p50 / p99 us) in the same runs:")
p()
kinds = ["INVITE", "200-INVITE", "ACK", "BYE", "200-BYE", "REGISTER", "200-REGISTER"]
p("| mode | " + " | ".join(kinds) + " |")
p("|---|" + "---:|" * len(kinds))
for m in MODES:
    s_ = lat.get(m)
    if not s_:
        continue
    p("| %s | %s |" % (m, " | ".join(
        "%.0f / %.0f" % tuple(s_["lat_" + k]) if ("lat_" + k) in s_ else "n/a"
        for k in kinds)))
p()
HOLD = (("hold_work", "read off the queue -> verdict handed to the kernel (every message)"),
        ("hold_bound", "read -> bindings acknowledged by the kernel (messages that install bindings)"),
        ("hold_verdict", "the verdict call itself (the kernel sends the packet on inside it)"),
        ("hold_after", "post-verdict work: removals, refreshes, conntrack deletes (messages with some)"))
rows = [(m, lat[m]) for m in MODES if lat.get(m) and lat[m].get("hold_work")]
if rows:
    p("The daemon's own timing of the same steps (microsecond histograms")
    p("kept by sipalgd from the moment it reads a message; `n / p50 / p99`):")
    p()
    p("| interval | " + " | ".join(LABEL[m] for m, _ in rows) + " |")
    p("|---|" + "---:|" * len(rows))
    for key, what in HOLD:
        p("| %s | %s |" % (what, " | ".join(
            "%d / %d / %d" % tuple(s_[key]) if s_.get(key) else "n/a"
            for _, s_ in rows)))
    p()
p("Section 7 shows where the daemon's time goes.")
p()

# ---------------------------------------------------------------- binding
p("## 3b. Binding cost and media right after signalling (blast bind)")
p()
p("One INVITE at a time (%s probes, 2 ms apart, nothing else in flight): the" %
  os.environ.get("BENCH_BIND_PROBES", "100"))
p("phone sends an INVITE with SDP; when it reaches the peer - after the")
p("gateway's verdict, and for sipalgd after its bindings were acknowledged by")
p("the kernel (it applies the nft batch before the verdict) - the peer waits")
p("0 or 1000 us and sends one RTP packet to the address and port the")
p("INVITE's SDP names.  The INVITE's latency with sipalgd minus that with the")
p("accept loop bounds the cost of planning, rewriting and installing the")
p("three bindings (signalling, RTP, RTCP).")
p()
p("| mode | RTP sent after | INVITE p50 us | INVITE p99 us | RTP received | RTP lost | INVITE lost |")
p("|---|---:|---:|---:|---:|---:|---:|")
for m in MODES:
    for d in (0, 1000):
        b = bind.get((m, d))
        if b:
            p("| %s | %d us | %.1f | %.1f | %d | %d | %d |" % (
                m, d, b["invite_p50_us"], b["invite_p99_us"], b["media_ok"],
                b["media_lost"], b["invite_lost"]))
p()
p("Plain NAT (none) and the accept loop have no bindings: their RTP is")
p("expected to be lost (the SDP names the phone's private address).")
p()

# ---------------------------------------------------------------- media
p("## 4. Media forwarding")
p()
p("bench/blast.c rtp sends 172-byte RTP-like datagrams from the phone")
p("(10.0.0.10, consecutive even ports) to 203.0.113.20:20000 as fast as one")
p("sending thread can; a sink thread counts them in the outside namespace")
nap = int(os.environ.get("BENCH_RTP_SINK_NAP", "200"))
p("(%s)." % ("woken through poll for what arrives" if nap == 0 else
             "it drains its socket with recvmmsg and sleeps %d us when it is"
             " empty, so it is not woken for every batch" % nap))
p("Sender, sink and relay are pinned to one CPU, so every packet's whole")
p("path - sending, veth and bridge (veth forwards in the sender's softirq),")
p("forwarding or relaying, receiving - is paid on that CPU, and the")
p("received rate is the inverse of the path's cost.  \"CPU per packet\" is")
p("that CPU's busy clock ticks (user, system, irq, softirq in /proc/stat;")
p("not idle, not stolen by the hypervisor) from the first send to 300 ms")
p("after the last, divided by the packets received: it does not depend on")
p("how much of the run the CPU was taken away, but it includes whatever else")
p("ran on that CPU.  %s runs of %s s per row; every run is listed, the" % (
    os.environ.get("BENCH_RTP_RUNS", "3"), os.environ.get("BENCH_RTP_SECS", "3")))
p("medians are compared.  The sender and sink cost is in every row alike,")
p("so ratios of these whole-path rates are smaller than ratios of the")
p("forwarding costs alone would be.")
p()
p("For sipalgd the flows are calls set up by the blaster (INVITE/200/ACK,")
p("no BYE) on a daemon restarted for the media tasks (media ports")
p("20000-29999), so the phone's media ports have the daemon's bindings;")
p("\"flows with daemon mark\" counts the conntrack entries to the sink that")
p("carry the daemon's ct mark (its bindings translated them).  \"Daemon's")
p("queue count\" is how many packets the daemon handled during the blasts")
p("(media must never reach it), \"daemon's CPU ms\" its CPU time meanwhile")
p("(/proc/PID/stat).  The relay is bench/relay.c in the router")
p("namespace (epoll; each ready socket drained with recvmmsg, up to 64, and")
p("sent on with one sendmmsg).")
p()


def media_table(rows):
    p("| path | median packets/s | every run (packets/s) | CPU us per packet (median; every run) | loss | ticks stolen | daemon's queue count | daemon's CPU ms | flows with daemon mark | elements in snat4 |")
    p("|---|---:|---|---|---:|---:|---:|---:|---:|---:|")
    for key, label in rows:
        r = rtp.get(key)
        if not r:
            continue
        if not r.get("runs"):
            p("| %s | error: %s | | | | | | | | |" % (label, r.get("error")))
            continue
        q = r["queued_during_rtp"]
        us = [us_per_pkt(u) for u in r["runs"]]
        p("| %s | %.0f | %s | %s; %s | %d | %d | %s | %s | %s | %s |" % (
            label, rtp_pps(*key),
            ", ".join("%.0f" % u["recv_pps"] for u in r["runs"]),
            fmt(rtp_us(*key), 2), ", ".join(fmt(x, 2) for x in us),
            sum(u["sent"] - u["recv"] for u in r["runs"]),
            sum(u.get("cpu_steal_ticks", 0) for u in r["runs"]),
            "-" if q < 0 else q,
            fmt(r.get("daemon_cpu_ms")) if key[0] == "sipalg" else "-",
            r["flows_with_daemon_mark"] if key[0] == "sipalg" else "-",
            r["snat4_elements"] if key[0] == "sipalg" else "-"))
    p()


def relay_line(name):
    s = one("relay-stats", name=name)
    if s and s["batches"] and s["wakeups"]:
        p("The relay's own counts over its runs: %d datagrams in %d sendmmsg" % (
            s["relayed"], s["batches"]))
        p("batches (%.2f per batch) from %d epoll wakeups (%.1f ready sockets" % (
            s["relayed"] / s["batches"], s["wakeups"],
            s["batches"] / s["wakeups"]))
        p("per wakeup).")
        p()


p("### 4a. 10 flows, 16 datagrams per send")
p()
p("Ten flows, sendmmsg of 16 datagrams per flow in turn; the relay listens")
p("on one socket (10.0.0.1:40000), so it gets batches of up to 64 from one")
p("socket - the relay's best case.")
p()
media_table(((("none", "conntrack-nat"), "plain conntrack NAT (MASQUERADE)"),
             (("sipalg", "bindings-10"), "sipalgd bindings of 10 calls"),
             (("none", "relay"), "userspace relay, one socket (bench/relay.c)")))
relay_line("relay")
p("Kernel / relay (medians): conntrack NAT %s, sipalgd bindings %s." % (
    ratio(pps_nat, pps_relay), ratio(pps_d10, pps_relay)))
p()

nmany = (rtp.get(("none", "relay-many")) or rtp.get(("sipalg", "bindings-many"))
         or {}).get("flows")
p("### 4b. %s streams, one datagram per send" % (nmany or "Many"))
p()
p("A media relay has a socket per stream and sees each stream at about 50")
p("packets/s.  Here %s streams on the phone's consecutive even ports send" % (nmany or "n/a"))
p("in turn, one datagram per stream and system call, as fast as the sender")
p("can.  sipalgd: on the bindings of as many calls set up by the blaster.")
p("Relay: a socket pair per stream (10.0.0.1:40000+2k in, 203.0.113.1:")
p("40000+2k out), every stream sent to its own relay port.  The sipalgd row")
p("comes from the sipalg lab, the other two from the plain-NAT lab.")
p()


def many_rows(kind):
    return ((("none", "conntrack-nat-" + kind), "plain conntrack NAT (MASQUERADE)"),
            (("sipalg", "bindings-" + kind), "sipalgd bindings of %s calls" % (nmany or "n/a")),
            (("none", "relay-" + kind), "userspace relay, a socket pair per stream"))


media_table(many_rows("many"))
relay_line("relay-many")
p("Kernel / relay (medians): conntrack NAT %s, sipalgd bindings %s; CPU per" % (
    ratio(pps_natmany, pps_relaymany), ratio(pps_dmany, pps_relaymany)))
p("packet, relay / kernel: %s (conntrack NAT), %s (sipalgd bindings)." % (
    ratio(rtp_us("none", "relay-many"), rtp_us("none", "conntrack-nat-many")),
    ratio(rtp_us("none", "relay-many"), rtp_us("sipalg", "bindings-many"))))
p()
paced = rtp_runs("none", "relay-paced") or rtp_runs("sipalg", "bindings-paced")
if paced:
    p("The same streams paced at about %.0f packets/s in all (%.0f per" % (
        round(paced[0]["sent_pps"], -1), paced[0]["sent_pps"] / paced[0]["flows"]))
    p("stream, the blaster's -r),")
    p("where the pinned CPU is partly idle: here the received rate is the")
    p("offered one, and CPU per packet is the comparison (it includes other")
    p("jobs that ran on that CPU meanwhile, which matters more when it is")
    p("idle part of the time).")
    p()
    media_table(many_rows("paced"))
    relay_line("relay-paced")
    p("CPU per packet, relay / kernel (medians): %s (conntrack NAT), %s" % (
        ratio(rtp_us("none", "relay-paced"), rtp_us("none", "conntrack-nat-paced")),
        ratio(rtp_us("none", "relay-paced"), rtp_us("sipalg", "bindings-paced"))))
    p("(sipalgd bindings).")
    p()

p("### 4c. 100,000 more elements in each map, interleaved")
p()
if inter:
    p("The 10 flows of 4a on the same daemon, with its maps as they are and")
    p("with 100,000 more elements in each of snat4 and dnat4 (one `nft -f`")
    p("file; deleted again with another), alternating in one lab so that")
    p("drift on the machine hits both sizes alike; after each blast at the")
    p("small size, one from 10 phone ports without a binding (the daemon's")
    p("rule misses, MASQUERADE translates: plain conntrack NAT in the same")
    p("lab).  Before every blast the flows were deleted from conntrack, so")
    p("their first packets looked the maps up again.")
    p()
    kind = {"10": "sipalgd bindings", "100k": "bindings, 100,000 more",
            "nat": "plain conntrack NAT"}
    p("| blast | path | elements in snat4 | packets/s | CPU us per packet | ticks stolen | loss | flows with daemon mark |")
    p("|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in inter:
        u = r["run"]
        p("| %d | %s | %d | %.0f | %s | %d | %d | %d |" % (
            r["seq"], kind.get(r["size"], r["size"]), r["snat4_elements"],
            u["recv_pps"], fmt(us_per_pkt(u), 2), u.get("cpu_steal_ticks", 0),
            u["sent"] - u["recv"], r["flows_with_daemon_mark"]))
    p()
    p("Medians: %s packets/s with 100,000 more, %s without: **%s**;" % (
        fmt(pps_i100k), fmt(pps_i10), ratio(pps_i100k, pps_i10)))
    p("CPU per packet %s vs %s us (%s).  Bindings / plain conntrack NAT:" % (
        fmt(us_i100k, 2), fmt(us_i10, 2), ratio(us_i100k, us_i10)))
    p("**%s** (%s / %s packets/s)." % (
        ratio(pps_i10, pps_inat), fmt(pps_i10), fmt(pps_inat)))
    small_seq = sorted(r["seq"] for r in inter if r["size"] == "10")
    pps_at = {r["seq"]: r["run"]["recv_pps"] for r in inter}
    pairs = []
    for r in inter:
        if r["size"] != "100k":
            continue
        before = [k for k in small_seq if k < r["seq"]]
        after = [k for k in small_seq if k > r["seq"]]
        if before and after:
            pairs.append(ratio(r["run"]["recv_pps"],
                               (pps_at[before[-1]] + pps_at[after[0]]) / 2))
    small = [u["recv_pps"] for u in inter_runs("10")]
    if pairs:
        p("Each 100,000 blast against the mean of the small-size blasts around it:")
        p("%s.  The blasts at the small size alone spread by %s%% (max - min" % (
            ", ".join(pairs), fmt((max(small) - min(small)) * 100 / median(small))))
        p("over median): a difference smaller than that is not resolved by")
        p("these runs.")
    p()
if inter_sum:
    rs = inter_sum.get("ruleset", "")
    chains, cur = [], None
    for line in rs.splitlines():
        w = line.split()
        if w[:1] == ["chain"]:
            cur = [w[1], "", False]
            chains.append(cur)
        elif cur and w[:1] == ["type"]:
            cur[1] = " ".join(w[1:]).rstrip(";")
        elif cur and ("@snat4" in line or "@dnat4" in line):
            cur[2] = True
    users = [c for c in chains if c[2]]
    p("Which rules look the maps up (the daemon's `nft -t list table ip")
    p("sipalg` during the run): %s." % ("; ".join(
        "chain %s (%s)" % (c[0], c[1].split(";")[0]) for c in users) or "none"))
    if users and all(c[1].startswith("nat ") for c in users):
        p("Only chains of type nat use them, and the kernel runs nat chains")
        p("for a connection's first packet only; the packets of an")
        p("established flow never look the maps up.")
    p()
    gc = inter_sum.get("gc_ms_per_s", {})
    gci = [l.strip() for l in rs.splitlines() if "gc-interval" in l]
    if gc.get("100k", -1) >= 0:
        p("What the elements do cost: the maps have `flags timeout`, and the")
        p("kernel's garbage collector for such sets (nft_rhash_gc, a kworker)")
        p("walks every element at each gc interval (%s)." % (
            ", ".join(gci) if gci else "no gc-interval set: the kernel's 1 s"))
        p("Its CPU time, from `perf record -a` over 2 s with no traffic right")
        p("after the first blast at each size: **%.1f ms per second** with the" % gc["100k"])
        p("100,000 more elements, %.1f ms per second without.  When the" % gc["10"])
        p("kworker runs on the pinned CPU, this time is taken from the")
        p("forwarding path.")
        p()
    p("Inserting 2 x 100,000 elements: %s ms; deleting them: %s ms." % (
        ", ".join(str(x) for x in inter_sum.get("insert_ms", [])),
        ", ".join(str(x) for x in inter_sum.get("delete_ms", []))))
    p()
    p("<details><summary>the daemon's table (nft -t)</summary>")
    p()
    p("```")
    p(rs.rstrip())
    p("```")
    p()
    p("</details>")
    p()
for r in get("rtp-inter-error"):
    p("rtp-100k: %s" % r.get("error"))
    p()
p("Run-to-run spread comes from other jobs and from the hypervisor")
p("(\"ticks stolen\"); the machine is a virtual one.")
p()

# ---------------------------------------------------------------- sipp
p("## 5. Call setup rate (SIPp)")
p()
steps = get("sipp-step") + get("sipp-confirm")
if steps:
    secs = steps[0]["secs"]
    conf = get("sipp-confirm")
    p("SIPp's built-in `uac` in the phone namespace against its built-in `uas`")
    p("in the outside namespace (INVITE, 100, 180, 200, ACK, BYE, 200).  The")
    p("rate doubles in %d s steps until a step has a failed call, a" % secs)
    p("retransmission or a missing call; the highest passing rate is then run")
    p("once for %s s%s to confirm it.  The result is the" % (
        conf[0]["secs"] if conf else "n/a",
        " (the issue's 60 s)" if conf and conf[0]["secs"] >= 60 else
        ", **shorter than the issue's 60 s**"))
    p("confirmed rate (0 when the confirmation failed); rates between the")
    p("doubling steps were not tried.")
    p()
    p("| mode | highest rate with 0 failed, 0 retransmissions (calls/s) |")
    p("|---|---:|")
    for m in MODES:
        if sipp.get(m) is not None:
            p("| %s | %d |" % (LABEL[m], sipp[m]))
    p()
    p("| mode | run | rate | seconds | successful | failed | retransmissions | sipp exit |")
    p("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in RES:
        if r.get("task") in ("sipp-step", "sipp-confirm"):
            p("| %s | %s | %d | %d | %d | %d | %d | %d |" % (
                r["mode"], "confirm" if r["task"] == "sipp-confirm" else "step",
                r["rate"], r["secs"], r["successful"], r["failed"],
                r["retrans"], r["exit"]))
else:
    p("Not measured in this run.")
p()

# ---------------------------------------------------------------- scale
p("## 6. Scale and memory")
p()
if sc:
    pool = sc.get("public_addresses", 1)
    p("A fresh sipalgd (media ports 20000-60999, max_calls 120000, %d public" % pool)
    p("address%s%s) holds calls set up by the blaster without BYE" % (
        "es" if pool > 1 else "",
        " - public_address and public_pool - with one phone per address: %s" % sc["phones"]
        if pool > 1 else ""))
    p("(INVITE/200/ACK: a call with two media bindings and its dialog; each")
    p("call also sends a REGISTER, cycling through 1000 users) - first")
    p("%d, then %d calls.  At each size a" % (sc["calls_small"], sc["calls_big"]))
    p("%s calls/s step of complete calls (with BYE) measures per-message cost," %
      fmt(sc["step_small"]["rate_calls"]))
    if setup_runs(sc, "setup_small"):
        p("and three %s calls/s steps of 2 s the setup rate." %
          fmt(setup_runs(sc, "setup_small")[0]["rate_calls"]))
    p("One public address's ports hold about 20,000 such calls (two media")
    p("ports each), hence the pool of addresses for 100,000.")
    p()
    p("| | value |")
    p("|---|---:|")
    p("| daemon RSS at start | %d KB |" % sc["rss_start_kb"])
    p("| daemon RSS holding %d calls | %d KB |" % (sc["calls_small"], sc["rss_small_kb"]))
    p("| daemon RSS holding %d calls | %d KB |" % (sc["calls_big"], sc["rss_big_kb"]))
    p("| resident memory per added call | %s KB |" % fmt(kb, 2))
    rp = sc["ramp"]
    p("| setting up %d held calls at %d calls/s: completed, lost | %d, %d |" % (
        rp["calls"], rp["rate_calls"], rp["completed"], rp["lost"]))
    p()
    sz = os.path.join(D, "sizes.txt")
    if os.path.exists(sz) and os.path.getsize(sz):
        p("Where it goes - the daemon's per-call structures (gdb `ptype /o` of")
        p("build/sipalgd, largest members first; a call is one `struct call`")
        p("plus one `struct binding` per binding, three for these calls):")
        p()
        p("```")
        p(open(sz).read().rstrip())
        p("```")
        p()
    p("| calls held | step | messages | lost | p50 us | p99 us | daemon hold p99 us | daemon CPU us per message |")
    p("|---:|---|---:|---:|---:|---:|---:|---:|")
    for n, st in ([(sc["calls_small"], sc["step_small"])] +
                  [(sc["calls_small"], x) for x in setup_runs(sc, "setup_small")] +
                  [(sc["calls_big"], sc["step_big"])] +
                  [(sc["calls_big"], x) for x in setup_runs(sc, "setup_big")]):
        p("| %d | %s calls/s | %d | %d | %.1f | %.1f | %s | %.1f |" % (
            n, fmt(st["rate_calls"]), st["recv"], st["lost"], st["lat_p50_us"],
            st["lat_p99_us"], st["hold_work"][2] if st.get("hold_work") else "n/a",
            st["consumer_cpu_us"] / max(st["queued"], 1)))
else:
    p("Not measured in this run.")
p()

# ---------------------------------------------------------------- profile
p("## 7. Where sipalgd's time goes")
p()
prof = os.path.join(D, "prof")
st = os.path.join(prof, "strace.txt")
pf = os.path.join(prof, "perf.txt")
if os.path.exists(st):
    p("System calls of the running daemon during a %s calls/s step" %
      os.environ.get("BENCH_LAT_RATE", "100"))
    p("(`strace -f -w -c`, wall time; the step's latencies are inflated by")
    p("strace):")
    p()
    p("```")
    p(open(st).read().rstrip())
    p("```")
    p()
if os.path.exists(pf):
    p("`perf record -g -p` of the daemon during another such step, top")
    p("symbols by own samples (kernel `[k]` and daemon `[.]`):")
    p()
    p("```")
    for line in open(pf).read().splitlines()[:15]:
        p(line.rstrip().rstrip("-").rstrip())
    p("```")
    p()
p(open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "analysis.md")).read().rstrip())
p()
st = os.path.join(D, "prof-nf", "strace.txt")
pf = os.path.join(D, "prof-nf", "perf.txt")
if os.path.exists(st):
    p("The diagnostic build (no conntrack cleanup) under the same load:")
    p("system calls (strace) and the top of its perf profile:")
    p()
    p("```")
    p(open(st).read().rstrip())
    p("```")
    p()
if os.path.exists(pf):
    p("```")
    for line in open(pf).read().splitlines()[:12]:
        p(line.rstrip().rstrip("-").rstrip())
    p("```")
p()

# ---------------------------------------------------------------- not measured
p("## Not measured")
p()
p("- Binding cost from the moment a packet enters the queue: the daemon")
p("  times from reading it (section 3, its own timing); section 3b measures")
p("  from outside, as INVITE latency.")
p("- The highest setup rate (sipp or the blaster's search) at 100,000 held")
p("  calls: section 6 runs one fixed-rate step at each size.")
p("- Media forwarding on real network interfaces: section 4 measures on")
p("  veth, where the sender's and the sink's socket work is part of every")
p("  packet's cost on both paths.")
p()
p("## Run log")
p()
p("| lab | seconds | load average at its start |")
p("|---|---:|---|")
for r in get("lab-time"):
    p("| %s | %d | %s |" % (r["mode"], r["secs"], r.get("load", "")))
for r in get("lab-error"):
    p()
    p("Lab %s ended with status %d (timeout or error); its results may be "
      "incomplete." % (r["mode"], r["status"]))
