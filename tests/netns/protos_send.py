#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""protos_send.py - the PROTOS c07-sip r2 test cases over UDP, for
tests/netns/t_protos.sh.

  protos_send.py send --bind IP:PORT --to IP:PORT --as phone|outside
                      [--corpus DIR] [--rate N] [--byte-rate B]
                      [--limit N] --out FILE
      send each case's INVITE and teardown PDU, filled in as the phone
      (alice@10.0.0.10 calling bob@203.0.113.20) or as the outside host
      (bob@203.0.113.20 calling alice at the gateway's public address), at
      most N datagrams and B payload bytes a second; FILE gets the counts
      (JSON).
  protos_send.py sink --bind IP:PORT --idle S --max-time T --out FILE
      count datagrams until S seconds pass without one (15 s before the
      first, or T in all);
      FILE gets the count.  FILE.ready appears once bound.

Placeholders are filled as tests/fuzz/seeds.py (and tests/unit/protos.h)
do; PDUs are cut to 65507 bytes, the UDP maximum.
"""
import argparse
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "fuzz"))
import seeds  # noqa: E402

AS = {
    "phone": [
        (b"<To>", b"bob@203.0.113.20"),
        (b"<From>", b"alice@10.0.0.10"),
        (b"<From-Address>", b"10.0.0.10"),
        (b"<From-IP>", b"10.0.0.10"),
        (b"<Local-Port>", b"5060"),
        (b"<Call-ID>", b"3c26700857a7"),
        (b"<CSeq>", b"1"),
        (b"<Branch-ID>", b"000001"),
        (b"<Teardown-Method>", b"CANCEL"),
    ],
    "outside": [
        (b"<To>", b"alice@203.0.113.1"),
        (b"<From>", b"bob@203.0.113.20"),
        (b"<From-Address>", b"203.0.113.20"),
        (b"<From-IP>", b"203.0.113.20"),
        (b"<Local-Port>", b"5060"),
        (b"<Call-ID>", b"3c26700857a8"),
        (b"<CSeq>", b"1"),
        (b"<Branch-ID>", b"000002"),
        (b"<Teardown-Method>", b"CANCEL"),
    ],
}


def hostport(s):
    h, p = s.rsplit(":", 1)
    return h, int(p)


def send(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    s.bind(hostport(a.bind))
    to = hostport(a.to)
    sent = errors = cases = 0
    sizes = 0
    t0 = time.monotonic()
    for case in seeds.protos_cases(a.corpus):
        if a.limit and cases >= a.limit:
            break
        cases += 1
        for pdu in case:
            data = seeds.protos_fill(pdu, AS[getattr(a, "as")])
            # pace: datagram k leaves no earlier than t0 + k / rate, nor
            # before the bytes so far fit the byte rate
            due = t0 + (sent + errors) / a.rate
            if a.byte_rate:
                due = max(due, t0 + sizes / a.byte_rate)
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            try:
                s.sendto(data, to)
                sent += 1
                sizes += len(data)
            except OSError as e:
                errors += 1
                print("send case %d: %s" % (cases - 1, e), file=sys.stderr)
    res = {"cases": cases, "sent": sent, "errors": errors, "bytes": sizes,
           "seconds": round(time.monotonic() - t0, 2)}
    json.dump(res, open(a.out, "w"))
    print(json.dumps(res))


def sink(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind(hostport(a.bind))
    open(a.out + ".ready", "w").close()
    got = 0
    first = last = None
    start = time.monotonic()
    end = start + a.max_time
    while True:
        now = time.monotonic()
        wait = end - now
        if last is not None:
            wait = min(wait, last + a.idle - now)
        else:
            wait = min(wait, start + a.first - now)
        if wait <= 0:
            break
        s.settimeout(wait)
        try:
            s.recv(70000)
        except socket.timeout:
            continue
        last = time.monotonic()
        first = first or last
        got += 1
    res = {"received": got,
           "seconds": round((last - first) if got else 0, 2)}
    json.dump(res, open(a.out, "w"))
    print(json.dumps(res))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    ps = sub.add_parser("send")
    ps.add_argument("--bind", required=True)
    ps.add_argument("--to", required=True)
    ps.add_argument("--as", choices=sorted(AS), required=True)
    ps.add_argument("--corpus", default=os.environ.get(
        "SIPALG_CORPUS", os.path.join(os.path.dirname(
            os.path.abspath(__file__)), "..", "corpus")))
    ps.add_argument("--rate", type=float, default=2000)
    ps.add_argument("--byte-rate", type=float, default=0,
                    help="payload bytes per second (0: no limit)")
    ps.add_argument("--limit", type=int, default=0)
    ps.add_argument("--out", required=True)
    pk = sub.add_parser("sink")
    pk.add_argument("--bind", required=True)
    pk.add_argument("--idle", type=float, default=3)
    pk.add_argument("--first", type=float, default=15,
                    help="give up when nothing arrived in this time")
    pk.add_argument("--max-time", type=float, default=120)
    pk.add_argument("--out", required=True)
    a = p.parse_args()
    send(a) if a.cmd == "send" else sink(a)


if __name__ == "__main__":
    main()
