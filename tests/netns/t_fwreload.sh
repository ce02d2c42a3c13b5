#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_fwreload.sh [MODE] - a firewall reload under a running gateway: phone1
# registers, then "nft flush ruleset" and the administrator's plain
# firewall again (what Debian's "systemctl reload nftables" does).  Within
# 10 s the gateway works again without any re-registration: the peer's
# call to phone1's registered public Contact rings it, phone2's new call
# has media both ways, nothing private leaks.  sipalg modes: the daemon
# notices and puts its table (and with the nft backend its divert) back,
# logging it; with the iptables backend the rules come back the way the
# unit's reload does it (sipalg-rules install, ReloadPropagatedFrom).
. "$(dirname "$0")/lib.sh"
lab_up

J=$WORK
ua_bg "$NS_O" registrar registrar --local $REGISTRAR --user registrar \
	--expires 300 --timeout 8
ua_bg "$NS_P1" phone1 register --local $PHONE1 --user phone1 \
	--registrar $REGISTRAR --expires 300 --serve 1 --rtp-port 40000 \
	--timeout 60
bg_wait registrar
CONTACT=$(json "$J/registrar.json" 'd["binding"]["contact"]' 2>/dev/null)
check "REGISTER answered 200 before the reload" \
	test "$(json "$J/phone1.json" 'd["register"]["code"]')" = 200

# After the reload: what the mode's gateway does by itself, or what its
# service manager does on a firewall reload.
gw_after_reload() {
	case $MODE in
	kernel)
		if [ "$FIREWALL" = nft ]; then gw_kernel_helper_nft; else
			r iptables -t raw -A PREROUTING -p udp --dport 5060 -j CT --helper sip
			r iptables -t raw -A PREROUTING -p udp --sport 5060 -j CT --helper sip
		fi;;
	sipalg)
		[ "$FIREWALL" = nft ] ||
			r "$TOP/rules/sipalg-rules" install -c "$CONF" >>"$WORK/rules.log" 2>&1;;
	esac
}

gw_back() {
	gw_nft_ready || return 1
	[ "$FIREWALL" = nft ] || r iptables -t mangle -S SIPALG_QUEUE
}

T0=$(date +%s%N)
lab_firewall_reload
gw_after_reload
if [ "$MODE" = sipalg ]; then
	check "the gateway's tables are back within 10 s" wait_until 10 gw_back
	T1=$(date +%s%N)
	log "tables back after $(( (T1 - T0) / 1000000 )) ms"
	check "the daemon logged that its table was gone and put back" \
		grep -q 'table ip sipalg installed again' "$DAEMON_LOG"
	if [ "$FIREWALL" = nft ]; then
		check "the daemon logged that its divert was put back" \
			grep -q 'table inet sipalg installed again' "$DAEMON_LOG"
	fi
	check "the registration's binding is back in the map" \
		sh -c "ip netns exec $NS_R nft list map ip sipalg dnat4 | grep -qF '$PHONE1 . 5060'"
fi

# Incoming: the peer calls the registered Contact; no re-registration.
if [ -n "$CONTACT" ]; then
	ua "$NS_O" peer uac --local $PEER --user peer --target "$CONTACT" \
		--rtp-port 50200 --timeout 8
fi
bg_stop phone1 3
check "after the reload the peer's call to the registered Contact rings phone1" \
	python3 "$CHECK" status "$J/peer.json"
check "after the reload: media both ways in the incoming call" \
	sh -c "python3 '$CHECK' media '$J/peer.json' && python3 '$CHECK' media '$J/phone1.json'"

# Outgoing: a new call from phone2.
ua_bg "$NS_O" peer2 uas --local $PEER --user peer --rtp-port 50000 --timeout 20
ua "$NS_P2" phone2 uac --local $PHONE2 --user phone2 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40010 --timeout 8
bg_stop peer2 3
check "after the reload a new call completes" python3 "$CHECK" status "$J/phone2.json"
check "after the reload: media both ways in the new call" \
	sh -c "python3 '$CHECK' media '$J/phone2.json' && python3 '$CHECK' media '$J/peer2.json'"
check "no private address reaches the outside" \
	python3 "$CHECK" leak "$J/registrar.json" "$J/peer.json" "$J/peer2.json"
if [ "$MODE" = sipalg ]; then
	check "no crash or sanitizer report in the daemon log" \
		sh -c "! grep -E 'AddressSanitizer|runtime error|Segmentation|Aborted' '$DAEMON_LOG'"
fi
lab_finish
