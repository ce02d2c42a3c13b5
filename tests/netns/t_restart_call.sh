#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_restart_call.sh [MODE] - a restart in the middle of a call.  phone1
# registers; the peer calls its registered Contact and the call runs 12 s
# of media both ways; 2 s in, the gateway restarts with the unit's own
# commands (sipalg: SIGTERM, ExecStopPost, ExecStartPre, ExecStart), with
# restart_grace = 5 s, so the call outlives the grace by several seconds;
# then the same with SIGKILL (a crash and Restart=on-failure).
# Media must keep flowing both ways to the end, the peer's BYE must reach
# the phone and close the pinholes (map elements, conntrack flows, a
# probe from the peer's media port reaches nothing), and afterwards the
# registrar's INVITE to phone1's registered Contact rings it with no
# re-registration.  Then a damaged state file: the next start refuses it
# with one log line and the gateway still works (a new call, media both
# ways).
GW_CONF_EXTRA="restart_grace = 5s"
. "$(dirname "$0")/lib.sh"
lab_up

J=$WORK
PACKETS=600	# 12 s of RTP each way (20 ms)

ua_bg "$NS_O" reg registrar --local $REGISTRAR --user registrar \
	--expires 300 --timeout 8
ua "$NS_P1" phone1reg register --local $PHONE1 --user phone1 \
	--registrar $REGISTRAR --expires 300 --timeout 8
bg_wait reg
C1=$(json "$J/reg.json" 'd["binding"]["contact"]' 2>/dev/null)
check "phone1 registered (Contact ${C1:-none})" test -n "$C1"

# answered: seen as the daemon's call or as the phone's media arriving
# (the endpoints' result files say so only at the end).
call_up() {
	if [ "$MODE" = sipalg ]; then
		r "$TOP/build/sipalgctl" -c "$CONF" calls 2>/dev/null | grep -q confirmed
	else
		r conntrack -L -p udp 2>/dev/null | grep -q 'dport=40000 '
	fi
}

# midcall HOW - the peer calls the registered Contact and hangs up after
# its media; phone1 answers and waits for the BYE; 2 s into the call the
# gateway restarts (HOW: TERM, or KILL - a crash: the state file is the
# last one the dead run wrote, the elements have their full timeouts).
midcall() {
	local how=$1 t0 t1 min=$((PACKETS * 9 / 10)) lines pub_rtp pub_rtcp
	ua_bg "$NS_P1" ph1$how uas --local $PHONE1 --user phone1 --rtp-port 40000 \
		--packets $PACKETS --timeout 30
	ua_bg "$NS_O" peer$how uac --local $PEER --user peer \
		--target "${C1:-sip:phone1@$GW_OUT}" --rtp-port 50000 \
		--packets $PACKETS --timeout 30
	wait_until 10 call_up
	sleep 2
	lines=$(wc -l <"$DAEMON_LOG" 2>/dev/null || echo 0)
	check "$how: restart mid-call with the unit's commands (restart_grace 5 s)" \
		gw_unit_restart $how
	t0=$(date +%s)
	if [ "$MODE" = sipalg ]; then
		check "$how: the new run restored the call and the registration from the state file" \
			sh -c "tail -n +$((lines + 1)) '$DAEMON_LOG' |
			       grep -qE 'state file .*: 1 calls \(2 media bindings\) and 1 registrations'"
		nft_sipalg >"$J/restored$how.nft"
		check "$how: the call's and the registration's elements have their own timeouts again (not the 5 s grace)" \
			sh -c "grep -qE '$PHONE1 \. 40000 timeout [0-9]+h' '$J/restored$how.nft' &&
			       grep -qE '$PHONE1 \. 5060 timeout [0-9]+m' '$J/restored$how.nft'"
	fi
	bg_wait peer$how; bg_stop ph1$how 5
	t1=$(date +%s)
	check "$how: media both ways to the end: each side received >= $min of $PACKETS RTP" \
		sh -c "python3 '$CHECK' media --min-rtp $min --min-rtcp $((min / 5)) '$J/ph1$how.json' &&
		       python3 '$CHECK' media --min-rtp $min --min-rtcp $((min / 5)) '$J/peer$how.json'"
	check "$how: the call outlived restart_grace and the peer's BYE reached phone1 $((t1 - t0)) s after the restart" \
		sh -c "test $((t1 - t0)) -gt 5 && python3 '$CHECK' status '$J/ph1$how.json'"
	check "$how: the peer's call completed (200 to its BYE)" \
		python3 "$CHECK" status "$J/peer$how.json"
	set -- $(python3 "$CHECK" sdp-port --message 200 "$J/peer$how.json")
	pub_rtp=${2:-40000} pub_rtcp=${3:-40001}
	if [ "$MODE" = sipalg ]; then
		nft_sipalg >"$J/after$how.nft"
		check "$how: after the BYE no map element for $PHONE1 . 40000/40001 or public port $pub_rtp" \
			sh -c "! grep -E '$PHONE1 \. 4000[01]|$GW_OUT \. ($pub_rtp|$pub_rtcp)([^0-9]|\$)' '$J/after$how.nft'"
		wait_until 3 sh -c "! ip netns exec $NS_R conntrack -L -p udp --dst $GW_OUT 2>/dev/null | grep -qE 'dport=($pub_rtp|$pub_rtcp) '"
		check "$how: after the BYE no conntrack flow to public port $pub_rtp/$pub_rtcp" \
			sh -c "! ip netns exec $NS_R conntrack -L -p udp --dst $GW_OUT 2>/dev/null | grep -qE 'dport=($pub_rtp|$pub_rtcp) '"
	fi
	# Probe: the peer's own media socket (its call's flow) and a fresh one.
	bg "$NS_P1" lrtp$how timeout 20 python3 "$SIPUA" listen --local $PHONE1:40000 \
		--out "$J/lrtp$how.json" --timeout 15
	wait_file "$J/lrtp$how.json.ready"
	in_ns "$NS_O" python3 "$SIPUA" probe --local $PEER:50000 --to $GW_OUT:$pub_rtp --packets 10 --out "$J/p1$how.json"
	in_ns "$NS_O" python3 "$SIPUA" probe --local $PEER:51000 --to $GW_OUT:$pub_rtp --packets 10 --out "$J/p2$how.json"
	sleep 0.3
	touch "$J/lrtp$how.json.stop"; bg_wait lrtp$how
	check "$how: after the BYE the peer's RTP to $GW_OUT:$pub_rtp does not reach phone1" \
		python3 "$CHECK" listen "$J/lrtp$how.json" --max 0
	# The probes' own flows (unanswered, to the router itself) would
	# shadow the next round's binding on the same public port.
	r conntrack -D -p udp --dst $GW_OUT --dport $pub_rtp >/dev/null 2>&1
	RESTARTED=$t0
}

midcall TERM
midcall KILL

# The registration outlived the restart: the registrar calls phone1's
# registered Contact, past restart_grace, and phone1 never re-registered.
ua_bg "$NS_P1" ph1b uas --local $PHONE1 --user phone1 --rtp-port 40000 --packets 25 --timeout 12
ua "$NS_O" inv uac --local $REGISTRAR --user registrar --target "${C1:-sip:phone1@$GW_OUT}" \
	--rtp-port 50100 --packets 25 --timeout 8
bg_stop ph1b 3
check "$(( $(date +%s) - RESTARTED )) s after the restart the registrar's INVITE to phone1's Contact rings it" \
	python3 "$CHECK" status "$J/inv.json"
check "media both ways on that call" \
	sh -c "python3 '$CHECK' media --min-rtp 10 --min-rtcp 1 '$J/inv.json' &&
	       python3 '$CHECK' media --min-rtp 10 --min-rtcp 1 '$J/ph1b.json'"

# A damaged state file: refused with one clear line; the gateway works.
damage() { [ -s "$J/state" ] && head -c 200 "$J/state" >"$J/state.cut" && mv "$J/state.cut" "$J/state"; }
if [ "$MODE" = sipalg ]; then
	check "restart with a truncated state file" gw_unit_restart TERM damage
	check "the truncated state file was refused with a log line" \
		grep -qE 'state file .* refused \(truncated' "$DAEMON_LOG"
	check "the daemon runs on" kill -0 "$DAEMON_PID"
fi
ua_bg "$NS_O" peer2 uas --local $PEER --user peer --rtp-port 50200 --packets 50 --timeout 10
ua "$NS_P2" ph2 uac --local $PHONE2 --user phone2 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40200 --packets 50 --timeout 8
bg_stop peer2 3
check "after that a new call completes, media both ways" \
	sh -c "python3 '$CHECK' status '$J/ph2.json' &&
	       python3 '$CHECK' media '$J/ph2.json' && python3 '$CHECK' media '$J/peer2.json'"
check "no private address reaches the outside" \
	python3 "$CHECK" leak "$J/reg.json" "$J/peerTERM.json" "$J/peerKILL.json" "$J/inv.json" "$J/peer2.json"
# The unit's stop (ExecStopPost ... --unless-disabled sipalgd.service):
# while the unit is enabled (a plain stop, a restart) the bindings stay,
# none with more than restart_grace left; after "systemctl disable --now"
# everything goes, state file included.  systemctl is a stand-in here.
fake_systemctl() {
	mkdir -p "$WORK/$1"
	printf '#!/bin/sh\necho %s\n[ %s = enabled ]\n' "$1" "$1" >"$WORK/$1/systemctl"
	chmod +x "$WORK/$1/systemctl"
}
unit_stop() {
	PATH="$WORK/$1:$PATH" r "$TOP/rules/sipalg-rules" remove --keep-bindings \
		--unless-disabled sipalgd.service -c "$CONF" >>"$WORK/rules.log" 2>&1
}
if [ "$MODE" = sipalg ]; then
	fake_systemctl enabled; fake_systemctl disabled
	gw_daemon_stop
	check "stop of an enabled unit" unit_stop enabled
	nft_sipalg >"$J/stopped.nft"
	check "after it the bindings stay (state file too), none longer than restart_grace" \
		sh -c "grep -q 'expires' '$J/stopped.nft' && test -s '$J/state' &&
		       ! grep -E 'expires ([0-9]+[dh]|[0-9]+m([^s]|\$)|[6-9]s|[0-9]{2,}s)' '$J/stopped.nft'"
	# IPv6 pinholes are kept for a restart the same way: t_ipv6 checks
	# them (this lab has no IPv6 phone).
	check "stop after systemctl disable --now" unit_stop disabled
	check "after it no table of the daemon and no state file is left" \
		sh -c "! ip netns exec $NS_R nft list tables | grep -q sipalg && ! test -e '$J/state'"
	check "no crash or sanitizer report in the daemon log" \
		sh -c "! grep -E 'AddressSanitizer|runtime error|Segmentation' '$DAEMON_LOG'"
fi
lab_finish
