#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""linphone_check.py - what linphonec sent (its debug log) against what
arrived outside (sipua.py and stun.py result files), for t_linphone.sh.

Each subcommand prints what it found and exits 0 (holds) or 1 (violated).

  sent LOG METHOD         print the METHOD requests linphonec's log (-d 6)
                          says it sent, one JSON object a line
  contact LOG FILE PUBLIC every REGISTER linphonec sent (not Expires: 0)
                          arrived in FILE (by Call-ID and CSeq) with its
                          Contact as written when that names no 10.x
                          address, else rewritten to PUBLIC; a REGISTER
                          naming no 10.x address at all arrived with every
                          header line unchanged
  media LOG FILE          the INVITE linphonec sent (its log) arrived in
                          FILE (by Call-ID) with its m= line, the c= after
                          it and every a=candidate line as written
  concluded LOG PUBLIC    the far end's linphonec (its LOG) received the
                          re-INVITE "ICE processing concluded": its RTP
                          candidate is one srflx candidate on PUBLIC, the
                          m= line's port and c= that candidate
  ice FILE STUN PUBLIC    the INVITE that arrived in FILE offers ICE: its
                          server-reflexive candidates (RTP, RTCP) are on
                          PUBLIC and are what the STUN server (result file
                          STUN) saw linphonec's media sockets come from; the
                          m= line's c=/port is the RTP one (the default
                          candidate), and the call's media arrived from it

Standard library only.
"""

import json
import re
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sipua import Msg, sdp_parse  # noqa: E402

PRIVATE = re.compile(r"\b10\.\d+\.\d+\.\d+")
SENT = re.compile(r"message sent to \[UDP://([^\]]+)\], size: \[(\d+)\] bytes")


def sent(log):
    """The SIP messages belle-sip logged as sent: (destination, text).
    The message follows the log line; its length is given in bytes."""
    with open(log, "rb") as f:
        data = f.read()
    out = []
    for m in SENT.finditer(data.decode("latin-1")):
        start = data.index(b"\n", m.end()) + 1
        out.append((m.group(1),
                    data[start:start + int(m.group(2))].decode("latin-1")))
    return out


RECEIVED = re.compile(r"received \[(\d+)\] new bytes from \[UDP://[^\]]+\]:")


def received(log):
    """The SIP messages belle-sip logged as received (text)."""
    with open(log, "rb") as f:
        data = f.read()
    out = []
    for m in RECEIVED.finditer(data.decode("latin-1")):
        start = data.index(b"\n", m.end()) + 1
        out.append(data[start:start + int(m.group(1))].decode("latin-1"))
    return out


def cmd_concluded(a):
    got = [t for t in received(a.log)
           if t.startswith("INVITE ") and
           "\nSubject: ICE processing concluded" in t.replace("\r\n", "\n")]
    if not got:
        print("no re-INVITE \"ICE processing concluded\" arrived")
        return False
    body = Msg(got[0].encode("latin-1")).body
    lines = [x for x in media_lines(body) if x.startswith("a=candidate:")
             and x.split()[1] == "1"]
    media = sdp_parse(body)
    print("\n".join(lines) + f"\nm=/c= {media and (media['c'], media['port'])}")
    if len(lines) != 1 or media is None:
        return False
    f = lines[0].split()
    return f[7] == "srflx" and f[4] == a.public and \
        (media["c"], media["port"]) == (f[4], int(f[5]))


def requests(log, method):
    return [(d, t) for d, t in sent(log) if t.startswith(method + " ")]


def lines(text):
    return [x for x in text.replace("\r\n", "\n").split("\n\n")[0]
            .split("\n") if x]


def key(m):
    return (m.get("call-id"), m.get("cseq"))


def cmd_contact(a):
    got = {}
    for rec in json.load(open(a.file)).get("received", []):
        m = Msg(rec["data"].encode("latin-1"))
        if m.is_request and m.method == "REGISTER":
            got[key(m)] = (m, rec["data"])
    # Retransmissions once; not the un-REGISTER at "quit" (Expires: 0),
    # sent when the scenario's registrar is gone.
    regs = {}
    for _dest, text in requests(a.log, "REGISTER"):
        m = Msg(text.encode("latin-1"))
        if (m.get("expires") or "").strip() != "0":
            regs.setdefault(key(m), (m, text))
    ok = bool(regs)
    for m, text in regs.values():
        c = m.get("contact") or ""
        r = got.get(key(m))
        if r is None:
            print(f"REGISTER {key(m)} never arrived")
            ok = False
            continue
        rc = r[0].get("contact") or ""
        if PRIVATE.search(c):
            good = not PRIVATE.search(rc) and f"@{a.public}" in rc
            what = "rewritten"
        else:
            good = rc == c and lines(text) == lines(r[1])
            what = "unchanged, every header line"
        print(f"REGISTER {key(m)}: sent Contact {c}\n    arrived {rc} "
              f"(want {what})" + ("" if good else "  <-- wrong"))
        ok = ok and good
    return ok


def media_lines(sdp):
    """The m= line, the c= and a=candidate lines after it (media level)."""
    out = []
    for line in sdp.replace("\r\n", "\n").split("\n"):
        if line.startswith("m=") or (out and (
                line.startswith("c=") or line.startswith("a=candidate:"))):
            out.append(line)
    return out


def cmd_media(a):
    got = {}
    for rec in json.load(open(a.file)).get("received", []):
        m = Msg(rec["data"].encode("latin-1"))
        if m.is_request and m.method == "INVITE":
            got.setdefault(m.get("call-id"), m)
    invs = requests(a.log, "INVITE")
    ok = bool(invs)
    for _dest, text in invs[:1]:
        m = Msg(text.encode("latin-1"))
        r = got.get(m.get("call-id"))
        if r is None:
            print(f"INVITE {m.get('call-id')} never arrived")
            return False
        sent_l, got_l = media_lines(m.body), media_lines(r.body)
        for x in sent_l:
            print(("   " if x in got_l else "!! ") + x)
        for x in got_l:
            if x not in sent_l:
                print("arrived instead: " + x)
        ok = bool(sent_l) and sent_l == got_l
    return ok


def candidates(sdp):
    """srflx candidates of the first m= line: {component: (addr, port)}."""
    out = {}
    for line in sdp.replace("\r\n", "\n").split("\n"):
        f = line.split()
        if line.startswith("a=candidate:") and "srflx" in f:
            out.setdefault(int(f[1]), (f[4], int(f[5])))
    return out


def cmd_ice(a):
    res = json.load(open(a.file))
    stun = {r["from"] for r in json.load(open(a.stun)).get("requests", [])}
    calls = res.get("calls", [])
    if not calls or not calls[0].get("remote_sdp"):
        print("no call with an offer")
        return False
    c = calls[0]
    sdp = c["remote_sdp"]
    srflx = candidates(sdp)
    media = sdp_parse(sdp)
    print(f"srflx candidates {srflx}; STUN saw {sorted(stun)}; "
          f"m=/c= {media and (media['c'], media['port'])}")
    ok = sorted(srflx) == [1, 2]
    for comp, (addr, port) in sorted(srflx.items()):
        seen = f"{addr}:{port}" in stun
        good = addr == a.public and seen
        print(f"component {comp}: {addr}:{port} "
              f"{'is' if seen else 'is NOT'} a STUN mapping"
              + ("" if good else "  <-- wrong"))
        ok = ok and good
    if not ok or media is None:
        return False
    rtp = (media["c"], media["port"])
    if rtp != srflx[1]:
        print(f"c=/m= {rtp} is not the srflx RTP candidate  <-- wrong")
        return False
    srcs = c.get("media", {}).get("rtp", {}).get("from", {})
    want = f"{rtp[0]}:{rtp[1]}"
    print(f"RTP arrived from {srcs}")
    return srcs.get(want, 0) > 0 and sum(srcs.values()) == srcs[want]


def main():
    import argparse
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sent")
    s.add_argument("log")
    s.add_argument("method")
    s = sub.add_parser("contact")
    s.add_argument("log")
    s.add_argument("file")
    s.add_argument("public")
    s = sub.add_parser("media")
    s.add_argument("log")
    s.add_argument("file")
    s = sub.add_parser("concluded")
    s.add_argument("log")
    s.add_argument("public")
    s = sub.add_parser("ice")
    s.add_argument("file")
    s.add_argument("stun")
    s.add_argument("public")
    a = p.parse_args()
    if a.cmd == "sent":
        for d, t in requests(a.log, a.method):
            print(json.dumps({"to": d, "data": t}))
        return 0
    return 0 if {"contact": cmd_contact, "media": cmd_media,
                      "concluded": cmd_concluded, "ice": cmd_ice}[a.cmd](a) else 1


if __name__ == "__main__":
    sys.exit(main())
