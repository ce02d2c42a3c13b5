#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_cancel.sh [MODE] - phone1 calls the peer, which rings; while it rings
# the peer's early media reaches the phone (the pinhole is open); the phone
# CANCELs (200 + 487, ACK); afterwards the same packets reach nothing and in
# sipalg mode the daemon's maps no longer hold the call's elements.
. "$(dirname "$0")/lib.sh"
lab_up

[ "$MODE" = sipalg ] && snap_start
ua_bg "$NS_O" peer uas --local $PEER --user peer --rtp-port 50000 \
	--ring 8 --expect cancelled --timeout 20
bg "$NS_P1" phone1 timeout 60 python3 "$SIPUA" uac --out "$WORK/phone1.json" \
	--local $PHONE1 --user phone1 --domain $REGISTRAR --target sip:peer@$PEER \
	--rtp-port 40000 --cancel --cancel-after 4 --timeout 10

J=$WORK
# While it rings: the public media port from the INVITE the peer received.
wait_until 10 python3 "$CHECK" sdp-port "$J/peer.json"
set -- $(python3 "$CHECK" sdp-port "$J/peer.json")
PUB_RTP=${2:-40000}
in_ns "$NS_O" python3 "$SIPUA" probe --local $PEER:50000 --to $GW_OUT:$PUB_RTP --packets 10 --out "$J/p0.json"
bg_wait phone1
bg_stop peer 3
[ "$MODE" = sipalg ] && snap_stop

check "CANCEL answered 200, INVITE 487, call cancelled" \
	sh -c "python3 '$CHECK' status '$J/phone1.json' && python3 '$CHECK' status '$J/peer.json' &&
	       test \"\$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))[\"calls\"][0]; print(c.get(\"cancel_response\"), c.get(\"final\"))' '$J/phone1.json')\" = '200 487'"
check "phone's strict Via check dropped no response" python3 "$CHECK" nodrop "$J/phone1.json"
check "while ringing, early media to $GW_OUT:$PUB_RTP reaches the phone" \
	python3 -c 'import json,sys; n=json.load(open(sys.argv[1]))["calls"][0]["media"]["rtp"]["received"]; print(n, "packets"); sys.exit(n < 8)' "$J/phone1.json"
if [ "$MODE" = sipalg ]; then
	check "while ringing the daemon's map held $PHONE1 . 40000" \
		grep -qF "$PHONE1 . 40000" "$J/snap.nft"
	nft_sipalg >"$J/after.nft"
	check "after CANCEL no map element for $PHONE1 . 40000 or public port $PUB_RTP" \
		sh -c "! grep -E '$PHONE1 \. 4000[01]|$GW_OUT \. $PUB_RTP([^0-9]|\$)' '$J/after.nft'"
fi
bg "$NS_P1" lrtp timeout 20 python3 "$SIPUA" listen --local $PHONE1:40000 --out "$J/lrtp.json" --timeout 15
wait_file "$J/lrtp.json.ready"
in_ns "$NS_O" python3 "$SIPUA" probe --local $PEER:50000 --to $GW_OUT:$PUB_RTP --packets 10 --out "$J/p1.json"
in_ns "$NS_O" python3 "$SIPUA" probe --local $PEER:51000 --to $GW_OUT:$PUB_RTP --packets 10 --out "$J/p2.json"
sleep 0.3	# in-flight packets
touch "$J/lrtp.json.stop"
bg_wait lrtp
check "after CANCEL media to $GW_OUT:$PUB_RTP does not reach the phone" \
	python3 "$CHECK" listen "$J/lrtp.json" --max 0
check "no private address reaches the outside" python3 "$CHECK" leak "$J/peer.json"
lab_finish
