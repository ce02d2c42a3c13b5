#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench/cps_report.py FILE.jsonl - the calls-per-second table of one
bench/cps.sh run (or the cps rows of a make bench run): per mode the
median of its runs, the ratios against the accept-all loop (the faster
of the unbatched and the batched one when both ran) and the kernel
helper, and where the CPU time went per call."""
import json
import statistics
import sys

NAMES = {"none": "plain NAT, no queue",
         "accept": "accept-all NFQUEUE loop, unbatched (bench/nfq_accept)",
         "accept-batch": "accept-all NFQUEUE loop, batched (nfq_accept -b)",
         "accept-balance": "batched accept-all loops on 2 queues "
                           "(--queue-balance)",
         "kernel": "kernel SIP helper (nf_conntrack_sip + nf_nat_sip)",
         "sipalg": "sipalgd (build/sipalgd)",
         "sipalg-base": "sipalgd, other build (BENCH_BASE_SIPALGD)"}


def per_call_us(r, key):
    d = r["run"]
    return r[key] / d["calls"] if d["calls"] else 0


def rows(path):
    env, by = {}, {}
    for line in open(path):
        d = json.loads(line)
        if d.get("task") == "cps-env":
            env = d
        elif d.get("task") == "cps":
            by.setdefault(d["mode"], []).append(d)
    return env, by


def walks(rs):
    """Table walks over the runs; -1 in a run: the daemon has no counter."""
    w = [r.get("walks", 0) for r in rs]
    return "n/a (no counter)" if any(x < 0 for x in w) else sum(w)


def medians(by):
    return {m: statistics.median(r["run"]["calls_per_s"] for r in rs)
            for m, rs in by.items()}


def nft_per_call(rs):
    """nf_tables transactions and elements (added + removed) per call."""
    calls = sum(r["run"]["calls"] for r in rs)
    n = [r["nft"] for r in rs if "nft" in r]
    if not n or not calls:
        return "n/a"
    return "%.2f / %.1f" % (sum(x[0] for x in n) / calls,
                            sum(x[1] + x[2] for x in n) / calls)


ORDER = ("none", "accept", "accept-batch", "accept-balance", "kernel",
         "sipalg", "sipalg-base")


def accept_base(med):
    """The accept-all loop the ratios are against: the faster of the two
    in this run.  The batched one does the least work a packet, but in a
    closed loop on 2 CPUs the unbatched one, whose verdicts release each
    packet at once, often turns calls round sooner (measured both ways,
    BENCHMARKS.md section 2c), so neither alone is a ceiling."""
    runs = [m for m in ("accept", "accept-batch") if med.get(m)]
    return max(runs, key=lambda m: med[m]) if runs else "accept"


def table(by):
    """The table's lines, one per mode, medians of its runs."""
    med = medians(by)
    base = accept_base(med)
    out = ["| mode | calls/s (median) | runs | vs accept loop (%s%s) | vs "
           "kernel " % ("batched" if base == "accept-batch" else "unbatched",
                        ", the faster" if "accept" in med and
                        "accept-batch" in med else "") +
           "helper | consumer CPU us/call | generator CPU us/call | all CPUs "
           "us/call | of which softirq | abandoned | passed by queue | table walks | verdicts per "
           "datagram | nft transactions / elements per call | kernel refusals "
           "| load |",
           "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|"]
    for m in [m for m in ORDER if m in by] + [m for m in by if m not in ORDER]:
        rs = by[m]
        x = med[m]
        acc = "%.2f" % (x / med[base]) if med.get(base) else "-"
        ker = "%.2f" % (x / med["kernel"]) if med.get("kernel") else "-"
        cons = statistics.median(per_call_us(r, "consumer_cpu_us")
                                 for r in rs)
        gen = statistics.median(r["run"]["gen_cpu_us"] / max(1, r["run"]["calls"])
                                for r in rs)
        busy = statistics.median(
            r["run"]["busy_ticks"] * 1e6 / r["run"]["clk_tck"] /
            max(1, r["run"]["calls"]) for r in rs)
        soft = statistics.median(
            r["run"].get("softirq_ticks", 0) * 1e6 / r["run"]["clk_tck"] /
            max(1, r["run"]["calls"]) for r in rs)
        # Messages the generator sent that the consumer never saw
        # (fail-open bypass): a queue consumer should see every one.
        passed = sum(max(0, r["run"]["sent_total"] - r["queued"])
                     for r in rs) if rs[0]["queued"] >= 0 else "-"
        sends = sum(r.get("verdict_sends", 0) for r in rs)
        daemon = m.startswith("sipalg")
        vpd = ("%.1f" % (sum(r.get("verdicts", 0) for r in rs) / sends)
               if daemon and sends else "-")
        out.append("| %s | %.0f | %s | %s | %s | %s | %.1f | %.1f | %.1f | %d | %s "
                   "| %s | %s | %s | %s | %s |" % (
                       NAMES.get(m, m), x,
                       " ".join("%.0f" % r["run"]["calls_per_s"] for r in rs),
                       acc, ker,
                       "%.1f" % cons if rs[0]["queued"] >= 0 else "-",
                       gen, busy, soft,
                       sum(r["run"]["abandoned"] for r in rs),
                       passed,
                       walks(rs) if daemon else "-",
                       vpd, nft_per_call(rs) if daemon else "-",
                       rs[-1].get("refused", 0) if daemon else "-",
                       rs[0]["load"]))
    return out


def main():
    env, by = rows(sys.argv[1])
    if env:
        print("source %s, %s UTC, load at start %s\n" %
              (env["git"], env["date"], env["load"]))
    print("\n".join(table(by)))


if __name__ == "__main__":
    main()
