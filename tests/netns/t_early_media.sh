#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_early_media.sh [MODE] - phone1 calls the peer outside; the peer answers
# 183 Session Progress with SDP and sends RTP+RTCP for 1.5 s before the 200
# (the phone sends nothing yet, so only the pinhole from the INVITE's SDP
# lets it in).  The phone receives the early media before the 200, and
# media flows both ways after it.
. "$(dirname "$0")/lib.sh"
lab_up

ua_bg "$NS_O" peer uas --local $PEER --user peer --rtp-port 50000 \
	--early-media 1.5 --timeout 20
ua "$NS_P1" phone1 uac --local $PHONE1 --user phone1 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40000 --rtcp-attr --timeout 8
bg_stop peer 3

J=$WORK
check "call completes (phone)" python3 "$CHECK" status "$J/phone1.json"
check "call completes (peer)" python3 "$CHECK" status "$J/peer.json"
check "phone got 183 before 200" test \
	"$(json "$J/phone1.json" '[c for c in d["calls"][0]["responses"] if c in (183, 200)][:2]')" = "[183, 200]"
check "phone's strict Via check dropped no response" python3 "$CHECK" nodrop "$J/phone1.json"
check "early RTP peer -> phone before the 200" \
	python3 "$CHECK" mark "$J/phone1.json" final --min-rtp 30
check "RTP peer -> phone after the 200" \
	python3 "$CHECK" mark "$J/phone1.json" final --after --min-rtp 40
check "RTP+RTCP phone -> peer" python3 "$CHECK" media "$J/peer.json"
check "media leaves from the advertised public ports" python3 "$CHECK" symmetric "$J/peer.json"
check "no private address reaches the outside" python3 "$CHECK" leak "$J/peer.json"
lab_finish
