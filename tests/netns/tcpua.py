#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tcpua.py - SIP over TCP endpoints for the sipalg lab (t_tcp.sh).

Python 3 standard library only.  Every role writes a JSON result file with
what it saw and a final status.

Roles:
  registrar  listen on TCP; answer REGISTER (record the Contact and the
             connection it came on), OPTIONS and INVITE (with SDP, RTP both
             ways, BYE); after the phone's own call, --call: INVITE the
             registered Contact over the connection whose far end it names
             (as registrars do for phones behind NAT), RTP both ways, BYE
  phone      connect to the registrar; REGISTER; two OPTIONS in one
             segment; an INVITE of --big bytes written in three segments
             (RTP both ways, BYE); answer the registrar's INVITE (RTP both
             ways, its BYE); an OPTIONS marked X-Probe (the test drops its
             first copy at the registrar: the phone's TCP retransmits);
             then --many OPTIONS one after another
  http       connect and send an HTTP POST whose body is a REGISTER naming
             the phone's own address (NAT Slipstreaming v1)
  sink       accept one TCP connection, store what arrives
"""

import argparse
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sipua import Msg, sdp_make, sdp_parse  # noqa: E402

PTIME = 0.02


def token(n=10):
    return "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                   for _ in range(n))


class Conn:
    """A SIP connection: messages framed by Content-Length (RFC 3261
    18.3), CRLF keep-alives skipped."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.closed = False

    def send(self, text):
        self.sock.sendall(text.encode("latin-1"))

    def frame(self):
        while self.buf[:1] in (b"\r", b"\n"):
            self.buf = self.buf[1:]
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = self.buf[:end].decode("latin-1")
        clen = 0
        for line in head.split("\r\n")[1:]:
            name, _, val = line.partition(":")
            if name.strip().lower() in ("content-length", "l"):
                clen = int(val.strip())
        total = end + 4 + clen
        if len(self.buf) < total:
            return None
        data, self.buf = self.buf[:total], self.buf[total:]
        return data

    def feed(self):
        try:
            d = self.sock.recv(65536)
        except (ConnectionResetError, OSError):
            d = b""
        if not d:
            self.closed = True
        self.buf += d


class Media:
    """One RTP socket: sends to the peer's SDP address, counts arrivals."""

    def __init__(self, ip, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((ip, port))
        self.port = port
        self.dst = None
        self.sent = 0
        self.recv = 0
        self.sources = {}
        self.next_t = 0.0
        self.ssrc = random.getrandbits(32)

    def tick(self, now):
        if self.dst and now >= self.next_t:
            pkt = struct.pack("!BBHII", 0x80, 0, self.sent & 0xffff,
                              self.sent * 160, self.ssrc) + b"\xff" * 160
            try:
                self.sock.sendto(pkt, self.dst)
                self.sent += 1
            except OSError:
                pass
            self.next_t = now + PTIME

    def readable(self):
        data, addr = self.sock.recvfrom(2048)
        self.recv += 1
        k = f"{addr[0]}:{addr[1]}"
        self.sources[k] = self.sources.get(k, 0) + 1

    def result(self):
        return {"sent": self.sent, "received": self.recv,
                "from": self.sources}


class Endpoint:
    def __init__(self, args):
        self.args = args
        self.conns = {}         # socket -> Conn
        self.media = []
        self.listener = None
        self.res = {"role": args.role, "received": [], "sent": [],
                    "calls": [], "status": "running"}

    def save(self):
        tmp = self.args.out + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.res, f, indent=1)
        os.replace(tmp, self.args.out)

    def ready(self):
        with open(self.args.out + ".ready", "w") as f:
            f.write(str(os.getpid()))

    def send(self, conn, text):
        self.res["sent"].append({"t": time.time(), "data": text})
        conn.send(text)

    def poll(self, deadline):
        """Media until deadline or a message: (Conn, Msg) or (None, None)."""
        while True:
            for c in self.conns.values():
                data = c.frame()
                if data:
                    self.res["received"].append(
                        {"t": time.time(), "data": data.decode("latin-1")})
                    return c, Msg(data)
            now = time.monotonic()
            for m in self.media:
                m.tick(now)
            if now >= deadline:
                return None, None
            socks = [c.sock for c in self.conns.values() if not c.closed]
            socks += [m.sock for m in self.media]
            if self.listener:
                socks.append(self.listener)
            wake = min([deadline] + [m.next_t for m in self.media if m.dst])
            r, _, _ = select.select(socks, [], [], max(0.0, wake - now))
            for s in r:
                if s is self.listener:
                    ns, _ = s.accept()
                    self.conns[ns] = Conn(ns)
                elif s in self.conns:
                    self.conns[s].feed()
                    if self.conns[s].closed and not self.conns[s].buf:
                        return None, None
                else:
                    for m in self.media:
                        if m.sock is s:
                            m.readable()

    def wait(self, pred, timeout):
        deadline = time.monotonic() + timeout
        while True:
            c, m = self.poll(deadline)
            if m is None:
                return None, None
            if pred(m):
                return c, m
            self.default(c, m)

    def run_media(self, secs):
        end = time.monotonic() + secs
        while time.monotonic() < end:
            c, m = self.poll(end)
            if m is not None:
                self.default(c, m)

    def default(self, c, m):
        if m.is_request and m.method == "OPTIONS":
            self.send(c, response(m, 200, "OK"))


def response(req, code, reason, body="", contact=None, to_tag=None):
    to = req.get("to") or ""
    if to_tag and ";tag=" not in to:
        to += f";tag={to_tag}"
    hdrs = [f"SIP/2.0 {code} {reason}"]
    hdrs += [f"Via: {v}" for v in req.vias()]
    hdrs += [f"From: {req.get('from')}", f"To: {to}",
             f"Call-ID: {req.get('call-id')}", f"CSeq: {req.get('cseq')}"]
    if contact:
        hdrs.append(f"Contact: <{contact}>")
    if body:
        hdrs.append("Content-Type: application/sdp")
    hdrs.append(f"Content-Length: {len(body.encode('latin-1'))}")
    return "\r\n".join(hdrs) + "\r\n\r\n" + body


def request(method, ruri, via_host, call_id, cseq, from_tag, to_tag=None,
            contact=None, body="", extra=()):
    to = f"<sip:peer@example.com>" + (f";tag={to_tag}" if to_tag else "")
    hdrs = [f"{method} {ruri} SIP/2.0",
            f"Via: SIP/2.0/TCP {via_host};rport;branch=z9hG4bK{token(12)}",
            "Max-Forwards: 70",
            f"From: <sip:caller@example.com>;tag={from_tag}", f"To: {to}",
            f"Call-ID: {call_id}", f"CSeq: {cseq} {method}"]
    if contact:
        hdrs.append(f"Contact: <{contact}>")
    hdrs += list(extra)
    if body:
        hdrs.append("Content-Type: application/sdp")
    hdrs.append(f"Content-Length: {len(body.encode('latin-1'))}")
    return "\r\n".join(hdrs) + "\r\n\r\n" + body


def is_resp(method):
    return lambda m: not m.is_request and (m.get("cseq") or "").endswith(
        " " + method)


def media_to(media, sdp):
    p = sdp_parse(sdp)
    media.dst = (p["c"], p["port"])
    return p


# -- registrar ---------------------------------------------------------------

def answer_call(ep, c, inv, rtp_port, secs):
    """UAS: 200 with SDP, RTP both ways after the ACK, until BYE."""
    call = {"dir": "in", "invite": inv.start}
    med = Media(ep.args.ip, rtp_port)
    ep.media.append(med)
    remote = media_to(med, inv.body)
    call["remote_sdp"] = remote
    sdp = sdp_make("uas", ep.args.ip, rtp_port, False)
    ep.send(c, response(inv, 200, "OK", sdp,
                        f"sip:uas@{ep.args.ip};transport=tcp",
                        token(6)))
    ep.wait(lambda m: m.is_request and m.method == "ACK", 5)
    _, bye = ep.wait(lambda m: m.is_request and m.method == "BYE", secs + 5)
    if bye is not None:
        ep.send(c, response(bye, 200, "OK"))
    call["bye"] = bye is not None
    call["media"] = med.result()
    med.dst = None
    ep.res["calls"].append(call)


def call_contact(ep, contact, rtp_port, secs):
    """INVITE the registered Contact over the connection to its host:port."""
    uri = contact.split(";")[0]
    hp = uri.split("@")[-1]
    host, _, port = hp.partition(":")
    port = int(port or 5060)
    call = {"dir": "out", "target": contact}
    conn = None
    for c in ep.conns.values():
        try:
            if c.sock.getpeername() == (host, port) and not c.closed:
                conn = c
        except OSError:
            pass
    if conn is None:
        call["error"] = f"no connection from {host}:{port}"
        ep.res["calls"].append(call)
        return
    med = Media(ep.args.ip, rtp_port)
    ep.media.append(med)
    cid, ftag = token() + "@registrar", token(6)
    sdp = sdp_make("registrar", ep.args.ip, rtp_port, False)
    ep.send(conn, request("INVITE", contact, f"{ep.args.ip}:5060", cid, 1,
                          ftag,
                          contact=f"sip:registrar@{ep.args.ip};transport=tcp",
                          body=sdp))
    _, ok = ep.wait(lambda m: is_resp("INVITE")(m) and m.code >= 200, 8)
    call["status"] = ok.code if ok else None
    if ok is None or ok.code != 200:
        ep.res["calls"].append(call)
        return
    call["remote_sdp"] = media_to(med, ok.body)
    ttag = ok.tag("to")
    ruri = (ok.get("contact") or contact).strip("<>").split(">")[0]
    ep.send(conn, request("ACK", ruri, f"{ep.args.ip}:5060", cid, 1, ftag,
                          ttag))
    ep.run_media(secs)
    ep.send(conn, request("BYE", ruri, f"{ep.args.ip}:5060", cid, 2, ftag,
                          ttag))
    _, bok = ep.wait(is_resp("BYE"), 5)
    call["bye"] = bok.code if bok else None
    med.dst = None
    # After the BYE the phone's public media port must be closed: probe.
    pub = call["remote_sdp"]
    ep.run_media(0.5)
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind((ep.args.ip, rtp_port + 10))
    for _ in range(20):
        probe.sendto(b"\x80" + b"\x00" * 171, (pub["c"], pub["port"]))
        time.sleep(0.02)
    probe.close()
    call["media"] = med.result()
    ep.res["calls"].append(call)


def cmd_registrar(ep):
    ep.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ep.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ep.listener.bind((ep.args.ip, 5060))
    ep.listener.listen(16)
    ep.ready()
    end = time.monotonic() + ep.args.timeout
    options = 0
    pending = None      # when to call the registered Contact (--call-after)
    while time.monotonic() < end:
        c, m = ep.poll(end if pending is None else min(end, pending))
        if m is None and pending is not None and \
                time.monotonic() >= pending:
            pending = None
            call_contact(ep, ep.res["binding"]["contact"],
                         ep.args.rtp_port + 100, ep.args.hold)
            continue
        if m is None:
            break
        if m.is_request and m.method == "REGISTER":
            first = "binding" not in ep.res
            ep.res["binding"] = {"contact": (m.get("contact") or "").strip(
                "<>").split(">")[0], "via": m.vias()[0]}
            ep.send(c, response(m, 200, "OK", contact=ep.res["binding"][
                "contact"] + ";expires=300", to_tag=token(6)))
            if first and ep.args.call_after is not None:
                pending = time.monotonic() + ep.args.call_after
        elif m.is_request and m.method == "INVITE":
            ep.res["invite_len"] = len(ep.res["received"][-1]["data"])
            answer_call(ep, c, m, ep.args.rtp_port, ep.args.hold)
            if ep.args.call and ep.res.get("binding"):
                call_contact(ep, ep.res["binding"]["contact"],
                             ep.args.rtp_port + 100, 1.0)
        elif m.is_request and m.method == "OPTIONS":
            options += 1
            ep.send(c, response(m, 200, "OK"))
        elif m.is_request and m.method == "BYE":
            ep.send(c, response(m, 200, "OK"))
        if any(cc.closed for cc in ep.conns.values()):
            break
    ep.res["options"] = options
    ep.res["status"] = "ok"


# -- phone -------------------------------------------------------------------

def cmd_phone(ep):
    a = ep.args
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.bind((a.ip, 0))
    s.connect((a.registrar, 5060))
    c = Conn(s)
    ep.conns[s] = c
    ep.res["local"] = "%s:%d" % s.getsockname()
    me = f"{a.ip}:5060"
    contact = f"sip:phone1@{me};transport=tcp"
    steps = ep.res["steps"] = {}
    ftag = token(6)
    # REGISTER
    ep.send(c, request("REGISTER", "sip:example.com", me, token() + "@p", 1,
                       ftag, contact=contact, extra=("Expires: 300",)))
    _, ok = ep.wait(is_resp("REGISTER"), 5)
    steps["register"] = ok.code if ok else None
    # two OPTIONS in one segment
    two = "".join(request("OPTIONS", "sip:example.com", me,
                          token() + "@p", 1, ftag, contact=contact)
                  for _ in range(2))
    ep.res["sent"].append({"t": time.time(), "data": two})
    c.send(two)
    got = 0
    for _ in range(2):
        _, r = ep.wait(is_resp("OPTIONS"), 5)
        got += r is not None and r.code == 200
    steps["two_in_one"] = got
    # a big INVITE written in three parts
    med = Media(a.ip, a.rtp_port)
    ep.media.append(med)
    sdp = sdp_make("phone1", a.ip, a.rtp_port, False)
    pad = max(0, a.big - 700)
    sdp += "".join(f"a=x-pad:{'p' * 60}\r\n" for _ in range(pad // 70))
    cid = token() + "@p"
    inv = request("INVITE", f"sip:uas@{a.registrar}", me, cid, 1, ftag,
                  contact=contact, body=sdp)
    ep.res["sent"].append({"t": time.time(), "data": inv})
    raw = inv.encode("latin-1")
    third = len(raw) // 3
    for part in (raw[:third], raw[third:2 * third], raw[2 * third:]):
        s.sendall(part)
        time.sleep(0.05)
    steps["invite_len"] = len(raw)
    _, ok = ep.wait(lambda m: is_resp("INVITE")(m) and m.code >= 200, 5)
    steps["invite"] = ok.code if ok else None
    if ok is not None and ok.code == 200:
        media_to(med, ok.body)
        ttag = ok.tag("to")
        ep.send(c, request("ACK", f"sip:uas@{a.registrar}", me, cid, 1, ftag,
                           ttag))
        ep.run_media(1.0)
        ep.send(c, request("BYE", f"sip:uas@{a.registrar}", me, cid, 2, ftag,
                           ttag))
        _, b = ep.wait(is_resp("BYE"), 5)
        steps["bye"] = b.code if b else None
    med.dst = None
    steps["out_media"] = med.result()
    # the registrar calls back over this connection
    _, inc = ep.wait(lambda m: m.is_request and m.method == "INVITE", 8)
    steps["incoming_ruri"] = inc.uri if inc else None
    if inc is not None:
        med2 = Media(a.ip, a.rtp_port + 100)
        ep.media.append(med2)
        media_to(med2, inc.body)
        ep.send(c, response(inc, 200, "OK",
                            sdp_make("phone1", a.ip, a.rtp_port + 100, False),
                            contact, token(6)))
        _, bye = ep.wait(lambda m: m.is_request and m.method == "BYE", 8)
        steps["incoming_bye"] = bye is not None
        if bye is not None:
            ep.send(c, response(bye, 200, "OK"))
        med2.dst = None
        before = med2.recv
        ep.run_media(1.5)
        steps["in_media"] = med2.result()
        steps["after_bye"] = med2.recv - before
    # the probe whose first copy the registrar's side drops
    open(a.out + ".probe", "w").close()
    time.sleep(0.3)
    ep.send(c, request("OPTIONS", "sip:example.com", me, token() + "@p", 1,
                       ftag, contact=contact, extra=("X-Probe: retrans",)))
    _, r = ep.wait(is_resp("OPTIONS"), 10)
    steps["probe"] = r.code if r else None
    # many messages after the length changes
    t0 = time.monotonic()
    ok_n = 0
    for i in range(a.many):
        ep.send(c, request("OPTIONS", "sip:example.com", me,
                           f"many{i}@p", 1, ftag, contact=contact))
        _, r = ep.wait(is_resp("OPTIONS"), 5)
        if r is None:
            break
        ok_n += r.code == 200
    steps["many"] = ok_n
    steps["many_secs"] = round(time.monotonic() - t0, 2)
    ep.res["sent"] = ep.res["sent"][:20]    # keep the file small
    ep.res["received"] = ep.res["received"][:20]
    ep.res["status"] = "ok"
    s.close()


# -- the Slipstreaming probe -------------------------------------------------

def cmd_http(ep):
    a = ep.args
    body = ("REGISTER sip:x SIP/2.0\r\n"
            f"Via: SIP/2.0/TCP {a.ip}:{a.victim_port};branch=z9hG4bKss\r\n"
            f"Contact: <sip:x@{a.ip}:{a.victim_port};transport=tcp>\r\n"
            "Call-ID: ss@x\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n")
    req = (f"POST /upload HTTP/1.1\r\nHost: {a.target}\r\n"
           f"Content-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
           "\r\n" + body)
    s = socket.create_connection((a.target, 5060), timeout=5)
    s.sendall(req.encode())
    time.sleep(0.5)
    s.close()
    ep.res["sent_bytes"] = req
    ep.res["status"] = "ok"


def cmd_sink(ep):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((ep.args.ip, 5060))
    ls.listen(1)
    ep.ready()
    ls.settimeout(ep.args.timeout)
    data = b""
    try:
        s, _ = ls.accept()
        s.settimeout(2)
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except OSError:
        pass
    ep.res["got_bytes"] = data.decode("latin-1")
    ep.res["status"] = "ok"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["registrar", "phone", "http", "sink"])
    p.add_argument("--ip", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--registrar")
    p.add_argument("--target")
    p.add_argument("--victim-port", type=int, default=2222)
    p.add_argument("--rtp-port", type=int, default=40000)
    p.add_argument("--big", type=int, default=3000)
    p.add_argument("--many", type=int, default=3000)
    p.add_argument("--call", action="store_true")
    p.add_argument("--call-after", type=float)
    p.add_argument("--hold", type=float, default=1.0)
    p.add_argument("--timeout", type=float, default=60)
    a = p.parse_args()
    ep = Endpoint(a)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        {"registrar": cmd_registrar, "phone": cmd_phone, "http": cmd_http,
         "sink": cmd_sink}[a.role](ep)
    except Exception as e:  # the result file says what went wrong
        ep.res["status"] = f"error: {e!r}"
        raise
    finally:
        for m in ep.media:
            ep.res.setdefault("media", []).append(m.result())
        ep.save()


if __name__ == "__main__":
    main()
