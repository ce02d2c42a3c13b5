#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Lab captures: the live daemon against sipalg-replay.

  lab.py merge LAN0.pcap WAN0.pcap INPUT.pcap LIVE.pcap
      From SIP recorded on the router's lan0 and wan0 while the live daemon
      ran (tests/replay/record-lab.sh), write what the daemon saw in
      POSTROUTING (INPUT: outbound messages as they arrived on lan0,
      inbound messages as they arrived on wan0 but addressed like the
      DNATed packet on lan0) and what it sent (LIVE: outbound messages as
      they left on wan0, inbound as they left on lan0), both in lan0's
      framing.  Messages are paired by method or status, Call-ID, CSeq and
      top Via branch.
  lab.py check
      For every pcap/lab/NAME.live.pcap: replay pcap/in/lab--NAME.pcap with
      pcap/conf/lab--NAME.conf and require the same SIP messages, in order,
      as the live daemon sent.
"""
import difflib
import ipaddress
import os
import re
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import pcapsip  # noqa: E402
from mklinktypes import csum, write  # noqa: E402

BIN = os.environ.get('REPLAY', os.path.join(TOP, 'build', 'sipalg-replay-san'))
INSIDE = ipaddress.ip_network('10.0.0.0/8')
PUBLIC = ipaddress.ip_address('203.0.113.1')


def udp_frames(path):
    """[(ts, frame, l3 offset, src, payload)] of the IPv4/UDP frames."""
    out = []
    for lt, ts, b in pcapsip.frames(path):
        if lt != 1:
            raise SystemExit('%s: want Ethernet' % path)
        fam, ip, _ = pcapsip.l3(lt, b)
        if fam != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack('>H', ip[2:4])[0]
        out.append((ts, b, len(b) - len(ip),
                    ipaddress.ip_address(ip[12:16]), ip[ihl + 8:tot]))
    return out


def key(pl, seen):
    """Pairing key of a SIP message: method or status, Call-ID, CSeq, top
    Via branch, and which occurrence of that key it is."""
    t = pl.decode('latin-1')
    first = t.split('\r\n', 1)[0].split(' ')
    what = first[1] if first[0].startswith('SIP/') else first[0]

    def hdr(names):
        m = re.search(r'^(?:%s)[ \t]*:[ \t]*(.*?)\r$' % names, t,
                      re.M | re.I)
        return m.group(1) if m else ''
    br = re.search(r'branch=([^;,\s]+)', hdr('via|v'))
    k = (what, hdr('call-id|i'), hdr('cseq'), br.group(1) if br else '')
    seen[k] = seen.get(k, 0) + 1
    return k + (seen[k],)


def with_payload(frame, off, pl):
    """frame with its UDP payload replaced by pl; lengths and checksums
    recomputed."""
    ip = bytearray(frame[off:])
    ihl = (ip[0] & 15) * 4
    udp = bytearray(ip[ihl:ihl + 8]) + pl
    struct.pack_into('>H', udp, 4, len(udp))
    struct.pack_into('>H', udp, 6, 0)
    pseudo = bytes(ip[12:20]) + struct.pack('>xBH', 17, len(udp))
    struct.pack_into('>H', udp, 6, csum(pseudo + bytes(udp)) or 0xffff)
    hdr = ip[:ihl]
    struct.pack_into('>H', hdr, 2, ihl + len(udp))
    struct.pack_into('>H', hdr, 10, 0)
    struct.pack_into('>H', hdr, 10, csum(bytes(hdr)))
    return frame[:off] + bytes(hdr) + bytes(udp)


def merge(lan, wan, inp, live):
    seen = {}
    wan_out, wan_in = {}, {}
    for ts, fr, off, src, pl in udp_frames(wan):
        (wan_out if src == PUBLIC else wan_in)[key(pl, seen)] = pl
    seen = {}
    a, b, unpaired = [], [], 0
    for ts, fr, off, src, pl in udp_frames(lan):
        k = key(pl, seen)
        t = (ts[0], ts[1])
        if src in INSIDE:
            other = wan_out.get(k)
            a.append((t, fr))
            b.append((t, with_payload(fr, off, other) if other else fr))
        else:
            other = wan_in.get(k)
            a.append((t, with_payload(fr, off, other) if other else fr))
            b.append((t, fr))
        unpaired += other is None
    write(inp, 1, a)
    write(live, 1, b)
    print('%d messages, %d without a partner on the other side' %
          (len(a), unpaired))
    return 1 if unpaired else 0


def messages(path):
    """SIP messages with addresses; checksum marks left out (phones' own
    packets are recorded on veth before their checksum is filled in)."""
    return [[re.sub(r' BAD-(IP|UDP)-CHECKSUM', '', fr[0])] + fr[1:]
            for fr in pcapsip.dump(path, with_link=False, only_udp=True)]


def check():
    labdir = os.path.join(TOP, 'pcap', 'lab')
    names = sorted(f[:-len('.live.pcap')] for f in os.listdir(labdir)
                   if f.endswith('.live.pcap')) if os.path.isdir(labdir) \
        else []
    ok = bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for n in names:
            out = os.path.join(tmp, n + '.pcap')
            p = subprocess.run(
                [BIN, '-c', os.path.join(TOP, 'pcap', 'conf',
                                         'lab--%s.conf' % n),
                 os.path.join(TOP, 'pcap', 'in', 'lab--%s.pcap' % n), out],
                capture_output=True, text=True)
            if p.returncode or 'Sanitizer' in p.stderr:
                print('FAIL %s: sipalg-replay failed\n%s' % (n, p.stderr))
                bad += 1
                continue
            want = messages(os.path.join(labdir, n + '.live.pcap'))
            got = messages(out)
            diff = None
            for i in range(max(len(want), len(got))):
                x = want[i] if i < len(want) else ['(none)']
                y = got[i] if i < len(got) else ['(none)']
                if x != y:
                    diff = (i + 1, difflib.unified_diff(
                        x, y, 'live daemon', 'sipalg-replay', lineterm=''))
                    break
            if diff:
                print('FAIL %s: message %d differs from the live daemon' %
                      (n, diff[0]))
                print('\n'.join(diff[1]))
                bad += 1
            else:
                print('ok   %s: %d messages as the live daemon sent them' %
                      (n, len(want)))
                ok += 1
    print('lab captures: %d passed, %d failed' % (ok, bad))
    return 1 if bad else 0


if __name__ == '__main__':
    if len(sys.argv) == 6 and sys.argv[1] == 'merge':
        sys.exit(merge(*sys.argv[2:]))
    if len(sys.argv) == 2 and sys.argv[1] == 'check':
        sys.exit(check())
    raise SystemExit(__doc__)
