#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""stun.py - the STUN Binding exchange (RFC 5389) for the sipalg lab.

As a program it is a Binding server on one UDP address:port: every Binding
request is answered with a success response carrying XOR-MAPPED-ADDRESS
(and the classic MAPPED-ADDRESS) of the request's source, and the sources
are written to a JSON result file.  As a module it gives the client side,
stun_query(sock, server), which NAT-aware phones in sipua.py use to learn
the public address and port the gateway maps one of their sockets to.

  stun.py --local 203.0.113.30:3478 --out FILE [--timeout S]

Standard library only; no authentication, no FINGERPRINT (RFC 5389 7.2.1:
both optional for a Binding request over UDP).
"""

import argparse
import json
import os
import select
import socket
import struct
import time

MAGIC = 0x2112A442
BINDING_REQUEST = 0x0001
BINDING_SUCCESS = 0x0101
ATTR_MAPPED = 0x0001
ATTR_XOR_MAPPED = 0x0020


def _attr(kind, value):
    pad = b"\0" * (-len(value) % 4)
    return struct.pack("!HH", kind, len(value)) + value + pad


def _addr_value(ip, port, xor):
    raw = socket.inet_aton(ip)
    if xor:
        port ^= MAGIC >> 16
        raw = bytes(a ^ b for a, b in zip(raw, struct.pack("!I", MAGIC)))
    return struct.pack("!BBH", 0, 1, port) + raw


def binding_request(txid):
    """A Binding request with the 12-byte transaction id txid."""
    return struct.pack("!HHI", BINDING_REQUEST, 0, MAGIC) + txid


def binding_response(req, addr):
    """The success response to request bytes req from addr, or None when
    req is not a STUN Binding request (RFC 5389 7.3: first two bits zero,
    the magic cookie, a length that is a multiple of 4)."""
    if len(req) < 20:
        return None
    kind, length, magic = struct.unpack("!HHI", req[:8])
    if kind != BINDING_REQUEST or magic != MAGIC or length % 4 or \
            len(req) != 20 + length:
        return None
    body = _attr(ATTR_XOR_MAPPED, _addr_value(addr[0], addr[1], True)) + \
        _attr(ATTR_MAPPED, _addr_value(addr[0], addr[1], False))
    return struct.pack("!HHI", BINDING_SUCCESS, len(body), MAGIC) + \
        req[8:20] + body


def parse_response(data, txid):
    """(ip, port) from a Binding success response to txid, else None.
    XOR-MAPPED-ADDRESS wins over MAPPED-ADDRESS (RFC 5389 15.2)."""
    if len(data) < 20:
        return None
    kind, length, magic = struct.unpack("!HHI", data[:8])
    if kind != BINDING_SUCCESS or magic != MAGIC or data[8:20] != txid:
        return None
    pos, found = 20, {}
    while pos + 4 <= min(len(data), 20 + length):
        akind, alen = struct.unpack("!HH", data[pos:pos + 4])
        value = data[pos + 4:pos + 4 + alen]
        if akind in (ATTR_MAPPED, ATTR_XOR_MAPPED) and alen == 8 and \
                value[1] == 1:
            port = struct.unpack("!H", value[2:4])[0]
            raw = value[4:8]
            if akind == ATTR_XOR_MAPPED:
                port ^= MAGIC >> 16
                raw = bytes(a ^ b for a, b in
                            zip(raw, struct.pack("!I", MAGIC)))
            found[akind] = (socket.inet_ntoa(raw), port)
        pos += 4 + alen + (-alen % 4)
    return found.get(ATTR_XOR_MAPPED) or found.get(ATTR_MAPPED)


def stun_query(sock, server, timeout=3.0):
    """Ask server (host, port) from sock which public address it sees.
    Retransmits (RFC 5389 7.2.1, RTO 500 ms doubling); anything else that
    arrives on sock meanwhile is discarded.  (ip, port) or None."""
    txid = os.urandom(12)
    req = binding_request(txid)
    deadline = time.monotonic() + timeout
    rto = 0.5
    while time.monotonic() < deadline:
        sock.sendto(req, server)
        wait_end = min(deadline, time.monotonic() + rto)
        while True:
            left = wait_end - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([sock], [], [], left)
            if not r:
                break
            data, _ = sock.recvfrom(65535)
            got = parse_response(data, txid)
            if got:
                return got
        rto *= 2
    return None


def serve(local, out, timeout):
    ip, _, port = local.partition(":")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ip, int(port or 3478)))
    res = {"role": "stun", "local": local, "requests": []}
    with open(out + ".ready", "w") as f:
        f.write(str(os.getpid()))
    end = time.monotonic() + timeout
    while time.monotonic() < end and not os.path.exists(out + ".stop"):
        r, _, _ = select.select([s], [], [], 0.1)
        if not r:
            continue
        data, addr = s.recvfrom(65535)
        resp = binding_response(data, addr)
        if resp:
            s.sendto(resp, addr)
            res["requests"].append({"t": time.time(),
                                    "from": f"{addr[0]}:{addr[1]}"})
            with open(out + ".tmp", "w") as f:
                json.dump(res, f, indent=1)
            os.replace(out + ".tmp", out)
    with open(out + ".tmp", "w") as f:
        json.dump(res, f, indent=1)
    os.replace(out + ".tmp", out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--local", required=True, help="ip:port to serve on")
    p.add_argument("--out", required=True, help="JSON result file")
    p.add_argument("--timeout", type=float, default=60)
    a = p.parse_args()
    serve(a.local, a.out, a.timeout)


if __name__ == "__main__":
    main()
