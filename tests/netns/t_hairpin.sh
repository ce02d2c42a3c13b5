#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_hairpin.sh [MODE] - phone1 and phone2, both behind the gateway: phone2
# registers with the registrar outside, which then acts as a stateless
# forwarding proxy; phone1 calls sip:phone2@registrar, the INVITE goes out,
# comes back in to phone2's public binding, and the two phones exchange
# RTP+RTCP both ways through the gateway's public ports (hairpin).
. "$(dirname "$0")/lib.sh"
lab_up

ua_bg "$NS_O" registrar registrar --local $REGISTRAR --user registrar \
	--expires 120 --proxy --timeout 12
ua_bg "$NS_P2" phone2 register --local $PHONE2 --user phone2 \
	--registrar $REGISTRAR --expires 120 --serve 1 --rtp-port 40020 \
	--timeout 15
J=$WORK
wait_until 5 test -n "$(json "$J/registrar.json" 'd.get("binding",{}).get("contact","")' 2>/dev/null)"
ua "$NS_P1" phone1 uac --local $PHONE1 --user phone1 --domain $REGISTRAR \
	--target sip:phone2@$REGISTRAR --rtp-port 40000 --rtcp-attr --timeout 8
bg_stop phone2 3
bg_stop registrar 1

CONTACT=$(json "$J/registrar.json" 'd["binding"]["contact"]' 2>/dev/null)
check "phone2's REGISTER answered 200" test "$(json "$J/phone2.json" 'd["register"]["code"]')" = 200
check "registered Contact is the public address ($CONTACT)" \
	python3 -c 'import sys; sys.exit("@'$GW_OUT':" not in sys.argv[1])' "$CONTACT"
check "registrar forwarded the INVITE and a 200" test \
	"$(json "$J/registrar.json" '[p.get("request") or p.get("response") for p in d.get("proxied", [])].count(200) >= 1')" = True
check "call completes (phone1)" python3 "$CHECK" status "$J/phone1.json"
check "call answered (phone2)" python3 "$CHECK" status "$J/phone2.json"
check "phone1's strict Via check dropped no response" python3 "$CHECK" nodrop "$J/phone1.json"
check "RTP+RTCP phone2 -> phone1" python3 "$CHECK" media "$J/phone1.json"
check "RTP+RTCP phone1 -> phone2" python3 "$CHECK" media "$J/phone2.json"
check "phone2 gets its own Request-URI back (INVITE, ACK, BYE)" \
	python3 "$CHECK" ruri "$J/phone2.json" "sip:phone2@$PHONE2:5060"
check "no private address reaches the outside" python3 "$CHECK" leak "$J/registrar.json"
if [ "$MODE" = sipalg ]; then
	# phone1's BYE hairpins lan0 -> lan0 straight to phone2's public
	# Contact; the 200 must come back to phone1's own Via (the nodrop
	# check above) and the BYE must end the call: no media element left.
	check "phone1's BYE answered 200 (hairpinned both ways)" test \
		"$(json "$J/phone1.json" 'd["calls"][0].get("bye_response")')" = 200
	nft_sipalg >"$J/after.nft"
	check "after BYE no map element for either phone's media" \
		sh -c "! grep -E '($PHONE1|$PHONE2) \. 400[0-9][0-9]' '$J/after.nft'"
fi
lab_finish
