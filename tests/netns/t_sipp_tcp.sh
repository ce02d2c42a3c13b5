#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_sipp_tcp.sh [MODE] - load over one SIP/TCP connection: SIPp's built-in
# uac on phone1 (-t t1: every call on one connection) calls SIPp's uas on
# the peer at SIPP_RATE calls/s (default 200) for SIPP_CALLS calls
# (default 12000: a minute), each INVITE with SDP (a media binding pair
# per call, removed at its BYE).  Every call must succeed (SIPp exits 0,
# none failed), the connection must never be reset, and no private
# address may appear in the reassembled TCP streams of the first
# SIPP_CAP packets captured outside.
. "$(dirname "$0")/lab_tcp.sh"
# SIPp's UAC is a PBX (one host, hundreds of calls a second): raised as
# sipalgd.conf.example tells a PBX's operator.  At the default 128, a
# 3.5 s stall of the whole machine (SIPp's own watchdog tripped, CI on
# 8267186 at load 7) left 700 calls in flight and the quota passed 173
# INVITEs as written.
GW_CONF_EXTRA="max_calls_per_host = 4096
max_media_per_host = 8192"
lab_up sipp tcpdump

RATE=${SIPP_RATE:-200}
CALLS=${SIPP_CALLS:-12000}
CAP=${SIPP_CAP:-4000}
J=$WORK
bg "$NS_R" tcpdump timeout 120 tcpdump -i wan0 -U -s 0 -c "$CAP" \
	-w "$J/wan.pcap" tcp port 5060
wait_until 5 test -s "$J/wan.pcap"
bg "$NS_O" sipp-uas sh -c "cd '$J' && exec timeout 150 sipp -sn uas -t t1 \
	-i $PEER -p 5060 -nostdin -timeout 120s -trace_stat -fd 5 \
	-stf '$J/uas.csv'"
wait_until 10 sh -c "ip netns exec $NS_O ss -Htln src $PEER:5060 | grep -q ."
T0=$(date +%s)
in_ns "$NS_P1" sh -c "cd '$J' && exec timeout 150 sipp -sn uac -t t1 \
	-i $PHONE1 -p 5060 -r $RATE -m $CALLS -nostdin -timeout 120s \
	-timeout_error -trace_stat -fd 5 -stf '$J/uac.csv' $PEER:5060" \
	>"$J/sipp-uac.stdout" 2>&1
UAC_RC=$?
T1=$(date +%s)
bg_stop sipp-uas 5
sleep 0.5
kill "$(cat "$J/tcpdump.pid")" 2>/dev/null

# The last line of SIPp's statistics file: cumulative counters.
stat() {
	python3 - "$J/uac.csv" "$1" <<-'PY'
	import csv, sys
	rows = list(csv.reader(open(sys.argv[1]), delimiter=";"))
	i = rows[0].index(sys.argv[2])
	print(rows[-1][i])
	PY
}
OK=$(stat SuccessfulCall\(C\) 2>/dev/null)
FAILED=$(stat FailedCall\(C\) 2>/dev/null)
check "SIPp over TCP: $CALLS calls at $RATE/s in $((T1 - T0)) s, exit $UAC_RC" \
	test "$UAC_RC" = 0
check "... $OK successful, ${FAILED:-?} failed" \
	test "${OK:-0}" = "$CALLS" -a "${FAILED:-1}" = 0
check "the connection was never reset" python3 "$TCPSTREAMS" rst "$J/wan.pcap"
check "no private address in the reassembled streams ($CAP packets)" \
	python3 "$TCPSTREAMS" leak "$J/wan.pcap"
if [ "$MODE" = sipalg ]; then
	kill -USR1 "$DAEMON_PID" 2>/dev/null
	sleep 0.3
	grep "stats: tcp" "$DAEMON_LOG" | tail -n 1 >&2
fi
lab_finish
