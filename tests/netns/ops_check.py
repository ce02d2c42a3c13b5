#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ops_check.py - assertions on sipalgd's operator interfaces (t_ops.sh).

  calls FILE CALLID PHONE FAREND     sipalgctl calls --json: that call
  regs FILE AOR...                   sipalgctl registrations --json
  bindings FILE COUNT                --json list of COUNT bindings, owners
  stats FILE                         sipalgctl stats --json: an object
  metrics FILE                       parse with prometheus_client, and
                                     hold to the text format's rules as
                                     promtool check metrics does (lint)
  grow OLD NEW                       every counter in NEW >= OLD, some >
  dom FILE TEXT...                   chromium --dump-dom holds each TEXT
  notify-rx SOCK OUT QUEUE           receive sd_notify datagrams on SOCK
                                     until OUT.stop exists; record each
                                     with its time, and at READY=1 whether
                                     NFQUEUE QUEUE was bound already
  notify OUT STOP CONT               READY=1 came with the queue bound,
                                     WATCHDOG=1 before STOP (epoch s),
                                     none between STOP and CONT, again
                                     after CONT
Exit 0 when the assertion holds, else 1 with the reason on stderr.
"""
import json
import re
import sys


def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def load(path):
    with open(path) as f:
        return json.load(f)


def cmd_calls(a):
    calls = load(a[0])
    if not isinstance(calls, list):
        fail("calls: not a list")
    hit = [c for c in calls if c.get("call_id") == a[1]]
    if len(hit) != 1:
        fail(f"calls: {a[1]} not listed once in {calls}")
    c = hit[0]
    if c["phone"] != a[2] or c["far_end"] != a[3]:
        fail(f"calls: phone/far end {c['phone']} {c['far_end']}, want "
             f"{a[2]} {a[3]}")
    if not c["streams"] or not all(s["public"] for s in c["streams"]):
        fail(f"calls: no public ports per stream: {c['streams']}")


def cmd_regs(a):
    regs = load(a[0])
    aors = sorted(r.get("aor") for r in regs)
    if aors != sorted(a[1:]):
        fail(f"registrations: {aors}, want {sorted(a[1:])}")
    for r in regs:
        if not r["public"].startswith("203.0.113.1:") or \
           r["expires_in_s"] <= 0:
            fail(f"registration entry {r}")


def cmd_bindings(a):
    b = load(a[0])
    if not isinstance(b, list) or len(b) != int(a[1]):
        fail(f"bindings: {len(b)} listed, the kernel maps hold {a[1]}")
    if not all(x["owner"] and x["owner"] != "-" for x in b):
        fail(f"binding without owner: {b}")


def cmd_stats(a):
    s = load(a[0])
    if not isinstance(s, dict) or "latency" not in s or \
       "passed_unchanged_by_reason" not in s or \
       "dropped_by_reason" not in s:
        fail("stats: not the expected object")


def parse_metrics(path):
    from prometheus_client.parser import text_string_to_metric_families
    out = {}
    with open(path) as f:
        text = f.read()
    for fam in text_string_to_metric_families(text):
        out[fam.name] = (fam.type, None)
        for s in fam.samples:
            key = s.name + json.dumps(sorted(s.labels.items()))
            out[key] = (fam.type, s.value)
    return out


NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(r"(%s)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\n]|"
                    r"\\\\[\\\\\"n])*\",?)*\})? (\S+)$" % NAME)
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\]|\\\\.)*)"')


def lint_metrics(text):
    """The exposition format's rules (Prometheus text format 0.0.4) and
    the naming rules promtool's linter checks: one HELP and one TYPE per
    family, before its samples; a family's samples together; counters
    end in _total; no series twice; histogram buckets cumulative in
    rising le, ending at +Inf = _count; a newline at the end."""
    if not text.endswith("\n"):
        return "no newline at the end"
    fams, seen, series, cur = {}, set(), set(), None
    hist = {}
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            kind, name = line[2:6], line.split(" ")[2]
            if not re.fullmatch(NAME, name):
                return f"line {n}: bad name {name!r}"
            f = fams.setdefault(name, {})
            if kind in f:
                return f"line {n}: second {kind} for {name}"
            if name in seen and name != cur:
                return f"line {n}: {kind} for {name} after its samples"
            f[kind] = line.split(" ", 3)[3] if kind == "TYPE" else True
            if kind == "TYPE" and f[kind] not in ("counter", "gauge",
                                                  "histogram", "summary",
                                                  "untyped"):
                return f"line {n}: bad type {f[kind]!r}"
            if kind == "TYPE" and f[kind] == "counter" and \
               not name.endswith("_total"):
                return f"line {n}: counter {name} lacks _total"
            cur = name
            continue
        if line.startswith("#") or not line:
            return f"line {n}: stray line {line!r}"
        m = SAMPLE.match(line)
        if not m:
            return f"line {n}: not a sample: {line!r}"
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        fam = name
        if cur and fams.get(cur, {}).get("TYPE") == "histogram" and \
           name in (cur + "_bucket", cur + "_sum", cur + "_count"):
            fam = cur
        if fam != cur or "TYPE" not in fams.get(fam, {}) or \
           "HELP" not in fams[fam]:
            return f"line {n}: {name} outside its family's HELP/TYPE"
        if fam in seen and fam != cur:
            return f"line {n}: {fam}'s samples not together"
        seen.add(fam)
        try:
            v = float(value)
        except ValueError:
            return f"line {n}: bad value {value!r}"
        lab = dict(LABEL.findall(labels))
        key = name + json.dumps(sorted(lab.items()))
        if key in series:
            return f"line {n}: series twice: {key}"
        series.add(key)
        if fam != name:
            le = lab.pop("le", None)
            h = hist.setdefault(fam + json.dumps(sorted(lab.items())),
                                {"b": [], "count": None})
            if name.endswith("_bucket"):
                if le is None:
                    return f"line {n}: bucket without le"
                h["b"].append((float(le), v))
            elif name.endswith("_count"):
                h["count"] = v
    for k, h in hist.items():
        b = h["b"]
        if not b or b[-1][0] != float("inf") or h["count"] != b[-1][1]:
            return f"histogram {k}: no +Inf bucket equal to _count"
        for (l1, c1), (l2, c2) in zip(b, b[1:]):
            if l2 <= l1 or c2 < c1:
                return f"histogram {k}: buckets not cumulative in rising le"
    return None


def cmd_metrics(a):
    with open(a[0]) as f:
        why = lint_metrics(f.read())
    if why:
        fail(f"metrics: {why}")
    m = parse_metrics(a[0])
    need = ["sipalg_messages_total", "sipalg_passed_unchanged",
            "sipalg_calls", "sipalg_registrations", "sipalg_bindings",
            "sipalg_flows_deleted_total", "sipalg_kernel_errors_total",
            "sipalg_hold_seconds_bucket", "sipalg_calls_ended_total",
            "sipalg_queue_passed_unseen_total", "sipalg_policy",
            "sipalg_dropped", "sipalg_nft_transactions_total",
            "sipalg_nft_elements_added_total",
            "sipalg_tcp_connections"]
    names = {k.split("[")[0] for k in m}
    missing = [n for n in need if n not in names]
    if missing:
        fail(f"metrics: missing {missing}")
    print(f"{len(m)} samples parsed")


def cmd_grow(a):
    old, new = parse_metrics(a[0]), parse_metrics(a[1])
    grew = 0
    for k, (typ, v) in old.items():
        if typ not in ("counter", "histogram") or v is None:
            continue
        if k not in new:
            fail(f"counter {k} vanished")
        if new[k][1] < v:
            fail(f"counter {k} went back: {v} -> {new[k][1]}")
        grew += new[k][1] > v
    if not grew:
        fail("no counter grew between the scrapes")
    print(f"{grew} counters grew, none went back")


def cmd_dom(a):
    with open(a[0], errors="replace") as f:
        dom = f.read()
    for t in a[1:]:
        if t not in dom:
            fail(f"DOM lacks {t!r}")


def queue_bound(num):
    """NFQUEUE num has a listener in this namespace (the kernel's list:
    queue number, portid, ... per line)."""
    try:
        with open("/proc/net/netfilter/nfnetlink_queue") as f:
            return any(line.split()[0] == str(num) for line in f)
    except OSError:
        return False


def cmd_notify_rx(a):
    import os
    import socket
    import subprocess
    import time
    sock_path, out, queue = a[0], a[1], a[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(sock_path)
    s.settimeout(0.05)
    rec = []
    with open(out + ".ready", "w") as f:
        f.write("1")
    end = time.time() + 60
    while not os.path.exists(out + ".stop") and time.time() < end:
        try:
            data = s.recv(4096).decode(errors="replace")
        except socket.timeout:
            continue
        r = {"t": time.time(), "msg": data}
        if "READY=1" in data.split("\n"):
            r["queue_bound"] = queue_bound(queue)
            r["table"] = subprocess.run(
                ["nft", "list", "table", "ip", "sipalg"],
                capture_output=True).returncode == 0
        rec.append(r)
    with open(out, "w") as f:
        json.dump(rec, f, indent=1)


def cmd_notify(a):
    rec = load(a[0])
    stop, cont = float(a[1]), float(a[2])
    ready = [r for r in rec if "READY=1" in r["msg"].split("\n")]
    if not ready:
        fail(f"no READY=1 in {rec}")
    if not ready[0]["queue_bound"] or not ready[0]["table"]:
        fail(f"READY=1 before the queue was bound / table made: {ready[0]}")
    wd = [r["t"] for r in rec if "WATCHDOG=1" in r["msg"].split("\n")]
    before = [t for t in wd if ready[0]["t"] <= t < stop]
    during = [t for t in wd if stop + 0.05 < t < cont]
    after = [t for t in wd if t >= cont]
    print(f"WATCHDOG=1: {len(before)} before SIGSTOP, {len(during)} while "
          f"stopped ({cont - stop:.1f} s), {len(after)} after SIGCONT")
    if len(before) < 3 or during or not after:
        fail("keep-alives not as expected")


def main():
    cmds = {"notify-rx": cmd_notify_rx, "notify": cmd_notify,"calls": cmd_calls, "regs": cmd_regs, "bindings": cmd_bindings,
            "stats": cmd_stats, "metrics": cmd_metrics, "grow": cmd_grow,
            "dom": cmd_dom}
    if len(sys.argv) < 3 or sys.argv[1] not in cmds:
        fail(__doc__)
    cmds[sys.argv[1]](sys.argv[2:])


main()
