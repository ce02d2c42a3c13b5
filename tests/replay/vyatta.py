#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Third-party reference cases: the Vyatta dataplane SIP ALG's expected
rewrites (tests/corpus/alg-expected/vyatta-dataplane) through
sipalg-replay.

For each data set and NAT variant, the "pre" messages become UDP packets
(raw IPv4 capture) with the addresses of the third party's test set-up as
the daemon would see them in POSTROUTING, go through the pipeline, and our
output is compared with their "post" messages.  The differences are not
errors by themselves: each case's differences are recorded in
pcap/vyatta/CASE.diff and explained in pcap/vyatta/README.md.  The test
fails when today's differences are not exactly the recorded ones (a change
in our rewriting, for better or worse), showing what changed.

  vyatta.py            check
  vyatta.py --update   rewrite pcap/vyatta/*.diff (then update the README)
"""
import difflib
import json
import os
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
CORPUS = os.environ.get('SIPALG_CORPUS',
                        os.path.join(TOP, 'tests', 'corpus'))
SRC = os.path.join(CORPUS, 'alg-expected', 'vyatta-dataplane')
OUT = os.path.join(TOP, 'pcap', 'vyatta')

# The third party's set-up (corpus README, "vyatta-dataplane expected
# pairs"): who sends "forw" messages, from where to where after their DNAT,
# and our configuration mirroring their NAT rule.
CASES = {
    'sipd1-snat': dict(
        set='sipd1', pre='pre_snat', post='post_snat',
        caller=('1.1.1.2', 5060), callee=('22.22.22.2', 5060),
        conf='public_address = 30.30.30.2\ninside_networks = 1.1.1.0/24\n'
             'signalling_ports = 1024-1025\nmedia_ports = 1026-2000\n'),
    'sipd1-dnat': dict(
        set='sipd1', pre='pre_dnat', post='post_dnat',
        caller=('1.1.1.2', 5060), callee=('22.22.22.2', 5060),
        conf='public_address = 30.30.30.2\ninside_networks = 1.1.1.0/24\n'
             'signalling_ports = 1024-1025\nmedia_ports = 1026-2000\n'),
    'sipd2-snat': dict(
        set='sipd2', pre='pre_snat', post='post_snat',
        caller=('100.101.102.103', 5060), callee=('200.201.202.205', 5060),
        conf='public_address = 200.201.202.1\n'
             'inside_networks = 100.101.102.0/24\n'
             'media_ports = 10000-10999\n'),
    'sipd3-snat': dict(
        set='sipd3', pre='pre_snat', post='post_snat',
        caller=('8.19.19.6', 5060), callee=('50.60.70.80', 5060),
        conf='public_address = 50.60.70.1\ninside_networks = 8.19.19.0/24\n'
             'media_ports = 50004-50999\n'),
    # Their "no_nat" messages: the same calls through an ALG that translates
    # nothing.  Here neither party is in inside_networks, so the gateway
    # has no phone of its own in the call and every message must pass
    # byte for byte (nothing rewritten, nothing bound).
    'sipd1-nonat': dict(
        set='sipd1', pre='no_nat', post='no_nat',
        caller=('1.1.1.2', 5060), callee=('22.22.22.2', 5060),
        conf='public_address = 30.30.30.2\n'
             'inside_networks = 192.168.0.0/16\n', neutral=True),
    'sipd2-nonat': dict(
        set='sipd2', pre='no_nat', post='no_nat',
        caller=('100.101.102.103', 5060), callee=('200.201.202.205', 5060),
        conf='public_address = 200.201.202.1\n'
             'inside_networks = 192.168.0.0/16\n', neutral=True),
    # The phone behind the gateway is the callee here: "forw" (sent by the
    # outside caller) travels inbound, already DNATed to 16.33.0.200.
    'sipd4-dnat': dict(
        set='sipd4', pre='pre_dnat', post='post_dnat',
        caller=('18.33.0.200', 60673), callee=('16.33.0.200', 5060),
        conf='public_address = 77.1.1.1\ninside_networks = 16.33.0.0/24\n'
             'media_ports = 8038-8999\n'),
}


def addr(a):
    return bytes(int(x) for x in a.split('.'))


def udp_packet(src, dst, payload, ident):
    udp = bytearray(struct.pack('>HHHH', src[1], dst[1], 8 + len(payload), 0)
                    + payload)
    pseudo = addr(src[0]) + addr(dst[0]) + struct.pack('>xBH', 17, len(udp))
    struct.pack_into('>H', udp, 6, csum(pseudo + bytes(udp)) or 0xffff)
    ip = bytearray(struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), ident,
                               0, 64, 17, 0, addr(src[0]), addr(dst[0])))
    struct.pack_into('>H', ip, 10, csum(bytes(ip)))
    return bytes(ip) + bytes(udp)


def run_case(name, c, tmp):
    manifest = json.load(open(os.path.join(SRC, 'manifest.json')))
    files = manifest[c['set']]['arrays']
    pre = [os.path.join(SRC, c['set'], f) for f in files[c['pre']]]
    post = [os.path.join(SRC, c['set'], f) for f in files[c['post']]]
    frames = []
    for i, f in enumerate(pre):
        forw = '-forw-' in os.path.basename(f)
        src, dst = (c['caller'], c['callee']) if forw else \
            (c['callee'], c['caller'])
        frames.append(((1000000000 + i, 0),
                       udp_packet(src, dst, open(f, 'rb').read(), i + 1)))
    inp = os.path.join(tmp, name + '.pcap')
    out = os.path.join(tmp, name + '.out.pcap')
    write(inp, 101, frames)
    conf = os.path.join(tmp, name + '.conf')
    with open(conf, 'w') as f:
        f.write('inside_interface = lan0\noutside_interface = wan0\n' +
                c['conf'])
    p = subprocess.run([BIN, '-c', conf, inp, out, '--json'],
                       capture_output=True, text=True)
    if p.returncode or 'Sanitizer' in p.stderr or 'runtime error' in p.stderr:
        raise AssertionError('%s: sipalg-replay failed:\n%s' %
                             (name, p.stderr[-3000:]))
    summary = json.loads(p.stdout)
    if c.get('neutral') and (summary['rewritten'] or summary['dropped'] or
                             summary['bindings_installed']):
        raise AssertionError('%s: a call with no inside party was touched: '
                             '%d rewritten, %d dropped, %d bindings' % (
                                 name, summary['rewritten'],
                                 summary['dropped'],
                                 summary['bindings_installed']))
    ours = [pcapsip.lines('', pl)[1:] for _, pl in
            (pcapsip.describe(lt, ts, b) for lt, ts, b in
             pcapsip.frames(out))]
    text = ['# %s: %d messages, %d rewritten by us; reasons %s' % (
        name, summary['messages'], summary['rewritten'],
        json.dumps(summary['reasons'], sort_keys=True))]
    same = 0
    for f, mine in zip(post, ours):
        theirs = pcapsip.lines('', open(f, 'rb').read().decode('latin-1'))[1:]
        d = list(difflib.unified_diff(theirs, mine, 'vyatta/' +
                                      os.path.basename(f), 'sipalg',
                                      n=0, lineterm=''))
        if d:
            text += d
        else:
            same += 1
            text.append('= %s: identical' % os.path.basename(f))
    text.insert(1, '# identical to the reference: %d of %d' %
                (same, len(post)))
    return text


def main(argv):
    update = '--update' in argv
    if not os.path.isdir(SRC):
        print('vyatta: %s missing' % SRC)
        return 1
    ok = bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, c in CASES.items():
            try:
                text = run_case(name, c, tmp)
            except AssertionError as e:
                print('FAIL %s' % e)
                bad += 1
                continue
            path = os.path.join(OUT, name + '.diff')
            if update:
                os.makedirs(OUT, exist_ok=True)
                with open(path, 'w') as f:
                    f.write('\n'.join(text) + '\n')
                print('updated %s (%s)' % (path, text[1]))
                ok += 1
                continue
            want = open(path).read().split('\n')[:-1] \
                if os.path.exists(path) else []
            if want == text:
                print('ok   %s (%s)' % (name, text[1][2:]))
                ok += 1
                continue
            bad += 1
            print('FAIL %s: differences from the reference changed '
                  '(recorded in %s):' % (name, os.path.relpath(path, TOP)))
            for ln in list(difflib.unified_diff(want, text, 'recorded',
                                                'now', lineterm=''))[:80]:
                print('  ' + ln)
    print('vyatta reference cases: %d passed, %d failed' % (ok, bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
