#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_late_offer.sh [MODE] - offer/answer outside the INVITE/200 pair.
# 1. Late offer: phone1's INVITE has no SDP; the peer offers in the 200 and
#    the phone answers in the ACK (RFC 3261 13.2.1).  Media both ways.
# 2. PRACK and UPDATE: phone1 (Supported: 100rel) calls; the peer answers a
#    reliable 183 with SDP (RFC 3262) and sends early media; the phone
#    PRACKs; 1.5 s into the call the phone sends an UPDATE (RFC 3311) that
#    moves its media to a new port.  Media continues both ways on the new
#    port: the peer receives from the new public port the UPDATE announced.
# 3. Offer in a reliable 183, answer in the PRACK: phone1's INVITE has no
#    SDP, the peer's reliable 183 offers, the phone answers in the PRACK;
#    early media both ways before the 200, then after it.
# 4. The peer sends an UPDATE moving its own media port mid-call; the
#    phone's 200 answer (its binding unchanged) goes out rewritten; media
#    continues both ways with the peer's new port.
. "$(dirname "$0")/lib.sh"
lab_up
J=$WORK

# -- 1. late offer ------------------------------------------------------------
ua_bg "$NS_O" peer uas --local $PEER --user peer --rtp-port 50000 --timeout 20
ua "$NS_P1" phone1 uac --local $PHONE1 --user phone1 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40000 --late-offer --timeout 6
bg_stop peer 3

check "late offer: call completes (phone)" python3 "$CHECK" status "$J/phone1.json"
check "late offer: call completes (peer)" python3 "$CHECK" status "$J/peer.json"
check "late offer: INVITE arrived without SDP, the ACK with it" test \
	"$(json "$J/peer.json" '[(m["data"].split(" ")[0], "m=audio" in m["data"]) for m in d["received"] if m["data"].split(" ")[0] in ("INVITE", "ACK")]')" \
	= '[["INVITE", false], ["ACK", true]]'
check "late offer: RTP+RTCP peer -> phone" python3 "$CHECK" media "$J/phone1.json"
check "late offer: RTP+RTCP phone -> peer" python3 "$CHECK" media "$J/peer.json"
# The phone sends RTP right after its ACK: the first packet or two can pass
# the router while the ACK is still with the daemon, before the binding
# exists (unavoidable); all later ones must use the advertised ports.
check "late offer: media leaves from the ports the ACK's SDP advertised (but 2 packets)" \
	python3 "$CHECK" symmetric "$J/peer.json" --stray 2
check "late offer: no private address reaches the outside" python3 "$CHECK" leak "$J/peer.json"

# -- 2. reliable 183, PRACK, UPDATE with a port change ------------------------
ua_bg "$NS_O" peer2 uas --local $PEER --user peer --rtp-port 50000 \
	--early-media 1 --100rel --packets 200 --timeout 20
ua "$NS_P1" phone2 uac --local $PHONE1 --user phone1 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40200 --prack --update 1.5 \
	--packets 150 --timeout 8
bg_stop peer2 3

check "PRACK: call completes (phone)" python3 "$CHECK" status "$J/phone2.json"
check "PRACK: call completes (peer)" python3 "$CHECK" status "$J/peer2.json"
check "PRACK: the reliable 183 was PRACKed, 200 to the PRACK" test \
	"$(json "$J/phone2.json" 'd["calls"][0].get("prack")'),$(json "$J/peer2.json" 'len(d["calls"][0].get("prack", []))')" = "200,1"
check "PRACK: early RTP peer -> phone before the 200" \
	python3 "$CHECK" mark "$J/phone2.json" final --min-rtp 20
check "UPDATE answered 200" test \
	"$(json "$J/phone2.json" '[(r["method"], r["code"]) for r in d["calls"][0].get("reinvites", [])]')" = '[["UPDATE", 200]]'
check "UPDATE: the offer the peer saw moved the media port" \
	python3 "$CHECK" sdp-cmp "$J/peer2.json" remote_sdp updates --moved
check "UPDATE: peer received RTP from the new public port" \
	python3 "$CHECK" from "$J/peer2.json" updates --min 40
check "UPDATE: peer received RTCP from the new public port" \
	python3 "$CHECK" from "$J/peer2.json" updates --kind rtcp --min 5
check "UPDATE: phone's new port $PHONE1:40300 received RTP+RTCP" \
	python3 "$CHECK" media "$J/phone2.json" --min-rtp 40 --min-rtcp 5
check "PRACK/UPDATE: phone's strict Via check dropped no response" python3 "$CHECK" nodrop "$J/phone2.json"
check "PRACK/UPDATE: no private address reaches the outside" python3 "$CHECK" leak "$J/peer2.json"

# -- 3. offer in a reliable 183, answer in the PRACK --------------------------
ua_bg "$NS_O" peer3 uas --local $PEER --user peer --rtp-port 50400 \
	--early-media 1.5 --100rel --packets 150 --timeout 20
ua "$NS_P1" phone3 uac --local $PHONE1 --user phone1 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40400 --late-offer --prack \
	--packets 150 --timeout 8
bg_stop peer3 3

check "183 offer: call completes (phone)" python3 "$CHECK" status "$J/phone3.json"
check "183 offer: call completes (peer)" python3 "$CHECK" status "$J/peer3.json"
check "183 offer: SDP only in the 183 (offer) and the PRACK (answer)" test \
	"$(json "$J/peer3.json" '[(m["data"].split(" ")[0], "m=audio" in m["data"]) for m in d["received"] if m["data"].split(" ")[0] in ("INVITE", "PRACK", "ACK")]')" \
	= '[["INVITE", false], ["PRACK", true], ["ACK", false]]'
check "183 offer: early RTP peer -> phone before the 200" \
	python3 "$CHECK" mark "$J/phone3.json" final --min-rtp 20
check "183 offer: early RTP phone -> peer before the 200 (to the PRACK's SDP)" \
	python3 "$CHECK" mark "$J/peer3.json" final --min-rtp 20
check "183 offer: RTP peer -> phone after the 200" \
	python3 "$CHECK" mark "$J/phone3.json" final --after --min-rtp 40
check "183 offer: RTP phone -> peer after the 200" \
	python3 "$CHECK" mark "$J/peer3.json" final --after --min-rtp 40
check "183 offer: media leaves from the ports the PRACK's SDP advertised" \
	python3 "$CHECK" symmetric "$J/peer3.json"
check "183 offer: no private address reaches the outside" python3 "$CHECK" leak "$J/peer3.json"

# -- 4. UPDATE from the outside moving the peer's media -----------------------
ua_bg "$NS_O" peer4 uas --local $PEER --user peer --rtp-port 50500 \
	--update 1.5 --packets 150 --timeout 20
ua "$NS_P1" phone4 uac --local $PHONE1 --user phone1 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40500 --packets 150 --timeout 8
bg_stop peer4 3

check "peer's UPDATE: call completes (phone)" python3 "$CHECK" status "$J/phone4.json"
check "peer's UPDATE: call completes (peer)" python3 "$CHECK" status "$J/peer4.json"
check "peer's UPDATE answered 200 by the phone" test \
	"$(json "$J/peer4.json" '[(r["method"], r["code"]) for r in d["calls"][0].get("reinvites", [])]')" = '[["UPDATE", 200]]'
check "peer's UPDATE: the phone's answer kept its public address and port" \
	python3 "$CHECK" sdp-cmp "$J/peer4.json" remote_sdp reinvites.0.sdp
check "peer's UPDATE: phone received RTP from the peer's new port" \
	python3 "$CHECK" from "$J/phone4.json" updates --min 40
check "peer's UPDATE: the peer's new port received RTP+RTCP" \
	python3 "$CHECK" media "$J/peer4.json" --min-rtp 40 --min-rtcp 5
check "peer's UPDATE: ... from the phone's advertised public port" \
	python3 "$CHECK" from "$J/peer4.json" remote_sdp --min 40
check "peer's UPDATE: no private address reaches the outside" python3 "$CHECK" leak "$J/peer4.json"
lab_finish
