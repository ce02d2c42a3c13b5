#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""NAT Slipstreaming shapes for tests/netns/t_slipstream.sh (issue 11).

send: an inside host (the "victim browser" of Slipstreaming v1/v2) sends
SIP that names other inside hosts, its own low ports, the router and the
broadcast address in Contact, Via, Record-Route and SDP (session and
media c=, a=rtcp, multipart) - REGISTER, INVITE, OPTIONS, a 200 response
and an UPDATE.
sink: the outside end records what arrives and which public ports the
messages name (the ports an attacker would then probe).
Written for these tests; documentation addresses.
"""
import argparse
import json
import re
import select
import socket
import time


def msgs(me, other, gw, bcast):
    sdp = ("v=0\r\no=- 1 1 IN IP4 {me}\r\ns=-\r\nc=IN IP4 {other}\r\n"
           "t=0 0\r\nm=audio 40000 RTP/AVP 0\r\n"
           "m=audio 445 RTP/AVP 0\r\nc=IN IP4 {me}\r\n"
           "m=audio 41000 RTP/AVP 0\r\nc=IN IP4 {me}\r\n"
           "a=rtcp:40001 IN IP4 {other}\r\n"
           "m=audio 5070 RTP/AVP 0\r\nc=IN IP4 {gw}\r\n").format(
               me=me, other=other, gw=gw)
    mp = ("--b1\r\nContent-Type: application/sdp\r\n\r\n" + sdp +
          "\r\n--b1--\r\n")
    head = ("Max-Forwards: 70\r\nFrom: <sip:v@203.0.113.10>;tag=s{n}\r\n"
            "Call-ID: slip{n}@x\r\n")
    out = []

    def add(start, via, extra, body="", ctype="application/sdp"):
        n = len(out)
        m = start + "\r\nVia: SIP/2.0/UDP " + via + \
            ";branch=z9hG4bKslip%d\r\n" % n + head.format(n=n) + extra
        if body:
            m += "Content-Type: %s\r\n" % ctype
        m += "Content-Length: %d\r\n\r\n%s" % (len(body), body)
        out.append(m.encode())

    add("REGISTER sip:203.0.113.10 SIP/2.0", me + ":5060",
        "To: <sip:v@203.0.113.10>\r\nCSeq: 1 REGISTER\r\n"
        "Contact: <sip:v@%s:5070>, <sip:v@%s:53>\r\n"
        "Contact: <sip:v@%s:5070>, <sip:v@%s:5070>\r\n"
        "Contact: <sip:v@%s:5060>\r\nExpires: 600\r\n"
        % (other, me, gw, bcast, me))
    add("INVITE sip:x@203.0.113.10 SIP/2.0", other + ":5070",
        "To: <sip:x@203.0.113.10>\r\nCSeq: 1 INVITE\r\n"
        "Record-Route: <sip:%s:5070;lr>\r\n"
        "Contact: <sip:v@%s:5070>\r\n" % (gw, other), sdp)
    add("OPTIONS sip:x@203.0.113.10 SIP/2.0", me + ":5060",
        "To: <sip:x@203.0.113.10>\r\nCSeq: 1 OPTIONS\r\n"
        "Contact: <sip:v@%s:5070>\r\n" % other)
    add("SIP/2.0 200 OK", "203.0.113.10:5060",
        "To: <sip:v@203.0.113.1>;tag=t1\r\nCSeq: 1 INVITE\r\n"
        "Record-Route: <sip:%s:5070;lr>\r\n"
        "Contact: <sip:v@%s:5070>\r\n" % (other, other), sdp)
    add("UPDATE sip:x@203.0.113.10 SIP/2.0", me + ":5060",
        "To: <sip:x@203.0.113.10>;tag=t1\r\nCSeq: 2 UPDATE\r\n"
        "Contact: <sip:v@%s:5070>\r\n" % other, mp,
        "multipart/mixed;boundary=b1")
    return out


def hostport(s):
    h, p = s.rsplit(":", 1)
    return h, int(p)


def cmd_send(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(hostport(a.local))
    me = hostport(a.local)[0]
    for m in msgs(me, a.other, a.gw, a.bcast):
        s.sendto(m, hostport(a.to))
        time.sleep(0.05)


def cmd_sink(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(hostport(a.local))
    open(a.out + ".ready", "w").close()
    got, ports = [], set()
    end = time.monotonic() + a.timeout
    while time.monotonic() < end and len(got) < a.count:
        r, _, _ = select.select([s], [], [], 0.1)
        if not r:
            continue
        data, _ = s.recvfrom(65535)
        text = data.decode("latin-1")
        got.append(text)
        for p in re.findall(re.escape(a.public) + r":(\d+)", text):
            ports.add(int(p))
        for p in re.findall(r"^m=\w+ (\d+)", text, re.M):
            ports.add(int(p))
        for p in re.findall(r"^a=rtcp:(\d+)", text, re.M):
            ports.add(int(p))
    with open(a.out, "w") as f:
        json.dump({"messages": got, "ports": sorted(ports)}, f, indent=1)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("cmd", choices=["send", "sink"])
    p.add_argument("--local", required=True)
    p.add_argument("--to")
    p.add_argument("--other", default="10.0.0.11")
    p.add_argument("--gw", default="10.0.0.1")
    p.add_argument("--bcast", default="10.0.0.255")
    p.add_argument("--out")
    p.add_argument("--public", default="203.0.113.1")
    p.add_argument("--timeout", type=float, default=5)
    p.add_argument("--count", type=int, default=5)
    a = p.parse_args()
    {"send": cmd_send, "sink": cmd_sink}[a.cmd](a)


if __name__ == "__main__":
    main()
