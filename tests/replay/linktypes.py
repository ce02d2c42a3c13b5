#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""sipalg-replay in every link layer it reads.

Generates variants of one base capture (mklinktypes.py: SLL, SLL2, raw IP,
BSD loopback, VLAN, QinQ, PPPoE, VLAN+PPPoE, SLL+VLAN, IPv4 fragments in
order, reversed and inside PPPoE, a lost fragment, IPv6, IPv6 fragments),
replays each with the ASan build and checks:
  * the output has the input's link type, and every frame decodes with
    correct IP/UDP checksums and lengths (PPPoE length matching its frame);
  * IPv4 variants: the SIP messages (addresses, ports, payload text) and the
    summary (messages, rewritten, unchanged, passed, reasons, bindings) are
    exactly those of the Ethernet base, fragments coming out reassembled;
  * a lost fragment: its datagram is never seen, the other fragments are
    written unchanged at the end, counted as incomplete;
  * IPv6: no NAT, so nothing is rewritten; these messages all come from
    outside (no inside IPv6 network configured), so they open no pinhole
    either: every message counted as unchanged, payloads byte for byte;
  * 3000 hostile frames (overlapping, duplicate, out-of-range and endless
    fragments, truncated frames, broken VLAN/PPPoE): no sanitizer report,
    every frame accounted for.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import pcapsip  # noqa: E402

BIN = os.environ.get('REPLAY', os.path.join(TOP, 'build', 'sipalg-replay-san'))
CONF = os.path.join(TOP, 'pcap', 'replay.conf')
BASE = os.path.join(TOP, 'pcap', 'in', 'sipnab--sip-sdp-example.pcap')
SAME = ('messages', 'rewritten', 'unchanged', 'passed', 'dropped', 'reasons',
        'bindings', 'calls_ended')


def replay(src, dst):
    p = subprocess.run([BIN, '-c', CONF, src, dst, '--json'],
                       capture_output=True, text=True)
    if p.returncode != 0 or 'Sanitizer' in p.stderr or \
            'runtime error' in p.stderr:
        raise AssertionError('sipalg-replay failed on %s:\n%s' %
                             (src, p.stderr[-3000:]))
    return json.loads(p.stdout)


def linktype(path):
    return next(pcapsip.frames(path))[0]


def sip(path):
    return pcapsip.dump(path, with_link=False, only_udp=True)


def check(name, tmp, base_sum, base_sip, base_in_sip):
    src = os.path.join(tmp, name + '.pcap')
    out = os.path.join(tmp, name + '.out.pcap')
    s = replay(src, out)
    errs = []
    if linktype(out) != linktype(src):
        errs.append('link type %d, input has %d' %
                    (linktype(out), linktype(src)))
    for fr in pcapsip.dump(out):
        if any(w in fr[0] for w in ('BAD-', 'UDP-LENGTH', 'frame has',
                                    'no IP')):
            errs.append('bad frame: ' + fr[0])
    if name.startswith('ipv6'):
        if s['messages'] != base_sum['messages'] or s['reasons'] or \
                s['unchanged'] != base_sum['messages'] or \
                s['rewritten'] != 0 or s['bindings']:
            errs.append('IPv6 not left unchanged: %s' % s)
        got = [fr[1:] for fr in sip(out)]
        want = [fr[1:] for fr in base_in_sip]
        if got != want:
            errs.append('IPv6 payloads changed')
        if name == 'ipv6':
            with open(src, 'rb') as a, open(out, 'rb') as b:
                if a.read()[24:] != b.read()[24:]:
                    errs.append('IPv6 capture not copied byte for byte')
    elif name == 'chaos':
        # Only survival and bookkeeping: every frame comes out once,
        # fragments as their reassembled datagram or unchanged at the end.
        if s['written'] != s['frames'] - s['fragments'] + \
                s['reassembled'] + s['incomplete_fragments']:
            errs.append('frames lost or duplicated: %s' % s)
        errs = [e for e in errs if not e.startswith('bad frame')]
    elif name == 'frag-lost':
        if s['messages'] != base_sum['messages'] - 1 or \
                s['incomplete_fragments'] < 1 or \
                s['written'] != s['frames'] - s['fragments'] + \
                s['reassembled'] + s['incomplete_fragments']:
            errs.append('lost fragment not accounted for: %s' % s)
        tail = pcapsip.dump(out)[-s['incomplete_fragments']:]
        if not all(' frag ' in fr[0] for fr in tail):
            errs.append('incomplete fragments not at the end')
    else:
        for k in SAME:
            if k == 'bindings' and name.startswith('frag'):
                # frame numbers count fragments: compare the rest
                nofr = [[dict(b, frame=0) for b in x[k]]
                        for x in (s, base_sum)]
                if nofr[0] != nofr[1]:
                    errs.append('bindings differ from the base')
            elif s[k] != base_sum[k]:
                errs.append('%s: %r, base has %r' % (k, s[k], base_sum[k]))
        if name.startswith('frag') and (not s['reassembled'] or
                                        s['written'] != base_sum['frames']):
            errs.append('fragments not reassembled into one packet each')
        got = sip(out)
        if got != base_sip:
            for i, (a, b) in enumerate(zip(base_sip, got)):
                if a != b:
                    import difflib
                    errs.append('message %d differs from the base:\n%s' % (
                        i + 1, '\n'.join(difflib.unified_diff(
                            a, b, 'base', name, lineterm=''))))
                    break
            else:
                errs.append('%d messages, base has %d' %
                            (len(got), len(base_sip)))
    return errs


def main():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, os.path.join(HERE, 'mklinktypes.py'),
                        BASE, tmp], check=True)
        names = sorted(f[:-5] for f in os.listdir(tmp) if f.endswith('.pcap'))
        base_out = os.path.join(tmp, 'base.out.pcap')
        base_sum = replay(os.path.join(tmp, 'ethernet.pcap'), base_out)
        base_sip = sip(base_out)
        base_in_sip = sip(os.path.join(tmp, 'ethernet.pcap'))
        if base_sum['rewritten'] == 0:
            print('FAIL base: nothing rewritten, the test would prove nothing')
            return 1
        ok = bad = 0
        for n in names:
            try:
                errs = check(n, tmp, base_sum, base_sip, base_in_sip)
            except AssertionError as e:
                errs = [str(e)]
            if errs:
                bad += 1
                print('FAIL %s:\n  %s' % (n, '\n  '.join(errs)))
            else:
                ok += 1
                print('ok   %s' % n)
        print('link types: %d passed, %d failed' % (ok, bad))
        return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
