#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""sipua.py - a scripted SIP endpoint for the sipalg network-namespace lab.

Python 3 standard library only.  Every role binds its SIP socket to one
address and port (it listens on and sends from the same port, like a phone),
runs one bounded flow, and writes a JSON result file with every SIP message
it sent and received (raw text), what a strict UAC dropped, per-call media
counters and a final status.

Roles:
  uac        INVITE with SDP, 1xx/2xx, ACK, RTP+RTCP both ways, BYE
             (--cancel: INVITE, wait for 180, CANCEL, expect 200 + 487, ACK)
  uas        answer INVITEs with SDP, RTP+RTCP both ways, wait for BYE
  register   REGISTER, wait for 200; --serve N then answers N calls as uas
  registrar  answer REGISTER with 200, record the Contact; --call then
             calls the registered Contact URI (the public binding)
  forker     registrar for --forks phones, then one INVITE forked to all
             their Contacts; the first 2xx wins, the rest are CANCELled
  proxy      a record-routing proxy (a PBX), stateless, until --calls BYEs
  probe      send a few UDP packets from one address:port to another
             (--to more than once: to each in turn, from the same socket;
             --sip: an OPTIONS request instead of RTP)
  listen     count UDP packets arriving on one address:port

Media: each side sends --packets RTP packets (12-byte RTP header, sequence
numbers) every 20 ms to the c=/m= address of the peer's SDP, and RTCP
receiver reports (one per five RTP packets) to the a=rtcp port (or m= port
+ 1), from its own advertised RTP/RTCP ports, and counts what arrives on
each, by source address.  With --multi every m= line of MULTI gets its own
sockets (media results rtp/rtcp for line 0, mN/mN.rtcp for line N), paired
with the peer's m= lines by position.

Offer/answer shapes: --late-offer (no SDP in the INVITE: answer in the ACK,
or in the PRACK of a reliable 18x offer), --prack/--100rel (RFC 3262),
--update T (RFC 3311, from either side, moving the media port),
--reinvite (hold/resume or one re-INVITE; a 481/408 answer ends the call,
--reject-reinvite CODE gives it), --no-bye, --fork (an extra early dialog).
In-dialog requests follow the route set (Record-Route, RFC 3261 12.1).

NAT-aware phones (--stun HOST:PORT): every socket (SIP, each RTP and RTCP
port) asks the STUN server which public address:port the gateway maps it to
(RFC 5389) before it is written anywhere; --nat-aware says where the phone
writes the learned address instead of its own: via (with ;rport), contact,
sdp (o=, c=, m=, a=rtcp with the RTCP socket's own mapping; with --ice the
server-reflexive candidates are the real mappings), default all three.  The
mappings are in the result file under "stun".

A strict UAC drops a response whose top Via sent-by or branch is not
exactly what it sent (real phones do) and records it under "dropped".
"""

import argparse
import json
import os
import random
import re
import select
import signal
import socket
import struct
import sys
import time

from stun import binding_response, stun_query

T1 = 0.5
PTIME = 0.02
COMPACT = {"v": "via", "m": "contact", "f": "from", "t": "to",
           "i": "call-id", "l": "content-length", "c": "content-type",
           "k": "supported", "s": "subject", "e": "content-encoding"}


def token(n=10):
    return "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                   for _ in range(n))


def hostport(s, default=5060):
    """'host[:port]' -> (host, port)."""
    s = s.strip()
    if s.startswith("["):
        host, _, rest = s[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default
    host, _, port = s.partition(":")
    return host, int(port) if port else default


def uri_of(value):
    """The URI of a name-addr or addr-spec header value."""
    m = re.search(r"<([^>]*)>", value)
    if m:
        return m.group(1)
    return value.split(";")[0].strip()


def uri_hostport(uri):
    """(host, port) of a sip: URI."""
    rest = uri.split(":", 1)[1] if ":" in uri else uri
    rest = rest.split(";")[0].split("?")[0]
    if "@" in rest:
        rest = rest.rsplit("@", 1)[1]
    return hostport(rest)


def param(value, name):
    """Value of ;name=value (or '' for a bare ;name, None if absent)."""
    for p in value.split(";")[1:]:
        k, eq, v = p.strip().partition("=")
        if k.lower() == name:
            return v if eq else ""
    return None


class Msg:
    """A parsed SIP message; raw text is kept byte for byte (latin-1)."""

    def __init__(self, data):
        self.text = data.decode("latin-1")
        head, _, self.body = self.text.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.start = lines[0]
        self.headers = []
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and self.headers:
                n, v = self.headers[-1]
                self.headers[-1] = (n, v + " " + line.strip())
                continue
            name, _, value = line.partition(":")
            n = name.strip().lower()
            self.headers.append((COMPACT.get(n, n), value.strip()))
        parts = self.start.split(" ", 2)
        self.is_request = parts[0] != "SIP/2.0"
        if self.is_request:
            self.method, self.uri = parts[0], parts[1] if len(parts) > 1 else ""
            self.code = 0
        else:
            self.method, self.uri = None, None
            self.code = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0

    def get(self, name):
        for n, v in self.headers:
            if n == name:
                return v
        return None

    def all(self, name):
        return [v for n, v in self.headers if n == name]

    def vias(self):
        out = []
        for v in self.all("via"):
            out += [x.strip() for x in v.split(",") if x.strip()]
        return out

    def cseq(self):
        num, _, meth = (self.get("cseq") or "0 X").partition(" ")
        return int(num) if num.isdigit() else 0, meth.strip()

    def tag(self, hdr):
        return param(self.get(hdr) or "", "tag")


def via_parts(via):
    """'SIP/2.0/UDP host:port;params' -> (sent-by, branch)."""
    first = via.split(";")[0].split()
    return (first[1] if len(first) > 1 else ""), param(via, "branch")


def sdp_parse(body):
    """Media address and ports of the first audio stream of an SDP body."""
    sess_c = None
    media = None
    for line in body.replace("\r\n", "\n").split("\n"):
        if line.startswith("c=") and media is None:
            sess_c = line.split()[-1]
        elif line.startswith("m=") and media is None:
            f = line[2:].split()
            media = {"port": int(f[1]), "c": sess_c, "rtcp": int(f[1]) + 1,
                     "rtcp_addr": None}
        elif line.startswith("m="):
            break
        elif media is not None and line.startswith("c="):
            media["c"] = line.split()[-1]
        elif media is not None and line.startswith("a=rtcp:"):
            f = line[7:].split()
            media["rtcp"] = int(f[0])
            if len(f) >= 3:
                media["rtcp_addr"] = f[-1]
    if media is None:
        return None
    media["rtcp_addr"] = media["rtcp_addr"] or media["c"]
    return media


def sdp_make(user, ip, rtp_port, with_rtcp_attr, direction="sendrecv",
             sess=None, version=None, ice=False, rtcp_port=None,
             host=None):
    """host: (ip, rtp, rtcp) of the phone's own sockets when ip/rtp_port
    are its STUN-learned mapping (ICE host candidates, raddr/rport)."""
    rtcp_port = rtcp_port or rtp_port + 1
    sess = sess or str(random.randint(10**6, 10**9))
    version = version or sess
    lines = ["v=0", f"o={user} {sess} {version} IN IP4 {ip}", "s=sipua",
             f"c=IN IP4 {ip}", "t=0 0"]
    if ice:
        lines += ["a=ice-ufrag:" + token(8), "a=ice-pwd:" + token(24)]
    lines += [f"m=audio {rtp_port} RTP/AVP 0 8 101",
              "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000",
              "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15"]
    if with_rtcp_attr:
        lines.append(f"a=rtcp:{rtcp_port} IN IP4 {ip}")
    if ice and host:
        # A NAT-aware ICE phone: c=/m= name its server-reflexive
        # candidate (RFC 8839 4.2.1.2), the host candidates its sockets.
        hip, hrtp, hrtcp = host
        lines += [f"a=candidate:1 1 UDP 2130706431 {hip} {hrtp} typ host",
                  f"a=candidate:1 2 UDP 2130706430 {hip} {hrtcp} typ host",
                  f"a=candidate:2 1 UDP 1694498815 {ip} {rtp_port} typ "
                  f"srflx raddr {hip} rport {hrtp}",
                  f"a=candidate:2 2 UDP 1694498814 {ip} {rtcp_port} typ "
                  f"srflx raddr {hip} rport {hrtcp}"]
    elif ice:
        # Host candidates (the private address) and a server-reflexive
        # one as a STUN server would have told the phone (RFC 8839 5.1).
        lines += [f"a=candidate:1 1 UDP 2130706431 {ip} {rtp_port} typ host",
                  f"a=candidate:1 2 UDP 2130706430 {ip} {rtp_port + 1} "
                  "typ host",
                  "a=candidate:2 1 UDP 1694498815 198.51.100.99 45664 typ "
                  f"srflx raddr {ip} rport {rtp_port}"]
    lines.append(f"a={direction}")
    return "\r\n".join(lines) + "\r\n"


def sdp_streams(body):
    """Every m= line of an SDP body, in order: media, port, proto, the
    address (media-level c= over session c=) and its family, the RTCP
    port and address (a=rtcp, else port + 1) and rtcp-mux."""
    sess = ("IP4", None)
    out = []
    for line in body.replace("\r\n", "\n").split("\n"):
        if line.startswith("c="):
            f = line[2:].split()
            c = (f[1] if len(f) > 1 else "", f[2] if len(f) > 2 else None)
            if out:
                out[-1]["fam"], out[-1]["c"] = c
            else:
                sess = c
        elif line.startswith("m="):
            f = line[2:].split()
            if len(f) < 3 or not f[1].split("/")[0].isdigit():
                continue
            out.append({"media": f[0], "port": int(f[1].split("/")[0]),
                        "proto": f[2], "fam": sess[0], "c": sess[1],
                        "rtcp": None, "rtcp_addr": None, "mux": False})
        elif out and line.startswith("a=rtcp:"):
            f = line[7:].split()
            if f and f[0].isdigit():
                out[-1]["rtcp"] = int(f[0])
            if len(f) >= 4:
                out[-1]["rtcp_addr"] = f[3]
        elif out and line.strip() == "a=rtcp-mux":
            out[-1]["mux"] = True
    for m in out:
        m["rtcp"] = m["rtcp"] or m["port"] + 1
        m["rtcp_addr"] = m["rtcp_addr"] or m["c"]
    return out


# --multi: nine m= lines of every type (issue 3, "Media lines").  Each is
# (media, offset of the port from --rtp-port, proto and formats, RTCP):
# RTCP "port" is a=rtcp:<port+1>, "addr" a=rtcp:<port+3> IN IP4 <addr> (not
# the adjacent port), "mux" a=rtcp-mux, "implicit" no attribute (port + 1),
# None no RTCP.  Offset None is a declined stream (port 0); "v6" a stream
# with a media-level c=IN IP6 (no media flows on it; it must pass
# untouched); "host" one whose c= is a host name (HOST_C; no media, passes
# untouched).  The "implicit" one carries its own media-level c=.
MULTI = [("audio", 0, "RTP/AVP 0", "port"),
         ("video", 2, "RTP/AVP 96", "addr"),
         ("image", 6, "udptl t38", None),
         ("application", 8, "UDP/BFCP *", None),
         ("text", 10, "RTP/AVP 98", "mux"),
         ("video", None, "RTP/AVP 97", None),
         ("audio", 12, "RTP/AVP 8", "implicit"),
         ("audio", "v6", "RTP/AVP 0", None),
         ("audio", "host", "RTP/AVP 0", None)]
HOST_C = "media.example.net"


def multi_layout(base, v6, v6port):
    """Local streams of --multi: dicts with media, port, rtcp port (or
    None), rtcp mode and the IPv6 address of the v6 line."""
    out = []
    for media, off, proto, rtcp in MULTI:
        d = {"media": media, "proto": proto, "mode": rtcp, "v6": None,
             "host": None}
        if off is None:
            d["port"] = 0
        elif off == "v6":
            d["port"], d["v6"] = v6port, v6
        elif off == "host":
            d["port"], d["host"] = v6port + 4, HOST_C
        else:
            d["port"] = base + off
        d["rtcp"] = {"port": d["port"] + 1, "addr": d["port"] + 3,
                     "implicit": d["port"] + 1}.get(rtcp) if d["port"] \
            and not d["v6"] and not d["host"] else None
        out.append(d)
    return out


def sdp_multi(user, ip, layout, direction="sendrecv"):
    sess = str(random.randint(10**6, 10**9))
    lines = ["v=0", f"o={user} {sess} {sess} IN IP4 {ip}", "s=sipua multi",
             f"c=IN IP4 {ip}", "t=0 0"]
    for d in layout:
        lines.append(f"m={d['media']} {d['port']} {d['proto']}")
        if d["v6"]:
            lines.append(f"c=IN IP6 {d['v6']}")
        elif d["host"]:
            lines.append(f"c=IN IP4 {d['host']}")
        elif d["mode"] == "implicit":
            lines.append(f"c=IN IP4 {ip}")
        if d["mode"] == "port":
            lines.append(f"a=rtcp:{d['rtcp']}")
        elif d["mode"] == "addr":
            lines.append(f"a=rtcp:{d['rtcp']} IN IP4 {ip}")
        elif d["mode"] == "mux":
            lines.append("a=rtcp-mux")
        if d["port"]:
            lines.append(f"a={direction}")
    return "\r\n".join(lines) + "\r\n"


def rtp_packet(seq, ssrc):
    return struct.pack("!BBHII", 0x80, 0, seq & 0xffff, seq * 160, ssrc) \
        + b"\xff" * 160


def rtcp_packet(ssrc):
    # Receiver report without report blocks (RFC 3550 6.4.2).
    return struct.pack("!BBHI", 0x80, 201, 1, ssrc)


def udp_bind(ip, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ip, port))
    return s


class Stream:
    """One media socket: what it sent where, and what arrived from whom."""

    def __init__(self, kind, ip, port, rtcp=None):
        self.kind = kind          # result name: rtp, rtcp, m1, m1.rtcp, ...
        self.rtcp = kind == "rtcp" if rtcp is None else rtcp
        self.sock = udp_bind(ip, port)
        self.local = f"{ip}:{port}"
        self.dst = None
        self.to_send = 0
        self.interval = PTIME
        self.next_t = 0.0
        self.seq = random.randint(0, 30000)
        self.ssrc = random.getrandbits(32)
        self.sent = 0
        self.errors = 0
        self.received = 0
        self.sources = {}

    def start(self, dst, count, interval):
        self.dst, self.to_send, self.interval = dst, count, interval
        self.next_t = time.monotonic()

    def tick(self, now):
        while self.to_send > 0 and now >= self.next_t:
            pkt = rtcp_packet(self.ssrc) if self.rtcp \
                else rtp_packet(self.seq, self.ssrc)
            self.seq += 1
            try:
                self.sock.sendto(pkt, self.dst)
                self.sent += 1
            except OSError:
                self.errors += 1
            self.to_send -= 1
            self.next_t += self.interval

    def on_readable(self):
        data, addr = self.sock.recvfrom(65535)
        valid = len(data) >= 8 and data[0] >> 6 == 2
        if valid:
            self.received += 1
            key = f"{addr[0]}:{addr[1]}"
            self.sources[key] = self.sources.get(key, 0) + 1

    def result(self):
        return {"local": self.local,
                "sent_to": f"{self.dst[0]}:{self.dst[1]}" if self.dst else None,
                "sent": self.sent, "send_errors": self.errors,
                "received": self.received, "from": self.sources}

    def close(self):
        self.sock.close()


class Endpoint:
    def __init__(self, args, role):
        self.args = args
        self.ip, self.port = args.local_ip, args.port
        self.sock = udp_bind(self.ip, self.port)
        self.streams = []
        self.my_vias = set()
        self.handler = None
        self.res = {"role": role, "local": f"{self.ip}:{self.port}",
                    "sent": [], "received": [], "dropped": [], "calls": [],
                    "status": "running"}
        self.sip_pub = None
        if args.stun:
            self.res["stun"] = {"server": args.stun, "sip": None,
                                "media": []}
            self.sip_pub = self.stun(self.sock)
            self.res["stun"]["sip"] = self.sip_pub and \
                f"{self.sip_pub[0]}:{self.sip_pub[1]}"
            self.save()     # what STUN said, whatever happens next

    def stun(self, sock):
        """The public (ip, port) the STUN server saw sock's request from,
        or None."""
        return stun_query(sock, hostport(self.args.stun, 3478))

    def aware(self, what):
        """Does this phone write its STUN-learned mapping into what (via,
        contact, sdp)?"""
        return bool(self.args.stun) and what in self.args.nat_aware

    def sip_hostport(self, what):
        if self.aware(what) and self.sip_pub:
            return f"{self.sip_pub[0]}:{self.sip_pub[1]}"
        return f"{self.ip}:{self.port}"

    # -- I/O --------------------------------------------------------------

    def save(self):
        tmp = self.args.out + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.res, f, indent=1)
        os.replace(tmp, self.args.out)

    def ready(self):
        with open(self.args.out + ".ready", "w") as f:
            f.write(str(os.getpid()))

    def send(self, text, addr):
        rec = {"t": time.time(), "to": f"{addr[0]}:{addr[1]}", "data": text}
        try:
            self.sock.sendto(text.encode("latin-1"), addr)
        except OSError as e:
            rec["error"] = str(e)
        self.res["sent"].append(rec)

    def poll(self, deadline):
        """Run media until deadline or a SIP message arrives."""
        while True:
            now = time.monotonic()
            for st in self.streams:
                st.tick(now)
            if now >= deadline:
                return None, None
            wake = deadline
            for st in self.streams:
                if st.to_send > 0:
                    wake = min(wake, st.next_t)
            socks = [self.sock] + [st.sock for st in self.streams]
            r, _, _ = select.select(socks, [], [], max(0.0, wake - now))
            for st in self.streams:
                if st.sock in r:
                    st.on_readable()
            if self.sock in r:
                data, addr = self.sock.recvfrom(65535)
                stun = binding_response(data, addr)
                if stun:
                    # A STUN keep-alive on the SIP port (RFC 5626 4.4.2,
                    # 8): answered, recorded, not a SIP message.
                    self.sock.sendto(stun, addr)
                    self.res.setdefault("keepalives", []).append(
                        {"t": time.time(), "from": f"{addr[0]}:{addr[1]}"})
                    continue
                self.res["received"].append(
                    {"t": time.time(), "from": f"{addr[0]}:{addr[1]}",
                     "data": data.decode("latin-1")})
                try:
                    return Msg(data), addr
                except (ValueError, IndexError):
                    continue

    def wait(self, pred, timeout, retrans=None):
        """Wait for a message pred() accepts; other messages go to the
        default handler.  retrans=(text, addr) is re-sent with T1 doubling
        until any response to it (pred sees all) arrives."""
        deadline = time.monotonic() + timeout
        t = T1
        next_rt = time.monotonic() + t
        while True:
            limit = min(deadline, next_rt) if retrans else deadline
            msg, addr = self.poll(limit)
            now = time.monotonic()
            if msg is None:
                if now >= deadline:
                    return None, None
                if retrans and now >= next_rt:
                    self.send(*retrans)
                    t = min(t * 2, 4.0)
                    next_rt = now + t
                continue
            if not msg.is_request and not self.via_ok(msg):
                continue
            if pred(msg):
                return msg, addr
            self.default(msg, addr)

    def via_ok(self, msg):
        vias = msg.vias()
        top = vias[0] if vias else ""
        sent_by, branch = via_parts(top)
        if (sent_by, branch) in self.my_vias or not self.args.strict_via:
            return True
        self.res["dropped"].append(
            {"reason": f"top Via {sent_by!r} branch {branch!r} is not ours",
             "start": msg.start})
        return False

    def default(self, msg, addr):
        """Messages nobody waits for: answer what must be answered."""
        if self.handler and self.handler(msg, addr):
            return
        if not msg.vias() or not msg.method:
            return
        if msg.is_request and msg.method == "OPTIONS":
            self.respond(msg, addr, 200, "OK")
        elif msg.is_request and msg.method not in ("ACK",):
            self.respond(msg, addr, 481, "Call/Transaction Does Not Exist")

    # -- message construction ---------------------------------------------

    def new_via(self):
        branch = "z9hG4bK" + token(12)
        sent_by = self.sip_hostport("via")
        self.my_vias.add((sent_by, branch))
        via = f"SIP/2.0/UDP {sent_by};branch={branch}"
        if self.args.rport or self.aware("via"):
            via += ";rport"
        return via

    def request(self, method, ruri, dlg, cseq, via=None, body="",
                extra=()):
        via = via or self.new_via()
        to = f"<{dlg['to_uri']}>"
        if dlg.get("remote_tag"):
            to += f";tag={dlg['remote_tag']}"
        hdrs = [f"{method} {ruri} SIP/2.0", f"Via: {via}", "Max-Forwards: 70"]
        if method != "CANCEL":
            hdrs += [f"Route: {r}" for r in dlg.get("route") or ()]
        hdrs += [f"From: <{dlg['from_uri']}>;tag={dlg['local_tag']}",
                 f"To: {to}", f"Call-ID: {dlg['call_id']}",
                 f"CSeq: {cseq} {method}"]
        if method not in ("CANCEL", "ACK", "BYE", "PRACK"):
            hdrs.append(f"Contact: <{dlg['contact']}>")
        hdrs += list(extra)
        hdrs.append("User-Agent: sipua.py")
        if body:
            hdrs.append("Content-Type: application/sdp")
        hdrs.append(f"Content-Length: {len(body.encode('latin-1'))}")
        return "\r\n".join(hdrs) + "\r\n\r\n" + body, via

    def respond(self, req, addr, code, reason, to_tag=None, body="",
                contact=None, extra=()):
        vias = req.vias()
        top = vias[0] if vias else ""
        sent_by, _ = via_parts(top)
        host, port = hostport(sent_by)
        # RFC 3261 18.2.1: received= when sent-by is not the source;
        # RFC 3581: fill rport when the client asked for it.
        if host != addr[0]:
            top += f";received={addr[0]}"
            host = addr[0]
        if param(top, "rport") == "":
            top = re.sub(r";rport(?=;|$)", f";rport={addr[1]}", top)
        if param(top, "rport"):
            port = int(param(top, "rport"))
        to = req.get("to") or ""
        if to_tag and param(to, "tag") is None:
            to += f";tag={to_tag}"
        hdrs = [f"SIP/2.0 {code} {reason}", f"Via: {top}"]
        hdrs += [f"Via: {v}" for v in vias[1:]]
        if req.method == "INVITE" and 100 < code < 300:
            # RFC 3261 12.1.1: the dialog's responses copy Record-Route.
            hdrs += [f"Record-Route: {v}" for v in req.all("record-route")]
        hdrs += [f"From: {req.get('from')}", f"To: {to}",
                 f"Call-ID: {req.get('call-id')}", f"CSeq: {req.get('cseq')}"]
        if contact:
            hdrs.append(f"Contact: <{contact}>")
        hdrs += list(extra)
        hdrs.append("User-Agent: sipua.py")
        if body:
            hdrs.append("Content-Type: application/sdp")
        hdrs.append(f"Content-Length: {len(body.encode('latin-1'))}")
        text = "\r\n".join(hdrs) + "\r\n\r\n" + body
        self.send(text, (host, port))
        return text, (host, port)

    def contact_uri(self):
        return f"sip:{self.args.user}@{self.sip_hostport('contact')}"

    # -- media --------------------------------------------------------------

    def layout(self, port=None):
        """The local media streams (see multi_layout)."""
        a = self.args
        port = port or a.rtp_port
        if a.multi:
            v6 = ("2001:db8::5", 5004) if self.res["role"] == "uac" \
                else ("2001:db8::6", 5006)
            return multi_layout(port, *v6)
        return [{"media": "audio", "port": port, "rtcp": port + 1,
                 "mode": "port" if a.rtcp_attr else "implicit", "v6": None,
                 "host": None}]

    def local_sdp(self, direction="sendrecv", sess=None, version=None,
                  port=None):
        a = self.args
        if a.multi:
            return sdp_multi(a.user, self.ip, self.layout(port), direction)
        rtp = port or a.rtp_port
        pub = {st.kind: st.pub for st in self.streams
               if getattr(st, "pub", None)}
        if self.aware("sdp") and "rtp" in pub and "rtcp" in pub:
            # Written as STUN reported it: RTCP gets its own a=rtcp (its
            # mapping need not be the RTP port + 1, RFC 3605).
            return sdp_make(a.user, pub["rtp"][0], pub["rtp"][1], True,
                            direction, sess, version, a.ice,
                            rtcp_port=pub["rtcp"][1],
                            host=(self.ip, rtp, rtp + 1))
        return sdp_make(a.user, self.ip, rtp, a.rtcp_attr,
                        direction, sess, version, a.ice)

    def media_open(self, port=None):
        self.streams = []
        for i, d in enumerate(self.layout(port)):
            if not d["port"] or d.get("v6") or d.get("host"):
                continue
            st = Stream("rtp" if i == 0 else f"m{i}", self.ip, d["port"],
                        False)
            st.idx = i
            self.streams.append(st)
            if d["rtcp"]:
                st = Stream("rtcp" if i == 0 else f"m{i}.rtcp", self.ip,
                            d["rtcp"], True)
                st.idx = i
                self.streams.append(st)
        if self.aware("sdp"):
            for st in self.streams:
                st.pub = self.stun(st.sock)
                self.res["stun"]["media"].append(
                    {"local": st.local, "kind": st.kind,
                     "public": st.pub and f"{st.pub[0]}:{st.pub[1]}"})

    def media_start(self, remote, retarget=False):
        """Send to the streams of remote (sdp_streams of the peer's SDP),
        pairing m= lines by position; retarget only changes where the
        packets still to send go."""
        n = self.args.packets
        for st in self.streams:
            if not remote or st.idx >= len(remote):
                continue
            r = remote[st.idx]
            if r["port"] == 0 or r["fam"] != "IP4" or \
                    not re.fullmatch(r"[0-9.]+", r["c"] or ""):
                continue         # declined, IPv6 or a host name
            dst = (r["rtcp_addr"], r["rtcp"]) if st.rtcp else (r["c"],
                                                               r["port"])
            if retarget:
                st.dst = dst
            elif st.rtcp:
                st.start(dst, max(1, n // 5), PTIME * 5)
            else:
                st.start(dst, n, PTIME)

    def media_move(self, call, port, remote=None):
        """Move the local media to new ports (an offer with a port
        change): the old sockets' results are kept in call["media_old"],
        the packets still to send go from the new ones."""
        left = max([st.to_send for st in self.streams if not st.rtcp]
                   or [0])
        call.setdefault("media_old", []).append(
            {st.kind: st.result() for st in self.streams})
        dsts = {st.kind: st.dst for st in self.streams}
        for st in self.streams:
            st.close()
        self.media_open(port)
        for st in self.streams:
            if dsts.get(st.kind):
                st.start(dsts[st.kind], left // 5 if st.rtcp else left,
                         PTIME * 5 if st.rtcp else PTIME)
        if remote:
            self.media_start(remote, retarget=True)

    def media_stop(self):
        for st in self.streams:
            st.to_send = 0

    def media_busy(self):
        return any(st.to_send > 0 for st in self.streams)

    def mark(self, call, label):
        """Record what each media stream has received so far."""
        call.setdefault("marks", {})[label] = dict(
            {st.kind: st.received for st in self.streams}, t=time.time())

    def media_close(self, call):
        call["media"] = {st.kind: st.result() for st in self.streams}
        for st in self.streams:
            st.close()
        self.streams = []


# -- flows --------------------------------------------------------------------

def new_dialog(ep, target, from_uri):
    return {"call_id": f"{token(16)}@{ep.ip}", "local_tag": token(8),
            "remote_tag": None, "from_uri": from_uri, "to_uri": target,
            "contact": ep.contact_uri()}


def is_resp(method, branch=None):
    def pred(m):
        if m.is_request or m.cseq()[1] != method:
            return False
        return branch is None or via_parts(m.vias()[0])[1] == branch
    return pred


def route_set(msg, reverse):
    """The route set a dialog learns from msg's Record-Route values (RFC
    3261 12.1.1 UAS: as is; 12.1.2 UAC: reversed)."""
    rr = []
    for v in msg.all("record-route"):
        rr += [x.strip() for x in re.split(r"(?<=>)\s*,", v) if x.strip()]
    return rr[::-1] if reverse else rr


def next_hop(dlg, ruri):
    """Where an in-dialog request goes: the first loose route, else the
    remote target."""
    if dlg.get("route"):
        return uri_hostport(uri_of(dlg["route"][0]))
    return uri_hostport(ruri)


def uac_call(ep, target, dest):
    """One outgoing call to target (a SIP URI) sent to dest (host, port)."""
    a = ep.args
    from_uri = a.from_uri or f"sip:{a.user}@{a.domain or ep.ip}"
    dlg = new_dialog(ep, target, from_uri)
    call = {"role": "uac", "call_id": dlg["call_id"], "status": "started",
            "target": target, "responses": []}
    ep.res["calls"].append(call)
    ep.media_open()
    sess = str(random.randint(10**6, 10**9))
    sdp = ep.local_sdp(sess=sess)
    call["local_sdp"] = sdp
    # --late-offer: no SDP in the INVITE; the offer comes in the 2xx and
    # the answer goes in the ACK (RFC 3261 13.2.1).
    invite, via = ep.request("INVITE", target, dlg, 1,
                             body="" if a.late_offer else sdp,
                             extra=("Supported: 100rel",) if a.prack else ())
    branch = via_parts(via)[1]
    ep.send(invite, dest)
    remote = None
    final = None
    retrans = (invite, dest)
    deadline = time.monotonic() + a.timeout
    cancelled = False
    cseq = [1]

    def mine(m):
        return not m.is_request and m.cseq()[1] in ("INVITE", "CANCEL") \
            and via_parts(m.vias()[0])[1] == branch
    while time.monotonic() < deadline:
        msg, _ = ep.wait(mine, deadline - time.monotonic(), retrans)
        if msg is None:
            break
        retrans = None
        if msg.cseq()[1] == "CANCEL":
            call["cancel_response"] = msg.code
            continue
        call["responses"].append(msg.code)
        if msg.body.strip() and remote is None and msg.code < 200:
            remote = sdp_streams(msg.body)
        if msg.code < 200:
            rseq = msg.get("rseq")
            if a.prack and rseq and "100rel" in (msg.get("require") or ""):
                # RFC 3262 7.2: PRACK within the early dialog.
                pdlg = dict(dlg, remote_tag=msg.tag("to"),
                            route=route_set(msg, True))
                ptarget = uri_of(msg.get("contact") or f"<{target}>")
                cseq[0] += 1
                # Late offer: the reliable 18x's offer is answered in the
                # PRACK (RFC 3262 5), and early media starts.
                answer = a.late_offer and msg.body.strip() and \
                    not call.get("answered_in_prack")
                req, pvia = ep.request(
                    "PRACK", ptarget, pdlg, cseq[0],
                    body=sdp if answer else "",
                    extra=(f"RAck: {rseq} {msg.get('cseq')}",))
                pdest = next_hop(pdlg, ptarget)
                ep.send(req, pdest)
                r, _ = ep.wait(is_resp("PRACK", via_parts(pvia)[1]), 8,
                               (req, pdest))
                call["prack"] = r.code if r else None
                ep.mark(call, "prack")
                if answer:
                    call["answered_in_prack"] = True
                    ep.media_start(remote)
            if a.cancel and msg.code == 180 and not cancelled:
                cancelled = True
                ep.wait(lambda m: False, a.cancel_after)
                cancel, _ = ep.request("CANCEL", target, dlg, 1, via=via)
                ep.send(cancel, dest)
                retrans = (cancel, dest)
            continue
        final = msg
        ep.mark(call, "final")
        break
    if final is None:
        call["status"] = "no final response"
        ep.media_close(call)
        return call
    dlg["remote_tag"] = final.tag("to")
    call["final"] = final.code
    if final.code >= 300:
        # RFC 3261 17.1.1.3: ACK for a non-2xx has the INVITE's branch.
        ack, _ = ep.request("ACK", target, dlg, 1, via=via)
        ep.send(ack, dest)
        call["status"] = "cancelled" if final.code == 487 and cancelled \
            else f"failed {final.code}"
        ep.media_close(call)
        return call
    rtarget = uri_of(final.get("contact") or f"<{target}>")
    dlg["route"] = route_set(final, True)
    rdest = next_hop(dlg, rtarget)
    call["remote_target"] = rtarget
    call["remote_sdp"] = final.body
    if final.body.strip():
        # The 2xx's SDP (the answer, or the offer of a late-offer call)
        # decides where media goes, whatever the 18x said.
        remote = sdp_streams(final.body)
    ack, _ = ep.request("ACK", rtarget, dlg, 1,
                        body=sdp if a.late_offer and
                        not call.get("answered_in_prack") else "")
    ep.send(ack, rdest)

    def on_other(msg, addr):
        if not msg.is_request and msg.code // 100 == 2 \
                and msg.cseq()[1] == "INVITE":
            ep.send(ack, rdest)
            return True
        if msg.is_request and msg.method == "BYE" \
                and msg.get("call-id") == dlg["call_id"]:
            ep.respond(msg, addr, 200, "OK")
            call["status"] = "ended by remote"
            call["bye_request_uri"] = msg.uri
            call["bye_route"] = msg.all("route")
            return True
        if msg.is_request and msg.method == "UPDATE" \
                and msg.get("call-id") == dlg["call_id"]:
            # The far end's offer (RFC 3311): answer with our ports, send
            # where it says from now on.
            ep.respond(msg, addr, 200, "OK", to_tag=dlg["local_tag"],
                       body=ep.local_sdp(port=cur_port[0]),
                       contact=ep.contact_uri())
            if msg.body.strip():
                ep.media_start(sdp_streams(msg.body), retarget=True)
            call.setdefault("updates", []).append(msg.body)
            ep.mark(call, "update")
            return True
        return False
    cur_port = [a.rtp_port]
    ep.handler = on_other
    ep.media_start(remote)
    end = time.monotonic() + a.timeout
    # --reinvite H,R: re-INVITE with a=sendonly H seconds into the media,
    # with a=sendrecv (same port) R seconds in; --reinvite T: one
    # re-INVITE (same SDP) T seconds in.  --update T: an UPDATE T seconds
    # in that moves the media to --rtp-port + 100.
    plan = []
    t0 = time.monotonic()
    if a.reinvite:
        ts = [float(x) for x in a.reinvite.split(",")]
        if len(ts) == 1:
            plan = [(t0 + ts[0], "INVITE", "sendrecv", "reinvite")]
        else:
            plan = [(t0 + ts[0], "INVITE", "sendonly", "hold"),
                    (t0 + ts[1], "INVITE", "sendrecv", "resume")]
    if a.update:
        plan.append((t0 + a.update, "UPDATE", "sendrecv", "update"))
        plan.sort()
    port = a.rtp_port
    while (ep.media_busy() or time.monotonic() < end or plan) \
            and call["status"] == "started":
        if plan and time.monotonic() >= plan[0][0]:
            _, method, direction, label = plan.pop(0)
            cseq[0] += 1
            if method == "UPDATE":
                port = cur_port[0] = a.rtp_port + 100
            body = ep.local_sdp(direction, sess, str(int(sess) + cseq[0]),
                                port)
            req, rvia = ep.request(method, rtarget, dlg, cseq[0], body=body)
            ep.send(req, rdest)
            r, _ = ep.wait(lambda m, b=via_parts(rvia)[1]: is_resp(
                method, b)(m) and m.code >= 200, 8, (req, rdest))
            call.setdefault("reinvites", []).append(
                {"method": method, "direction": direction,
                 "code": r.code if r else None,
                 "sdp": r.body if r else None})
            if r is not None and r.code < 300 and method == "INVITE":
                rack, _ = ep.request("ACK", rtarget, dlg, cseq[0])
                ep.send(rack, rdest)
            ep.mark(call, label)
            if r is not None and r.code < 300 and method == "UPDATE":
                ep.media_move(call, port, sdp_streams(r.body))
                ep.mark(call, label)
            if r is not None and r.code in (408, 481):
                # RFC 5057 5.1: these end the dialog; no BYE.
                call["status"] = f"ended by {r.code}"
                ep.media_stop()
                plan = []
                ep.wait(lambda m: False, a.linger)
                break
            continue
        if not ep.media_busy() and end - time.monotonic() > a.linger:
            end = time.monotonic() + a.linger
        ep.wait(lambda m: False, max(0.0, min(end, time.monotonic() + 0.2)
                                     - time.monotonic()))
    if call["status"] == "started" and a.no_bye:
        call["status"] = "no bye"
    elif call["status"] == "started":
        bye, bvia = ep.request("BYE", rtarget, dlg, cseq[0] + 1)
        ep.send(bye, rdest)
        r, _ = ep.wait(is_resp("BYE", via_parts(bvia)[1]), 8, (bye, rdest))
        call["bye_response"] = r.code if r else None
        call["status"] = "ok" if r and r.code == 200 else "bye failed"
    ep.handler = None
    ep.media_close(call)
    return call


def uas_serve(ep, ncalls, timeout):
    """Answer up to ncalls INVITEs within timeout seconds."""
    a = ep.args
    deadline = time.monotonic() + timeout
    done = 0
    while done < ncalls and time.monotonic() < deadline:
        inv, addr = ep.wait(lambda m: m.is_request and m.method == "INVITE",
                            deadline - time.monotonic())
        if inv is None:
            break
        uas_call(ep, inv, addr)
        done += 1
        ep.save()
    return done


def uas_call(ep, inv, addr):
    a = ep.args
    call = {"role": "uas", "call_id": inv.get("call-id"), "status": "started",
            "request_uri": inv.uri, "remote_sdp": inv.body}
    ep.res["calls"].append(call)
    tag = token(8)
    remote = sdp_streams(inv.body) if inv.body.strip() else None
    ep.respond(inv, addr, 100, "Trying")
    ep.media_open()
    sdp = ep.local_sdp()
    if a.fork:
        # A forking proxy's other branch (another To-tag) answers first
        # with its own SDP, then goes quiet.
        call["fork_sdp"] = ep.local_sdp(port=a.rtp_port + 2000)
        ep.respond(inv, addr, 183, "Session Progress", to_tag=token(8),
                   body=call["fork_sdp"], contact=ep.contact_uri())
    rel = ()
    if a.rel100 and "100rel" in (inv.get("supported") or "") + \
            (inv.get("require") or ""):
        rel = ("Require: 100rel", "RSeq: 1")
    if a.early_media:
        # 183 with SDP, media before the 200.
        call["early_sdp"] = sdp
        r183 = ep.respond(inv, addr, 183, "Session Progress", to_tag=tag,
                          body=sdp, contact=ep.contact_uri(), extra=rel)
        ep.media_start(remote)
    else:
        ep.respond(inv, addr, 180, "Ringing", to_tag=tag,
                   contact=ep.contact_uri())
    ep.save()
    cancelled = []
    pracked = []

    def on_update(msg, maddr):
        # UPDATE (RFC 3311) with an offer: answer with the same ports,
        # send to where the offer says from now on.
        body = ep.local_sdp()
        ep.respond(msg, maddr, 200, "OK", to_tag=tag, body=body,
                   contact=ep.contact_uri())
        if msg.body.strip():
            ep.media_start(sdp_streams(msg.body), retarget=True)
        call.setdefault("updates", []).append(msg.body)
        ep.mark(call, "update")

    def on_ring(msg, maddr):
        if msg.is_request and msg.method == "CANCEL" \
                and msg.get("call-id") == inv.get("call-id"):
            ep.respond(msg, maddr, 200, "OK", to_tag=tag)
            cancelled.append(1)
            return True
        if msg.is_request and msg.method == "PRACK":
            ep.respond(msg, maddr, 200, "OK", to_tag=tag)
            pracked.append(msg.get("rack"))
            if msg.body.strip() and not remote_l[0]:
                # Our 183 made the offer (late-offer INVITE); the PRACK
                # answers it: early media goes there.
                remote_l[0] = sdp_streams(msg.body)
                call["remote_sdp"] = msg.body
                ep.media_start(remote_l[0])
            return True
        if msg.is_request and msg.method == "UPDATE":
            on_update(msg, maddr)
            return True
        if msg.is_request and msg.method == "INVITE":
            return True          # retransmission
        return False
    remote_l = [remote]
    ep.handler = on_ring
    ring_end = time.monotonic() + a.ring
    if a.early_media:
        ring_end = time.monotonic() + a.early_media
    next_rt, t = time.monotonic() + T1, T1
    while not cancelled and time.monotonic() < ring_end:
        ep.wait(lambda m: False, min(0.2, ring_end - time.monotonic()))
        if rel and not pracked and time.monotonic() >= next_rt:
            ep.send(*r183)     # RFC 3262 3: retransmit until PRACKed
            t = min(t * 2, 4.0)
            next_rt = time.monotonic() + t
    call["prack"] = pracked
    remote = remote_l[0]
    ep.mark(call, "final")
    if cancelled:
        ep.handler = None
        ep.respond(inv, addr, 487, "Request Terminated", to_tag=tag)
        ack, _ = ep.wait(lambda m: m.is_request and m.method == "ACK", 5)
        call["status"] = "cancelled" if ack else "cancelled, no ACK"
        call["t_end"] = time.time()
        ep.media_close(call)
        return call
    call["local_sdp"] = sdp
    ok, okdest = ep.respond(inv, addr, 200, "OK", to_tag=tag, body=sdp,
                            contact=ep.contact_uri())
    ep.handler = lambda m, _a: m.is_request and m.method == "INVITE"
    ack, _ = ep.wait(lambda m: m.is_request and m.method == "ACK",
                     min(a.timeout, 4), (ok, okdest))
    call["ack"] = ack is not None
    call["ack_request_uri"] = ack.uri if ack else None
    if ack is not None and remote is None and ack.body.strip():
        remote = sdp_streams(ack.body)       # late offer: answer in ACK
        call["remote_sdp"] = ack.body
    ended = []

    def on_dialog(msg, maddr):
        if msg.is_request and msg.method == "UPDATE":
            on_update(msg, maddr)
            return True
        if not (msg.is_request and msg.method == "INVITE"):
            return False
        if msg.tag("to") is None:
            return True          # retransmission of the initial INVITE
        if a.reject_reinvite:
            # e.g. 481: the dialog is gone here (RFC 5057 5.1).
            ep.respond(msg, maddr, a.reject_reinvite, "Rejected",
                       to_tag=tag)
            call.setdefault("reinvites", []).append(
                {"code": a.reject_reinvite, "sdp": msg.body})
            ended.append(a.reject_reinvite)
            return True
        # re-INVITE: answer with the same port, mirrored direction.
        d = "sendrecv"
        if "a=sendonly" in msg.body:
            d = "recvonly"
        elif "a=inactive" in msg.body:
            d = "inactive"
        body = ep.local_sdp(d)
        ep.respond(msg, maddr, 200, "OK", to_tag=tag, body=body,
                   contact=ep.contact_uri())
        label = "hold" if d != "sendrecv" else "resume"
        call.setdefault("reinvites", []).append(
            {"direction": d, "sdp": msg.body})
        ep.mark(call, label)
        return True
    ep.handler = on_dialog
    ep.media_start(remote)
    bye = None
    end = time.monotonic() + min(a.timeout, 6 + a.packets * PTIME)
    # In requests the UAS sends, From/To are swapped.
    dlg = {"call_id": inv.get("call-id"), "local_tag": tag,
           "remote_tag": inv.tag("from"), "from_uri": uri_of(inv.get("to")),
           "to_uri": uri_of(inv.get("from")), "contact": ep.contact_uri(),
           "route": route_set(inv, False)}
    rtarget = uri_of(inv.get("contact") or "")
    cseq = 0
    update_at = time.monotonic() + a.update if a.update else None
    while time.monotonic() < end and not ended:
        if update_at is not None and time.monotonic() >= update_at:
            # --update T: our own UPDATE moving our media to port + 100.
            update_at = None
            cseq += 1
            port = a.rtp_port + 100
            req, uvia = ep.request("UPDATE", rtarget, dlg, cseq,
                                   body=ep.local_sdp(port=port))
            udest = next_hop(dlg, rtarget)
            ep.send(req, udest)
            r, _ = ep.wait(is_resp("UPDATE", via_parts(uvia)[1]), 8,
                           (req, udest))
            call.setdefault("reinvites", []).append(
                {"method": "UPDATE", "code": r.code if r else None,
                 "sdp": r.body if r else None})
            ep.mark(call, "update")
            if r is not None and r.code < 300:
                ep.media_move(call, port, sdp_streams(r.body))
                ep.mark(call, "update")
            continue
        bye, baddr = ep.wait(lambda m: m.is_request and m.method == "BYE",
                             min(0.2, end - time.monotonic()))
        if bye is not None:
            break
        if (a.hangup or a.no_bye) and not ep.media_busy():
            break
    if ended:
        call["status"] = f"rejected re-INVITE {ended[0]}"
        ep.media_stop()
        ep.wait(lambda m: False, a.linger)
    elif bye is not None:
        call["bye_request_uri"] = bye.uri
        ep.respond(bye, baddr, 200, "OK")
        ep.wait(lambda m: False, 0.3)   # late media
        call["status"] = "ok"
    elif a.hangup:
        req, bvia = ep.request("BYE", rtarget, dlg, cseq + 1)
        dest = next_hop(dlg, rtarget)
        ep.send(req, dest)
        r, _ = ep.wait(is_resp("BYE", via_parts(bvia)[1]), 8, (req, dest))
        call["status"] = "ok" if r and r.code == 200 else "bye failed"
    elif a.no_bye:
        ep.wait(lambda m: False, a.linger)
        call["status"] = "no bye"
    else:
        call["status"] = "no BYE"
    call["t_end"] = time.time()
    ep.handler = None
    ep.media_close(call)
    return call


def do_register(ep):
    a = ep.args
    reg_host = a.registrar
    aor = f"sip:{a.user}@{a.domain or reg_host}"
    dlg = new_dialog(ep, aor, aor)
    req, via = ep.request("REGISTER", f"sip:{a.domain or reg_host}", dlg, 1,
                          extra=(f"Expires: {a.expires}",))
    dest = hostport(reg_host)
    ep.send(req, dest)
    r, _ = ep.wait(is_resp("REGISTER", via_parts(via)[1]), a.timeout,
                   (req, dest))
    ep.res["register"] = {"code": r.code if r else None,
                          "contact": r.all("contact") if r else [],
                          "expires": r.get("expires") if r else None}
    return r is not None and r.code == 200


def cmd_uac(ep):
    target = ep.args.target
    dest = hostport(ep.args.dest) if ep.args.dest else uri_hostport(target)
    ep.ready()
    call = uac_call(ep, target, dest)
    want = "cancelled" if ep.args.cancel else ep.args.expect
    return call["status"] == want


def cmd_uas(ep):
    ep.ready()
    n = uas_serve(ep, ep.args.calls, ep.args.timeout)
    return n == ep.args.calls and all(c["status"] == ep.args.expect
                                      for c in ep.res["calls"])


def cmd_register(ep):
    ep.ready()
    if not do_register(ep):
        return False
    ep.save()
    if ep.args.serve:
        n = uas_serve(ep, ep.args.serve, ep.args.timeout)
        return n == ep.args.serve and all(c["status"] == ep.args.expect
                                          for c in ep.res["calls"])
    return True


def cmd_registrar(ep):
    """--regs N REGISTERs answered 200 (the first one's binding is
    "binding", all of them "bindings"); --call then calls each registered
    Contact in turn, --proxy forwards to the first."""
    a = ep.args
    ep.ready()
    ep.res["bindings"] = []
    deadline = time.monotonic() + a.timeout

    def answer(reg, addr):
        cur = uri_of(reg.get("contact") or "")
        extra = (f"Contact: <{cur}>;expires={a.expires}",
                 f"Expires: {a.expires}")
        if a.outbound and "outbound" in (reg.get("supported") or ""):
            # RFC 5626 6: the registrar keeps the flow; keep-alives every
            # --flow-timer seconds (4.4.1).
            extra += ("Require: outbound",
                      f"Flow-Timer: {a.flow_timer}")
        ep.respond(reg, addr, 200, "OK", to_tag=token(8), extra=extra)
        return cur

    def refresh(m, addr):
        if m.is_request and m.method == "REGISTER":
            cur = answer(m, addr)
            ep.res.setdefault("refreshes", []).append(
                {"t": time.time(), "from": f"{addr[0]}:{addr[1]}",
                 "contact": cur})
            if a.rebind and cur and "expires=0" not in \
                    (m.get("contact") or "").replace(" ", "") and \
                    (m.get("expires") or "").strip() != "0":
                # The phone moved its binding (same AOR and instance,
                # e.g. a NAT helper re-registering with the received/
                # rport address it was told): the new Contact replaces
                # the first one's.
                ep.res["bindings"][0] = dict(
                    ep.res["bindings"][0], contact=cur,
                    source=f"{addr[0]}:{addr[1]}")
                ep.res["binding"] = ep.res["bindings"][0]
                ep.save()
            return True
        return False
    while len(ep.res["bindings"]) < a.regs:
        reg, addr = ep.wait(lambda m: m.is_request and
                            m.method == "REGISTER",
                            deadline - time.monotonic())
        if reg is None:
            return False
        cur = answer(reg, addr)
        ep.res["bindings"].append({"contact": cur,
                                   "source": f"{addr[0]}:{addr[1]}",
                                   "request_uri": reg.uri,
                                   "call_id": reg.get("call-id")})
        ep.res["binding"] = ep.res["bindings"][0]
        ep.save()
    ep.handler = refresh	# refreshes answered from here on
    if a.hold:
        # Keep answering (keep-alives, refreshes) before calling.
        ep.wait(lambda m: False, a.hold)
        ep.save()
    while a.call_on and not os.path.exists(a.call_on):
        # The scenario says when to call (e.g. once the flows expired).
        if time.monotonic() >= deadline:
            return False
        ep.wait(lambda m: False, 0.1)
    ep.save()
    cur = ep.res["binding"]["contact"]
    if a.proxy:
        return proxy_serve(ep, cur)
    if not a.call:
        return True
    ok = True
    for b in ep.res["bindings"]:
        call = uac_call(ep, b["contact"], uri_hostport(b["contact"]))
        ok = ok and call["status"] == "ok"
        ep.save()
    return ok


def proxy_serve(ep, contact):
    """Stateless forwarding (RFC 3261 16.11): INVITE/CANCEL/ACK/BYE sent
    here go to the registered contact with our Via on top; responses lose
    our Via and go where the next Via says (received/rport, else sent-by).
    Runs until --timeout."""
    a = ep.args
    ep.res["proxied"] = []
    deadline = time.monotonic() + a.timeout
    while time.monotonic() < deadline:
        msg, addr = ep.poll(deadline)
        if msg is None:
            break
        lines = msg.text.split("\r\n")
        if msg.is_request and msg.method != "REGISTER":
            vias = msg.vias()
            if not vias:
                continue
            top = vias[0]
            sent_by, _ = via_parts(top)
            if hostport(sent_by)[0] != addr[0]:
                top += f";received={addr[0]}"
            if param(top, "rport") == "":
                top = re.sub(r";rport(?=;|$)", f";rport={addr[1]}", top)
            out = [f"{msg.method} {contact} SIP/2.0", f"Via: {ep.new_via()}",
                   f"Via: {top}"] + [f"Via: {v}" for v in vias[1:]]
            for line in lines[1:]:
                if line == "":
                    break
                name = line.split(":")[0].strip().lower()
                if COMPACT.get(name, name) != "via":
                    out.append(line)
            text = "\r\n".join(out) + "\r\n\r\n" + msg.body
            dest = uri_hostport(contact)
            ep.send(text, dest)
            ep.res["proxied"].append({"request": msg.method,
                                      "to": f"{dest[0]}:{dest[1]}"})
        elif not msg.is_request:
            vias = msg.vias()
            if len(vias) < 2 or (via_parts(vias[0])[0] !=
                                 f"{ep.ip}:{ep.port}"):
                continue
            nxt = vias[1]
            host, port = hostport(via_parts(nxt)[0])
            host = param(nxt, "received") or host
            port = int(param(nxt, "rport") or port)
            out = [lines[0]] + [f"Via: {v}" for v in vias[1:]]
            for line in lines[1:]:
                if line == "":
                    break
                name = line.split(":")[0].strip().lower()
                if COMPACT.get(name, name) != "via":
                    out.append(line)
            ep.send("\r\n".join(out) + "\r\n\r\n" + msg.body, (host, port))
            ep.res["proxied"].append({"response": msg.code,
                                      "to": f"{host}:{port}"})
        ep.save()
    return any(p.get("response") == 200 for p in ep.res["proxied"])


def cmd_forker(ep):
    """Registrar for --forks phones, then a forking proxy's INVITE to every
    registered Contact: one Call-ID, From-tag and CSeq, one branch each
    (RFC 3261 16.6).  The first 2xx is ACKed and its dialog gets the media;
    every other branch still ringing is CANCELled (200, 487, ACK).  BYE
    after the media."""
    a = ep.args
    ep.ready()
    deadline = time.monotonic() + a.timeout
    contacts = []
    while len(contacts) < a.forks and time.monotonic() < deadline:
        reg, addr = ep.wait(lambda m: m.is_request and m.method == "REGISTER",
                            deadline - time.monotonic())
        if reg is None:
            return False
        cur = uri_of(reg.get("contact") or "")
        ep.respond(reg, addr, 200, "OK", to_tag=token(8),
                   extra=(f"Contact: <{cur}>;expires={a.expires}",))
        if cur not in contacts:
            contacts.append(cur)
    ep.res["bindings"] = contacts
    aor = f"sip:{a.user}@{a.domain or ep.ip}"
    dlg = new_dialog(ep, f"sip:callee@{a.domain or ep.ip}", aor)
    call = {"role": "forker", "call_id": dlg["call_id"], "status": "started",
            "branches": []}
    ep.res["calls"].append(call)
    ep.media_open()
    sdp = ep.local_sdp()
    call["local_sdp"] = sdp
    for c in contacts:
        inv, via = ep.request("INVITE", c, dlg, 1, body=sdp)
        dest = uri_hostport(c)
        ep.send(inv, dest)
        call["branches"].append({"contact": c, "via": via,
                                 "branch": via_parts(via)[1],
                                 "dest": list(dest), "codes": [],
                                 "tag": None, "sdp": None, "final": None})
    ep.save()

    def branch_of(m):
        b = via_parts(m.vias()[0])[1]
        return next((x for x in call["branches"] if x["branch"] == b), None)
    answered = None
    cancel_at = None
    while time.monotonic() < deadline and (
            answered is None or
            any(x["final"] is None for x in call["branches"])):
        if cancel_at is not None and time.monotonic() >= cancel_at:
            # RFC 3261 16.7 step 10: CANCEL the branches still pending.
            cancel_at = None
            for x in call["branches"]:
                if x["final"] is None:
                    cancel, _ = ep.request("CANCEL", x["contact"], dlg, 1,
                                           via=x["via"])
                    ep.send(cancel, tuple(x["dest"]))
                    x["t_cancel"] = time.time()
            ep.save()
        until = deadline if cancel_at is None else min(deadline, cancel_at)
        msg, addr = ep.wait(lambda m: not m.is_request and m.cseq()[1] in
                            ("INVITE", "CANCEL") and branch_of(m),
                            max(0.0, until - time.monotonic()))
        if msg is None:
            continue
        br = branch_of(msg)
        if msg.cseq()[1] == "CANCEL":
            br["cancel_response"] = msg.code
            continue
        br["codes"].append(msg.code)
        br["tag"] = msg.tag("to") or br["tag"]
        if msg.body.strip() and br["sdp"] is None:
            br["sdp"] = msg.body
        ep.save()
        if msg.code < 200 or br["final"] is not None:
            continue
        br["final"] = msg.code
        br["t_final"] = time.time()
        ep.save()
        bdlg = dict(dlg, remote_tag=br["tag"])
        if msg.code >= 300:
            ack, _ = ep.request("ACK", br["contact"], bdlg, 1, via=br["via"])
            ep.send(ack, tuple(br["dest"]))
            continue
        rtarget = uri_of(msg.get("contact") or f"<{br['contact']}>")
        br["remote_target"] = rtarget
        ack, _ = ep.request("ACK", rtarget, bdlg, 1)
        ep.send(ack, uri_hostport(rtarget))
        if answered is not None:
            # A second 2xx (it crossed our CANCEL or came first): ACK and
            # end that dialog at once (RFC 3261 13.2.2.4).
            bye, bvia = ep.request("BYE", rtarget, bdlg, 2)
            ep.send(bye, uri_hostport(rtarget))
            r, _ = ep.wait(is_resp("BYE", via_parts(bvia)[1]), 4,
                           (bye, uri_hostport(rtarget)))
            br["bye_response"] = r.code if r else None
            br["t_bye"] = time.time()
            ep.save()
            continue
        answered = br
        call["remote_sdp"] = msg.body or br["sdp"]
        ep.mark(call, "final")
        ep.media_start(sdp_streams(call["remote_sdp"]))
        cancel_at = time.monotonic() + a.cancel_delay
        ep.save()
    if answered is None:
        call["status"] = "not answered"
        ep.media_close(call)
        return False
    end = time.monotonic() + a.linger
    while ep.media_busy() or time.monotonic() < end:
        if ep.media_busy():
            end = time.monotonic() + a.linger
        ep.wait(lambda m: False, 0.1)
    bdlg = dict(dlg, remote_tag=answered["tag"])
    bye, bvia = ep.request("BYE", answered["remote_target"], bdlg, 2)
    bdest = uri_hostport(answered["remote_target"])
    ep.send(bye, bdest)
    r, _ = ep.wait(is_resp("BYE", via_parts(bvia)[1]), 8, (bye, bdest))
    call["answered"] = answered["contact"]
    call["bye_response"] = r.code if r else None
    call["status"] = "ok" if r and r.code == 200 else "bye failed"
    ep.media_close(call)
    return call["status"] == "ok"


def split_routes(msg, name):
    out = []
    for v in msg.all(name):
        out += [x.strip() for x in re.split(r"(?<=>)\s*,", v) if x.strip()]
    return out


def cmd_proxy(ep):
    """A record-routing proxy, like a PBX (RFC 3261 16): an initial INVITE
    gets Record-Route <sip:OWN-IP;lr> on top; a Route naming us is removed
    (16.4) and recorded, so a test can see it came back exactly as we wrote
    it; a Request-URI for our own address goes to --location's contact for
    its user.  Stateless forwarding (16.11); responses go back by Via.
    Runs until --calls BYEs were answered 200 or --timeout."""
    a = ep.args
    rr = f"<sip:{ep.ip};lr>"
    loc = dict(x.split("=", 1) for x in a.location)
    ep.res.update(record_route=rr, proxied=[])
    ep.ready()
    deadline = time.monotonic() + a.timeout
    byes = 0
    while time.monotonic() < deadline and byes < a.calls:
        msg, addr = ep.poll(deadline)
        if msg is None or not msg.vias():
            continue
        head = msg.text.partition("\r\n\r\n")[0].split("\r\n")
        keep = []
        for line in head[1:]:
            name = line.split(":")[0].strip().lower()
            if COMPACT.get(name, name) not in ("via", "route"):
                keep.append(line)
        vias = msg.vias()
        if msg.is_request:
            routes = split_routes(msg, "route")
            rec = {"request": msg.method, "from": f"{addr[0]}:{addr[1]}",
                   "request_uri": msg.uri, "route": list(routes)}
            if routes and uri_hostport(uri_of(routes[0])) == (ep.ip,
                                                               ep.port):
                rec["own_route"] = routes.pop(0)
            ruri = msg.uri
            host, port = uri_hostport(ruri)
            user = ruri.split(":", 1)[1].split("@")[0] if "@" in ruri else ""
            if (host, port) == (ep.ip, ep.port) and user in loc:
                ruri = f"sip:{user}@{loc[user]}"
            hop = uri_hostport(uri_of(routes[0])) if routes else \
                uri_hostport(ruri)
            top = vias[0]
            if hostport(via_parts(top)[0])[0] != addr[0]:
                top += f";received={addr[0]}"
            if param(top, "rport") == "":
                top = re.sub(r";rport(?=;|$)", f";rport={addr[1]}", top)
            out = [f"{msg.method} {ruri} SIP/2.0"]
            if msg.method == "INVITE" and msg.tag("to") is None:
                out.append(f"Record-Route: {rr}")
            out += [f"Via: {ep.new_via()}", f"Via: {top}"]
            out += [f"Via: {v}" for v in vias[1:]]
            out += [f"Route: {r}" for r in routes] + keep
            rec["to"] = f"{hop[0]}:{hop[1]}"
            ep.send("\r\n".join(out) + "\r\n\r\n" + msg.body, hop)
        else:
            if via_parts(vias[0])[0] != f"{ep.ip}:{ep.port}" or \
                    len(vias) < 2:
                continue
            nxt = vias[1]
            host, port = hostport(via_parts(nxt)[0])
            host = param(nxt, "received") or host
            port = int(param(nxt, "rport") or port)
            out = [head[0]] + [f"Via: {v}" for v in vias[1:]] + keep
            out += [f"Route: {r}" for r in split_routes(msg, "route")]
            rec = {"response": msg.code, "cseq": msg.get("cseq"),
                   "to": f"{host}:{port}"}
            ep.send("\r\n".join(out) + "\r\n\r\n" + msg.body, (host, port))
            if msg.code == 200 and msg.cseq()[1] == "BYE":
                byes += 1
        ep.res["proxied"].append(rec)
        ep.save()
    return byes >= a.calls


def options_packet(ip, port, dst, i):
    """An out-of-dialog OPTIONS (RFC 3261 11) from ip:port to dst."""
    branch = "z9hG4bK" + token(12)
    return (f"OPTIONS sip:{dst[0]}:{dst[1]} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {ip}:{port};branch={branch};rport\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:probe@{dst[0]}>;tag={token(8)}\r\n"
            f"To: <sip:{dst[0]}>\r\n"
            f"Call-ID: {token(16)}\r\n"
            f"CSeq: {i + 1} OPTIONS\r\n"
            "Content-Length: 0\r\n\r\n").encode()


def cmd_probe(a):
    ip, port = hostport(a.local)
    s = udp_bind(ip, port)
    res = {"role": "probe", "from": a.local, "to": a.to, "sent": 0,
           "errors": 0}
    if a.stun:
        # A NAT-aware phone asks first; the mapping the server saw is what
        # every other destination must see too (RFC 4787 REQ-1).
        pub = stun_query(s, hostport(a.stun, 3478))
        res["stun"] = {"server": a.stun, "sip": pub and f"{pub[0]}:{pub[1]}"}
    for dst in [hostport(t) for t in a.to]:
        for i in range(a.packets):
            pkt = options_packet(ip, port, dst, i) if a.sip \
                else rtp_packet(i, 0x5a1a5a1a)
            try:
                s.sendto(pkt, dst)
                res["sent"] += 1
            except OSError as e:
                res["errors"] += 1
                res["error"] = str(e)
            time.sleep(PTIME)
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    return True


def cmd_listen(a):
    ip, port = hostport(a.local)
    s = udp_bind(ip, port)
    with open(a.out + ".ready", "w") as f:
        f.write(str(os.getpid()))
    res = {"role": "listen", "local": a.local, "received": 0, "from": {}}
    end = time.monotonic() + a.timeout
    while time.monotonic() < end:
        r, _, _ = select.select([s], [], [],
                                max(0.0, min(0.1, end - time.monotonic())))
        if s in r:
            _, addr = s.recvfrom(65535)
            res["received"] += 1
            k = f"{addr[0]}:{addr[1]}"
            res["from"][k] = res["from"].get(k, 0) + 1
        if os.path.exists(a.out + ".stop"):
            break
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    return True


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("role", choices=["uac", "uas", "register", "registrar",
                                    "forker", "proxy", "probe", "listen"])
    p.add_argument("--out", required=True, help="JSON result file")
    p.add_argument("--local", help="ip[:port] to bind (default port 5060)")
    p.add_argument("--user", default="sipua")
    p.add_argument("--domain", help="domain of From/AOR")
    p.add_argument("--from-uri")
    p.add_argument("--target", help="Request-URI of the INVITE (uac)")
    p.add_argument("--dest", help="send the INVITE to host:port instead")
    p.add_argument("--registrar", help="host[:port] (register)")
    p.add_argument("--expires", type=int, default=300)
    p.add_argument("--rtp-port", type=int, default=40000)
    p.add_argument("--rtcp-attr", action="store_true",
                   help="add a=rtcp:<port+1> IN IP4 <addr> to the SDP")
    p.add_argument("--rport", action="store_true", help="add ;rport to Via")
    p.add_argument("--no-strict-via", dest="strict_via", action="store_false")
    p.add_argument("--packets", type=int, default=50,
                   help="RTP packets to send (RTCP: a fifth)")
    p.add_argument("--linger", type=float, default=0.5,
                   help="seconds to keep receiving after sending media")
    p.add_argument("--cancel", action="store_true",
                   help="uac: CANCEL after 180")
    p.add_argument("--cancel-after", type=float, default=0,
                   help="uac: seconds between 180 and CANCEL")
    p.add_argument("--ring", type=float, default=0.2,
                   help="uas: seconds between 180 and 200")
    p.add_argument("--expect", default="ok",
                   help="uac, uas, register --serve: expected call status "
                   "(ok, cancelled, no bye, ended by remote, ended by 481, "
                   "rejected re-INVITE 481)")
    p.add_argument("--early-media", type=float, default=0,
                   help="uas: answer 183 with SDP and send media for this "
                   "many seconds before the 200")
    p.add_argument("--reinvite", metavar="HOLD,RESUME",
                   help="uac: re-INVITE a=sendonly HOLD s into the media, "
                   "a=sendrecv RESUME s in (same port)")
    p.add_argument("--proxy", action="store_true",
                   help="registrar: then forward INVITEs for the binding "
                   "statelessly and relay the responses by Via")
    p.add_argument("--late-offer", action="store_true",
                   help="uac: INVITE without SDP, answer in the ACK")
    p.add_argument("--prack", action="store_true",
                   help="uac: Supported: 100rel, PRACK reliable 18x")
    p.add_argument("--100rel", dest="rel100", action="store_true",
                   help="uas: send the 183 reliably (Require: 100rel) when "
                   "the INVITE supports it; retransmit until PRACKed")
    p.add_argument("--update", type=float, default=0, metavar="T",
                   help="uac, uas: UPDATE moving the media to --rtp-port + "
                   "100 T s into the call")
    p.add_argument("--no-bye", action="store_true",
                   help="uac, uas: end the call after the media without "
                   "sending BYE (status 'no bye')")
    p.add_argument("--reject-reinvite", type=int, default=0, metavar="CODE",
                   help="uas: answer a re-INVITE with CODE (481) and "
                   "consider the call ended")
    p.add_argument("--ice", action="store_true",
                   help="ICE attributes and candidates in the SDP")
    p.add_argument("--multi", action="store_true",
                   help="offer/answer the nine m= lines of MULTI")
    p.add_argument("--fork", action="store_true",
                   help="uas: first a 183 with SDP (--rtp-port + 2000) "
                   "from another To-tag, as a forking proxy relays it")
    p.add_argument("--hangup", action="store_true",
                   help="uas: send BYE after its media")
    p.add_argument("--calls", type=int, default=1)
    p.add_argument("--location", action="append", default=[],
                   metavar="USER=HOST:PORT",
                   help="proxy: where requests for USER@<own address> go")
    p.add_argument("--cancel-delay", type=float, default=0,
                   help="forker: seconds between the first 2xx and the "
                   "CANCELs (a slow proxy: a 2xx can cross them)")
    p.add_argument("--forks", type=int, default=2,
                   help="forker: REGISTERs to wait for (branches)")
    p.add_argument("--serve", type=int, default=0,
                   help="register: then answer this many calls")
    p.add_argument("--call", action="store_true",
                   help="registrar: call the registered Contact")
    p.add_argument("--to", action="append", default=[],
                   help="probe: destination ip:port (more than once: each "
                   "in turn from the same socket)")
    p.add_argument("--sip", action="store_true",
                   help="probe: send SIP OPTIONS requests, not RTP")
    p.add_argument("--outbound", action="store_true",
                   help="registrar: support SIP outbound (RFC 5626): 200 "
                   "with Require: outbound and Flow-Timer to UAs that "
                   "support it")
    p.add_argument("--flow-timer", type=int, default=5,
                   help="registrar --outbound: the Flow-Timer granted")
    p.add_argument("--hold", type=float, default=0,
                   help="registrar: seconds to wait after the REGISTERs "
                   "before --call (keep-alives, refreshes answered)")
    p.add_argument("--rebind", action="store_true",
                   help="registrar: a later REGISTER with another Contact "
                   "replaces the first one's binding (the one --call calls)")
    p.add_argument("--call-on", metavar="FILE",
                   help="registrar: call only once FILE exists (within "
                   "--timeout), answering refreshes meanwhile")
    p.add_argument("--regs", type=int, default=1,
                   help="registrar: REGISTERs to answer before --call")
    p.add_argument("--stun", metavar="HOST[:PORT]",
                   help="learn each socket's public mapping from this STUN "
                   "server (a NAT-aware phone)")
    p.add_argument("--nat-aware", default="via,contact,sdp",
                   help="with --stun: where the phone writes its mapping "
                   "(comma list of via, contact, sdp)")
    p.add_argument("--timeout", type=float, default=15)
    a = p.parse_args()
    # SIGTERM (the lab's cleanup) still writes the result file.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    a.packets = max(0, min(a.packets, 1000))
    if a.role == "probe":
        return 0 if cmd_probe(a) else 1
    if a.role == "listen":
        return 0 if cmd_listen(a) else 1
    a.local_ip, a.port = hostport(a.local or "0.0.0.0")
    ep = Endpoint(a, a.role)
    ok = False
    try:
        ok = {"uac": cmd_uac, "uas": cmd_uas, "register": cmd_register,
              "registrar": cmd_registrar, "forker": cmd_forker,
              "proxy": cmd_proxy}[a.role](ep)
        ep.res["status"] = "ok" if ok else "failed"
    except Exception as e:      # the result file must be written anyway
        ep.res["status"] = f"error: {type(e).__name__}: {e}"
        raise
    finally:
        if ep.res["status"] == "running":
            ep.res["status"] = "terminated"
        ep.save()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
