#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_slipstream.sh [MODE] - NAT Slipstreaming v1/v2 (issue 11): phone1
# (10.0.0.10, the "browser" an attacker's page drives) sends SIP naming
# other inside targets - phone2 10.0.0.11 (v2: another host), its own
# ports 53 and 445 (v1: below 1024), the router's LAN address 10.0.0.1 and
# the broadcast address 10.0.0.255 - in Contact, Via, Record-Route and SDP
# (session and media c=, a=rtcp, a multipart UPDATE), as REGISTER, INVITE,
# OPTIONS, a 200 response and an UPDATE (tests/netns/slipstream.py).  The
# outside end records the messages and then probes every public port they
# name plus the targets' own port numbers on the gateway's public address:
# listeners on every target receive nothing.  In sipalg mode the daemon's
# map holds none of the targets (its own 5060 is bound: the sender's own
# address still works) and the log says why, by reason.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sipplay.sh"
lab_up
J=$WORK
SLIP="$LAB_DIR/slipstream.py"

# Listeners on every target: phone2's SIP and media ports, phone1's low
# ports, the router's own address.
listen() {	# listen NAME NS ADDR:PORT
	bg "$2" "$1" timeout 40 python3 "$SIPUA" listen --local "$3" \
		--out "$J/$1.json" --timeout 35
	wait_file "$J/$1.json.ready"
}
listen l_p2sip "$NS_P2" $PHONE2:5070
listen l_p2rtp "$NS_P2" $PHONE2:40000
listen l_p2rtcp "$NS_P2" $PHONE2:40001
listen l_p1dns "$NS_P1" $PHONE1:53
listen l_p1smb "$NS_P1" $PHONE1:445
listen l_gw "$NS_R" $GW_IN:5070

bg "$NS_O" sink timeout 20 python3 "$SLIP" sink --local $REGISTRAR:5060 \
	--out "$J/sink.json" --timeout 10 --count 5 --public $GW_OUT
wait_file "$J/sink.json.ready"
in_ns "$NS_P1" python3 "$SLIP" send --local $PHONE1:5060 \
	--to $REGISTRAR:5060 --other $PHONE2 --gw $GW_IN --bcast 10.0.0.255
bg_wait sink
check "the outside end received the 5 messages" \
	test "$(json "$J/sink.json" 'len(d["messages"])')" = 5
[ "$MODE" = sipalg ] && nft_sipalg >"$J/map.nft"

# What an attacker probes: every public port the messages name, and the
# targets' own port numbers on the public address.
PORTS=$(json "$J/sink.json" '" ".join(str(p) for p in sorted(set(d["ports"]) | {5070, 53, 445, 40000, 40001, 41000, 41001}))')
for p in $PORTS; do
	in_ns "$NS_O" python3 "$SIPUA" probe --local $PEER:50000 \
		--to $GW_OUT:$p --packets 3 --out "$J/probe.$p.json"
done
sleep 0.3	# in-flight packets
for l in l_p2sip l_p2rtp l_p2rtcp l_p1dns l_p1smb l_gw; do
	touch "$J/$l.json.stop"
	bg_wait $l
done
check "probes to $GW_OUT ports ($PORTS) reach no listener on phone2 (5070, 40000, 40001)" \
	all_of python3 "$CHECK" listen "$J/l_p2sip.json" --max 0 -- \
	python3 "$CHECK" listen "$J/l_p2rtp.json" --max 0 -- \
	python3 "$CHECK" listen "$J/l_p2rtcp.json" --max 0
check "... nor phone1's ports 53 and 445" \
	all_of python3 "$CHECK" listen "$J/l_p1dns.json" --max 0 -- \
	python3 "$CHECK" listen "$J/l_p1smb.json" --max 0
check "... nor the router's own $GW_IN:5070" \
	python3 "$CHECK" listen "$J/l_gw.json" --max 0

if [ "$MODE" = sipalg ]; then
	check "the daemon's map holds no target (10.0.0.11, 10.0.0.1, 10.0.0.255, 10.0.0.10 . 53/445/40000)" \
		sh -c "! grep -E '10\.0\.0\.(11|1|255) \.|$PHONE1 \. (53|445|40000)([^0-9]|\$)' '$J/map.nft'"
	check "the sender's own $PHONE1 . 5060 is bound (its REGISTER went out rewritten)" \
		grep -qE "$PHONE1 \. 5060([^0-9]|\$)" "$J/map.nft"
	for why in "address of another inside host" "port below bind_port_min" \
		   "gateway, network, broadcast, multicast or loopback address"; do
		check "the log counts 'not bound: $why'" \
			grep -q "policy: not bound: $why" "$DAEMON_LOG"
	done
fi
lab_finish
