#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_eim.sh [MODE] - endpoint-independent mapping (RFC 4787 REQ-1) as a
# property: phone1 and then phone2, both on port 5060, each ask a STUN
# server outside which public address:port their socket has, then send SIP
# OPTIONS from that same socket to two other outside hosts.  Each of the
# three must see one and the same public source per phone (the second
# phone's socket cannot keep port 5060 on the public side, so the gateway
# picks one: it must pick it once, not once per destination).
. "$(dirname "$0")/lib.sh"
lab_up
J=$WORK
lab_stun 60
for h in $REGISTRAR $PEER; do
	bg "$NS_O" "l$h" python3 "$SIPUA" listen --local $h:5060 \
		--out "$J/l$h.json" --timeout 60
	wait_file "$J/l$h.json.ready"
done

for p in 1 2; do
	ns=$NS_P1; ip=$PHONE1
	[ $p = 2 ] && { ns=$NS_P2; ip=$PHONE2; }
	in_ns "$ns" python3 "$SIPUA" probe --local $ip:5060 --sip --packets 2 \
		--stun $STUN_IP:3478 --to $REGISTRAR:5060 --to $PEER:5060 \
		--out "$J/probe$p.json"
done
for h in $REGISTRAR $PEER; do
	touch "$J/l$h.json.stop"; bg_stop "l$h" 3
done

for p in 1 2; do
	MAP=$(json "$J/probe$p.json" 'd["stun"]["sip"]')
	check "phone$p learned a public mapping by STUN ($MAP)" \
		sh -c "echo '$MAP' | grep -q '^$GW_OUT:'"
	for h in $REGISTRAR $PEER; do
		check "phone$p: $h saw the STUN mapping $MAP as the source" \
			python3 -c 'import json,sys
d = json.load(open(sys.argv[1])); srcs = list(d["from"])
i = int(sys.argv[3]) - 1
print("sources in order:", srcs, "STUN:", sys.argv[2])
sys.exit(not (len(srcs) == 2 and srcs[i] == sys.argv[2]))' \
			"$J/l$h.json" "$MAP" "$p"
	done
done
M1=$(json "$J/probe1.json" 'd["stun"]["sip"]')
M2=$(json "$J/probe2.json" 'd["stun"]["sip"]')
check "the two phones have different public mappings ($M1, $M2)" test "$M1" != "$M2"
lab_finish
