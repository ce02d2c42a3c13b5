#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_scanner.sh [MODE] - a SIP scanner outside (issue 11): phone1 registers
# with the registrar, which then calls the registered Contact.  A scanner
# at 203.0.113.30 sends OPTIONS to the public address and INVITEs and an
# OPTIONS to guessed users (100, admin, phone2) on the phone's public SIP
# port: the registered phone receives none of them (no ghost calls).  The
# peer's INVITE to the registered Contact still rings the phone, with media
# both ways.  In sipalg mode the daemon's log counts the drops.
. "$(dirname "$0")/lib.sh"
lab_up
J=$WORK
SCANNER=203.0.113.30
ip -n "$NS_O" addr add $SCANNER/24 dev eth0

ua_bg "$NS_O" registrar registrar --local $REGISTRAR --user registrar \
	--expires 120 --call --rtp-port 50100 --timeout 8
ua_bg "$NS_P1" phone1 register --local $PHONE1 --user phone1 \
	--registrar $REGISTRAR --expires 120 --serve 2 --rtp-port 40000 \
	--timeout 30
bg_wait registrar
CONTACT=$(json "$J/registrar.json" 'd["binding"]["contact"]' 2>/dev/null)
check "REGISTER answered 200, Contact $CONTACT" \
	test "$(json "$J/phone1.json" 'd["register"]["code"]')" = 200
check "call from the registrar to the binding completes" \
	python3 "$CHECK" status "$J/registrar.json"

# The scanner: an OPTIONS to the public address (no user), then requests
# to guessed users on the phone's public SIP port.
PUBPORT=$(python3 -c 'import re,sys; m=re.search(r"@[^:>;]+:(\d+)", sys.argv[1]); print(m.group(1) if m else 5060)' "$CONTACT")
in_ns "$NS_O" python3 "$SIPUA" probe --sip --local $SCANNER:5060 \
	--to $GW_OUT:$PUBPORT --packets 3 --out "$J/scan-options.json"
in_ns "$NS_O" python3 - $SCANNER $GW_OUT $PUBPORT <<'PY'
import socket, sys, time
me, gw, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((me, 5070))
for n, (m, user) in enumerate([("INVITE", "100"), ("INVITE", "admin"),
                               ("OPTIONS", "phone2"), ("INVITE", "1000")]):
    ruri = "sip:%s@%s:%d" % (user, gw, port)
    s.sendto(("%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:5070;branch=z9hG4bKscan%d"
              "\r\nMax-Forwards: 70\r\nFrom: <sip:scan@%s>;tag=sc%d\r\n"
              "To: <%s>\r\nCall-ID: scan%d@%s\r\nCSeq: 1 %s\r\n"
              "Contact: <sip:scan@%s:5070>\r\nContent-Length: 0\r\n\r\n"
              % (m, ruri, me, n, me, n, ruri, n, me, m, me)).encode(),
             (gw, port))
    time.sleep(0.1)
PY
sleep 0.5

if [ -n "$CONTACT" ]; then
	ua "$NS_O" peer uac --local $PEER --user peer --target "$CONTACT" \
		--rtp-port 50200 --timeout 6
fi
bg_stop phone1 3
check "the registered phone received nothing from the scanner $SCANNER" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); bad=[m["from"] for m in d["received"] if m["from"].startswith(sys.argv[2] + ":")]; print(bad); sys.exit(1 if bad else 0)' "$J/phone1.json" $SCANNER
check "call from another outside host to the registered Contact completes" \
	python3 "$CHECK" status "$J/peer.json"
check "RTP+RTCP phone <-> peer" \
	sh -c "python3 '$CHECK' media '$J/peer.json' && python3 '$CHECK' media '$J/phone1.json'"
if [ "$MODE" = sipalg ]; then
	check "the log counts the scanner's requests as dropped" \
		grep -q "dropped: out-of-dialog request names no registered Contact" "$DAEMON_LOG"
fi
lab_finish
