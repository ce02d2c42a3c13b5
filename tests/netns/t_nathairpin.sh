#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_nathairpin.sh [MODE] - hairpin between two NAT-aware phones behind the
# gateway: both learn their mappings from a STUN server outside and write
# only public addresses (Via ;rport, Contact, SDP).  phone2 registers with
# the registrar outside, which then forwards statelessly; phone1 calls
# sip:phone2@registrar.  The INVITE goes out and comes back in to phone2's
# registered (public) Contact, the ACK and BYE go straight from phone1 to
# that public Contact, and the media of each phone goes to the other's
# public address: all of it turns around at the gateway.
. "$(dirname "$0")/lib.sh"
lab_up
J=$WORK
lab_stun 60
ua_bg "$NS_O" registrar registrar --local $REGISTRAR --user registrar \
	--expires 120 --proxy --timeout 12
ua_bg "$NS_P2" phone2 register --local $PHONE2 --user phone2 \
	--registrar $REGISTRAR --expires 120 --serve 1 --rtp-port 8000 $STUN \
	--timeout 15
wait_until 5 test -n "$(json "$J/registrar.json" 'd.get("binding",{}).get("contact","")' 2>/dev/null)"
ua "$NS_P1" phone1 uac --local $PHONE1 --user phone1 --domain $REGISTRAR \
	--target sip:phone2@$REGISTRAR --rtp-port 8000 $STUN --timeout 8
bg_stop phone2 3
bg_stop registrar 1

CONTACT=$(json "$J/registrar.json" 'd["binding"]["contact"]' 2>/dev/null)
MAP2=$(json "$J/phone2.json" 'd["stun"]["sip"]' 2>/dev/null)
check "phone2's REGISTER answered 200" test "$(json "$J/phone2.json" 'd["register"]["code"]')" = 200
check "phone2's REGISTER arrived byte for byte from its STUN mapping ($MAP2)" \
	python3 "$CHECK" mapped "$J/phone2.json" "$J/registrar.json" --method REGISTER
check "registered Contact is phone2's STUN mapping ($CONTACT)" \
	test "$CONTACT" = "sip:phone2@$MAP2"
check "registrar forwarded the INVITE and a 200" test \
	"$(json "$J/registrar.json" '[p.get("request") or p.get("response") for p in d.get("proxied", [])].count(200) >= 1')" = True
check "phone1's INVITE arrived byte for byte from its STUN mapping" \
	python3 "$CHECK" mapped "$J/phone1.json" "$J/registrar.json"
check "call completes (phone1)" python3 "$CHECK" status "$J/phone1.json"
check "call answered (phone2)" python3 "$CHECK" status "$J/phone2.json"
check "phone1's strict Via check dropped no response" python3 "$CHECK" nodrop "$J/phone1.json"
check "phone1's BYE to phone2's public Contact answered 200" test \
	"$(json "$J/phone1.json" 'd["calls"][0].get("bye_response")')" = 200
check "RTP+RTCP phone2 -> phone1 (turned around at the gateway)" python3 "$CHECK" media "$J/phone1.json"
check "RTP+RTCP phone1 -> phone2 (turned around at the gateway)" python3 "$CHECK" media "$J/phone2.json"
check "phone2's media reaches phone1 from the address phone2's SDP advertised" \
	python3 "$CHECK" symmetric "$J/phone1.json"
check "phone2 gets its own (public) Request-URI as registered" \
	python3 "$CHECK" ruri "$J/phone2.json" "$CONTACT"
check "no private address reaches the outside" python3 "$CHECK" leak "$J/registrar.json"
lab_finish
