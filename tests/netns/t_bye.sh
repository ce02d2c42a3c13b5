#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_bye.sh [MODE] - after a call with media, BYE closes the pinholes: the
# peer sending to the phone's public media ports afterwards (from its own
# media ports, which match the call's conntrack entries, and from a fresh
# port) reaches nothing, and in sipalg mode the daemon's nft maps no longer
# hold the call's media elements.
. "$(dirname "$0")/lib.sh"
lab_up

[ "$MODE" = sipalg ] && snap_start
ua_bg "$NS_O" peer uas --local $PEER --user peer --rtp-port 50000 --timeout 20
ua "$NS_P1" phone1 uac --local $PHONE1 --user phone1 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40000 --timeout 6
bg_stop peer 3
[ "$MODE" = sipalg ] && snap_stop

J=$WORK
check "call completes" python3 "$CHECK" status "$J/phone1.json"
check "media flowed both ways during the call" \
	sh -c "python3 '$CHECK' media '$J/phone1.json' && python3 '$CHECK' media '$J/peer.json'"

# The public media ports as the outside saw them in the INVITE.
set -- $(python3 "$CHECK" sdp-port "$J/peer.json")
PUB_RTP=${2:-40000} PUB_RTCP=${3:-40001}
if [ "$MODE" = sipalg ]; then
	check "during the call the daemon's map held $PHONE1 . 40000" \
		grep -qF "$PHONE1 . 40000" "$J/snap.nft"
	nft_sipalg >"$J/after.nft"
	check "after BYE no map element for $PHONE1 . 40000/40001 or public port $PUB_RTP" \
		sh -c "! grep -E '$PHONE1 \. 4000[01]|$GW_OUT \. ($PUB_RTP|$PUB_RTCP)([^0-9]|\$)' '$J/after.nft'"
	# Every flow the call's bindings made is gone at once, also the ones
	# from addresses its SDP never named (203.0.113.20): the daemon
	# learnt them from conntrack events, so no walk of the table.
	wait_until 3 sh -c "! ip netns exec $NS_R conntrack -L -p udp --dst $GW_OUT 2>/dev/null | grep -qE 'dport=($PUB_RTP|$PUB_RTCP) '"
	check "after BYE no conntrack flow to public port $PUB_RTP/$PUB_RTCP (any source)" \
		sh -c "! ip netns exec $NS_R conntrack -L -p udp --dst $GW_OUT 2>/dev/null | grep -qE 'dport=($PUB_RTP|$PUB_RTCP) '"
	kill -USR1 "$DAEMON_PID"
	wait_until 3 grep -q ' walks ' "$DAEMON_LOG"
	WALKS=$(grep -oE ' walks [0-9]+' "$DAEMON_LOG" | tail -n 1 | grep -oE '[0-9]+')
	check "the daemon walked the conntrack table only at start (walks ${WALKS:-?} <= 2)" \
		test "${WALKS:-99}" -le 2
fi

# Probe after BYE: both listeners on the phone's media ports.
bg "$NS_P1" lrtp timeout 20 python3 "$SIPUA" listen --local $PHONE1:40000 --out "$J/lrtp.json" --timeout 15
bg "$NS_P1" lrtcp timeout 20 python3 "$SIPUA" listen --local $PHONE1:40001 --out "$J/lrtcp.json" --timeout 15
wait_file "$J/lrtp.json.ready"; wait_file "$J/lrtcp.json.ready"
in_ns "$NS_O" python3 "$SIPUA" probe --local $PEER:50000 --to $GW_OUT:$PUB_RTP --packets 10 --out "$J/p1.json"
in_ns "$NS_O" python3 "$SIPUA" probe --local $PEER:50001 --to $GW_OUT:$PUB_RTCP --packets 10 --out "$J/p2.json"
in_ns "$NS_O" python3 "$SIPUA" probe --local $PEER:51000 --to $GW_OUT:$PUB_RTP --packets 10 --out "$J/p3.json"
in_ns "$NS_O" python3 "$SIPUA" probe --local $REGISTRAR:50000 --to $GW_OUT:$PUB_RTP --packets 10 --out "$J/p4.json"
sleep 0.3	# in-flight packets: the listeners cannot tell "none yet" from "none"
touch "$J/lrtp.json.stop" "$J/lrtcp.json.stop"
bg_wait lrtp; bg_wait lrtcp
check "after BYE the peer's RTP to $GW_OUT:$PUB_RTP does not reach the phone" \
	python3 "$CHECK" listen "$J/lrtp.json" --max 0
check "after BYE the peer's RTCP to $GW_OUT:$PUB_RTCP does not reach the phone" \
	python3 "$CHECK" listen "$J/lrtcp.json" --max 0
check "no private address reaches the outside" python3 "$CHECK" leak "$J/peer.json"
lab_finish
