#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""seeds.py CORPUS OUTDIR - write the fuzz seed corpora into OUTDIR/sip and
OUTDIR/sdp from the shared corpus (RFC 4475, RFC 5118 wire and archive
forms, PROTOS c07-sip r2 test cases with their placeholders filled as in
tests/unit/README.md) and the inputs of tests/golden/*.sip.  SIP seeds serve
fuzz_sip and fuzz_pipeline; SDP seeds are the bodies of SIP seeds that hold
a session description.  Seeds are written under build/, never committed."""
import hashlib
import os
import re
import sys
import tarfile

PROTOS_VALS = [
    (b"<To>", b"bob@192.0.2.20"),
    (b"<From>", b"alice@10.0.0.10"),
    (b"<From-Address>", b"10.0.0.10"),
    (b"<From-IP>", b"10.0.0.10"),
    (b"<Local-Port>", b"5060"),
    (b"<Call-ID>", b"3c26700857a7"),
    (b"<CSeq>", b"1"),
    (b"<Branch-ID>", b"000001"),
    (b"<Teardown-Method>", b"CANCEL"),
]
KEY_RE = re.compile(b"|".join(re.escape(k) for k, _ in PROTOS_VALS))
MAX_PDU = 65507


def protos_fill(pdu, table=PROTOS_VALS):
    """One PDU with its placeholders filled from table (the PROTOS_VALS
    keys), Content-Length set and cut to MAX_PDU, as the PROTOS tool did."""
    vals = dict(table)
    pdu = KEY_RE.sub(lambda m: vals[m.group(0)], pdu)
    end = pdu.find(b"\r\n\r\n")
    clen = str(len(pdu) - end - 4 if end >= 0 else 0).encode()
    return pdu.replace(b"<Content-Length>", clen)[:MAX_PDU]


def protos_pdus(data):
    """Split one test-case file ("<decimal length> <bytes>"...)."""
    p = 0
    while p < len(data):
        sp = data.index(b" ", p)
        n = int(data[p:sp])
        yield data[sp + 1:sp + 1 + n]
        p = sp + 1 + n


def protos_cases(corpus):
    """The PDU lists of the PROTOS c07-sip test cases, in case order."""
    tar = os.path.join(corpus, "protos-c07-sip",
                       "c07-sip-r2-testcases.tar.xz")
    with tarfile.open(tar) as t:
        members = sorted((m for m in t if m.isfile() and
                          "/testcases/" in "/" + m.name),
                         key=lambda m: m.name)
        for member in members:
            yield list(protos_pdus(t.extractfile(member).read()))


def golden_inputs(path):
    """(direction, message) of each step of a tests/golden file."""
    text = open(path, "rb").read()
    for m in re.finditer(rb"^=== [^\n]*\n(.*?)^--- expect", text,
                         re.S | re.M):
        head = text[m.start():text.index(b"\n", m.start())]
        d = b"i" if head.startswith(b"=== in ") else b"o"
        msg = m.group(1)
        if not head.endswith(b" lf"):
            msg = msg.replace(b"\n", b"\r\n")
        sep = b"\n\n" if head.endswith(b" lf") else b"\r\n\r\n"
        end = msg.find(sep)
        if end >= 0:
            body = len(msg) - end - len(sep)
            msg = msg.replace(b"Content-Length: AUTO",
                              b"Content-Length: %d" % body)
        yield d, msg


def _v6_addr(a):
    """The IPv6 lab address standing for IPv4 address a (bytes): the
    phone 10.0.0.10 and its public 203.0.113.1 both become 2001:db8:1::10
    (no NAT), other inside hosts 2001:db8:1::N, outside ones
    2001:db8:2::N (N the last octet)."""
    o = a.split(b".")
    if a == b"203.0.113.1" or o[0] == b"10":
        return b"2001:db8:1::" + o[3]
    return b"2001:db8:2::" + o[3]


def to_v6(msg):
    """msg with every IPv4 address replaced by its IPv6 stand-in ("IN IP6
    A" in SDP, "[A]" elsewhere) and Content-Length recounted."""
    def repl(m):
        v6 = _v6_addr(m.group(2))
        return b"IN IP6 " + v6 if m.group(1) else b"[" + v6 + b"]"
    msg = re.sub(rb"(IN IP4 )?\b(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})\b",
                 repl, msg)
    for sep in (b"\r\n\r\n", b"\n\n"):
        end = msg.find(sep)
        if end >= 0:
            body = len(msg) - end - len(sep)
            head = re.sub(rb"(?im)^(content-length|l)([ \t]*:[ \t]*)\d+",
                          lambda m: m.group(1) + m.group(2) +
                          b"%d" % body, msg[:end])
            return head + msg[end:]
    return msg


def sequence(steps):
    """A fuzz_pipeline sequence input: "SEQ\\n", then per message its
    direction byte, 16-bit big-endian length and bytes (16 at most)."""
    out = b"SEQ\n"
    for d, msg in steps[:16]:
        msg = msg[:0xffff]
        out += d + bytes([len(msg) >> 8, len(msg) & 0xff]) + msg
    return out


def main():
    corpus, out = sys.argv[1], sys.argv[2]
    top = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    msgs = []
    flows = []  # call flows, for fuzz_pipeline only (SEQ inputs)
    flows6 = []  # the same over IPv6 (fuzz_pipeline FUZZ_FAMILY=6)
    source = {}  # where the messages came from: name -> count
    for sub in ("rfc4475", "rfc5118", "rfc5118/wire"):
        d = os.path.join(corpus, sub)
        for f in sorted(os.listdir(d)):
            if f.endswith(".dat"):
                msgs.append(open(os.path.join(d, f), "rb").read())
                source[sub] = source.get(sub, 0) + 1
    gdir = os.path.join(top, "tests", "golden")
    for f in sorted(os.listdir(gdir)):
        if f.endswith(".sip"):
            steps = list(golden_inputs(os.path.join(gdir, f)))
            msgs.extend(msg for _, msg in steps)
            flows.append(sequence(steps))
            flows6.append(sequence([(d, to_v6(m)) for d, m in steps]))
            source["golden"] = source.get("golden", 0) + len(steps)
    for case in protos_cases(corpus):
        msgs.extend(protos_fill(p) for p in case)
        source["protos cases"] = source.get("protos cases", 0) + 1
    print("seeds from: rfc4475 %d files, rfc5118 %d, rfc5118/wire %d, "
          "PROTOS c07-sip %d cases, tests/golden %d messages" % tuple(
              source.get(k, 0) for k in ("rfc4475", "rfc5118", "rfc5118/wire",
                                         "protos cases", "golden")))
    # A source that gave nothing would shrink the fuzzers' start silently.
    empty = [k for k in ("rfc4475", "rfc5118", "rfc5118/wire",
                         "protos cases", "golden") if not source.get(k)]
    if empty:
        sys.exit("seeds: nothing from %s (corpus %s)" % (
            ", ".join(empty), corpus))
    counts = {}
    for kind in ("sip", "sdp"):
        os.makedirs(os.path.join(out, kind), exist_ok=True)
    seen = set()
    for m in msgs:
        items = [("sip", m)]
        end = m.find(b"\r\n\r\n")
        end = end + 4 if end >= 0 else (m.find(b"\n\n") + 2 or 0)
        if end > 1 and m[end:end + 2] == b"v=":
            items.append(("sdp", m[end:]))
        for kind, data in items:
            h = hashlib.sha1(data).hexdigest()
            if (kind, h) in seen:
                continue
            seen.add((kind, h))
            with open(os.path.join(out, kind, h), "wb") as f:
                f.write(data)
            counts[kind] = counts.get(kind, 0) + 1
    os.makedirs(os.path.join(out, "flows"), exist_ok=True)
    for data in flows:
        h = hashlib.sha1(data).hexdigest()
        with open(os.path.join(out, "flows", h), "wb") as f:
            f.write(data)
    counts["flows"] = len(flows)
    os.makedirs(os.path.join(out, "flows6"), exist_ok=True)
    for data in flows6:
        h = hashlib.sha1(data).hexdigest()
        with open(os.path.join(out, "flows6", h), "wb") as f:
            f.write(data)
    counts["flows6"] = len(flows6)
    print("seeds: %d SIP messages -> %s" % (len(msgs), ", ".join(
        "%s %d" % kv for kv in sorted(counts.items()))))


if __name__ == "__main__":
    main()
