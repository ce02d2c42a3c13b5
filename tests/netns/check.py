#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check.py - assertions over sipua.py result files (standard library only).

Each subcommand prints what it found and exits 0 (holds) or 1 (violated).

  leak FILE...            outside endpoints never received a 10.x address in
                          a request's Request-URI or top Via sent-by, in any
                          Contact, Record-Route or Route, or in SDP
                          o=/c=/a=rtcp lines
  status FILE [WANT]      the endpoint's final status (default ok)
  media FILE [--min-rtp N] [--min-rtcp N]
                          every call received RTP and RTCP
  symmetric FILE [--stray N]
                          media arrived from exactly the address:port the
                          peer's SDP advertised (RTP and RTCP); --stray: but
                          N packets from elsewhere
  nodrop FILE             the strict UAC dropped no response for its Via
  same FILE_A FILE_B [--method M]
                          the first M request (or response code M) A sent
                          arrived at B byte for byte
  intended FILE_A FILE_B [--method M]
                          the first M request A sent arrived at B changed only
                          in top Via, Contact, Content-Length, o=, c=, the
                          m= port and a=rtcp
  mapped FILE_A FILE_B [--method M]
                          every M request the NAT-aware phone A sent to B
                          arrived at B byte for byte, from the public
                          address:port A's STUN server reported for its SIP
                          socket (matched by Call-ID and CSeq)
  answered REGISTRAR PHONE INDEX
                          the registrar's call INDEX (0-based, one per
                          registered Contact) completed and PHONE answered
                          it (the same Call-ID): it reached the right phone
  body FILE_A FILE_B [--method M]
                          the first M request A sent arrived at B with its
                          body (SDP) byte for byte, and that body names no
                          10.x address
  ruri FILE URI           the phone's incoming INVITE, ACK and BYE carried
                          its own URI's host:port (Request-URI restored)
  listen FILE --max N     a listener received at most N packets
  sipp-log LOG OUT        convert a SIPp -trace_msg log into a result file
  sdp-port FILE [--message M]
                          print the c= address, m= port and RTCP port of the
                          first INVITE's (or M's) SDP the endpoint received
  from FILE KEY [--kind K] [--index I] [--min N]
                          stream K of the first call received N packets from
                          the address of m= line I of the SDP at call[KEY]
  sdp-cmp FILE A B [--moved]
                          the first m= line of the SDPs at call[A] and call[B]
                          (dotted paths: remote_sdp, updates, reinvites.0.sdp)
                          has the same address and ports, or --moved: the
                          same address and another port
  streams FILE [--min N] [--count C]
                          every call has >= C media streams and each sent and
                          received >= N packets (RTCP N/5); --symmetric: and
                          only from where the peer's SDP said
  mark FILE LABEL [--after] [--min-rtp N]
                          the first call received at least N RTP packets
                          before the point LABEL (sipua.py's marks: final,
                          hold, resume), or with --after, after it
"""

import argparse
import json
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sipua import Msg, sdp_parse, sdp_streams, uri_hostport, via_parts  # noqa: E402

PRIVATE = re.compile(r"(?<![\d.])10\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d])")


def load(path):
    with open(path) as f:
        return json.load(f)


def msgs(res, key):
    for rec in res.get(key, []):
        yield Msg(rec["data"].encode("latin-1")), rec


def cmd_leak(a):
    bad = 0
    for path in a.files:
        res = load(path)
        for m, rec in msgs(res, "received"):
            where = f"{path}: {m.start!r} from {rec['from']}"
            found = []
            if m.is_request:
                if PRIVATE.search(m.uri or ""):
                    found.append(f"Request-URI {m.uri}")
                vias = m.vias()
                if vias and PRIVATE.search(via_parts(vias[0])[0]):
                    found.append(f"top Via {vias[0]}")
            for h in ("contact", "record-route", "route"):
                for c in m.all(h):
                    if PRIVATE.search(c):
                        found.append(f"{h.title()} {c}")
            for line in m.body.replace("\r\n", "\n").split("\n"):
                if line[:2] in ("o=", "c=") or line.startswith("a=rtcp:"):
                    if PRIVATE.search(line):
                        found.append(f"SDP {line}")
            for f in found:
                print(f"leak: {where}: {f}")
                bad += 1
    n = sum(len(load(p).get("received", [])) for p in a.files)
    print(f"{n} messages checked, {bad} private addresses")
    return bad == 0 and n > 0


def cmd_status(a):
    res = load(a.file)
    print(f"{a.file}: status {res['status']!r}; calls: "
          + ", ".join(c["status"] for c in res.get("calls", [])))
    return res["status"] == a.want


def cmd_media(a):
    res = load(a.file)
    ok = bool(res.get("calls"))
    for c in res.get("calls", []):
        m = c.get("media", {})
        for kind, need in (("rtp", a.min_rtp), ("rtcp", a.min_rtcp)):
            st = m.get(kind, {})
            got = st.get("received", 0)
            print(f"{a.file}: call {c['call_id'][:12]} {kind}: sent "
                  f"{st.get('sent', 0)} to {st.get('sent_to')}, received "
                  f"{got} from {st.get('from', {})} (need {need})")
            ok = ok and got >= need
    return ok


def cmd_symmetric(a):
    res = load(a.file)
    ok = bool(res.get("calls"))
    for c in res.get("calls", []):
        sdp = sdp_parse(c.get("remote_sdp") or "")
        if sdp is None:
            print(f"call {c['call_id'][:12]}: no remote SDP")
            ok = False
            continue
        want = {"rtp": f"{sdp['c']}:{sdp['port']}",
                "rtcp": f"{sdp['rtcp_addr']}:{sdp['rtcp']}"}
        for kind in ("rtp", "rtcp"):
            srcs = c.get("media", {}).get(kind, {}).get("from", {})
            stray = sum(n for k, n in srcs.items() if k != want[kind])
            good = srcs.get(want[kind], 0) > 0 and stray <= a.stray
            print(f"call {c['call_id'][:12]} {kind}: advertised {want[kind]},"
                  f" arrived from {srcs}" + ("" if good else "  <-- wrong"))
            ok = ok and good
    return ok


def cmd_nodrop(a):
    res = load(a.file)
    for d in res.get("dropped", []):
        print(f"dropped {d['start']!r}: {d['reason']}")
    n = sum(1 for m, _ in msgs(res, "received") if not m.is_request)
    print(f"{n} responses received, {len(res.get('dropped', []))} dropped")
    return not res.get("dropped") and n > len(res.get("dropped", []))


def first_request(res, key, method):
    """First request METHOD, or response to it when METHOD is a code."""
    for m, rec in msgs(res, key):
        if m.is_request and m.method == method:
            return m, rec
        if not m.is_request and str(m.code) == method:
            return m, rec
    return None, None


def cmd_same(a):
    sa, _ = first_request(load(a.a), "sent", a.method)
    rb, _ = first_request(load(a.b), "received", a.method)
    if sa is None or rb is None:
        print(f"{a.method}: sent {sa is not None}, received {rb is not None}")
        return False
    if sa.text == rb.text:
        print(f"{a.method}: {len(sa.text)} bytes arrived unchanged")
        return True
    diff_lines(sa.text, rb.text)
    return False


def cmd_answered(a):
    r, p = load(a.registrar), load(a.phone)
    b, c = r["bindings"][a.index], r["calls"][a.index]
    got = [x for x in p.get("calls", []) if x["call_id"] == c["call_id"]]
    print("binding", b["contact"], "from", b["source"], "; call",
          c["status"], "; answered by this phone:", bool(got))
    return c["status"] == "ok" and bool(got) and got[0]["status"] == "ok"


def cmd_body(a):
    sa, _ = first_request(load(a.a), "sent", a.method)
    rb, _ = first_request(load(a.b), "received", a.method)
    if sa is None or rb is None or not sa.body:
        print(f"{a.method}: sent {sa is not None}, received "
              f"{rb is not None}, body {bool(sa and sa.body)}")
        return False
    if sa.body != rb.body:
        diff_lines(sa.body, rb.body)
        return False
    print(f"{a.method}: body of {len(sa.body)} bytes arrived unchanged")
    return not PRIVATE.search(sa.body) or print("but it names 10.x")


def cmd_mapped(a):
    ra, rb = load(a.a), load(a.b)
    want = (ra.get("stun") or {}).get("sip")
    got = {}
    for m, rec in msgs(rb, "received"):
        if m.is_request and m.method == a.method:
            got.setdefault((m.get("call-id"), m.get("cseq")), (m, rec))
    n = bad = 0
    for m, rec in msgs(ra, "sent"):
        if not m.is_request or m.method != a.method:
            continue
        if rec["to"].split(":")[0] != rb.get("local", "").split(":")[0]:
            continue
        n += 1
        r = got.get((m.get("call-id"), m.get("cseq")))
        if r is None:
            print(f"{a.method} {m.get('cseq')} never arrived")
            bad += 1
            continue
        if r[1]["from"] != want:
            print(f"{a.method} {m.get('cseq')} arrived from {r[1]['from']}, "
                  f"STUN said {want}")
            bad += 1
        if r[0].text != m.text:
            diff_lines(m.text, r[0].text)
            bad += 1
    print(f"{n} {a.method} sent, {n - bad} arrived unchanged from {want}")
    return n > 0 and bad == 0 and want is not None


def diff_lines(x, y):
    lx, ly = x.split("\r\n"), y.split("\r\n")
    for i in range(max(len(lx), len(ly))):
        p = lx[i] if i < len(lx) else "<none>"
        q = ly[i] if i < len(ly) else "<none>"
        if p != q:
            print(f"- {p}\n+ {q}")


HDR_OK = ("via", "contact", "content-length", "v", "m", "l")


def cmd_intended(a):
    sa, _ = first_request(load(a.a), "sent", a.method)
    rb, _ = first_request(load(a.b), "received", a.method)
    if sa is None or rb is None:
        print(f"{a.method}: sent {sa is not None}, received {rb is not None}")
        return False
    lx, ly = sa.text.split("\r\n"), rb.text.split("\r\n")
    if len(lx) != len(ly):
        print(f"line count changed: {len(lx)} -> {len(ly)}")
        diff_lines(sa.text, rb.text)
        return False
    ok = True
    vias_seen = 0
    in_body = False
    for p, q in zip(lx, ly):
        if p == "" and q == "":
            in_body = True
        if p == q:
            if not in_body and p.split(":")[0].strip().lower() in ("via", "v"):
                vias_seen += 1
            continue
        allowed = False
        if not in_body:
            name = p.split(":")[0].strip().lower()
            if name in ("via", "v"):
                allowed = vias_seen == 0
                vias_seen += 1
            else:
                allowed = name in HDR_OK and \
                    name == q.split(":")[0].strip().lower()
        elif p[:2] in ("o=", "c=") or p.startswith("a=rtcp:"):
            allowed = p[:2] == q[:2]
        elif p.startswith("m=") and q.startswith("m="):
            fp, fq = p.split(), q.split()
            allowed = fp[0] == fq[0] and fp[2:] == fq[2:]
        print(f"- {p}\n+ {q}" + ("" if allowed else "   <-- not allowed"))
        ok = ok and allowed
    return ok


def cmd_ruri(a):
    res = load(a.file)
    ok = bool(res.get("calls"))
    for c in res.get("calls", []):
        for key in ("request_uri", "ack_request_uri", "bye_request_uri"):
            got = c.get(key)
            good = got is not None and uri_hostport(got) == uri_hostport(a.uri)
            print(f"call {c['call_id'][:12]} {key}: {got} (want {a.uri})"
                  + ("" if good else "  <-- wrong"))
            ok = ok and good
    return ok


def cmd_listen(a):
    res = load(a.file)
    print(f"{a.file}: {res['received']} packets from {res['from']}"
          f" (allowed: at most {a.max})")
    return res["received"] <= a.max


def cmd_sipp_log(a):
    """SIPp -trace_msg log -> a result file with the received messages."""
    with open(a.log, encoding="latin-1", newline="") as f:
        text = f.read()
    res = {"role": "sipp", "received": [], "sent": [], "status": "ok"}
    pat = re.compile(r"UDP message received \[(\d+)\] bytes :\n\n")
    for m in pat.finditer(text):
        n = int(m.group(1))
        res["received"].append({"from": "?", "data": text[m.end():m.end() + n]})
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    print(f"{len(res['received'])} messages")
    return True


def cmd_sdp_port(a):
    res = load(a.file)
    m, _ = first_request(res, "received", a.message)
    sdp = sdp_parse(m.body) if m else None
    if sdp is None:
        return False
    print(sdp["c"], sdp["port"], sdp["rtcp"])
    return True


def cmd_mark(a):
    res = load(a.file)
    calls = res.get("calls", [])
    if not calls:
        print("no call")
        return False
    c = calls[0]
    mk = c.get("marks", {}).get(a.label)
    total = c.get("media", {}).get("rtp", {}).get("received", 0)
    if mk is None:
        print(f"call {c['call_id'][:12]}: no mark {a.label!r}")
        return False
    got = total - mk.get("rtp", 0) if a.after else mk.get("rtp", 0)
    when = "after" if a.after else "before"
    print(f"call {c['call_id'][:12]}: {got} RTP packets {when} {a.label}"
          f" ({total} in all; need {a.min_rtp})")
    return got >= a.min_rtp


def cmd_from(a):
    """The first call's stream KIND received at least N packets from the
    address and port of the SDP stored at call[KEY] (the last one of a
    list) - e.g. media after an UPDATE came from its new public port."""
    res = load(a.file)
    calls = res.get("calls", [])
    if not calls:
        print("no call")
        return False
    c = calls[a.call]
    v = c.get(a.key)
    if isinstance(v, list):
        v = v[-1] if v else None
    streams = sdp_streams(v or "")
    if len(streams) <= a.index:
        print(f"call[{a.key}]: no m= line {a.index} in {v!r}")
        return False
    s = streams[a.index]
    want = f"{s['rtcp_addr']}:{s['rtcp']}" if a.kind.endswith("rtcp") \
        else f"{s['c']}:{s['port']}"
    srcs = c.get("media", {}).get(a.kind, {}).get("from", {})
    got = srcs.get(want, 0)
    print(f"call {c['call_id'][:12]} {a.kind}: {got} packets from {want}"
          f" (SDP call[{a.key}]); all sources {srcs}; need {a.min}")
    return got >= a.min


def call_value(c, path):
    """call[path] for a dotted path (remote_sdp, updates, reinvites.0.sdp);
    a list without an index gives its last element."""
    v = c
    for part in path.split("."):
        if isinstance(v, list):
            v = v[int(part)] if part.isdigit() and int(part) < len(v) \
                else None
        elif isinstance(v, dict):
            v = v.get(part)
        if v is None:
            return None
    if isinstance(v, list):
        v = v[-1] if v else None
    return v


def cmd_sdp_cmp(a):
    """The first m= line of the SDPs at call[A] and call[B]: --same address
    and ports, or --moved (same address, another port)."""
    c = (load(a.file).get("calls") or [{}])[0]
    sa = sdp_streams(call_value(c, a.a) or "")
    sb = sdp_streams(call_value(c, a.b) or "")
    if not sa or not sb:
        print(f"no SDP at {a.a if not sa else a.b}")
        return False
    x, y = sa[0], sb[0]
    print(f"{a.a}: {x['c']} {x['port']}/{x['rtcp']}; "
          f"{a.b}: {y['c']} {y['port']}/{y['rtcp']}")
    if a.moved:
        return x["c"] == y["c"] and x["port"] != y["port"]
    return (x["c"], x["port"], x["rtcp"]) == (y["c"], y["port"], y["rtcp"])


def cmd_streams(a):
    """Every media stream of every call sent and received >= N packets
    (RTCP streams N/5)."""
    res = load(a.file)
    ok = bool(res.get("calls"))
    for c in res.get("calls", []):
        media = c.get("media", {})
        ok = ok and len(media) >= a.count
        print(f"call {c['call_id'][:12]}: {len(media)} streams "
              f"(need {a.count})")
        remote = sdp_streams(c.get("remote_sdp") or "")
        for name, st in sorted(media.items()):
            need = max(1, a.min // 5) if name.endswith("rtcp") else a.min
            good = st.get("sent", 0) >= need and st.get("received", 0) >= need
            note = "" if good else f"  <-- need {need}"
            if a.symmetric:
                # rtp/rtcp: m= line 0; mN/mN.rtcp: m= line N.
                idx = int(name[1:].split(".")[0]) if name[0] == "m" else 0
                r = remote[idx] if idx < len(remote) else None
                want = None if r is None else (
                    f"{r['rtcp_addr']}:{r['rtcp']}" if name.endswith("rtcp")
                    else f"{r['c']}:{r['port']}")
                if list(st.get("from", {})) != [want]:
                    good = False
                    note += f"  <-- not only from the advertised {want}"
            print(f"  {name} {st.get('local')}: sent {st.get('sent')} to "
                  f"{st.get('sent_to')}, received {st.get('received')} from "
                  f"{st.get('from')}" + note)
            ok = ok and good
    return ok


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("leak")
    s.add_argument("files", nargs="+")
    s = sub.add_parser("status")
    s.add_argument("file")
    s.add_argument("want", nargs="?", default="ok")
    s = sub.add_parser("media")
    s.add_argument("file")
    s.add_argument("--min-rtp", type=int, default=40)
    s.add_argument("--min-rtcp", type=int, default=8)
    s = sub.add_parser("symmetric")
    s.add_argument("file")
    s.add_argument("--stray", type=int, default=0,
                   help="packets allowed from other sources (media sent "
                   "before the gateway saw the SDP that binds it)")
    s = sub.add_parser("nodrop")
    s.add_argument("file")
    for name in ("same", "intended", "mapped", "body"):
        s = sub.add_parser(name)
        s.add_argument("a")
        s.add_argument("b")
        s.add_argument("--method", default="INVITE")
    s = sub.add_parser("answered")
    s.add_argument("registrar")
    s.add_argument("phone")
    s.add_argument("index", type=int)
    s = sub.add_parser("ruri")
    s.add_argument("file")
    s.add_argument("uri")
    s = sub.add_parser("listen")
    s.add_argument("file")
    s.add_argument("--max", type=int, default=0)
    s = sub.add_parser("sipp-log")
    s.add_argument("log")
    s.add_argument("out")
    s = sub.add_parser("mark")
    s.add_argument("file")
    s.add_argument("label")
    s.add_argument("--after", action="store_true")
    s.add_argument("--min-rtp", type=int, default=10)
    s = sub.add_parser("from")
    s.add_argument("file")
    s.add_argument("key")
    s.add_argument("--kind", default="rtp")
    s.add_argument("--index", type=int, default=0)
    s.add_argument("--call", type=int, default=0)
    s.add_argument("--min", type=int, default=20)
    s = sub.add_parser("sdp-cmp")
    s.add_argument("file")
    s.add_argument("a")
    s.add_argument("b")
    s.add_argument("--moved", action="store_true")
    s = sub.add_parser("streams")
    s.add_argument("file")
    s.add_argument("--min", type=int, default=40)
    s.add_argument("--count", type=int, default=2)
    s.add_argument("--symmetric", action="store_true",
                   help="and each arrived only from the address:port the "
                   "peer's SDP advertised for it")
    s = sub.add_parser("sdp-port")
    s.add_argument("file")
    s.add_argument("--message", default="INVITE",
                   help="a method or a response code (200)")
    a = p.parse_args()
    fn = globals()["cmd_" + a.cmd.replace("-", "_")]
    try:
        return 0 if fn(a) else 1
    except (OSError, ValueError, KeyError) as e:
        print(f"cannot check: {type(e).__name__}: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
