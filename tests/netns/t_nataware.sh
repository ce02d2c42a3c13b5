#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_nataware.sh [MODE] - do no harm to phones that handle NAT themselves.
# phone1 and phone2, both on SIP port 5060 and RTP port 8000, learn their
# public mappings from a STUN server outside (RFC 5389) and write only
# public addresses: Via with ;rport, Contact, SDP o=/c=/m=/a=rtcp.
#  1. both REGISTER with the registrar, which then calls each registered
#     Contact: every REGISTER arrives byte for byte from the mapping STUN
#     reported, each INVITE reaches the right phone, media both ways;
#  2. long after every SIP flow expired from conntrack (UDP timeouts 4/6 s
#     here), the registrar calls each Contact again: only bindings that
#     live as long as the registration deliver this (the phones send no
#     keep-alives; their registrations last 300 s);
#  3. each phone calls the peer: the INVITE arrives byte for byte from
#     the phone's mapping, media both ways;
#  and nothing private reaches the outside.
. "$(dirname "$0")/lib.sh"
LAB_SYSCTL="net.netfilter.nf_conntrack_udp_timeout=4
net.netfilter.nf_conntrack_udp_timeout_stream=6"
lab_up
J=$WORK
lab_stun 120

# -- 1. registrations and calls to each Contact -------------------------------
ua_bg "$NS_O" registrar registrar --local $REGISTRAR --user registrar \
	--regs 2 --expires 300 --call --rtp-port 50100 --timeout 20
stun_phones_register --expires 300 --serve 2 --timeout 60
bg_wait registrar

for p in 1 2; do
	MAP=$(json "$J/phone$p.json" 'd["stun"]["sip"]' 2>/dev/null)
	check "phone$p learned its SIP mapping by STUN ($MAP)" \
		sh -c "echo '$MAP' | grep -q '^$GW_OUT:'"
	check "phone$p's REGISTER answered 200" \
		test "$(json "$J/phone$p.json" 'd["register"]["code"]')" = 200
	check "phone$p's REGISTER arrived byte for byte from its STUN mapping" \
		python3 "$CHECK" mapped "$J/phone$p.json" "$J/registrar.json" --method REGISTER
	check "registrar's call to phone$p's Contact reached phone$p and completed" \
		python3 "$CHECK" answered "$J/registrar.json" "$J/phone$p.json" $((p - 1))
done
check "registrar's strict Via check dropped no response" python3 "$CHECK" nodrop "$J/registrar.json"
check "RTP+RTCP both calls, phones -> registrar" python3 "$CHECK" media "$J/registrar.json"
check "media to the registrar leaves from the addresses the phones' SDP advertised" \
	python3 "$CHECK" symmetric "$J/registrar.json"

# -- 2. an incoming call long after the flows expired ------------------------
no_sip_flow() { ! r conntrack -L -p udp 2>/dev/null | grep -q 'port=5060 '; }
check "every SIP flow expired from conntrack" wait_until 30 no_sip_flow
for p in 1 2; do
	C=$(json "$J/registrar.json" "d['bindings'][$p - 1]['contact']" 2>/dev/null)
	[ -n "$C" ] && ua "$NS_O" late$p uac --local $REGISTRAR --user registrar \
		--target "$C" --rtp-port 50100 --timeout 6
	check "long after: call to phone$p's registered Contact completes" \
		python3 "$CHECK" status "$J/late$p.json"
	check "long after: RTP+RTCP phone$p -> registrar" python3 "$CHECK" media "$J/late$p.json"
done
for p in 1 2; do bg_stop phone$p 3; done
both_calls() {
	test "$(json "$J/phone$1.json" 'len(d["calls"])')" = 2 &&
	python3 "$CHECK" media "$J/phone$1.json"
}
for p in 1 2; do
	check "phone$p answered both calls with media both ways" both_calls $p
done

# -- 3. each phone calls the peer ---------------------------------------------
ua_bg "$NS_O" peer uas --local $PEER --user peer --calls 2 --rtp-port 50200 \
	--timeout 20
for p in 1 2; do
	ns=$NS_P1; ip=$PHONE1
	[ $p = 2 ] && { ns=$NS_P2; ip=$PHONE2; }
	ua "$ns" out$p uac --local $ip --user phone$p --domain $REGISTRAR \
		--target sip:peer@$PEER --rtp-port 8000 $STUN --timeout 8
	check "phone$p's call to the peer completes" python3 "$CHECK" status "$J/out$p.json"
	check "phone$p's INVITE arrived byte for byte from its STUN mapping" \
		python3 "$CHECK" mapped "$J/out$p.json" "$J/peer.json"
	check "RTP+RTCP peer -> phone$p" python3 "$CHECK" media "$J/out$p.json"
	check "phone$p's media reaches the peer from the SDP's address and ports" \
		python3 "$CHECK" symmetric "$J/peer.json"
done
bg_stop peer 3
check "RTP+RTCP phones -> peer" python3 "$CHECK" media "$J/peer.json"
check "no private address reaches the outside" python3 "$CHECK" leak \
	"$J/registrar.json" "$J/late1.json" "$J/late2.json" "$J/peer.json"
lab_finish
