#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_protos.sh [MODE] - the 4527 PROTOS c07-sip r2 test cases (an INVITE and
# its teardown each, 9054 datagrams) through the live gateway: from phone1
# (10.0.0.10:5060) to the peer outside, then from the peer back to phone1's
# public binding (203.0.113.1:5060).  Afterwards a normal call from phone1
# must work, and sipalgd must still be running, exit cleanly on SIGTERM and
# have logged no sanitizer report.
#   PROTOS_LIMIT=N   send only the first N cases (default: all)
#   PROTOS_RATE=N    datagrams per second (default 500)
#   PROTOS_BYTES=N   payload bytes per second (default 3000000): the cases
#                    hold 33 MB, many near 64 KB; faster, the daemon's
#                    queue overflows and the kernel lets them pass unseen
. "$(dirname "$0")/lib.sh"
# PROTOS's INVITEs all come from phone1 and live until call_setup_timeout
# (their CANCELs end nothing, RFC 3261 9.1): phone1 would then be at its
# own max_calls_per_host (128) for the call after them - which is what the
# quota is for (t_quota.sh).  This scenario is about robustness: phone1
# gets the global limit as its own.
GW_CONF_EXTRA="max_calls_per_host = 1024"
lab_up

SEND="$LAB_DIR/protos_send.py"
LIMIT=${PROTOS_LIMIT:-0}
RATE=${PROTOS_RATE:-500}
BYTES=${PROTOS_BYTES:-3000000}
J=$WORK

# sink NS NAME ADDR - count what arrives at ADDR, in the background.
sink() {
	bg "$1" "$2" timeout 150 python3 "$SEND" sink --bind "$3" --idle 3 \
		--max-time 140 --out "$WORK/$2.json"
	wait_file "$WORK/$2.json.ready" 10
}

# protos NS NAME AS BIND TO - send every case; counts in $WORK/NAME.json.
protos() {
	in_ns "$1" timeout 120 python3 "$SEND" send --as "$3" --bind "$4" \
		--to "$5" --rate "$RATE" --byte-rate "$BYTES" --limit "$LIMIT" \
		--out "$WORK/$2.json" \
		>"$WORK/$2.stdout" 2>"$WORK/$2.stderr"
}

sent_ok() {	# sent_ok NAME - every PDU was handed to the kernel
	python3 - "$WORK/$1.json" "$LIMIT" <<-'EOF'
	import json, sys
	d = json.load(open(sys.argv[1]))
	want = 2 * (int(sys.argv[2]) or 4527)
	print(d)
	sys.exit(0 if d["sent"] == want and not d["errors"] else 1)
	EOF
}

# delivered SINK SENDER LABEL - how many of the sent datagrams the sink
# counted; with sipalgd (fail-open) that must be (nearly) all of them, in
# the other modes it is reported only.
delivered() {
	local got sent
	got=$(json "$WORK/$1.json" 'd["received"]')
	sent=$(json "$WORK/$2.json" 'd["sent"]')
	if [ "$MODE" = sipalg ]; then
		check "$3: $got of $sent arrive (fail-open)" \
			test "$got" -ge $((sent * 99 / 100))
	else
		skip "$3: $got of $sent arrive" "asserted with sipalgd only"
	fi
}

# seen_most - the daemon's last stats line counts (nearly) every datagram
# of both phases: the rest were let through by the kernel unseen (queue
# full, fail-open), which the delivery checks cannot tell apart.
seen_most() {
	local seen sent
	seen=$(grep -oE 'stats: packets [0-9]+' "$DAEMON_LOG" | tail -1 | grep -oE '[0-9]+$')
	sent=$(( $(json "$WORK/out.json" 'd["sent"]') + $(json "$WORK/in.json" 'd["sent"]') ))
	echo "daemon saw ${seen:-0} packets, PROTOS sent $sent"
	[ "${seen:-0}" -ge $((sent * 95 / 100)) ]
}

daemon_alive() { [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID"; }

# Outbound: phone1 -> peer.
sink "$NS_O" peer_sink "$PEER:5060"
protos "$NS_P1" out phone "$PHONE1:5060" "$PEER:5060"
bg_wait peer_sink
check "PROTOS cases sent phone1 -> outside" sent_ok out
delivered peer_sink out "PROTOS phone1 -> outside"
echo "out: $(cat "$WORK/out.json") $(cat "$WORK/peer_sink.json")"

# Inbound: peer -> phone1's public binding (the flow phone1:5060 <->
# peer:5060 the outbound phase left in conntrack).
sink "$NS_P1" phone_sink "$PHONE1:5060"
protos "$NS_O" in outside "$PEER:5060" "$GW_OUT:5060"
bg_wait phone_sink
check "PROTOS cases sent outside -> phone1" sent_ok in
delivered phone_sink in "PROTOS outside -> phone1"
echo "in: $(cat "$WORK/in.json") $(cat "$WORK/phone_sink.json")"

if [ "$MODE" = sipalg ]; then
	check "sipalgd alive after PROTOS" daemon_alive
else
	skip "sipalgd alive after PROTOS" "no daemon in mode $MODE"
fi

# Then a normal call, as in t_outbound.sh.
ua_bg "$NS_O" peer uas --local $PEER --user peer --rtp-port 50000 \
	--rtcp-attr --timeout 20
ua "$NS_P1" phone1 uac --local $PHONE1 --user phone1 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40000 --rtcp-attr --timeout 6
bg_stop peer 3
check "call after PROTOS completes (phone)" python3 "$CHECK" status "$J/phone1.json"
check "call after PROTOS completes (peer)" python3 "$CHECK" status "$J/peer.json"
check "call after PROTOS: RTP+RTCP both ways" \
	sh -c "python3 '$CHECK' media '$J/phone1.json' && python3 '$CHECK' media '$J/peer.json'"
check "call after PROTOS: no private address reaches the outside" python3 "$CHECK" leak "$J/peer.json"

if [ "$MODE" = sipalg ]; then
	check "sipalgd alive after the call" daemon_alive
	gw_daemon_stop
	grep -E 'stats: ' "$DAEMON_LOG" | tail -12
	check "sipalgd saw at least 95% of the PROTOS datagrams" seen_most
	check "sipalgd exits cleanly on SIGTERM (status $DAEMON_STATUS)" test "$DAEMON_STATUS" = 0
	check "no sanitizer report in the daemon log" \
		sh -c "! grep -E 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:' '$DAEMON_LOG'"
fi
lab_finish
