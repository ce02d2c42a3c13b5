#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/replay/record-tcp-lab.sh - record the SIP over TCP lab capture of
# pcap/ (root; run by hand, not by make check).  In the namespace lab of
# tests/netns with the live daemon (build/sipalgd): phone1 registers over
# TCP, two OPTIONS in one segment, a 3000-byte INVITE in three segments,
# the registrar calls back over the connection, a retransmitted OPTIONS,
# 20 more OPTIONS (tests/netns/tcpua.py).  tcpdump records TCP port 5060
# on the router's lan0 and wan0; tests/replay/tcplab.py merge turns the
# two into what the daemon saw (pcap/in/lab--NAME.pcap); the two raw
# captures stay in pcap/lab as what it sent.
#   tests/replay/record-tcp-lab.sh [NAME]
NAME=${1:-tcp-register-calls}
HERE=$(cd "$(dirname "$0")" && pwd)
MODE=sipalg
. "$HERE/../netns/lab_tcp.sh"
lab_up tcpdump

in_ns "$NS_O" iptables -A INPUT -p tcp --dport 5060 -m string --algo bm \
	--string "X-Probe: retrans" -m statistic --mode nth --every 100000 \
	--packet 0 -j DROP
bg "$NS_R" caplan tcpdump -i lan0 -U -s 0 -w "$WORK/lan0.pcap" tcp port 5060
bg "$NS_R" capwan tcpdump -i wan0 -U -s 0 -w "$WORK/wan0.pcap" tcp port 5060
sleep 1
tcp_bg "$NS_O" registrar registrar --ip $REGISTRAR --call --rtp-port 50100 \
	--timeout 60
in_ns "$NS_P1" timeout 60 python3 "$TCPUA" phone --ip $PHONE1 \
	--registrar $REGISTRAR --rtp-port 40000 --many 20 \
	--out "$WORK/phone1.json" >"$WORK/phone1.stdout" 2>&1
bg_stop registrar 5
sleep 1
kill -INT "$(cat "$WORK/caplan.pid")" "$(cat "$WORK/capwan.pid")"
sleep 1
check "phone's steps completed" test "$(json "$WORK/phone1.json" \
	"d['steps'].get('many')")" = 20
mkdir -p "$TOP/pcap/lab" "$TOP/pcap/conf"
cp "$WORK/lan0.pcap" "$TOP/pcap/lab/$NAME.tcp.lan0.pcap"
cp "$WORK/wan0.pcap" "$TOP/pcap/lab/$NAME.tcp.wan0.pcap"
cp "$CONF" "$TOP/pcap/conf/lab--$NAME.conf"
check "merge lan0 and wan0" python3 "$HERE/tcplab.py" merge \
	"$TOP/pcap/lab/$NAME.tcp.lan0.pcap" "$TOP/pcap/lab/$NAME.tcp.wan0.pcap" \
	"$TOP/pcap/in/lab--$NAME.pcap"
lab_finish
