#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Make the link-type test captures from one Ethernet/IPv4 base capture.

  mklinktypes.py BASE.pcap OUTDIR

Writes OUTDIR/VARIANT.pcap for each variant below: the same IPv4 packets
as BASE (classic pcap, Ethernet) behind other link layers, fragmented, or
moved to IPv6.  python3 stdlib only; the output is deterministic.
"""
import os
import random
import struct
import sys

ETH_SRC = bytes.fromhex('020000000001')
ETH_DST = bytes.fromhex('020000000002')


def read(path):
    with open(path, 'rb') as f:
        d = f.read()
    if d[:4] != b'\xd4\xc3\xb2\xa1':
        raise SystemExit('%s: want a little-endian microsecond pcap' % path)
    if struct.unpack('<I', d[20:24])[0] != 1:
        raise SystemExit('%s: want an Ethernet capture' % path)
    off, out = 24, []
    while off + 16 <= len(d):
        s, us, cap, wire = struct.unpack('<IIII', d[off:off + 16])
        fr = d[off + 16:off + 16 + cap]
        off += 16 + cap
        if struct.unpack('>H', fr[12:14])[0] != 0x0800:
            raise SystemExit('%s: want IPv4 frames only' % path)
        out.append(((s, us), fr[14:]))
    return out


def write(path, linktype, frames):
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144,
                            linktype))
        for (s, us), b in frames:
            f.write(struct.pack('<IIII', s, us, len(b), len(b)))
            f.write(b)


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('>%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def eth(et, payload):
    return ETH_DST + ETH_SRC + struct.pack('>H', et) + payload


def pppoe(ip, v6=False):
    ppp = struct.pack('>H', 0x57 if v6 else 0x21) + ip
    return struct.pack('>BBHH', 0x11, 0, 0x1234, len(ppp)) + ppp


def fragments(ip, size):
    """IPv4 fragments of ip with size data bytes each (size % 8 == 0)."""
    ihl = (ip[0] & 15) * 4
    hdr, data = bytearray(ip[:ihl]), ip[ihl:]
    if len(data) <= size:
        return [ip]
    out = []
    for off in range(0, len(data), size):
        part = data[off:off + size]
        h = bytearray(hdr)
        more = off + size < len(data)
        struct.pack_into('>H', h, 2, ihl + len(part))
        struct.pack_into('>H', h, 6, (0x2000 if more else 0) | (off // 8))
        struct.pack_into('>H', h, 10, 0)
        struct.pack_into('>H', h, 10, csum(bytes(h)))
        out.append(bytes(h) + part)
    return out


def v6_addr(a4):
    return bytes.fromhex('20010db8000000000000000000000000')[:12] + a4


def to_v6(ip):
    """The IPv4/UDP packet as IPv6/UDP (2001:db8::/96 + the IPv4 address)."""
    ihl = (ip[0] & 15) * 4
    tot = struct.unpack('>H', ip[2:4])[0]
    src, dst, proto = v6_addr(ip[12:16]), v6_addr(ip[16:20]), ip[9]
    l4 = bytearray(ip[ihl:tot])
    if proto == 17:
        struct.pack_into('>H', l4, 6, 0)
        pseudo = src + dst + struct.pack('>IxxxB', len(l4), 17)
        struct.pack_into('>H', l4, 6, csum(pseudo + bytes(l4)) or 0xffff)
    return struct.pack('>IHBB', 6 << 28, len(l4), proto, 64) + src + dst + \
        bytes(l4)


def v6_fragments(ip6, size, ident):
    nh, data = ip6[6], ip6[40:]
    if len(data) <= size:
        return [ip6]
    out = []
    for off in range(0, len(data), size):
        part = data[off:off + size]
        more = off + size < len(data)
        fh = struct.pack('>BBHI', nh, 0, off | (1 if more else 0), ident)
        h = bytearray(ip6[:40])
        struct.pack_into('>H', h, 4, 8 + len(part))
        h[6] = 44
        out.append(bytes(h) + fh + part)
    return out


def chaos(pk):
    """Hostile frames: overlapping, duplicate, oversized and endless
    fragments (more datagrams than the reassembler keeps), truncated
    frames, bad VLAN/PPPoE headers.  Seeded: the same file every time."""
    rnd = random.Random(4475)
    out = []
    for n in range(3000):
        t, ip = pk[rnd.randrange(len(pk))]
        ip = bytearray(ip)
        kind = rnd.randrange(8)
        if kind < 5:
            fs = [bytearray(f) for f in fragments(bytes(ip), 8 * rnd.randint(1, 40))]
            rnd.shuffle(fs)
            for f in fs[:rnd.randint(1, len(fs))]:
                struct.pack_into('>H', f, 4, rnd.randrange(40))  # id
                if rnd.random() < 0.3:
                    struct.pack_into('>H', f, 6, rnd.randrange(65536))
                if rnd.random() < 0.1:
                    f = f[:rnd.randrange(len(f))]
                out.append((t, eth(0x0800, bytes(f))))
        elif kind == 5:
            out.append((t, eth(0x0800, bytes(ip[:rnd.randrange(len(ip))]))))
        elif kind == 6:
            hdr = struct.pack('>BBHH', rnd.choice((0x11, 0x12)), 0, 1,
                              rnd.randrange(65536))
            out.append((t, eth(0x8864, hdr + struct.pack('>H', 0x21) +
                               bytes(ip))[:rnd.randrange(14, 40)]))
        else:
            out.append((t, eth(0x8100, struct.pack('>H', 1))))
    return out


def main(base, outdir):
    pk = read(base)
    os.makedirs(outdir, exist_ok=True)
    v = {}
    v['ethernet'] = (1, [(t, eth(0x0800, ip)) for t, ip in pk])
    sll = struct.pack('>HHH', 4, 1, 6) + ETH_SRC + b'\0\0'
    v['sll'] = (113, [(t, sll + struct.pack('>H', 0x0800) + ip)
                      for t, ip in pk])
    sll2 = struct.pack('>HHIHBB', 0x0800, 0, 2, 1, 4, 6) + ETH_SRC + b'\0\0'
    v['sll2'] = (276, [(t, sll2 + ip) for t, ip in pk])
    v['raw'] = (101, [(t, ip) for t, ip in pk])
    v['ipv4'] = (228, [(t, ip) for t, ip in pk])
    v['null'] = (0, [(t, struct.pack('<I', 2) + ip) for t, ip in pk])
    v['vlan'] = (1, [(t, eth(0x8100, struct.pack('>HH', 100, 0x0800) + ip))
                     for t, ip in pk])
    v['qinq'] = (1, [(t, eth(0x88a8, struct.pack('>HHHH', 10, 0x8100, 100,
                                                 0x0800) + ip))
                     for t, ip in pk])
    v['pppoe'] = (1, [(t, eth(0x8864, pppoe(ip))) for t, ip in pk])
    v['vlan-pppoe'] = (1, [(t, eth(0x8100, struct.pack('>HH', 7, 0x8864) +
                                   pppoe(ip))) for t, ip in pk])
    v['sll-vlan'] = (113, [(t, sll + struct.pack('>HHH', 0x8100, 5, 0x0800)
                            + ip) for t, ip in pk])
    fr = []
    for t, ip in pk:
        fr += [(t, eth(0x0800, f)) for f in fragments(ip, 256)]
    v['frag'] = (1, fr)
    fr = []
    for t, ip in pk:
        fr += [(t, eth(0x0800, f)) for f in reversed(fragments(ip, 512))]
    v['frag-reverse'] = (1, fr)
    fr = []
    for t, ip in pk:
        fr += [(t, eth(0x8864, pppoe(f))) for f in fragments(ip, 256)]
    v['frag-pppoe'] = (1, fr)
    # The first fragment of the first fragmented packet is lost.
    fr, lost = [], False
    for t, ip in pk:
        fs = fragments(ip, 256)
        if len(fs) > 1 and not lost:
            fs, lost = fs[1:], True
        fr += [(t, eth(0x0800, f)) for f in fs]
    v['frag-lost'] = (1, fr)
    v['ipv6'] = (1, [(t, eth(0x86dd, to_v6(ip))) for t, ip in pk])
    fr = []
    for i, (t, ip) in enumerate(pk):
        fr += [(t, eth(0x86dd, f)) for f in v6_fragments(to_v6(ip), 256, i)]
    v['ipv6-frag'] = (1, fr)
    v['chaos'] = (1, chaos(pk))
    for name, (lt, frames) in v.items():
        write(os.path.join(outdir, name + '.pcap'), lt, frames)


if __name__ == '__main__':
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
