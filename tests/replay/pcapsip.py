#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Decode the SIP messages of classic pcap files, python3 stdlib only.

  pcapsip.py dump FILE            every frame: one header line, then the
                                  UDP payload as text (SIP) when there is one
  pcapsip.py diff EXPECTED ACTUAL first differing frame as a unified diff;
                                  exit 1 when the files differ
  pcapsip.py sip FILE             only the UDP payloads, one per frame, with
                                  addresses but no link-layer detail (used to
                                  compare one capture in several link types)
"""
import difflib
import hashlib
import socket
import struct
import sys


def frames(path):
    """Yield (linktype, ts, bytes) for each frame of a classic pcap file."""
    with open(path, 'rb') as f:
        data = f.read()
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        raise SystemExit('%s: not a classic pcap file' % path)
    linktype = struct.unpack(e + 'I', data[20:24])[0] & 0x0fffffff
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, wire = struct.unpack(e + 'IIII', data[off:off + 16])
        off += 16
        yield linktype, (sec, frac, wire), data[off:off + caplen]
        off += caplen


def l3(linktype, b):
    """(family, ip bytes, encapsulation text) or (None, None, text)."""
    enc = []
    if linktype == 1:
        off, et = 14, (struct.unpack('>H', b[12:14])[0] if len(b) >= 14 else 0)
    elif linktype == 113:
        off, et = 16, (struct.unpack('>H', b[14:16])[0] if len(b) >= 16 else 0)
    elif linktype == 276:
        off, et = 20, (struct.unpack('>H', b[0:2])[0] if len(b) >= 20 else 0)
    elif linktype in (12, 14, 101, 228, 229, 0, 108):
        off = 4 if linktype in (0, 108) else 0
        v = b[off] >> 4 if len(b) > off else 0
        et = {4: 0x0800, 6: 0x86dd}.get(v, 0)
    else:
        return None, None, 'linktype %d' % linktype
    while et in (0x8100, 0x88a8, 0x9100) and len(b) >= off + 4:
        enc.append('vlan %d' % (struct.unpack('>H', b[off:off + 2])[0] & 0xfff))
        et = struct.unpack('>H', b[off + 2:off + 4])[0]
        off += 4
    if et == 0x8864 and len(b) >= off + 8:
        plen = struct.unpack('>H', b[off + 4:off + 6])[0]
        enc.append('pppoe len %d%s' % (plen, '' if plen == len(b) - off - 6
                                        else ' (frame has %d)' % (len(b) - off - 6)))
        et = {0x21: 0x0800, 0x57: 0x86dd}.get(
            struct.unpack('>H', b[off + 6:off + 8])[0], 0)
        off += 8
    fam = {0x0800: 4, 0x86dd: 6}.get(et)
    return fam, (b[off:] if fam else None), ' '.join(enc)


def csum_ok(b):
    """True when the ones' complement sum of b is all ones."""
    if len(b) % 2:
        b += b'\0'
    t = sum(struct.unpack('>%dH' % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return t == 0xffff


def describe(linktype, ts, b, with_link=True):
    """Header line and payload text of one frame."""
    fam, ip, enc = l3(linktype, b)
    link = ('[%s] ' % enc) if (enc and with_link) else ''
    if fam == 4 and len(ip) >= 20:
        ihl = (ip[0] & 15) * 4
        tot, fo, proto = struct.unpack('>H', ip[2:4])[0], \
            struct.unpack('>H', ip[6:8])[0], ip[9]
        src, dst = socket.inet_ntop(socket.AF_INET, ip[12:16]), \
            socket.inet_ntop(socket.AF_INET, ip[16:20])
        l4 = ip[ihl:tot]
        frag = ' frag' if fo & 0x3fff else ''
    elif fam == 6 and len(ip) >= 40:
        proto = ip[6]
        src, dst = socket.inet_ntop(socket.AF_INET6, ip[8:24]), \
            socket.inet_ntop(socket.AF_INET6, ip[24:40])
        l4 = ip[40:40 + struct.unpack('>H', ip[4:6])[0]]
        frag = ' frag' if proto == 44 else ''
        src, dst = '[%s]' % src, '[%s]' % dst
    else:
        return '%s%d bytes, no IP, sha1 %s' % (
            link, len(b), hashlib.sha1(b).hexdigest()[:12]), ''
    bad = ''
    if fam == 4 and not csum_ok(ip[:ihl]):
        bad += ' BAD-IP-CHECKSUM'
    if proto == 17 and not frag and len(l4) >= 8:
        sp, dp, ulen, uck = struct.unpack('>HHHH', l4[:8])
        pl = l4[8:]
        if fam == 4:
            pseudo = ip[12:20] + struct.pack('>xBH', 17, len(l4))
        else:
            pseudo = ip[8:40] + struct.pack('>IxxxB', len(l4), 17)
        if (uck or fam == 6) and not csum_ok(pseudo + l4):
            bad += ' BAD-UDP-CHECKSUM'
        if ulen != len(l4):
            bad += ' UDP-LENGTH-%d' % ulen
        head = '%sUDP %s:%d > %s:%d, %d bytes payload%s' % (
            link, src, sp, dst, dp, len(pl), bad)
        return head, pl.decode('latin-1')
    return '%sIPv%d proto %d%s%s %s > %s, %d bytes, sha1 %s' % (
        link, fam, proto, frag, bad, src, dst, len(ip),
        hashlib.sha1(ip).hexdigest()[:12]), ''


def lines(head, text):
    out = [head]
    for ln in text.split('\n'):
        if ln.endswith('\r'):
            ln = ln[:-1]
        elif ln:
            ln += '   <LF only>'
        out.append(ln.replace('\r', '\\r'))
    return out


def dump(path, with_link=True, only_udp=False):
    res = []
    for i, (lt, ts, b) in enumerate(frames(path), 1):
        head, text = describe(lt, ts, b, with_link)
        if only_udp and not text:
            continue
        res.append(lines('frame %d: %s' % (i, head) if not only_udp
                         else head, text))
    return res


def diff(exp, act):
    a, b = dump(exp), dump(act)
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else ['(no frame %d)' % (i + 1)]
        y = b[i] if i < len(b) else ['(no frame %d)' % (i + 1)]
        if x != y:
            print('first differing frame: %d of %d expected, %d actual'
                  % (i + 1, len(a), len(b)))
            for ln in difflib.unified_diff(x, y, exp, act, lineterm=''):
                print(ln)
            return 1
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == 'dump':
        for fr in dump(argv[2]):
            print('\n'.join(fr))
        return 0
    if len(argv) == 3 and argv[1] == 'sip':
        for fr in dump(argv[2], with_link=False, only_udp=True):
            print('\n'.join(fr))
        return 0
    if len(argv) == 4 and argv[1] == 'diff':
        return diff(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
