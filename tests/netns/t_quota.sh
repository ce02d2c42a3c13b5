#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_quota.sh [MODE] - one inside host cannot starve the others (issue 11):
# phone2 floods 200 INVITEs with fresh Call-IDs and media ports and 60
# REGISTERs with fresh Contact ports towards the registrar; then phone1
# registers, the registrar calls it and another outside host calls the
# registered Contact, media both ways.  In sipalg mode phone2 stops at its
# own quotas (max_calls_per_host, max_signalling_per_host; the log names
# the host) and the daemon's map holds no more of phone2 than they allow.
. "$(dirname "$0")/lib.sh"
lab_up
J=$WORK

in_ns "$NS_P2" python3 - $PHONE2 $REGISTRAR <<'PY'
import socket, sys, time
me, reg = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((me, 5060))
def send(m):
    s.sendto(m.encode(), (reg, 5060))
    time.sleep(0.005)
for i in range(200):
    body = ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\n" % (me, me, 20000 + 2 * i))
    send("INVITE sip:x@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bKq%d"
         "\r\nFrom: <sip:f@%s>;tag=q%d\r\nTo: <sip:x@%s>\r\nCall-ID: flood%d@%s"
         "\r\nCSeq: 1 INVITE\r\nContact: <sip:f@%s:5060>\r\n"
         "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s"
         % (reg, me, i, reg, i, reg, i, me, me, len(body), body))
for i in range(60):
    send("REGISTER sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bKr%d"
         "\r\nFrom: <sip:f@%s>;tag=r%d\r\nTo: <sip:f@%s>\r\nCall-ID: reg%d@%s"
         "\r\nCSeq: 1 REGISTER\r\nContact: <sip:f@%s:%d>\r\n"
         "Content-Length: 0\r\n\r\n" % (reg, me, i, reg, i, reg, i, me, me,
                                        6000 + i))
PY
[ "$MODE" = sipalg ] && nft_sipalg >"$J/map.nft"

ua_bg "$NS_O" registrar registrar --local $REGISTRAR --user registrar \
	--expires 120 --call --rtp-port 50100 --timeout 8
ua_bg "$NS_P1" phone1 register --local $PHONE1 --user phone1 \
	--registrar $REGISTRAR --expires 120 --serve 2 --rtp-port 40000 \
	--timeout 30
bg_wait registrar
CONTACT=$(json "$J/registrar.json" 'd["binding"]["contact"]' 2>/dev/null)
check "phone1 registers after the flood (200, Contact $CONTACT)" \
	test "$(json "$J/phone1.json" 'd["register"]["code"]')" = 200
check "the registrar's call to phone1 completes, media both ways" \
	sh -c "python3 '$CHECK' status '$J/registrar.json' && python3 '$CHECK' media '$J/registrar.json'"
if [ -n "$CONTACT" ]; then
	ua "$NS_O" peer uac --local $PEER --user peer --target "$CONTACT" \
		--rtp-port 50200 --timeout 6
fi
bg_stop phone1 3
check "another outside host's call to phone1 completes, media both ways" \
	sh -c "python3 '$CHECK' status '$J/peer.json' && python3 '$CHECK' media '$J/peer.json' && python3 '$CHECK' media '$J/phone1.json'"
if [ "$MODE" = sipalg ]; then
	N2=$(grep -oE "(^|[^0-9.])$PHONE2 \. [0-9]+" "$J/map.nft" | sort -u | wc -l)
	check "phone2's flood filled its quotas and no more ($N2 inside ports bound: 128 calls x 2 + signalling <= 32)" \
		test "$N2" -ge 256 -a "$N2" -le 288
	check "the log names phone2 at max_calls_per_host" \
		grep -q "max_calls_per_host: host $PHONE2" "$DAEMON_LOG"
	check "the log names phone2 at max_signalling_per_host" \
		grep -q "max_signalling_per_host: host $PHONE2" "$DAEMON_LOG"
fi
lab_finish
