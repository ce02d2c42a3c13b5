#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_wan.sh [MODE] - the outside address changes under a running gateway
# (no public_address configured: the daemon takes wan0's).  Three rounds:
# as started (203.0.113.1); after the address was replaced (DHCP renewal,
# 203.0.113.2); after wan0 was deleted and made again with a new ifindex
# and address (PPPoE reconnect, 203.0.113.3).  Each round, without
# restarting anything: phone1's next REGISTER leaves with the current
# address in Via/Contact and no private one, the peer's call to the
# registered Contact rings phone1, phone2's new call has media both ways.
# sipalg: a fourth round after the daemon started while wan0 did not exist
# (it waits, then follows wan0 when it appears).
. "$(dirname "$0")/lib.sh"
export GW_PUBLIC_FROM_IFACE=1
lab_up

J=$WORK

# round TAG ADDR - register, incoming call, outgoing call; checks.
round() {
	local tag=$1 addr=$2 contact
	ua_bg "$NS_O" reg$tag registrar --local $REGISTRAR --user registrar \
		--expires 300 --timeout 8
	ua_bg "$NS_P1" ph1$tag register --local $PHONE1 --user phone1 \
		--registrar $REGISTRAR --expires 300 --serve 1 \
		--rtp-port 40000 --timeout 30
	bg_wait reg$tag
	contact=$(json "$J/reg$tag.json" 'd["binding"]["contact"]' 2>/dev/null)
	check "$tag: REGISTER answered 200" \
		test "$(json "$J/ph1$tag.json" 'd["register"]["code"]')" = 200
	check "$tag: the REGISTER's Contact carries $addr ($contact)" \
		python3 -c 'import sys; sys.exit("@'$addr':" not in sys.argv[1])' "$contact"
	check "$tag: the REGISTER left from $addr" \
		sh -c "json() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"binding\"][\"source\"])' \"\$1\"; }; json '$J/reg$tag.json' | grep -q '^$addr:'"
	if [ -n "$contact" ]; then
		ua "$NS_O" in$tag uac --local $PEER --user peer \
			--target "$contact" --rtp-port 50200 --timeout 8
	fi
	bg_stop ph1$tag 3
	check "$tag: the peer's call to the registered Contact rings phone1" \
		python3 "$CHECK" status "$J/in$tag.json"
	ua_bg "$NS_O" out$tag uas --local $PEER --user peer --rtp-port 50000 --timeout 20
	ua "$NS_P2" ph2$tag uac --local $PHONE2 --user phone2 --domain $REGISTRAR \
		--target sip:peer@$PEER --rtp-port 40010 --timeout 8
	bg_stop out$tag 3
	check "$tag: phone2's new call has media both ways" \
		sh -c "python3 '$CHECK' status '$J/ph2$tag.json' && python3 '$CHECK' media '$J/ph2$tag.json' && python3 '$CHECK' media '$J/out$tag.json'"
	check "$tag: no private address reaches the outside" \
		python3 "$CHECK" leak "$J/reg$tag.json" "$J/in$tag.json" "$J/out$tag.json"
}

round start $GW_OUT

r ip addr del $GW_OUT/24 dev wan0
r ip addr replace 203.0.113.2/24 dev wan0
if [ "$MODE" = sipalg ]; then
	check "renumbered: the daemon logged the change" wait_until 5 \
		grep -q 'public address changed 203.0.113.1 -> 203.0.113.2' "$DAEMON_LOG"
fi
round renumbered 203.0.113.2

IDX0=$(r cat /sys/class/net/wan0/ifindex)
lab_wan_recreate 203.0.113.3
IDX1=$(r cat /sys/class/net/wan0/ifindex)
check "re-created: wan0 has a new ifindex ($IDX0 -> $IDX1)" test "$IDX0" != "$IDX1"
if [ "$MODE" = sipalg ]; then
	check "re-created: the daemon logged the change" wait_until 5 \
		grep -q 'public address changed 203.0.113.2 -> 203.0.113.3' "$DAEMON_LOG"
	check "re-created: the daemon follows the new ifindex" wait_until 5 \
		grep -q "outside wan0 ifindex $IDX1" "$DAEMON_LOG"
fi
round recreated 203.0.113.3

if [ "$MODE" = sipalg ]; then
	check "sipalgd still running (never restarted)" kill -0 "$DAEMON_PID"
	# Boot before the outside interface exists (ppp0 not up yet).
	gw_daemon_stop
	r ip link del wan0
	gw_daemon_start
	check "boot without wan0: the daemon says it waits" wait_until 5 \
		grep -q 'outside_interface wan0 does not exist (yet): waiting' "$DAEMON_LOG"
	sleep 2
	check "boot without wan0: the daemon is still running 2 s later" kill -0 "$DAEMON_PID"
	lab_wan_recreate 203.0.113.4
	check "boot without wan0: the daemon takes wan0's address when it comes" \
		wait_until 5 grep -q 'public address 203.0.113.4' "$DAEMON_LOG"
	round boot 203.0.113.4
	check "no crash or sanitizer report in the daemon log" \
		sh -c "! grep -E 'AddressSanitizer|runtime error|Segmentation|Aborted' '$DAEMON_LOG'"
fi
lab_finish
