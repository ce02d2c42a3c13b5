#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_outbound.sh [MODE] - phone1 calls the peer outside; RTP and RTCP flow
# both ways, from the advertised ports; the INVITE changes only where it
# must; no private address reaches the outside.  Then phone2, with the same
# private ports, calls the same peer.
. "$(dirname "$0")/lib.sh"
lab_up

ua_bg "$NS_O" peer uas --local $PEER --user peer --rtp-port 50000 \
	--rtcp-attr --timeout 20
ua "$NS_P1" phone1 uac --local $PHONE1 --user phone1 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40000 --rtcp-attr --timeout 6
bg_stop peer 3

J=$WORK
check "outbound call completes (phone)" python3 "$CHECK" status "$J/phone1.json"
check "outbound call completes (peer)" python3 "$CHECK" status "$J/peer.json"
check "phone's strict Via check dropped no response" python3 "$CHECK" nodrop "$J/phone1.json"
check "RTP+RTCP phone -> peer" python3 "$CHECK" media "$J/peer.json"
check "RTP+RTCP peer -> phone" python3 "$CHECK" media "$J/phone1.json"
check "media leaves from the advertised public ports" python3 "$CHECK" symmetric "$J/peer.json"
check "INVITE changed only in Via/Contact/SDP addresses" python3 "$CHECK" intended "$J/phone1.json" "$J/peer.json"
check "no private address reaches the outside" python3 "$CHECK" leak "$J/peer.json"

# A second phone with the same private port (5060, 40010) right after the
# first call, while the first phone's flows are still in conntrack: it needs
# public ports of its own.
ua_bg "$NS_O" peer2 uas --local $PEER --user peer --rtp-port 50000 --timeout 20
ua "$NS_P2" phone2 uac --local $PHONE2 --user phone2 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40000 --rtcp-attr --timeout 6
bg_stop peer2 3
check "second phone's call completes" python3 "$CHECK" status "$J/phone2.json"
check "second phone: RTP+RTCP both ways" \
	sh -c "python3 '$CHECK' media '$J/phone2.json' && python3 '$CHECK' media '$J/peer2.json'"
check "second phone: media leaves from the advertised public ports" python3 "$CHECK" symmetric "$J/peer2.json"
check "second phone: no private address reaches the outside" python3 "$CHECK" leak "$J/peer2.json"
lab_finish
