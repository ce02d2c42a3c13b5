# SPDX-License-Identifier: GPL-2.0-or-later
# tests/netns/lab_ipv6.sh - global IPv6 addresses in lib.sh's lab, behind
# the router's stateful firewall (FORWARD policy DROP, ESTABLISHED,RELATED
# and lan0 -> wan0 accepted; no NAT), and the sip6.py endpoints:
#   phone1 2001:db8:1::10 ─ lan0 [router] wan0 ─ registrar 2001:db8:2::10
#                                                 peer      2001:db8:2::20
# Source after lib.sh; call lab_ipv6_up after lab_up.
SIP6="$LAB_DIR/sip6.py"
P6=2001:db8:1::10
GW6_IN=2001:db8:1::1
GW6_OUT=2001:db8:2::1
REG6=2001:db8:2::10
PEER6=2001:db8:2::20

v6_on() {
	local ns=$1 dev
	shift
	in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0
	in_ns "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=0
	for dev in "$@"; do
		in_ns "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=0"
	done
}

lab_ipv6_up() {
	v6_on "$NS_P1" eth0
	v6_on "$NS_R" lan0 wan0
	v6_on "$NS_O" eth0
	ip -n "$NS_P1" addr add $P6/64 dev eth0 nodad
	ip -n "$NS_R" addr add $GW6_IN/64 dev lan0 nodad
	ip -n "$NS_R" addr add $GW6_OUT/64 dev wan0 nodad
	ip -n "$NS_O" addr add $REG6/64 dev eth0 nodad
	ip -n "$NS_O" addr add $PEER6/64 dev eth0 nodad
	ip -n "$NS_P1" -6 route add default via $GW6_IN
	ip -n "$NS_O" -6 route add 2001:db8:1::/64 via $GW6_OUT
	r sysctl -qw net.ipv6.conf.all.forwarding=1
	# On an nft-only gateway (FIREWALL=nft, lib.sh) the lab's table
	# inet fw is this firewall for IPv6 too (and the nft kernel helper
	# covers ip6).
	[ "$FIREWALL" != nft ] || return 0
	r ip6tables -P FORWARD DROP
	r ip6tables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	r ip6tables -A FORWARD -i lan0 -o wan0 -j ACCEPT
	if [ "$MODE" = kernel ]; then
		r ip6tables -t raw -A PREROUTING -p udp --dport 5060 -j CT --helper sip
		r ip6tables -t raw -A PREROUTING -p udp --sport 5060 -j CT --helper sip
		r ip6tables -t raw -A PREROUTING -p tcp --dport 5060 -j CT --helper sip
		r ip6tables -t raw -A PREROUTING -p tcp --sport 5060 -j CT --helper sip
	fi
}

# s6 NS NAME ROLE ARGS... - sip6.py ROLE in NS, result in $WORK/NAME.json;
# s6_bg the same in the background.
s6() {
	local ns=$1 name=$2; shift 2
	in_ns "$ns" timeout 40 python3 "$SIP6" "$@" --out "$WORK/$name.json" \
		>"$WORK/$name.stdout" 2>"$WORK/$name.stderr"
}
s6_bg() {
	local ns=$1 name=$2; shift 2
	bg "$ns" "$name" timeout 40 python3 "$SIP6" "$@" --out "$WORK/$name.json"
}

# v6_flows_forget - delete the phone's IPv6 UDP flows from the router's
# conntrack (what their expiry does on a quiet line).
v6_flows_forget() {
	r conntrack -D -f ipv6 -p udp -s $P6 >/dev/null 2>&1
	r conntrack -D -f ipv6 -p udp -d $P6 >/dev/null 2>&1
}
