#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write pcap/in/issue11--slipstream.pcap: the shapes of
tests/netns/t_slipstream.sh and of a SIP scanner as a capture (issue 11).

Phone 10.0.0.10 registers alice@ with 203.0.113.10 (REGISTER, 200); then
sends the five Slipstreaming messages of tests/netns/slipstream.py (other
inside host 10.0.0.11, its own ports 53/445, the router 10.0.0.1, the
broadcast 10.0.0.255); a scanner 198.51.100.99 sends OPTIONS and INVITE
to guessed users at the public address (after the router's DNAT: to the
phone); the registrar's INVITE to the registered Contact follows.  Inbound
packets are as queued after DNAT (destination the phone).  Classic pcap,
Ethernet, deterministic.  Usage: mkslipstream.py OUT.pcap
"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "netns"))
import slipstream  # noqa: E402

ETH = bytes.fromhex('020000000002020000000001') + b'\x08\x00'


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def udp(src, sport, dst, dport, payload):
    s = bytes(map(int, src.split('.')))
    d = bytes(map(int, dst.split('.')))
    u = struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload
    ck = csum(s + d + struct.pack('!BBH', 0, 17, len(u)) + u) or 0xffff
    u = u[:6] + struct.pack('!H', ck) + u[8:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(u), 0, 0x4000, 64,
                     17, 0, s, d)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return ETH + ip + u


def main(out):
    ph, reg, scan = '10.0.0.10', '203.0.113.10', '198.51.100.99'
    pkts = []
    pkts.append(udp(ph, 5060, reg, 5060, (
        "REGISTER sip:203.0.113.10 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKr1\r\n"
        "From: <sip:alice@203.0.113.10>;tag=r1\r\n"
        "To: <sip:alice@203.0.113.10>\r\nCall-ID: r1@10.0.0.10\r\n"
        "CSeq: 1 REGISTER\r\nContact: <sip:alice@10.0.0.10:5060>\r\n"
        "Expires: 600\r\nContent-Length: 0\r\n\r\n").encode()))
    pkts.append(udp(reg, 5060, ph, 5060, (
        "SIP/2.0 200 OK\r\n"
        "Via: SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bKr1\r\n"
        "From: <sip:alice@203.0.113.10>;tag=r1\r\n"
        "To: <sip:alice@203.0.113.10>;tag=g1\r\nCall-ID: r1@10.0.0.10\r\n"
        "CSeq: 1 REGISTER\r\n"
        "Contact: <sip:alice@203.0.113.1:5060>;expires=600\r\n"
        "Content-Length: 0\r\n\r\n").encode()))
    for m in slipstream.msgs(ph, '10.0.0.11', '10.0.0.1', '10.0.0.255'):
        pkts.append(udp(ph, 5060, reg, 5060, m))
    for n, (meth, ruri, src) in enumerate((
            ("OPTIONS", "sip:100@203.0.113.1", scan),
            ("INVITE", "sip:admin@203.0.113.1:5060", scan),
            ("INVITE", "sip:alice@203.0.113.1:5060", reg))):
        pkts.append(udp(src, 5060, ph, 5060, (
            "%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bKs%d\r\n"
            "From: <sip:x@%s>;tag=s%d\r\nTo: <%s>\r\nCall-ID: s%d@%s\r\n"
            "CSeq: 1 %s\r\nContact: <sip:x@%s>\r\nContent-Length: 0\r\n\r\n"
            % (meth, ruri, src, n, src, n, ruri, n, src, meth, src)
        ).encode()))
    with open(out, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, p in enumerate(pkts):
            f.write(struct.pack('<IIII', 1700000000 + i, 0, len(p), len(p)))
            f.write(p)


if __name__ == '__main__':
    main(sys.argv[1])
