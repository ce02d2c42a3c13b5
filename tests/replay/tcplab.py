#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""SIP over TCP lab captures: the live daemon against sipalg-replay.

  tcplab.py merge LAN0.pcap WAN0.pcap INPUT.pcap
      From TCP recorded on the router's lan0 and wan0 while the live daemon
      ran (tests/replay/record-tcp-lab.sh), write what the daemon saw in
      POSTROUTING: segments from the phone as they arrived on lan0, segments
      from outside as they arrived on wan0 but addressed to the phone (the
      connection's public port de-NATed, paired by the SYN's sequence
      number), in time order, in Ethernet framing.
  tcplab.py check
      For every pcap/lab/NAME.tcp.wan0.pcap: replay pcap/in/lab--NAME.pcap
      with pcap/conf/lab--NAME.conf and require every reassembled TCP stream
      of the output to be byte for byte what the live daemon sent: the
      phone's streams as they left on wan0, the outside's as they left on
      lan0.
"""
import ipaddress
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(TOP, 'tests', 'netns'))
import pcapsip  # noqa: E402
from mklinktypes import csum, write  # noqa: E402
from tcpstreams import segments, streams  # noqa: E402

BIN = os.environ.get('REPLAY', os.path.join(TOP, 'build', 'sipalg-replay-san'))
INSIDE = ipaddress.ip_network('10.0.0.0/8')


def tcp_frames(path):
    """[(ts, frame)] of the Ethernet IPv4/TCP frames."""
    out = []
    for lt, ts, b in pcapsip.frames(path):
        if lt != 1:
            raise SystemExit('%s: want Ethernet' % path)
        if len(b) > 23 and b[12:14] == b'\x08\x00' and b[23] == 6:
            out.append(((ts[0], ts[1]), bytes(b)))
    return out


def fields(fr):
    ip = fr[14:]
    ihl = (ip[0] & 15) * 4
    src, dst = ip[12:16], ip[16:20]
    sport, dport, seq = struct.unpack('>HHI', ip[ihl:ihl + 8])
    return ip, ihl, src, dst, sport, dport, seq, ip[ihl + 13]


def readdress(fr, dst, dport):
    """fr sent to dst:dport instead; checksums recomputed."""
    ip = bytearray(fr[14:])
    ihl = (ip[0] & 15) * 4
    tot = struct.unpack('>H', ip[2:4])[0]
    ip[16:20] = dst
    struct.pack_into('>H', ip, ihl + 2, dport)
    struct.pack_into('>H', ip, 10, 0)
    struct.pack_into('>H', ip, 10, csum(bytes(ip[:ihl])))
    struct.pack_into('>H', ip, ihl + 16, 0)
    pseudo = bytes(ip[12:20]) + struct.pack('>xBH', 6, tot - ihl)
    struct.pack_into('>H', ip, ihl + 16, csum(pseudo + bytes(ip[ihl:tot])))
    return fr[:14] + bytes(ip)


def merge(lan, wan, inp):
    isn = {}
    for ts, fr in tcp_frames(lan):
        ip, ihl, src, dst, sp, dp, seq, fl = fields(fr)
        if fl & 0x02 and not fl & 0x10:
            isn[seq] = (src, sp)
    pub = {}
    for ts, fr in tcp_frames(wan):
        ip, ihl, src, dst, sp, dp, seq, fl = fields(fr)
        if fl & 0x02 and not fl & 0x10 and seq in isn:
            pub[sp] = isn[seq]
    out, unpaired = [], 0
    for ts, fr in tcp_frames(lan):
        if ipaddress.ip_address(fields(fr)[2]) in INSIDE:
            out.append((ts, fr))
    for ts, fr in tcp_frames(wan):
        ip, ihl, src, dst, sp, dp, seq, fl = fields(fr)
        if ipaddress.ip_address(src) in INSIDE or \
                str(ipaddress.ip_address(src)) == '203.0.113.1':
            continue
        if dp not in pub:
            unpaired += 1
            continue
        out.append((ts, readdress(fr, *pub[dp])))
    out.sort(key=lambda x: x[0])
    write(inp, 1, out)
    kept = sum(1 for p, (a, q) in pub.items() if p == q)
    print('%d segments, %d connections (%d kept their port), %d unpaired'
          % (len(out), len(pub), kept, unpaired))
    return 1 if unpaired or kept != len(pub) else 0


def ends(k):
    """The stream key without the phone's public side: (outside addr,
    outside port, direction)."""
    src = ipaddress.ip_address(bytes(k[0]))
    if src in INSIDE or str(src) == '203.0.113.1':
        return (bytes(k[2]), k[3], 'out')
    return (bytes(k[0]), k[1], 'in')


def check():
    lab = os.path.join(TOP, 'pcap', 'lab')
    ok = bad = 0
    for f in sorted(os.listdir(lab)):
        if not f.endswith('.tcp.wan0.pcap'):
            continue
        name = f[:-len('.tcp.wan0.pcap')]
        inp = os.path.join(TOP, 'pcap', 'in', 'lab--%s.pcap' % name)
        conf = os.path.join(TOP, 'pcap', 'conf', 'lab--%s.conf' % name)
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, 'out.pcap')
            subprocess.run([BIN, '-c', conf, inp, out], check=True,
                           stdout=subprocess.DEVNULL)
            got = {ends(k): v for k, v in streams(segments(out)).items()}
        live = {}
        for side in ('wan0', 'lan0'):
            path = os.path.join(lab, '%s.tcp.%s.pcap' % (name, side))
            for k, v in streams(segments(path)).items():
                e = ends(k)
                if (side == 'wan0') == (e[2] == 'out'):
                    live[e] = v
        diff = [e for e in live if got.get(e) != live[e]]
        if diff or not live:
            bad += 1
            for e in diff:
                g, w = got.get(e, b''), live[e]
                i = next((i for i in range(min(len(g), len(w)))
                          if g[i] != w[i]), min(len(g), len(w)))
                print('FAIL %s %s stream differs at byte %d:\n  live %r\n'
                      '  replay %r' % (name, e[2], i, w[i - 40:i + 80],
                                       g[i - 40:i + 80]))
        else:
            ok += 1
            print('ok   %s: %d TCP streams (%d bytes) as the live daemon '
                  'sent them' % (name, len(live),
                                 sum(len(v) for v in live.values())))
    print('tcp lab captures: %d passed, %d failed' % (ok, bad))
    return 1 if bad else 0


def main():
    if len(sys.argv) == 5 and sys.argv[1] == 'merge':
        sys.exit(merge(*sys.argv[2:]))
    if len(sys.argv) == 2 and sys.argv[1] == 'check':
        sys.exit(check())
    sys.exit(__doc__)


if __name__ == '__main__':
    main()
