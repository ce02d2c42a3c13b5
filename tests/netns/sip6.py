#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""sip6.py ROLE ... - minimal SIP-over-IPv6 endpoints for t_ipv6.sh.

Roles (each writes a JSON record to --out; --out.ready once listening):
  phone      [A]:5060 registers at --registrar (unless --no-register), then
             answers INVITEs for --serve seconds: 200 with SDP naming its
             own address and --rtp-port, counts RTP arriving there, answers
             BYE; with --call TARGET it calls TARGET instead and lets the
             far end send media first.
  registrar  answers one REGISTER with 200 (the Contact, expires).
  caller     sends an INVITE to --target (Request-URI --ruri) with SDP,
             ACK, sends --packets
             RTP packets to the answer's media address from its own media
             port, then BYE; with --hold it stops after the ACK (the
             call stays up, no media, no BYE).
  answerer   answers one INVITE with 200 and SDP, sends --packets RTP to the
             offer's media address first, waits for BYE.
  probe      sends --packets datagrams to --target from a fresh port.
  listen     counts datagrams arriving on [A]:--rtp-port for --serve
             seconds (or until --out.stop appears).
With --tcp, caller and answerer speak SIP over one TCP connection (the
caller connects; its INVITE goes out in two segments) and media stays UDP;
the registrar answers over TCP; the phone registers over a connection of
its own, closes it and waits for a new one to its Contact.
With --media ADDR their media is on ADDR, which may be of the other family
than --addr (c=IN IP4 over IPv6 signalling, or the reverse): dual stack.
Everything is bounded by --timeout.
"""
import argparse
import json
import os
import random
import re
import socket
import sys
import time


def sock(addr, port):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    return s


def hp(host, port):
    return ("[%s]:%d" if ":" in host else "%s:%d") % (host, port)


def target(t):
    """"[v6]:port" or "v4:port" -> (host, port)."""
    m = re.match(r"\[(.*)\]:(\d+)$", t) or re.match(r"([0-9.]+):(\d+)$", t)
    return m.group(1), int(m.group(2))


def sdp(addr, port):
    """An audio offer or answer for addr:port (c=IN IP4 for an IPv4
    address: a dual-stack phone's IPv4 stream over IPv6 signalling)."""
    fam = "IP6" if ":" in addr else "IP4"
    body = ("v=0\r\no=- 1 1 IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
            % (fam, addr, fam, addr, port))
    return body


def msg(start, hdrs, body=""):
    out = start + "\r\n"
    for k, v in hdrs:
        out += "%s: %s\r\n" % (k, v)
    if body:
        out += "Content-Type: application/sdp\r\n"
    out += "Content-Length: %d\r\n\r\n%s" % (len(body.encode()), body)
    return out.encode()


def parse(data):
    text = data.decode("utf-8", "replace")
    head, _, body = text.partition("\r\n\r\n")
    lines = head.split("\r\n")
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdrs.setdefault(k.strip().lower(), []).append(v.strip())
    return lines[0], hdrs, body


def h1(hdrs, name):
    return hdrs.get(name.lower(), [""])[0]


def media_of(body):
    c = re.search(r"c=IN IP[46] (\S+)", body)
    m = re.search(r"m=audio (\d+)", body)
    if not c or not m:
        return None
    return c.group(1), int(m.group(1))


def response(req_hdrs, code, reason, extra=(), body="", to_tag=None):
    hdrs = [("Via", v) for v in req_hdrs.get("via", [])]
    to = h1(req_hdrs, "to")
    if to_tag and "tag=" not in to:
        to += ";tag=" + to_tag
    hdrs += [("From", h1(req_hdrs, "from")), ("To", to),
             ("Call-ID", h1(req_hdrs, "call-id")),
             ("CSeq", h1(req_hdrs, "cseq"))]
    hdrs += list(extra)
    return msg("SIP/2.0 %d %s" % (code, reason), hdrs, body)


class TcpSip:
    """SIP over one TCP connection, with the UDP socket's calls:
    sendto (the address is ignored) and recvfrom (one whole message,
    framed by Content-Length)."""

    def __init__(self, conn, split=False):
        self.c = conn
        self.c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.split = split
        self.peer = conn.getpeername()

    def sendto(self, data, _to=None):
        if self.split and data.startswith(b"INVITE"):
            # Two segments: the message is whole only in the stream.
            self.c.sendall(data[:len(data) // 2])
            time.sleep(0.05)
            self.c.sendall(data[len(data) // 2:])
        else:
            self.c.sendall(data)

    def settimeout(self, t):
        self.c.settimeout(t)

    def recvfrom(self, _n):
        while True:
            head, sep, rest = self.buf.partition(b"\r\n\r\n")
            if sep:
                m = re.search(rb"(?im)^(?:content-length|l)\s*:\s*(\d+)",
                              head)
                n = int(m.group(1)) if m else 0
                if len(rest) >= n:
                    self.buf = rest[n:]
                    return head + sep + rest[:n], self.peer
            d = self.c.recv(65535)
            if not d:
                time.sleep(0.1)     # closed: no busy loop in the callers
                raise socket.timeout()
            self.buf += d


def recv(s, deadline):
    while True:
        left = deadline - time.time()
        if left <= 0:
            return None, None
        s.settimeout(left)
        try:
            return s.recvfrom(65535)
        except socket.timeout:
            return None, None


def count_rtp(s, deadline, quiet=0.5, sources=None):
    """Datagrams on s until deadline or quiet seconds without one (their
    source addresses counted into the dict sources, when given)."""
    n = 0
    peer = None
    while True:
        end = min(deadline, time.time() + quiet) if n else deadline
        d, a = recv(s, end)
        if d is None:
            return n, peer
        n += 1
        if sources is not None:
            sources[a[0]] = sources.get(a[0], 0) + 1
        peer = a


def send_rtp(s, to, n):
    for i in range(n):
        try:
            s.sendto(bytes([0x80, 0]) + i.to_bytes(2, "big") + bytes(168),
                     to)
        except OSError:
            return      # no route to a private address named in the SDP
        time.sleep(0.01)


def ready(a):
    open(a.out + ".ready", "w").close()


def req(method, ruri, local, lport, callid, cseq, to, frm, extra=(), body="",
        transport="UDP"):
    branch = "z9hG4bK%08x" % random.getrandbits(32)
    hdrs = [("Via", "SIP/2.0/%s %s;branch=%s"
             % (transport, hp(local, lport), branch)),
            ("Max-Forwards", "70"), ("From", frm), ("To", to),
            ("Call-ID", callid), ("CSeq", "%d %s" % (cseq, method))]
    hdrs += list(extra)
    return msg("%s %s SIP/2.0" % (method, ruri), hdrs, body)


def phone_tcp(a, rec, contact):
    """--tcp: REGISTER over a connection of the phone's own, which it then
    closes; the registrar must open a new one to the Contact.  Returns the
    accepted connection (None when none came)."""
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.addr, 5060))
    ls.listen(1)
    c = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    c.settimeout(4)
    c.bind((a.addr, 0))
    c.connect((a.registrar, 5060))
    t = TcpSip(c)
    t.sendto(req("REGISTER", "sip:[%s];transport=tcp" % a.registrar, a.addr,
                 c.getsockname()[1], "reg-%d@phone" % random.getrandbits(24),
                 1, "<sip:alice@example.org>",
                 "<sip:alice@example.org>;tag=r1",
                 [("Contact", contact), ("Expires", "300")], transport="TCP"))
    d, _ = recv(t, time.time() + 3)
    rec["registered"] = bool(d and parse(d)[0].startswith("SIP/2.0 200"))
    c.close()
    open(a.out + ".registered", "w").close()
    ls.settimeout(a.serve)
    try:
        return TcpSip(ls.accept()[0])
    except socket.timeout:
        return None


def role_phone(a, rec):
    m = sock(a.addr, a.rtp_port)
    rec.update(registered=False, invites=[], rtp=0, byes=0, rtp_from={})
    if a.tcp:
        ready(a)
        contact = "<sip:alice@%s;transport=tcp>" % hp(a.addr, 5060)
        s = phone_tcp(a, rec, contact)
        if s is None:
            return
        a.registrar = None
    else:
        s = sock(a.addr, 5060)
        ready(a)
    deadline = time.time() + a.timeout
    if not a.tcp:
        contact = "<sip:alice@%s>" % hp(a.addr, 5060)
    if a.registrar:
        reg = (a.registrar, 5060)
        s.sendto(req("REGISTER", "sip:[%s]" % a.registrar, a.addr, 5060,
                     "reg-%d@phone" % random.getrandbits(24), 1,
                     "<sip:alice@example.org>",
                     "<sip:alice@example.org>;tag=r1",
                     [("Contact", contact), ("Expires", "300")]), reg)
        d, _ = recv(s, time.time() + 3)
        rec["registered"] = bool(d and parse(d)[0].startswith("SIP/2.0 200"))
    open(a.out + ".registered", "w").close()
    stop = a.out + ".stop"
    end = min(deadline, time.time() + a.serve)
    while time.time() < end and not os.path.exists(stop):
        d, src = recv(s, min(end, time.time() + 0.2))
        if d is None:
            continue
        start, hdrs, body = parse(d)
        if start.startswith("INVITE"):
            rec["invites"].append(src[0])
            s.sendto(response(hdrs, 200, "OK", [("Contact", contact)],
                              sdp(a.addr, a.rtp_port), to_tag="p1"), src)
            n, peer = count_rtp(m, min(end, time.time() + 3),
                                sources=rec["rtp_from"])
            rec["rtp"] += n
            if peer:
                send_rtp(m, peer, 10)
        elif start.startswith("BYE"):
            rec["byes"] += 1
            s.sendto(response(hdrs, 200, "OK"), src)
        elif start.startswith(("ACK", "SIP/2.0")):
            continue
        elif start.split(" ")[0].isalpha():
            s.sendto(response(hdrs, 200, "OK"), src)
    # After the calls: what still reaches the media port (probes).
    open(a.out + ".linger", "w").close()
    n, _ = count_rtp(m, time.time() + a.linger, quiet=a.linger)
    rec["after"] = n


def role_registrar(a, rec):
    rec.update(registered=None)
    if a.tcp:
        ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((a.addr, 5060))
        ls.listen(1)
        ready(a)
        ls.settimeout(a.timeout)
        s = TcpSip(ls.accept()[0])
    else:
        s = sock(a.addr, 5060)
        ready(a)
    d, src = recv(s, time.time() + a.timeout)
    if d is None:
        return
    start, hdrs, _ = parse(d)
    if start.startswith("REGISTER"):
        contact = h1(hdrs, "contact")
        rec["registered"] = contact
        rec["from"] = src[0]
        s.sendto(response(hdrs, 200, "OK",
                          [("Contact", contact + ";expires=300")],
                          to_tag="reg"), src)


def role_caller(a, rec):
    to = target(a.target)
    tr = "TCP" if a.tcp else "UDP"
    if a.tcp:
        c = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        c.bind((a.addr, a.sip_port))
        c.settimeout(4)
        c.connect(to)
        s = TcpSip(c, split=True)
    else:
        s = sock(a.addr, a.sip_port)
    media = a.media or a.addr
    m = sock(media, a.rtp_port)
    callid = a.callid or "c6-%d@caller" % random.getrandbits(24)
    frm = "<sip:bob@%s>;tag=c1" % hp(a.addr, 0).rsplit(":", 1)[0]
    tov = "<sip:alice@%s>" % a.target
    ctr = ";transport=tcp" if a.tcp else ""
    rec.update(answered=False, rtp_back=0)
    ruri = a.ruri or "sip:alice@%s%s" % (a.target, ctr)
    s.sendto(req("INVITE", ruri, a.addr,
                 a.sip_port, callid, 1, tov, frm,
                 [("Contact", "<sip:bob@%s%s>"
                   % (hp(a.addr, a.sip_port), ctr))],
                 sdp(a.sdp_addr or media, a.rtp_port), tr), to)
    deadline = time.time() + 4
    while True:
        d, _ = recv(s, deadline)
        if d is None:
            return
        start, hdrs, body = parse(d)
        if start.startswith("SIP/2.0 200"):
            break
    rec["answered"] = True
    tov = h1(hdrs, "to")
    s.sendto(req("ACK", "sip:alice@%s" % a.target, a.addr, a.sip_port,
                 callid, 1, tov, frm, transport=tr), to)
    med = media_of(body)
    rec["answer_media"] = med
    rec["answer"] = body
    if a.hold:
        return          # the call stays up: no media, no BYE
    if a.far_first:
        # Silent until the far end's media arrived: what arrives now
        # came in on a new inbound flow (a pinhole), not as a reply.
        rec["rtp_first"], _ = count_rtp(m, time.time() + 2)
    if med:
        send_rtp(m, med, a.packets)
    n, _ = count_rtp(m, time.time() + 3)
    rec["rtp_back"] = n
    time.sleep(0.3)
    s.sendto(req("BYE", "sip:alice@%s" % a.target, a.addr, a.sip_port,
                 callid, 2, tov, frm, transport=tr), to)
    d, _ = recv(s, time.time() + 3)
    rec["bye_ok"] = bool(d and parse(d)[0].startswith("SIP/2.0 200"))


def role_answerer(a, rec):
    if a.tcp:
        ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((a.addr, a.sip_port))
        ls.listen(1)
    else:
        s = sock(a.addr, a.sip_port)
    media = a.media or a.addr
    m = sock(media, a.rtp_port)
    ready(a)
    if a.tcp:
        ls.settimeout(a.timeout)
        s = TcpSip(ls.accept()[0])
    rec.update(invited=False, rtp_in=0, byes=0)
    deadline = time.time() + a.timeout
    while True:
        d, src = recv(s, deadline)
        if d is None:
            return
        start, hdrs, body = parse(d)
        if start.startswith("INVITE"):
            break
    rec["invited"] = True
    rec["invite"] = d.decode("utf-8", "replace")
    s.sendto(response(hdrs, 200, "OK",
                      [("Contact", "<sip:peer@%s>" % hp(a.addr, a.sip_port))],
                      sdp(media, a.rtp_port), to_tag="a1"), src)
    med = media_of(body)
    rec["offer_media"] = med
    rec["offer"] = body
    # The far end sends first: only a pinhole lets this in.
    if med:
        time.sleep(0.2)
        send_rtp(m, med, a.packets)
    n, _ = count_rtp(m, time.time() + 3)
    rec["rtp_in"] = n
    while True:
        d, src = recv(s, deadline)
        if d is None:
            return
        start, hdrs, _ = parse(d)
        if start.startswith("BYE"):
            rec["byes"] += 1
            s.sendto(response(hdrs, 200, "OK"), src)
            return


def role_sink(a, rec):
    """Record the sha256 of every datagram arriving on --sip-port until
    --serve seconds pass."""
    import hashlib
    s = sock(a.addr, a.sip_port)
    ready(a)
    rec["got"] = []
    end = time.time() + a.serve
    while True:
        d, _ = recv(s, end)
        if d is None:
            return
        rec["got"].append(hashlib.sha256(d).hexdigest())


def role_send(a, rec):
    """Send each --file as one datagram from --sip-port to --target;
    record their sha256."""
    import hashlib
    host = re.match(r"\[(.*)\]:(\d+)", a.target)
    s = sock(a.addr, a.sip_port)
    rec["sent"] = []
    for path in a.file:
        data = open(path, "rb").read()
        s.sendto(data, (host.group(1), int(host.group(2))))
        rec["sent"].append(hashlib.sha256(data).hexdigest())
        time.sleep(0.02)


def role_listen(a, rec):
    """Count the datagrams arriving on --rtp-port until --serve seconds
    pass or OUT.stop appears."""
    m = sock(a.addr, a.rtp_port)
    ready(a)
    rec["got"] = 0
    end = time.time() + a.serve
    while time.time() < end and not os.path.exists(a.out + ".stop"):
        d, _ = recv(m, min(end, time.time() + 0.2))
        if d is not None:
            rec["got"] += 1


def role_probe(a, rec):
    s = sock(a.addr, 0)
    for _ in range(a.packets):
        s.sendto(b"probe", target(a.target))
        time.sleep(0.01)
    rec["sent"] = a.packets


def main():
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["phone", "registrar", "caller",
                                    "answerer", "probe", "sink", "send",
                                    "listen"])
    p.add_argument("--file", action="append", default=[])
    p.add_argument("--out", required=True)
    p.add_argument("--addr", required=True)
    p.add_argument("--registrar")
    p.add_argument("--target")
    p.add_argument("--sip-port", type=int, default=5060)
    p.add_argument("--rtp-port", type=int, default=8000)
    p.add_argument("--packets", type=int, default=20)
    p.add_argument("--callid", help="caller: this Call-ID")
    p.add_argument("--ruri", help="caller: this Request-URI (a registered "
                   "Contact) instead of sip:alice@TARGET")
    p.add_argument("--serve", type=float, default=10)
    p.add_argument("--linger", type=float, default=0)
    p.add_argument("--tcp", action="store_true",
                   help="caller, answerer, registrar, phone: SIP over TCP")
    p.add_argument("--far-first", action="store_true",
                   help="caller: send no media before the far end's")
    p.add_argument("--hold", action="store_true",
                   help="caller: after the ACK leave the call up and exit")
    p.add_argument("--media", help="caller, answerer: media on this "
                   "address (of either family: dual stack)")
    p.add_argument("--sdp-addr", help="caller: name this address in the "
                   "SDP instead of the media socket's (another host's)")
    p.add_argument("--timeout", type=float, default=30)
    a = p.parse_args()
    rec = {"role": a.role}
    try:
        globals()["role_" + a.role](a, rec)
    finally:
        with open(a.out, "w") as f:
            json.dump(rec, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
