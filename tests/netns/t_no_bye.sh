#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_no_bye.sh [MODE] - calls that end without a BYE (issue 3, "Ending").
# The daemon runs with media_idle_timeout = 4 s and call_max_duration = 10 s.
# A. idle: phone1 calls the peer, 7 s of media both ways (the call outlives
#    the idle timeout while media flows), then both stop and nobody sends
#    BYE.  Within the idle timeout + 3 s of the media's end the daemon's
#    bindings are gone, and afterwards the peer's packets to the phone's
#    public media ports reach nothing.
# B. maximum duration: a call with media both ways for 14 s and no BYE is
#    ended at 10 s (+3 s) while the media still flows: its bindings go and
#    the rest of the peer's media no longer reaches the phone.
# C. 481: the peer answers an in-dialog re-INVITE with 481 (RFC 5057 5.1:
#    the dialog is gone); nobody sends BYE; the pinholes close.
# D. 408: the peer calls the phone and re-INVITEs; the phone answers 408
#    (RFC 3261 12.2.1.2); nobody sends BYE; the pinholes close.
IDLE=4 MAXDUR=10
GW_CONF_EXTRA="media_idle_timeout = ${IDLE}s
call_max_duration = ${MAXDUR}s"
. "$(dirname "$0")/lib.sh"
lab_up
J=$WORK
[ "$MODE" = sipalg ] && snap_start

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# has_elem PORT_RE [FILE] - a daemon map element names $PHONE1 . PORT_RE
# (default: the live table).
has_elem() {
	if [ -n "${2:-}" ]; then cat "$2"; else nft_sipalg; fi |
		grep -qE "${PHONE1//./\\.} \\. ($1)([^0-9]|\$)"
}
elem_gone() { ! has_elem "$1"; }

# probe_closed LABEL FILE MSG LPORT PPORT - after the call in the peer's
# result FILE: listeners on the phone's media ports LPORT/LPORT+1, the peer
# sends from its media ports PPORT/PPORT+1 (the call's conntrack tuples) to
# the public ports the SDP of the first MSG (INVITE, 200) it received named;
# nothing may arrive.
probe_closed() {
	local label=$1 f=$2 msg=$3 lp=$4 pp=$5 pub
	pub=($(python3 "$CHECK" sdp-port "$f" --message "$msg"))
	if [ -z "${pub[2]:-}" ]; then
		fail "$label: public media ports unknown (no $msg SDP at the peer)"
		return
	fi
	bg "$NS_P1" l$lp timeout 20 python3 "$SIPUA" listen --local $PHONE1:$lp --out "$J/l$lp.json" --timeout 15
	bg "$NS_P1" l$((lp + 1)) timeout 20 python3 "$SIPUA" listen --local $PHONE1:$((lp + 1)) --out "$J/l$((lp + 1)).json" --timeout 15
	wait_file "$J/l$lp.json.ready"; wait_file "$J/l$((lp + 1)).json.ready"
	in_ns "$NS_O" python3 "$SIPUA" probe --local $PEER:$pp --to $GW_OUT:${pub[1]} --packets 10 --out "$J/pr$lp.json"
	in_ns "$NS_O" python3 "$SIPUA" probe --local $PEER:$((pp + 1)) --to $GW_OUT:${pub[2]} --packets 10 --out "$J/pr$((lp + 1)).json"
	sleep 0.3
	touch "$J/l$lp.json.stop" "$J/l$((lp + 1)).json.stop"
	bg_wait l$lp; bg_wait l$((lp + 1))
	check "$label: peer's RTP to $GW_OUT:${pub[1]} does not reach the phone" \
		python3 "$CHECK" listen "$J/l$lp.json" --max 0
	check "$label: peer's RTCP to $GW_OUT:${pub[2]} does not reach the phone" \
		python3 "$CHECK" listen "$J/l$((lp + 1)).json" --max 0
}

# closed_after LABEL FILE MSG LPORT PPORT - a call that ended without BYE:
# in sipalg mode the daemon's map held LPORT during the call and drops
# LPORT/LPORT+1 within 3 s; in every mode probe_closed.
closed_after() {
	local p=$4
	if [ "$MODE" = sipalg ]; then
		check "$1: the daemon's map held $PHONE1 . $p during the call" has_elem $p "$J/snap.nft"
		wait_until 3 elem_gone "$p|$((p + 1))"
		check "$1: bindings of $PHONE1 . $p/$((p + 1)) gone" elem_gone "$p|$((p + 1))"
	fi
	probe_closed "$@"
}

# -- A. idle media --------------------------------------------------------------
ua_bg "$NS_O" peerA uas --local $PEER --user peer --rtp-port 50000 \
	--packets 350 --no-bye --expect "no bye" --timeout 20
ua_bg "$NS_P1" phoneA uac --local $PHONE1 --user phone1 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40000 --packets 350 --no-bye \
	--expect "no bye" --timeout 4
if [ "$MODE" = sipalg ]; then
	# 7 s of media: past the idle timeout the call is still up.
	sleep $((IDLE + 1)).5
	check "A: binding of $PHONE1 . 40000 still there $((IDLE + 1)).5 s in, media flowing" \
		has_elem 40000
fi
bg_stop phoneA 10
T_END=$(now_ms)	# the phone's media ended (plus its 0.5 s linger)
bg_stop peerA 3
check "A: call set up, no BYE (phone)" python3 "$CHECK" status "$J/phoneA.json"
check "A: call set up, no BYE (peer)" python3 "$CHECK" status "$J/peerA.json"
check "A: no BYE was sent by either side" sh -c "! grep -q '\"BYE ' '$J/phoneA.json' '$J/peerA.json'"
check "A: RTP+RTCP both ways" \
	sh -c "python3 '$CHECK' media '$J/phoneA.json' && python3 '$CHECK' media '$J/peerA.json'"
if [ "$MODE" = sipalg ]; then
	check "A: during the call the daemon's map held $PHONE1 . 40000" has_elem 40000 "$J/snap.nft"
	wait_until $((IDLE + 3)) elem_gone "4000[01]"
	check "A: bindings of $PHONE1 . 40000/40001 gone within ${IDLE}+3 s of the media's end (checked at +$(( $(now_ms) - T_END )) ms)" \
		elem_gone "4000[01]"
else
	sleep $((IDLE + 3))
fi
probe_closed "A: after idle timeout" "$J/peerA.json" INVITE 40000 50000

# -- B. maximum call duration --------------------------------------------------
ua_bg "$NS_O" peerB uas --local $PEER --user peer --rtp-port 50100 \
	--packets 700 --no-bye --expect "no bye" --timeout 30
T_B=$(now_ms)
ua_bg "$NS_P1" phoneB uac --local $PHONE1 --user phone1 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40100 --packets 700 --no-bye \
	--expect "no bye" --timeout 4
if [ "$MODE" = sipalg ]; then
	wait_until 5 has_elem 40100
	SEEN=$?
	wait_until $((MAXDUR + 8)) elem_gone "4010[01]"
	T_GONE=$(( $(now_ms) - T_B ))
	check "B: the daemon's map held $PHONE1 . 40100 during the call" test "$SEEN" = 0
	check "B: bindings gone at ${MAXDUR}..$((MAXDUR + 3)) s into the call (at $T_GONE ms)" \
		test "$T_GONE" -ge $(( (MAXDUR - 1) * 1000 )) -a "$T_GONE" -le $(( (MAXDUR + 3) * 1000 ))
fi
bg_stop phoneB 20
bg_stop peerB 5
check "B: call set up, no BYE (phone)" python3 "$CHECK" status "$J/phoneB.json"
check "B: the phone got RTP+RTCP" python3 "$CHECK" media "$J/phoneB.json"
check "B: the peer got RTP+RTCP" python3 "$CHECK" media "$J/peerB.json"
# 700 packets over 14 s: ended at 10-13 s, at least 1 s (50 packets) of the
# peer's media was sent after the end and must not have arrived.
check "B: the peer's media stopped reaching the phone before it stopped sending" \
	python3 -c '
import json, sys
ph = json.load(open(sys.argv[1]))["calls"][0]["media"]["rtp"]
pe = json.load(open(sys.argv[2]))["calls"][0]["media"]["rtp"]
print("peer sent", pe["sent"], "phone received", ph["received"])
sys.exit(not (pe["sent"] >= 650 and 100 < ph["received"] <= pe["sent"] - 50))
' "$J/phoneB.json" "$J/peerB.json"
probe_closed "B: after the maximum duration" "$J/peerB.json" INVITE 40100 50100

# -- C. 481 to a re-INVITE -----------------------------------------------------
ua_bg "$NS_O" peerC uas --local $PEER --user peer --rtp-port 50200 \
	--packets 150 --reject-reinvite 481 --expect "rejected re-INVITE 481" \
	--timeout 20
ua "$NS_P1" phoneC uac --local $PHONE1 --user phone1 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40200 --packets 150 --reinvite 1.5 \
	--expect "ended by 481" --timeout 6
bg_stop peerC 3
check "C: re-INVITE answered 481 (phone)" python3 "$CHECK" status "$J/phoneC.json"
check "C: re-INVITE rejected 481 (peer)" python3 "$CHECK" status "$J/peerC.json"
check "C: RTP peer -> phone before the re-INVITE" \
	python3 "$CHECK" mark "$J/phoneC.json" reinvite --min-rtp 40
check "C: RTP+RTCP phone -> peer" python3 "$CHECK" media "$J/peerC.json"
closed_after "C: after the 481" "$J/peerC.json" INVITE 40200 50200
# -- D. 408 to a re-INVITE from outside ----------------------------------------
# The peer calls phone1 at its public address (the signalling binding the
# calls above made) and re-INVITEs; the phone answers 408 (RFC 3261
# 12.2.1.2: the UAC ends the dialog); nobody sends BYE.
ua_bg "$NS_P1" phoneD uas --local $PHONE1 --user phone1 --rtp-port 40300 \
	--packets 150 --reject-reinvite 408 --expect "rejected re-INVITE 408" \
	--timeout 20
ua "$NS_O" peerD uac --local $PEER --user peer --target sip:phone1@$GW_OUT \
	--rtp-port 50300 --packets 150 --reinvite 1.5 --expect "ended by 408" \
	--timeout 6
bg_stop phoneD 3
check "D: inbound call, re-INVITE answered 408 (peer)" python3 "$CHECK" status "$J/peerD.json"
check "D: re-INVITE rejected 408 (phone)" python3 "$CHECK" status "$J/phoneD.json"
check "D: RTP phone -> peer before the re-INVITE" \
	python3 "$CHECK" mark "$J/peerD.json" reinvite --min-rtp 40
check "D: RTP+RTCP peer -> phone" python3 "$CHECK" media "$J/phoneD.json"
closed_after "D: after the 408" "$J/peerD.json" 200 40300 50300
[ "$MODE" = sipalg ] && snap_stop
check "no private address reaches the outside" python3 "$CHECK" leak "$J/peerA.json" "$J/peerB.json" "$J/peerC.json" "$J/peerD.json"
lab_finish
