#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_natdown.sh [MODE] - NAT-aware phones that learned their mapping while
# the daemon was not running.  With sipalgd the daemon is stopped (SIP
# passes through plain masquerading, --queue-bypass) while phone1 and
# phone2 (both on 5060, STUN, public Via/Contact/SDP) ask the STUN server
# and REGISTER; then it starts.  It must keep each phone socket on the
# public port the kernel gave it (phone2's is not 5060): the registrar's
# calls to both registered Contacts reach the phones, and each phone's
# INVITE to the peer arrives byte for byte from its STUN mapping.  The
# other modes run the same steps (nothing to stop).
. "$(dirname "$0")/lib.sh"
lab_up
J=$WORK
lab_stun 120
[ "$MODE" = sipalg ] && gw_daemon_stop

ua_bg "$NS_O" registrar registrar --local $REGISTRAR --user registrar \
	--regs 2 --expires 300 --hold 3 --call --rtp-port 50100 --timeout 30
stun_phones_register --expires 300 --serve 1 --timeout 40
if [ "$MODE" = sipalg ]; then
	check "sipalgd started after both phones registered" gw_daemon_start
	check "it kept both phone sockets' public ports" \
		grep -q "(2 phone sockets keep their public port)" "$DAEMON_LOG"
fi
bg_wait registrar
for p in 1 2; do bg_stop phone$p 3; done

for p in 1 2; do
	MAP=$(json "$J/phone$p.json" 'd["stun"]["sip"]' 2>/dev/null)
	check "phone$p's REGISTER arrived byte for byte from its STUN mapping ($MAP)" \
		python3 "$CHECK" mapped "$J/phone$p.json" "$J/registrar.json" --method REGISTER
	check "registrar's call to phone$p's Contact reached phone$p" \
		python3 "$CHECK" answered "$J/registrar.json" "$J/phone$p.json" $((p - 1))
done
check "RTP+RTCP both calls, phones -> registrar" python3 "$CHECK" media "$J/registrar.json"

ua_bg "$NS_O" peer uas --local $PEER --user peer --calls 2 --rtp-port 50200 \
	--timeout 20
for p in 1 2; do
	ns=$NS_P1; ip=$PHONE1
	[ $p = 2 ] && { ns=$NS_P2; ip=$PHONE2; }
	ua "$ns" out$p uac --local $ip --user phone$p --domain $REGISTRAR \
		--target sip:peer@$PEER --rtp-port 8000 $STUN --timeout 8
	check "phone$p's INVITE arrived byte for byte from its STUN mapping" \
		python3 "$CHECK" mapped "$J/out$p.json" "$J/peer.json"
	check "phone$p's call to the peer: RTP+RTCP peer -> phone" \
		python3 "$CHECK" media "$J/out$p.json"
done
bg_stop peer 3
check "RTP+RTCP phones -> peer" python3 "$CHECK" media "$J/peer.json"
check "no private address reaches the outside" python3 "$CHECK" leak \
	"$J/registrar.json" "$J/peer.json"
lab_finish
