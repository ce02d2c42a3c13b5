#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/replay/record-lab.sh - record the lab captures of pcap/lab (root;
# run by hand, not by make check).  In the namespace lab of tests/netns
# with the live daemon (build/sipalgd): phone1 registers with the
# registrar, the registrar calls the binding, another outside host calls
# it, and phone1 calls the peer.  tcpdump records SIP on the router's
# lan0 and wan0; tests/replay/lab.py merge turns the two into what the
# daemon saw (pcap/in/lab--NAME.pcap) and what it sent
# (pcap/lab/NAME.live.pcap).
#   tests/replay/record-lab.sh [NAME]
NAME=${1:-register-calls}
HERE=$(cd "$(dirname "$0")" && pwd)
MODE=sipalg
. "$HERE/../netns/lib.sh"
lab_up tcpdump

bg "$NS_R" caplan tcpdump -i lan0 -U -w "$WORK/lan0.pcap" udp port 5060
bg "$NS_R" capwan tcpdump -i wan0 -U -w "$WORK/wan0.pcap" udp port 5060
sleep 1
ua_bg "$NS_O" registrar registrar --local $REGISTRAR --user registrar \
	--expires 120 --call --rtp-port 50100 --timeout 8
ua_bg "$NS_P1" phone1 register --local $PHONE1 --user phone1 \
	--registrar $REGISTRAR --expires 120 --serve 2 --rtp-port 40000 \
	--timeout 30
bg_wait registrar
CONTACT=$(json "$WORK/registrar.json" 'd["binding"]["contact"]' 2>/dev/null)
[ -n "$CONTACT" ] && ua "$NS_O" peer uac --local $PEER --user peer \
	--target "$CONTACT" --rtp-port 50200 --timeout 6
bg_stop phone1 3
ua_bg "$NS_O" peer2 uas --local $PEER --user peer --rtp-port 50000 --timeout 20
ua "$NS_P2" phone2 uac --local $PHONE2 --user phone2 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40000 --timeout 6
bg_stop peer2 3
sleep 1
kill -INT "$(cat "$WORK/caplan.pid")" "$(cat "$WORK/capwan.pid")"
sleep 1
check "calls completed" sh -c "python3 '$CHECK' status '$WORK/peer.json' &&
	python3 '$CHECK' status '$WORK/phone2.json'"
mkdir -p "$TOP/pcap/lab"
cp "$WORK/lan0.pcap" "$TOP/pcap/lab/$NAME.lan0.pcap"
cp "$WORK/wan0.pcap" "$TOP/pcap/lab/$NAME.wan0.pcap"
mkdir -p "$TOP/pcap/conf"
cp "$CONF" "$TOP/pcap/conf/lab--$NAME.conf"
check "merge lan0 and wan0" python3 "$HERE/lab.py" merge \
	"$TOP/pcap/lab/$NAME.lan0.pcap" "$TOP/pcap/lab/$NAME.wan0.pcap" \
	"$TOP/pcap/in/lab--$NAME.pcap" "$TOP/pcap/lab/$NAME.live.pcap"
lab_finish
