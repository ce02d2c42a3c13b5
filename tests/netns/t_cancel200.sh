#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_cancel200.sh [MODE] - CANCEL crossing a 200 (RFC 3261 9.1/9.2: a CANCEL
# that arrives after the final response has no effect; the call is up).
# phone1 (10.0.0.10:5060) INVITEs the peer (203.0.113.20:5060) with SDP,
# raw messages played by sipplay.py, in both orders at the gateway:
#   s1  the peer's 200 crosses the gateway first, then the phone's CANCEL
#   s2  the phone's CANCEL crosses first, then the peer's 200 (the peer had
#       answered already; it answers the CANCEL with 200, no 487)
# Each time the phone ACKs the 200: the call must stay up.  Media probes
# (sipua.py probe/listen) both ways through the pinholes while the call is
# up, then BYE: the phone's public media port is closed afterwards.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sipplay.sh"
lab_up

J=$WORK
sp_agent "$NS_O" peer $PEER:5060 --var USER=peer \
	--answer CANCEL="$MSGS/resp-200.sip" --answer BYE="$MSGS/resp-200.sip"
sp_agent "$NS_P1" ph $PHONE1:5060 --var USER=phone1 --var DOMAIN=$REGISTRAR
[ "$MODE" = sipalg ] && snap_start

# call CALLID RTP ORDER - INVITE, then 200 and CANCEL in ORDER
# (200-first or cancel-first), ACK.
call() {
	local cid=$1 rtp=$2 order=$3
	sp ph send "$MSGS/invite-sdp.sip" --to $PEER:5060 --var CALLID=$cid \
		--var RURI="sip:peer@$PEER" --var RTP=$rtp --var BRANCH=z9hG4bK-$cid
	sp peer wait --match "^INVITE" --callid $cid --wait 3
	if [ "$order" = 200-first ]; then
		sp peer reply "$MSGS/resp-200-sdp.sip" --match "^INVITE" --callid $cid \
			--var RTP=$((rtp + 10000))
		sp ph wait --match "^SIP/2.0 200" --callid $cid --wait 3
		sp ph send "$MSGS/cancel.sip" --to $PEER:5060 --var CALLID=$cid \
			--var RURI="sip:peer@$PEER" --var BRANCH=z9hG4bK-$cid
		sp peer wait --match "^CANCEL" --callid $cid --wait 3
	else
		sp ph send "$MSGS/cancel.sip" --to $PEER:5060 --var CALLID=$cid \
			--var RURI="sip:peer@$PEER" --var BRANCH=z9hG4bK-$cid
		sp peer wait --match "^CANCEL" --callid $cid --wait 3
		sp peer reply "$MSGS/resp-200-sdp.sip" --match "^INVITE" --callid $cid \
			--var RTP=$((rtp + 10000))
	fi
	sp ph wait --match "^SIP/2.0 200" --callid $cid --count 2 --wait 3
	sp ph reply "$MSGS/ack-2xx.sip" --match "^SIP/2.0 200 OK" --callid $cid --cseq INVITE \
		--var RURI="sip:peer@$PEER:5060"
	sp peer wait --match "^ACK" --callid $cid --wait 3
}

# rtp_both NAME CALLID PHONE-RTP PEER-RTP [phone-too] - the peer sends 10
# RTP packets to the phone's public media port (from the SDP it received),
# and with phone-too the phone first sends 10 to the peer: counts what
# arrives, in NAME-in.json (at the phone) and NAME-out.json (at the peer).
rtp_both() {
	local n=$1 cid=$2 prtp=$3 qrtp=$4 both=${5:-} pub
	pub=$(python3 -c 'import json,sys,re
d = json.load(open(sys.argv[1]))
for e in d["recv"]:
    if e["raw"].startswith("INVITE") and "Call-ID: " + sys.argv[2] + "\r" in e["raw"]:
        m = re.search(r"\nc=IN IP4 (\S+)\r?\n(?:.*\n)*?m=audio (\d+)", e["raw"])
        print(m.group(1) + ":" + m.group(2) if m else "none")
        break' "$J/peer.json" "$cid")
	echo "$pub" >"$J/$n.pub"
	bg "$NS_P1" $n-lin timeout 20 python3 "$SIPUA" listen --local $PHONE1:$prtp \
		--out "$J/$n-in.json" --timeout 10
	bg "$NS_O" $n-lout timeout 20 python3 "$SIPUA" listen --local $PEER:$qrtp \
		--out "$J/$n-out.json" --timeout 10
	wait_file "$J/$n-in.json.ready"; wait_file "$J/$n-out.json.ready"
	[ -z "$both" ] || in_ns "$NS_P1" python3 "$SIPUA" probe --local $PHONE1:$prtp \
		--to $PEER:$qrtp --packets 10 --out "$J/$n-p1.json"
	in_ns "$NS_O" python3 "$SIPUA" probe --local $PEER:$qrtp --to "$pub" \
		--packets 10 --out "$J/$n-p2.json"
	sleep 0.3
	touch "$J/$n-in.json.stop" "$J/$n-out.json.stop"
	bg_wait $n-lin; bg_wait $n-lout
}

received() { json "$1" 'd["received"]'; }
at_least() { [ "$(received "$1")" -ge "$2" ]; }
none_got() { [ "$(received "$1")" -eq 0 ]; }
gone_elem() { ! nft_has "$@"; }

for s in s1:200-first:40000 s2:cancel-first:40100; do
	IFS=: read -r cid order rtp <<<"$s"
	N="(s) $cid CANCEL crossing the 200 ($order)"
	call $cid $rtp $order
	check "$N: the phone gets the 200 to its INVITE and to its CANCEL, its own Via back" all_of \
		spc count ph --match "^SIP/2.0 200" --callid $cid --cseq INVITE --min 1 --max 1 -- \
		spc count ph --match "^SIP/2.0 200" --callid $cid --cseq CANCEL --min 1 --max 1 -- \
		spc via-restored ph --match "^SIP/2.0 200" --callid $cid
	check "$N: no 487 (the INVITE was answered)" \
		spc count ph --match "^SIP/2.0 487" --callid $cid --min 0 --max 0
	check "$N: the CANCEL and the ACK reach the peer" all_of \
		spc count peer --match "^CANCEL" --callid $cid --min 1 --max 1 -- \
		spc count peer --match "^ACK" --callid $cid --min 1 --max 1
	check "$N: no private address in INVITE, CANCEL, ACK" \
		spc noprivate peer --callid $cid
	if [ "$MODE" = sipalg ]; then
		check "$N: after the ACK the daemon still holds the call's media ($PHONE1 . $rtp)" \
			nft_has $PHONE1 $rtp
	fi
	rtp_both $cid-up $cid $rtp $((rtp + 10000)) phone-too
	check "$N: call up: RTP outside -> phone via $(cat "$J/$cid-up.pub")" at_least "$J/$cid-up-in.json" 5
	check "$N: call up: RTP phone -> peer" at_least "$J/$cid-up-out.json" 5
	sp ph reply "$MSGS/bye-dlg.sip" --match "^SIP/2.0 200 OK" --callid $cid --cseq INVITE \
		--var RURI="sip:peer@$PEER:5060"
	check "$N: BYE answered 200" sp ph wait --match "^SIP/2.0 200" --callid $cid \
		--cseq BYE --wait 3
	sleep 0.5
	if [ "$MODE" = sipalg ]; then
		check "$N: after BYE no map element for $PHONE1 . $rtp" \
			gone_elem $PHONE1 $rtp
	fi
	rtp_both $cid-down $cid $rtp $((rtp + 10000))
	check "$N: after BYE the outside's RTP to $(cat "$J/$cid-down.pub") does not reach the phone" \
		none_got "$J/$cid-down-in.json"
done
[ "$MODE" = sipalg ] && snap_stop
check "no private address reaches the outside" spc noprivate peer
if [ "$MODE" = sipalg ]; then
	check "daemon still running" kill -0 "$DAEMON_PID"
fi
sp ph quit; sp peer quit
lab_finish
