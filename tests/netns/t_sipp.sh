#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_sipp.sh [MODE] - a call between two SIPp instances: the phone runs
# sipp/uac_pcap_short.xml (INVITE, ACK, the corpus' G.711 capture played as
# RTP, BYE), the peer runs SIPp's built-in uas with -rtp_echo.  Both SIPp
# must exit 0, the router's conntrack counters must show the RTP flow in
# both directions (played out, echoed back), and the INVITE the peer
# received must carry no private address.
. "$(dirname "$0")/lib.sh"
CORPUS=${SIPALG_CORPUS:-$TOP/tests/corpus}
PCAP=$CORPUS/sipp-scenarios/sipp/pcap/g711a.pcap
if [ ! -r "$PCAP" ]; then
	# tests/corpus is part of the repository: a missing file is a failure.
	echo "FAIL: $PCAP not found"
	exit 1
fi
lab_up sipp ss

J=$WORK
mkdir -p "$J/uac/pcap" "$J/uas"
ln -s "$PCAP" "$J/uac/pcap/g711a.pcap"
snap_start
bg "$NS_O" sipp-uas sh -c "cd '$J/uas' && exec timeout 40 sipp -sn uas \
	-i $PEER -p 5060 -mi $PEER -mp 6000 -rtp_echo -m 1 -nostdin \
	-timeout 30s -timeout_error -trace_msg -message_file '$J/uas.msg'"
wait_until 10 sh -c "ip netns exec $NS_O ss -Huln src $PEER:5060 | grep -q ."
in_ns "$NS_P1" sh -c "cd '$J/uac' && exec timeout 40 sipp \
	-sf '$LAB_DIR/sipp/uac_pcap_short.xml' -i $PHONE1 -p 5060 -mi $PHONE1 \
	-mp 6000 -m 1 -nostdin -timeout 15s -timeout_error -trace_msg \
	-message_file '$J/uac.msg' $PEER:5060" >"$J/sipp-uac.stdout" 2>&1
UAC_RC=$?
bg_stop sipp-uas 5
UAS_RC=$?
snap_stop

check "sipp UAC (phone) completes the call (exit $UAC_RC)" test $UAC_RC = 0
check "sipp UAS (peer) completes the call (exit $UAS_RC)" test $UAS_RC = 0
# Highest packet counters of the phone's RTP flow (port 6000) seen by the
# router while the call ran: original = played out, reply = echoed back.
read -r ORIG REPL <<<"$(awk '
	/src=10\.0\.0\.10 / && /sport=6000 / {
		n = 0
		for (i = 1; i <= NF; i++) if ($i ~ /^packets=/) {
			split($i, kv, "="); c[++n] = kv[2] }
		if (c[1] > o) o = c[1]; if (c[2] > r) r = c[2]
	}
	END { print o + 0, r + 0 }' "$J/snap.ct")"
check "RTP phone -> peer through the router: $ORIG packets (>= 100)" test "$ORIG" -ge 100
check "RTP echoed peer -> phone through the router: $REPL packets (>= 100)" test "$REPL" -ge 100
python3 "$CHECK" sipp-log "$J/uas.msg" "$J/uas.json" >/dev/null 2>&1
check "no private address reaches the outside (sipp UAS's message log)" \
	python3 "$CHECK" leak "$J/uas.json"
lab_finish
