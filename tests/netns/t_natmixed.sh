#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_natmixed.sh [MODE] - phones that handle NAT only in part: each message
# is rewritten only where it names an inside address, and the bindings
# agree with what the phone learned.
#  phone1: STUN for media only: its SDP names the mapping STUN gave its RTP
#          and RTCP sockets, its Via and Contact are private;
#  phone2: no STUN, Via with ;rport, private Via and Contact.
# Both register with the registrar, which calls each registered Contact;
# each calls the peer.  Then phone1 as an ICE phone (STUN for everything,
# c=/m= its server-reflexive candidate, host candidates private) calls the
# peer: its INVITE arrives byte for byte from its mapping.
. "$(dirname "$0")/lib.sh"
lab_up
J=$WORK
lab_stun 120

ua_bg "$NS_O" registrar registrar --local $REGISTRAR --user registrar \
	--regs 2 --expires 300 --call --rtp-port 50100 --timeout 20
ua_bg "$NS_P1" phone1 register --local $PHONE1 --user phone1 \
	--registrar $REGISTRAR --expires 300 --serve 1 --rtp-port 8000 \
	$STUN --nat-aware sdp --timeout 30
wait_until 5 test -n "$(json "$J/phone1.json" 'd.get("register",{}).get("code") or ""' 2>/dev/null)"
ua_bg "$NS_P2" phone2 register --local $PHONE2 --user phone2 \
	--registrar $REGISTRAR --expires 300 --serve 1 --rtp-port 8000 \
	--rport --timeout 30
bg_wait registrar
for p in 1 2; do bg_stop phone$p 3; done

for p in 1 2; do
	C=$(json "$J/registrar.json" "d['bindings'][$p - 1]['contact']" 2>/dev/null)
	check "phone$p's REGISTER answered 200" \
		test "$(json "$J/phone$p.json" 'd["register"]["code"]')" = 200
	check "phone$p's private Contact registered as a public one ($C)" \
		sh -c "echo '$C' | grep -q '@$GW_OUT:'"
	check "registrar's call to phone$p's Contact reached phone$p" \
		python3 "$CHECK" answered "$J/registrar.json" "$J/phone$p.json" $((p - 1))
	check "phone$p gets its own Request-URI back" \
		python3 "$CHECK" ruri "$J/phone$p.json" "sip:phone$p@$(eval echo \$PHONE$p):5060"
	check "RTP+RTCP registrar -> phone$p" python3 "$CHECK" media "$J/phone$p.json"
done
check "registrar's strict Via check dropped no response" python3 "$CHECK" nodrop "$J/registrar.json"
check "RTP+RTCP both calls, phones -> registrar" python3 "$CHECK" media "$J/registrar.json"
check "phone1's SDP (STUN mapping) arrived in the 200 as written" \
	python3 "$CHECK" body "$J/phone1.json" "$J/registrar.json" --method 200
check "media reaches the registrar from the addresses the SDPs advertised" \
	python3 "$CHECK" symmetric "$J/registrar.json"

ua_bg "$NS_O" peer uas --local $PEER --user peer --calls 3 --rtp-port 50200 \
	--timeout 30
ua "$NS_P1" out1 uac --local $PHONE1 --user phone1 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 8000 $STUN --nat-aware sdp --timeout 8
ua "$NS_P2" out2 uac --local $PHONE2 --user phone2 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 8000 --rport --timeout 8
ua "$NS_P1" ice uac --local $PHONE1 --user phone1 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 8000 $STUN --ice --timeout 8
bg_stop peer 3
for c in out1 out2 ice; do
	check "$c: call to the peer completes" python3 "$CHECK" status "$J/$c.json"
	check "$c: strict Via check dropped no response" python3 "$CHECK" nodrop "$J/$c.json"
	check "$c: RTP+RTCP peer -> phone" python3 "$CHECK" media "$J/$c.json"
done
check "out1: the SDP with the STUN mapping arrived as written" \
	python3 "$CHECK" body "$J/out1.json" "$J/peer.json"
check "ice: INVITE arrived byte for byte from the STUN mapping (candidates too)" \
	python3 "$CHECK" mapped "$J/ice.json" "$J/peer.json"
check "RTP+RTCP phones -> peer, all three calls" python3 "$CHECK" media "$J/peer.json"
check "media reaches the peer from the addresses the SDPs advertised" \
	python3 "$CHECK" symmetric "$J/peer.json"
check "no private address reaches the outside" python3 "$CHECK" leak \
	"$J/registrar.json" "$J/peer.json"
lab_finish
