#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tcpstreams.py - assertions over the TCP segments in a capture (standard
library only): each direction of each connection is reassembled from its
SYN by sequence number, so a private address split across two segments is
still found.

  leak PCAP [--skip HOST] [--all]
                            no 10.x address in the Request-URI, top Via,
                            Contact, Record-Route, Route or SDP o=/c=/
                            a=rtcp of any message of any reassembled
                            stream (--all: anywhere in the stream);
                            connections with HOST are left out
  rst PCAP                  no connection was reset
  same PCAP STRING          the segments carrying STRING were sent at
                            least twice, every copy with the same sequence
                            number and payload
  split PCAP STRING N       the message starting with STRING was carried
                            by at least N segments
"""

import re
import struct
import sys

PRIVATE = re.compile(rb"(?<![\d.])10\.\d{1,3}\.\d{1,3}\.\d{1,3}(?!\d)")


def segments(path):
    """(src, sport, dst, dport, seq, flags, payload) of every IPv4 TCP
    segment, Ethernet or Linux cooked captures."""
    out = []
    with open(path, "rb") as f:
        gh = f.read(24)
        magic = struct.unpack("<I", gh[:4])[0]
        end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
        link = struct.unpack(end + "I", gh[20:24])[0]
        while True:
            h = f.read(16)
            if len(h) < 16:
                break
            incl = struct.unpack(end + "IIII", h)[2]
            d = f.read(incl)
            off = {1: 14, 113: 16, 101: 0}.get(link)
            if off is None:
                continue
            if link == 1 and d[12:14] == b"\x81\x00":
                off += 4
            ip = d[off:]
            if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
                continue
            ihl = (ip[0] & 15) * 4
            tot = struct.unpack("!H", ip[2:4])[0]
            tcp = ip[ihl:tot]
            thl = (tcp[12] >> 4) * 4
            sport, dport, seq = struct.unpack("!HHI", tcp[:8])
            out.append((ip[12:16], sport, ip[16:20], dport, seq, tcp[13],
                        bytes(tcp[thl:])))
    return out


def streams(segs):
    """{(src, sport, dst, dport): bytes} reassembled from the SYN."""
    isn, data = {}, {}
    for s in segs:
        k = s[:4]
        if s[5] & 0x02:
            isn[k] = s[4] + 1
        elif s[6]:
            data.setdefault(k, []).append((s[4], s[6]))
    out = {}
    for k, parts in data.items():
        if k not in isn:
            continue
        buf = bytearray()
        for seq, p in sorted(parts, key=lambda x: (x[0] - isn[k]) & 0xffffffff):
            off = (seq - isn[k]) & 0xffffffff
            if off > len(buf):
                break           # a hole: stop at it
            buf[off:off + len(p)] = p
        out[k] = bytes(buf)
    return out


def ip(b):
    return ".".join(str(x) for x in b)


# What names where to send (the fields check.py's leak looks at): the
# Request-URI, the top Via, Contact, Record-Route, Route, and SDP o=, c=
# and a=rtcp.  From, To and Call-ID are identities the gateway leaves
# alone (RFC 3261 16.6).
ROUTING = ("via", "v", "contact", "m", "record-route", "route")


def messages(buf):
    """SIP messages of a stream, framed by Content-Length."""
    pos = 0
    while pos < len(buf):
        while buf[pos:pos + 1] in (b"\r", b"\n"):
            pos += 1
        end = buf.find(b"\r\n\r\n", pos)
        if end < 0:
            return
        m = re.search(rb"\r\n(?:Content-Length|l) *: *(\d+)",
                      buf[pos:end], re.I)
        stop = end + 4 + (int(m.group(1)) if m else 0)
        yield buf[pos:end], buf[end + 4:stop]
        pos = stop


def routing_text(head, body):
    lines = head.split(b"\r\n")
    out = [lines[0]]
    seen_via = False
    for line in lines[1:]:
        name = line.split(b":", 1)[0].strip().lower().decode("latin-1")
        if name in ("via", "v"):
            if not seen_via:
                out.append(line.split(b",")[0])
            seen_via = True
        elif name in ROUTING:
            out.append(line)
    out += [x for x in body.split(b"\r\n")
            if x[:2] in (b"o=", b"c=") or x.startswith(b"a=rtcp:")]
    return out


def cmd_leak(path, skip=None, everything=False):
    bad = n = 0
    for k, buf in streams(segments(path)).items():
        if skip and skip in (ip(k[0]), ip(k[2])):
            continue
        texts = [buf] if everything else [
            x for h, b in messages(buf) for x in routing_text(h, b)]
        n += len(texts)
        for t in texts:
            for m in PRIVATE.finditer(t):
                ctx = t[max(0, m.start() - 40):m.end() + 10]
                print(f"{ip(k[0])}:{k[1]} -> {ip(k[2])}:{k[3]}: {ctx!r}")
                bad += 1
    print(f"{bad} private addresses in {n} routing fields of the "
          "reassembled streams" if not everything else
          f"{bad} private addresses in reassembled streams")
    return bad == 0


def cmd_rst(path):
    n = 0
    for s in segments(path):
        if s[5] & 0x04:
            print(f"RST {ip(s[0])}:{s[1]} -> {ip(s[2])}:{s[3]}")
            n += 1
    print(f"{n} resets")
    return n == 0


def cmd_same(path, string):
    hits = [(s[:5], s[6]) for s in segments(path)
            if string.encode() in s[6]]
    print(f"{len(hits)} segments carry {string!r}; "
          f"{len(set(hits))} different")
    return len(hits) >= 2 and len(set(hits)) == 1


def cmd_split(path, string, n):
    segs = segments(path)
    bufs = streams(segs)
    isn = {s[:4]: s[4] + 1 for s in segs if s[5] & 0x02}
    for k, buf in bufs.items():
        at = buf.find(string.encode())
        if at < 0:
            continue
        head_end = buf.find(b"\r\n\r\n", at)
        m = re.search(rb"\r\nContent-Length: *(\d+)", buf[at:head_end])
        end = head_end + 4 + (int(m.group(1)) if m else 0)
        seen = set()
        for s in segs:
            if s[:4] != k or not s[6]:
                continue
            off = (s[4] - isn[k]) & 0xffffffff
            if off < end and off + len(s[6]) > at:
                seen.add((off, len(s[6])))
        print(f"message of {end - at} bytes in {len(seen)} segments")
        return len(seen) >= n
    print("message not found")
    return False


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "leak":
        args = sys.argv[3:]
        skip = args[args.index("--skip") + 1] if "--skip" in args else None
        ok = cmd_leak(path, skip, "--all" in args)
    elif cmd == "rst":
        ok = cmd_rst(path)
    elif cmd == "same":
        ok = cmd_same(path, sys.argv[3])
    elif cmd == "split":
        ok = cmd_split(path, sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(__doc__)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
