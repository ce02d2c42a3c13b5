#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_failopen.sh [MODE] - sipalg only: with the daemon stopped (SIGTERM) and
# its rules still installed (NFQUEUE --queue-bypass), a call's SIP passes
# byte for byte (only the IP/UDP NAT happens); the daemon exited cleanly;
# started again, it rewrites the next call.
. "$(dirname "$0")/lib.sh"
if [ "$MODE" != sipalg ]; then
	echo "SKIP $MODE_NAME fail-open (needs the daemon)"
	exit 77
fi
lab_up

J=$WORK
gw_daemon_stop
check "sipalgd exits with status 0 on SIGTERM (status $DAEMON_STATUS)" test "$DAEMON_STATUS" = 0
if [ "$FIREWALL" = nft ]; then
	check "the divert chain stays installed (queue ... bypass)" sh -c "ip netns exec $NS_R nft list chain inet sipalg divert | grep -q 'queue.*bypass'"
else
	check "the NFQUEUE rules stay installed" sh -c "ip netns exec $NS_R iptables-save -t mangle | grep -q 'NFQUEUE.*queue-bypass'"
fi

ua_bg "$NS_O" peer uas --local $PEER --user peer --rtp-port 50000 --timeout 20
ua "$NS_P1" phone1 uac --local $PHONE1 --user phone1 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40000 --rtcp-attr --timeout 6
bg_stop peer 3
check "daemon down: the call completes" python3 "$CHECK" status "$J/phone1.json"
for m in INVITE ACK BYE; do
	check "daemon down: $m arrives byte for byte" python3 "$CHECK" same "$J/phone1.json" "$J/peer.json" --method $m
done
for m in 180 200; do
	check "daemon down: $m (to INVITE) arrives byte for byte" python3 "$CHECK" same "$J/peer.json" "$J/phone1.json" --method $m
done

gw_daemon_start
check "sipalgd starts again" test -n "$DAEMON_PID"
ua_bg "$NS_O" peer2 uas --local $PEER --user peer --rtp-port 50000 --timeout 20
ua "$NS_P2" phone2 uac --local $PHONE2 --user phone2 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40010 --rtcp-attr --timeout 6
bg_stop peer2 3
check "daemon up again: the next call completes with media" \
	sh -c "python3 '$CHECK' status '$J/phone2.json' && python3 '$CHECK' media '$J/peer2.json' && python3 '$CHECK' media '$J/phone2.json'"
check "daemon up again: no private address reaches the outside" python3 "$CHECK" leak "$J/peer2.json"
check "no crash or sanitizer report in the daemon log" \
	sh -c "! grep -E 'AddressSanitizer|runtime error|Segmentation|Aborted' '$DAEMON_LOG'"
lab_finish
