#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_mediafrom.sh [MODE] - who may send to a call's public media ports
# (issue 11 item 3).  phone1 calls the peer outside (RTP+RTCP both ways,
# 4 s); while the media flows a third host outside (203.0.113.30) and a
# host in another zone of the router (a DMZ, 198.51.100.10 on dmz0) send
# RTP to the phone's public RTP and RTCP ports.  With media_from = sdp
# (sipalg modes, first call) the third host reaches nothing and the
# daemon's filter counts its drops; the DMZ host reaches nothing either
# (the mark-accept rule admits the outside and inside interfaces only -
# for rules_backend = nft the daemon's own forward chain drops it).
# Then the daemon is reloaded with media_from = any and a second call is
# made: the third host's packets reach the phone (endpoint-independent
# filtering, counted by source), the DMZ host's still do not.  Plain NAT
# and the kernel helper open no port to the third host at all.
. "$(dirname "$0")/lib.sh"
NS_D=${LAB_P}d
LAB_NS="$LAB_NS $NS_D"
GW_CONF_EXTRA="media_from = sdp"
lab_up
J=$WORK
THIRD=203.0.113.30
DMZ_GW=198.51.100.1
DMZ=198.51.100.10
ip -n "$NS_O" addr add $THIRD/24 dev eth0
ip -n "$NS_R" link add dmz0 type veth peer name eth0 netns "$NS_D"
ip -n "$NS_R" addr add $DMZ_GW/24 dev dmz0
ip -n "$NS_D" addr add $DMZ/24 dev eth0
ip -n "$NS_R" link set dmz0 up
ip -n "$NS_D" link set eth0 up
ip -n "$NS_D" route add default via $DMZ_GW
wait_until 5 sh -c "ip -n $NS_D -o link show up | grep -q 'eth0.*LOWER_UP'"

# The public port the phone's RTP socket (inside port $1) has, from the
# router's conntrack table: the gateway's address in the flow's tuples.
pub_port() {
	r conntrack -L -p udp 2>/dev/null | python3 -c '
import re, sys
ph, port, gw = sys.argv[1:4]
for line in sys.stdin:
    if f"src={ph} " not in line or f"sport={port} " not in line:
        continue
    m = re.search(r"dst=" + re.escape(gw) + r" sport=\d+ dport=(\d+)", line)
    if m:
        print(m.group(1))
        sys.exit(0)
sys.exit(1)' $PHONE1 "$1" $GW_OUT
}

# call NAME RTP_PORT - phone1 calls the peer; while the media flows the
# third host and the DMZ host probe the phone's public RTP/RTCP ports.
call() {
	local name=$1 rtp=$2 pub
	ua_bg "$NS_O" peer$name uas --local $PEER --user peer \
		--rtp-port $((rtp + 10000)) --packets 200 --timeout 20
	bg "$NS_P1" phone$name timeout 30 python3 "$SIPUA" uac \
		--out "$J/phone$name.json" --local $PHONE1 --user phone1 \
		--domain $REGISTRAR --target sip:peer@$PEER --rtp-port $rtp \
		--packets 200 --timeout 15
	if ! wait_until 5 pub_port $rtp; then
		log "no conntrack flow of $PHONE1:$rtp"
	fi
	pub=$(pub_port $rtp)
	echo "${pub:-$rtp}" >"$J/pub$name"
	in_ns "$NS_O" python3 "$SIPUA" probe --local $THIRD:50000 \
		--to $GW_OUT:${pub:-$rtp} --to $GW_OUT:$((${pub:-$rtp} + 1)) \
		--packets 15 --out "$J/third$name.json"
	in_ns "$NS_D" python3 "$SIPUA" probe --local $DMZ:50000 \
		--to $GW_OUT:${pub:-$rtp} --to $GW_OUT:$((${pub:-$rtp} + 1)) \
		--packets 15 --out "$J/dmz$name.json"
	bg_wait phone$name
	bg_stop peer$name 5
}

# from FILE HOST - RTP+RTCP packets the call in FILE received from HOST.
from() {
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
n = sum(v for c in d.get("calls", []) for k in ("rtp", "rtcp")
        for s, v in c.get("media", {}).get(k, {}).get("from", {}).items()
        if s.split(":")[0] == sys.argv[2])
print(n)' "$1" "$2"
}

# The nft "from" rule's drop counter (sipalg modes).
filter_drops() {
	r nft list chain ip sipalg from 2>/dev/null |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | head -1
}

call 1 40000
check "call 1 completes (phone)" python3 "$CHECK" status "$J/phone1.json"
check "call 1: RTP+RTCP phone <-> peer" \
	sh -c "python3 '$CHECK' media '$J/phone1.json' && python3 '$CHECK' media '$J/peer1.json'"
check "call 1: the third host $THIRD sent 30 packets to ports $(cat "$J/pub1")/+1" \
	test "$(json "$J/third1.json" 'd["sent"]')" = 30
n=$(from "$J/phone1.json" $THIRD)
check "call 1$([ "$MODE" = sipalg ] && echo ' (media_from = sdp)'): the phone received nothing from the third host $THIRD (got $n)" \
	test "$n" = 0
n=$(from "$J/phone1.json" $DMZ)
check "call 1: the phone received nothing from the DMZ host $DMZ (got $n)" \
	test "$n" = 0
if [ "$MODE" = sipalg ]; then
	d=$(filter_drops)
	check "media_from = sdp: the daemon's filter counted the third host's packets (${d:-none} dropped)" \
		test "${d:-0}" -ge 20
	if [ "$FIREWALL" = nft ]; then
		r nft list chain inet sipalg zones >"$J/fwd.nft" 2>&1
		check "nft backend: the daemon's forward chain dropped the DMZ host's marked flow ($(grep -o 'counter packets [0-9]*' "$J/fwd.nft"))" \
			grep -Eq 'ct mark 0x0*5a1 iifname != "wan0" iifname != "lan0" counter packets [1-9][0-9]* bytes [0-9]+ drop' "$J/fwd.nft"
	fi
	# media_from = any, then the second call.
	sed -i 's/^media_from = sdp$/media_from = any/' "$CONF"
	kill -HUP "$DAEMON_PID"
	wait_until 5 grep -q "configuration reloaded" "$DAEMON_LOG"
fi

call 2 40010
check "call 2 completes (phone)" python3 "$CHECK" status "$J/phone2.json"
check "call 2: RTP+RTCP phone <-> peer" \
	sh -c "python3 '$CHECK' media '$J/phone2.json' && python3 '$CHECK' media '$J/peer2.json'"
n=$(from "$J/phone2.json" $THIRD)
if [ "$MODE" = sipalg ]; then
	check "call 2 (media_from = any): the third host's packets reach the phone ($n of 30)" \
		test "$n" -ge 20
else
	check "call 2: the phone received nothing from the third host $THIRD (got $n)" \
		test "$n" = 0
fi
n=$(from "$J/phone2.json" $DMZ)
check "call 2: the phone received nothing from the DMZ host $DMZ (got $n)" \
	test "$n" = 0
lab_finish
