#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""eimprobe.py - endpoint-independent mapping probes for the sipalg lab.

Two long-running agents, driven step by step through command files so a
scenario can interleave phones, hosts and daemon restarts in any order:

  eimprobe.py phone --local IP --ctl DIR/NAME [--timeout S]
      an inside host with as many UDP sockets as the steps name ("5060",
      "8000", "eph" = an ephemeral port); it answers requests to it with
      a 200 and remembers what arrived on which socket.
  eimprobe.py far --local IP:PORT [--local ...] --ctl DIR/NAME [--timeout S]
      outside hosts on several addresses: a STUN Binding server on every
      socket, a registrar/peer answering every SIP request with a 200, and
      a record of every packet that arrived: on which local address, from
      which source, with which X-Tag (the inside socket that sent it).

A step is a JSON object written to CTL.N (N = 1, 2, ...); the agent runs
it and writes the result to CTL.N.done.  Phone steps:
  {"op": "stun", "sock": "5060", "to": "H:P"}        -> {"map": "ip:port"}
  {"op": "sip", "sock": "5060", "to": "H:P", "method": "REGISTER",
   "aware": true, "rtp": "8000"}   -> {"code": 200, "sent": "...text..."}
      aware: write the socket's STUN mapping (Via, Contact, SDP) instead
      of the private address; INVITE carries SDP for socket rtp (or
      names "claim": "ip:port" as its media address); a REGISTER's
      Contact names "claim_contact": "ip:port" when given.
  {"op": "rtp", "sock": "8000", "to": "H:P", "n": 3}
  {"op": "inbox", "sock": "5060"} -> {"got": [{"src", "line", "tag"}]}
Far steps:
  {"op": "send", "from": "H:P", "to": "H:P", "tag": "x", "ruri": "sip:.."}
      -> an OPTIONS (X-Tag: x; Request-URI ruri, default sip:H:P) to an
      inside phone's public address; {"code": ...}
  {"op": "rtp", "from": "H:P", "to": "H:P", "tag": "x"} -> one RTP packet
  {"op": "log"} -> {"log": [{"at", "src", "tag", "raw"}...]}
Standard library only; stun.py gives the Binding exchange.
"""

import argparse
import json
import os
import random
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stun  # noqa: E402


def hp(s):
    h, _, p = s.rpartition(":")
    return (h, int(p))


def txt(a):
    return f"{a[0]}:{a[1]}"


def tok():
    return "%08x" % random.getrandbits(32)


def tag_of(data):
    """The X-Tag of a SIP message, or the tag after "X-Tag: " in an RTP
    payload (the probes' media carries it as text after the header)."""
    text = data.decode("latin-1")
    tag = header(text, "X-Tag")
    if not tag and b"X-Tag: " in data:
        tag = data.split(b"X-Tag: ", 1)[1].decode("latin-1")
    return tag


def header(msg, name):
    for line in msg.split("\r\n")[1:]:
        if not line:
            break
        k, _, v = line.partition(":")
        if k.strip().lower() == name.lower():
            return v.strip()
    return ""


def response(req, code, extra="", body=""):
    """A response to request text req: Via, From, To (+tag), Call-ID,
    CSeq copied (RFC 3261 8.2.6.2), sent back to the request's source."""
    lines, to = [], ""
    for line in req.split("\r\n")[1:]:
        if not line:
            break
        k = line.partition(":")[0].strip().lower()
        if k in ("via", "from", "call-id", "cseq"):
            lines.append(line)
        elif k == "to":
            to = line if ";tag=" in line else line + ";tag=" + tok()
    return (f"SIP/2.0 {code} OK\r\n" + "\r\n".join(lines) + "\r\n" + to +
            "\r\n" + extra + f"Content-Length: {len(body)}\r\n\r\n" + body)


class Agent:
    def __init__(self, ctl, timeout):
        self.ctl, self.end = ctl, time.monotonic() + timeout
        self.socks = {}          # name -> socket
        self.step = 1

    def next_step(self):
        path = f"{self.ctl}.{self.step}"
        if not os.path.exists(path):
            return None
        with open(path) as f:
            try:
                cmd = json.load(f)
            except ValueError:
                return None      # still being written
        return cmd

    def done(self, res):
        path = f"{self.ctl}.{self.step}.done"
        with open(path + ".tmp", "w") as f:
            json.dump(res, f, indent=1)
        os.replace(path + ".tmp", path)
        self.step += 1

    def run(self):
        with open(self.ctl + ".ready", "w") as f:
            f.write(str(os.getpid()))
        while time.monotonic() < self.end:
            if os.path.exists(self.ctl + ".stop"):
                break
            cmd = self.next_step()
            if cmd:
                try:
                    self.done(self.do(cmd))
                except OSError as e:
                    self.done({"error": str(e)})
                continue
            self.pump(0.02)

    def pump(self, wait, want=None):
        """Read what arrived for up to wait seconds; returns the first
        packet for which want(sock_name, data, src) is true."""
        end = time.monotonic() + wait
        while True:
            left = end - time.monotonic()
            names = {s: n for n, s in self.socks.items()}
            r, _, _ = select.select(list(names), [], [], max(0, left))
            for s in r:
                data, src = s.recvfrom(65535)
                if want and want(names[s], data, src):
                    return data, src
                self.arrived(names[s], s, data, src)
            if left <= 0:
                return None


class Phone(Agent):
    def __init__(self, ip, ctl, timeout):
        super().__init__(ctl, timeout)
        self.ip, self.maps, self.inbox = ip, {}, {}

    def sock(self, name):
        if name not in self.socks:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((self.ip, 0 if name == "eph" else int(name)))
            self.socks[name] = s
        return self.socks[name]

    def addr(self, name, aware):
        """The address:port this socket writes for itself."""
        if aware and name in self.maps:
            return hp(self.maps[name])
        return (self.ip, self.sock(name).getsockname()[1])

    def arrived(self, name, s, data, src):
        text = data.decode("latin-1")
        line = text.split("\r\n", 1)[0]
        self.inbox.setdefault(name, []).append(
            {"src": txt(src), "line": line, "tag": tag_of(data)})
        if not line.startswith("SIP/2.0") and " SIP/2.0" in line and \
                not line.startswith("ACK"):
            s.sendto(response(text, 200).encode(), src)

    def do(self, c):
        op = c["op"]
        if op == "stun":
            m = stun.stun_query(self.sock(c["sock"]), hp(c["to"]))
            if m:
                self.maps[c["sock"]] = txt(m)
            return {"map": m and txt(m)}
        if op == "sip":
            return self.sip(c)
        if op == "rtp":
            s = self.sock(c["sock"])
            for i in range(c.get("n", 3)):
                s.sendto(struct.pack("!BBHII", 0x80, 0, i, i * 160, 0x5a1a)
                         + b"X-Tag: " + c["tag"].encode(), hp(c["to"]))
                time.sleep(0.02)
            return {"sent": c.get("n", 3)}
        if op == "inbox":
            self.pump(c.get("wait", 0.5))
            return {"got": self.inbox.pop(c["sock"], [])}
        return {"error": "unknown op " + op}

    def sip(self, c):
        name, dst, method = c["sock"], hp(c["to"]), c["method"]
        aware = c.get("aware", False)
        me = txt(self.addr(name, aware))
        branch = "z9hG4bK" + tok()
        body, extra = "", ""
        if method == "REGISTER":
            ct = c.get("claim_contact") or me
            extra = f"Contact: <sip:{c['tag']}@{ct}>\r\nExpires: 300\r\n"
        elif method == "INVITE":
            extra = f"Contact: <sip:{c['tag']}@{me}>\r\n" \
                    "Content-Type: application/sdp\r\n"
            mh, mp = hp(c["claim"]) if c.get("claim") else \
                self.addr(c["rtp"], aware)
            body = (f"v=0\r\no=- 1 1 IN IP4 {mh}\r\ns=-\r\n"
                    f"c=IN IP4 {mh}\r\nt=0 0\r\n"
                    f"m=audio {mp} RTP/AVP 0\r\n")
        msg = (f"{method} sip:{c.get('user', 'x')}@{txt(dst)} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP {me};branch={branch};rport\r\n"
               "Max-Forwards: 70\r\n"
               f"From: <sip:{c['tag']}@{dst[0]}>;tag={tok()}\r\n"
               f"To: <sip:{c.get('user', 'x')}@{dst[0]}>\r\n"
               f"Call-ID: {c.get('callid') or tok() + tok()}\r\n"
               f"CSeq: {c.get('cseq', 1)} {method}\r\n"
               f"X-Tag: {c['tag']}\r\n" + extra +
               f"Content-Length: {len(body)}\r\n\r\n" + body)
        s = self.sock(name)
        got = None
        for _ in range(3):
            s.sendto(msg.encode(), dst)
            got = self.pump(1.0, lambda n, d, src: n == name and
                            branch.encode() in d and d.startswith(b"SIP/2.0"))
            if got:
                break
        res = {"sent": msg, "code": None}
        if got:
            res["code"] = int(got[0].split(b" ", 2)[1])
            res["reply"] = got[0].decode("latin-1")
        return res


class Far(Agent):
    def __init__(self, locals_, ctl, timeout):
        super().__init__(ctl, timeout)
        self.log = []
        for a in locals_:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(hp(a))
            self.socks[a] = s

    def arrived(self, name, s, data, src):
        resp = stun.binding_response(data, src)
        if resp:
            s.sendto(resp, src)
            self.log.append({"at": name, "src": txt(src), "tag": "stun"})
            return
        text = data.decode("latin-1")
        line = text.split("\r\n", 1)[0]
        tag = tag_of(data)
        self.log.append({"at": name, "src": txt(src), "tag": tag,
                         "line": line, "raw": text})
        if " SIP/2.0" in line and not line.startswith(("SIP/2.0", "ACK")):
            extra, body = "", ""
            meth = line.split(" ", 1)[0]
            if meth == "REGISTER":
                extra = f"Contact: {header(text, 'Contact')};expires=300\r\n"
            elif meth == "INVITE":
                h, p = hp(name)
                body = (f"v=0\r\no=- 2 2 IN IP4 {h}\r\ns=-\r\n"
                        f"c=IN IP4 {h}\r\nt=0 0\r\n"
                        f"m=audio 40000 RTP/AVP 0\r\n")
                extra = "Content-Type: application/sdp\r\n"
            s.sendto(response(text, 200, extra, body).encode(), src)

    def do(self, c):
        if c["op"] == "log":
            self.pump(c.get("wait", 0.3))
            return {"log": self.log}
        if c["op"] == "rtp":
            self.socks[c["from"]].sendto(
                struct.pack("!BBHII", 0x80, 0, 1, 160, 0xfa1a) +
                b"X-Tag: " + c["tag"].encode(), hp(c["to"]))
            return {"sent": 1}
        if c["op"] == "send":
            s, dst = self.socks[c["from"]], hp(c["to"])
            branch = "z9hG4bK" + tok()
            ruri = c.get("ruri") or f"sip:{txt(dst)}"
            msg = (f"OPTIONS {ruri} SIP/2.0\r\n"
                   f"Via: SIP/2.0/UDP {c['from']};branch={branch}\r\n"
                   "Max-Forwards: 70\r\n"
                   f"From: <sip:far@{c['from']}>;tag={tok()}\r\n"
                   f"To: <sip:{txt(dst)}>\r\nCall-ID: {tok()}{tok()}\r\n"
                   f"CSeq: 1 OPTIONS\r\nX-Tag: {c['tag']}\r\n"
                   "Content-Length: 0\r\n\r\n")
            got = None
            for _ in range(2):
                s.sendto(msg.encode(), dst)
                got = self.pump(1.0, lambda n, d, src: branch.encode() in d
                                and d.startswith(b"SIP/2.0"))
                if got:
                    break
            return {"code": got and int(got[0].split(b" ", 2)[1]),
                    "src": got and txt(got[1])}
        return {"error": "unknown op " + c["op"]}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("role", choices=["phone", "far"])
    p.add_argument("--local", action="append", required=True)
    p.add_argument("--ctl", required=True)
    p.add_argument("--timeout", type=float, default=90)
    a = p.parse_args()
    if a.role == "phone":
        Phone(a.local[0], a.ctl, a.timeout).run()
    else:
        Far(a.local, a.ctl, a.timeout).run()


if __name__ == "__main__":
    main()
