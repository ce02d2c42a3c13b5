#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_register.sh [MODE] - phone1 registers with the registrar outside; the
# registrar then calls the Contact it was given (the public binding), and so
# does a second outside host (the peer, 203.0.113.20).  Both calls reach the
# phone with its own Request-URI and carry RTP+RTCP both ways (RTCP on the
# m= port + 1, no a=rtcp).
. "$(dirname "$0")/lib.sh"
lab_up

ua_bg "$NS_O" registrar registrar --local $REGISTRAR --user registrar \
	--expires 120 --call --rtp-port 50100 --timeout 8
ua_bg "$NS_P1" phone1 register --local $PHONE1 --user phone1 \
	--registrar $REGISTRAR --expires 120 --serve 2 --rtp-port 40000 \
	--timeout 30
bg_wait registrar

J=$WORK
CONTACT=$(json "$J/registrar.json" 'd["binding"]["contact"]' 2>/dev/null)
check "REGISTER answered 200" test "$(json "$J/phone1.json" 'd["register"]["code"]')" = 200
check "registered Contact is the public address ($CONTACT)" \
	python3 -c 'import sys; sys.exit("@'$GW_OUT':" not in sys.argv[1])' "$CONTACT"
check "call from the registrar to the binding completes" python3 "$CHECK" status "$J/registrar.json"
check "registrar's strict Via check dropped no response" python3 "$CHECK" nodrop "$J/registrar.json"
check "RTP+RTCP phone -> registrar" python3 "$CHECK" media "$J/registrar.json"
check "media to the registrar leaves from the advertised ports" python3 "$CHECK" symmetric "$J/registrar.json"

if [ -n "$CONTACT" ]; then
	ua "$NS_O" peer uac --local $PEER --user peer --target "$CONTACT" \
		--rtp-port 50200 --timeout 6
fi
bg_stop phone1 3
check "call from another outside host to the binding completes" python3 "$CHECK" status "$J/peer.json"
check "peer's strict Via check dropped no response" python3 "$CHECK" nodrop "$J/peer.json"
check "RTP+RTCP phone -> peer" python3 "$CHECK" media "$J/peer.json"
check "media to the peer leaves from the advertised ports" python3 "$CHECK" symmetric "$J/peer.json"
check "phone answered both calls" python3 "$CHECK" status "$J/phone1.json"
check "RTP+RTCP outside -> phone in both calls" python3 "$CHECK" media "$J/phone1.json"
check "phone gets its own Request-URI back (INVITE, ACK, BYE)" \
	python3 "$CHECK" ruri "$J/phone1.json" "sip:phone1@$PHONE1:5060"
check "no private address reaches the outside" python3 "$CHECK" leak "$J/registrar.json" "$J/peer.json"
lab_finish
