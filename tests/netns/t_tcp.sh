#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_tcp.sh [MODE] - SIP over TCP (tests/netns/tcpua.py).  phone1 connects to
# the registrar over TCP and registers; sends two OPTIONS in one segment;
# calls out with an INVITE of 3000 bytes written in three segments (RTP both
# ways, BYE); is called back by the registrar over the connection it
# registered on (RTP both ways, BYE, then the pinhole must be closed); sends
# an OPTIONS whose first copy the registrar's host drops, so the phone's TCP
# retransmits it (both copies must leave the gateway identical); then 3000
# OPTIONS one after another on the same connection, long after the first
# length change.  Separately, an HTTP POST to port 5060 whose body is a
# REGISTER naming the phone's port 2222 (NAT Slipstreaming v1) must open
# nothing and arrive byte for byte.  The gateway's outside interface is
# captured; every TCP stream in it is reassembled and searched for private
# addresses.
. "$(dirname "$0")/lab_tcp.sh"
lab_up tcpdump

if [ "$MODE" = kernel ]; then
	# The helper parses SIP over TCP too when attached to the flow.
	r iptables -t raw -A PREROUTING -p tcp --dport 5060 -j CT --helper sip
	r iptables -t raw -A PREROUTING -p tcp --sport 5060 -j CT --helper sip
fi
# The registrar's host drops the first copy of the probe (no ACK: the
# phone's TCP sends it again).
in_ns "$NS_O" iptables -A INPUT -p tcp --dport 5060 -m string --algo bm \
	--string "X-Probe: retrans" -m statistic --mode nth --every 100000 \
	--packet 0 -j DROP
bg "$NS_R" tcpdump timeout 120 tcpdump -i wan0 -U -s 0 -w "$WORK/wan.pcap" \
	tcp port 5060
wait_until 5 test -s "$WORK/wan.pcap"

J=$WORK
tcp_bg "$NS_O" registrar registrar --ip $REGISTRAR --call --rtp-port 50100 \
	--timeout 90
tcp_bg "$NS_O" sink sink --ip $PEER --timeout 60
in_ns "$NS_P1" timeout 100 python3 "$TCPUA" phone --ip $PHONE1 \
	--registrar $REGISTRAR --rtp-port 40000 --out "$J/phone1.json" \
	>"$J/phone1.stdout" 2>"$J/phone1.stderr"
bg_stop registrar 5

# NAT Slipstreaming v1: the body of an HTTP request is not SIP.
bg "$NS_P1" victim timeout 20 python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("'$PHONE1'", 2222)); s.listen(1); s.settimeout(15)
try:
    c, a = s.accept(); print("accepted", a); sys.exit(0)
except OSError:
    sys.exit(1)'
in_ns "$NS_P1" timeout 20 python3 "$TCPUA" http --ip $PHONE1 --target $PEER \
	--victim-port 2222 --out "$J/http.json" >"$J/http.stdout" 2>&1
bg_stop sink 5
check "HTTP POST to 5060 with a REGISTER body arrives byte for byte" \
	python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["sent_bytes"]; b=json.load(open(sys.argv[2]))["got_bytes"]; sys.exit(a != b)' \
	"$J/http.json" "$J/sink.json"
if [ "$MODE" = sipalg ]; then
	check "... and installs no binding for the phone's port 2222" \
		sh -c "! ip netns exec $NS_R nft list table ip sipalg | grep -q '$PHONE1 . 2222'"
fi
if [ "$MODE" = sipalg ] && [ -z "${GW_CONF_EXTRA:-}" ]; then
	# Only SIP connections reach the daemon: once it saw the POST, the
	# rest of that connection passes the rules unqueued.
	if [ "$FIREWALL" = nft ]; then
		check "... and the rest of that connection passed unqueued (mark, return counted)" \
			sh -c "ip netns exec $NS_R nft list chain inet sipalg divert 2>/dev/null |
				awk '/return/ { for (i = 1; i < NF; i++) if (\$i == \"packets\") s += \$(i + 1) } END { exit !(s > 0) }'"
	else
		check "... and the rest of that connection passed unqueued (mark, RETURN counted)" \
			sh -c "ip netns exec $NS_R iptables -t mangle -L SIPALG_QUEUE -v -x -n |
				awk '/not SIP: passed/ { s += \$1 } END { exit !(s > 0) }'"
	fi
fi
check "... and opens no way in to the phone's port 2222" sh -c \
	"! ip netns exec $NS_O timeout 3 python3 -c 'import socket; socket.create_connection((\"$GW_OUT\", 2222), timeout=2)' 2>/dev/null"
bg_stop victim 1
kill "$(cat "$WORK/tcpdump.pid")" 2>/dev/null
sleep 0.3

ph() { json "$J/phone1.json" "d['steps'].get('$1')"; }
CONTACT=$(json "$J/registrar.json" 'd.get("binding", {}).get("contact")' 2>/dev/null)
check "REGISTER over TCP answered 200" test "$(ph register)" = 200
check "registered Contact is the public address ($CONTACT)" \
	python3 -c 'import sys; sys.exit("@'$GW_OUT':" not in sys.argv[1])' "$CONTACT"
check "two OPTIONS in one segment: both answered" test "$(ph two_in_one)" = 2
check "INVITE of $(ph invite_len) bytes in three segments answered 200" test "$(ph invite)" = 200
check "... it left the gateway in at least three segments" \
	python3 "$TCPSTREAMS" split "$J/wan.pcap" "INVITE sip:uas@" 3
check "outbound call: RTP registrar -> phone" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["steps"]["out_media"]["received"] < 10)' "$J/phone1.json"
check "outbound call: RTP phone -> registrar" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["calls"][0]["media"]["received"] < 10)' "$J/registrar.json"
check "outbound call: BYE answered 200" test "$(ph bye)" = 200
check "incoming call over the registration connection reaches the phone" \
	test -n "$(ph incoming_ruri)" -a "$(ph incoming_ruri)" != None
check "... with its own Request-URI (sip:phone1@$PHONE1:5060)" \
	sh -c "test '$(ph incoming_ruri)' = 'sip:phone1@$PHONE1:5060;transport=tcp'"
check "incoming call: RTP both ways" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=json.load(open(sys.argv[2])); sys.exit(d["steps"]["in_media"]["received"] < 10 or r["calls"][1]["media"]["received"] < 10)' "$J/phone1.json" "$J/registrar.json"
check "after the BYE the registrar's RTP to the phone's public port no longer arrives" \
	test "$(ph after_bye)" = 0
check "retransmitted probe answered" test "$(ph probe)" = 200
check "... both copies left the gateway identical (sequence and payload)" \
	python3 "$TCPSTREAMS" same "$J/wan.pcap" "X-Probe: retrans"
check "3000 OPTIONS after the length changes all answered ($(ph many_secs) s)" \
	test "$(ph many)" = 3000
check "no connection reset" python3 "$TCPSTREAMS" rst "$J/wan.pcap"
check "no private address in any reassembled TCP stream outside" \
	python3 "$TCPSTREAMS" leak "$J/wan.pcap" --skip $PEER --all
lab_finish
