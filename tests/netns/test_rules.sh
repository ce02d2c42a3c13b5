#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test_rules.sh - rules/sipalg-rules in a throwaway network namespace:
# install adds exactly its rules next to an administrator's, installing
# twice changes nothing, remove restores the ruleset byte for byte, status
# answers 0/3/4 (4: rules there, no daemon bound to the queue), bad
# configurations install nothing, and install flushes the SIP conntrack
# entries (and only those).  The nft backend with the daemon: its table
# inet sipalg diverts what the iptables rules would, status sees the queue
# bound, remove deletes the daemon's tables.
#
# Needs root.  Exit 0 pass, 1 fail, 77 skip (no iptables, ip or root).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
rules=$here/../../rules/sipalg-rules
sipalgd=${SIPALGD:-$here/../../build/sipalgd}
daemon=

skip() {
	echo "SKIP: $*"
	exit 77
}

((EUID == 0)) || skip "must run as root"
command -v iptables >/dev/null 2>&1 || skip "iptables missing"
command -v iptables-save >/dev/null 2>&1 || skip "iptables-save missing"
command -v ip >/dev/null 2>&1 || skip "ip (iproute2) missing"

ns=sipalgrules$$
tmp=$(mktemp -d /tmp/test_rules.XXXXXX)
failures=0

cleanup() {
	[[ -z $daemon ]] || kill "$daemon" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

in_ns() {
	ip netns exec "$ns" "$@"
}

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

pass() {
	echo "ok: $*"
}

# snapshot FILE - the namespace's ruleset without comments and counters.
snapshot() {
	in_ns iptables-save | grep -v '^#' |
		sed 's/\[[0-9]*:[0-9]*\]/[0:0]/' >"$1"
}

# same A B WHAT - pass when the two snapshots are identical, else show diff.
same() {
	if diff -u "$1" "$2" >"$tmp/diff"; then
		pass "$3"
	else
		fail "$3"
		cat "$tmp/diff"
	fi
}

# count PATTERN FILE WANT WHAT - grep -c PATTERN FILE must be WANT.
count() {
	local n
	n=$(grep -c -e "$1" "$2" || true)
	if [[ $n == "$3" ]]; then
		pass "$4"
	else
		fail "$4: expected $3 line(s) matching '$1', found $n"
		cat "$2"
	fi
}

# expect_rc WANT WHAT CMD... - CMD must exit with WANT.
expect_rc() {
	local want=$1 what=$2 rc=0
	shift 2
	"$@" >"$tmp/out" 2>&1 || rc=$?
	if ((rc == want)); then
		pass "$what"
	else
		fail "$what: exit $rc, expected $want"
		cat "$tmp/out"
	fi
}

admin_rules() {
	in_ns iptables-restore <<-'EOF'
	*mangle
	:PREROUTING ACCEPT [0:0]
	:POSTROUTING ACCEPT [0:0]
	-A POSTROUTING -o wan0 -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu
	COMMIT
	*nat
	:POSTROUTING ACCEPT [0:0]
	-A POSTROUTING -o wan0 -j MASQUERADE
	COMMIT
	*filter
	:INPUT ACCEPT [0:0]
	:FORWARD DROP [0:0]
	:OUTPUT ACCEPT [0:0]
	:ADMIN_FWD - [0:0]
	-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
	-A FORWARD -j ADMIN_FWD
	-A ADMIN_FWD -i lan0 -o wan0 -j ACCEPT
	-A ADMIN_FWD -p udp -m udp --dport 5060 -j DROP
	COMMIT
	EOF
}

write_confs() {
	cat >"$tmp/ok.conf" <<-'EOF'
	# test configuration
	inside_interface = lan0
	outside_interface=wan0   # no blanks around '='
	sip_ports = 5060, 05080
	queue = 3
	ct_mark = 0x10
	media_ports = 30000-39999
	EOF
	echo "state_file = $tmp/state" >>"$tmp/ok.conf"
	{
		echo "inside_interface = lan0"
		echo "outside_interface = wan0"
		printf 'sip_ports = 5060'
		for ((p = 5061; p < 5076; p++)); do printf ',%d' "$p"; done
		echo
	} >"$tmp/many.conf"
	printf 'inside_interface = lan0\n' >"$tmp/noout.conf"
	printf 'inside_interface = lan0\noutside_interface = wan0\nct_mark = 0\n' \
		>"$tmp/badmark.conf"
	printf 'inside_interface = lan0\noutside_interface = wan0\nsip_ports = 5060,x\n' \
		>"$tmp/badports.conf"
}

test_install_remove() {
	expect_rc 3 "status before install says not installed" \
		in_ns "$rules" status -c "$tmp/ok.conf"
	expect_rc 0 "install" in_ns "$rules" install -c "$tmp/ok.conf"
	snapshot "$tmp/once"
	expect_rc 0 "install again" in_ns "$rules" install -c "$tmp/ok.conf"
	snapshot "$tmp/twice"
	same "$tmp/once" "$tmp/twice" "second install changes nothing"

	count '^-A POSTROUTING -j SIPALG_QUEUE$' "$tmp/twice" 1 \
		"one jump to SIPALG_QUEUE"
	count '^-A FORWARD -j SIPALG_FWD$' "$tmp/twice" 1 \
		"one jump to SIPALG_FWD"
	if grep '^-A FORWARD' "$tmp/twice" | head -n 1 |
		grep -qx -e '-A FORWARD -j SIPALG_FWD'; then
		pass "SIPALG_FWD is the first FORWARD rule"
	else
		fail "SIPALG_FWD is not the first FORWARD rule"
	fi
	count '^-A SIPALG_QUEUE -o wan0 -p udp -m multiport --ports 5060,5080 -m addrtype ! --src-type LOCAL -j NFQUEUE --queue-num 3 --queue-bypass$' \
		"$tmp/twice" 1 "outside queue rule"
	count '^-A SIPALG_QUEUE -o lan0 -p udp -m multiport --ports 5060,5080 -m addrtype ! --src-type LOCAL -j NFQUEUE --queue-num 3 --queue-bypass$' \
		"$tmp/twice" 1 "inside queue rule"
	count '^-A SIPALG_QUEUE -o wan0 -p tcp -m multiport --ports 5060,5080 -m addrtype ! --src-type LOCAL -j NFQUEUE --queue-num 3 --queue-bypass$' \
		"$tmp/twice" 1 "outside TCP queue rule"
	count '^-A SIPALG_QUEUE -o lan0 -p tcp -m multiport --ports 5060,5080 -m addrtype ! --src-type LOCAL -j NFQUEUE --queue-num 3 --queue-bypass$' \
		"$tmp/twice" 1 "inside TCP queue rule"
	count '^-A SIPALG_QUEUE -o [wl]an0 -p tcp -m multiport --ports 5061 .*-j RETURN$' \
		"$tmp/twice" 2 "TLS (5061) returns on both interfaces"
	count '^-A SIPALG_QUEUE -o [wl]an0 -p tcp -m connmark --mark 0x40000000/0x40000000 .*-j RETURN$' \
		"$tmp/twice" 2 "TCP connections the daemon let go return on both interfaces"
	count '^-A SIPALG_QUEUE' "$tmp/twice" 8 "eight rules in all (UDP, TCP, TLS, TCP let go per interface)"
	count '^-A SIPALG_FWD -i [wl]an0 -m connmark --mark 0x10 -j ACCEPT$' \
		"$tmp/twice" 2 "connmark accept rules, from the outside and inside interfaces only"
	count '^-A SIPALG_FWD' "$tmp/twice" 2 "two rules in SIPALG_FWD"

	grep -v SIPALG "$tmp/twice" >"$tmp/others"
	grep -v SIPALG "$tmp/before" >"$tmp/before_others"
	same "$tmp/before_others" "$tmp/others" "administrator's rules untouched"

	expect_rc 4 "status after install, no daemon: installed, not served" \
		in_ns "$rules" status -c "$tmp/ok.conf"
	# The daemon's state file: kept for a restart, removed for good.
	echo "sipalg-state 1" >"$tmp/state"
	in_ns "$rules" remove --keep-bindings -c "$tmp/ok.conf" >/dev/null 2>&1
	in_ns "$rules" install -c "$tmp/ok.conf" >/dev/null 2>&1
	if [ -e "$tmp/state" ]; then
		pass "remove --keep-bindings keeps the state file"
	else
		fail "remove --keep-bindings deleted the state file"
	fi
	expect_rc 0 "remove" in_ns "$rules" remove -c "$tmp/ok.conf"
	if [ ! -e "$tmp/state" ]; then
		pass "remove deletes the state file (state_file)"
	else
		fail "remove left the state file"
	fi
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "remove restores the ruleset"
	expect_rc 0 "remove again" in_ns "$rules" remove -c "$tmp/ok.conf"
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "second remove changes nothing"
	expect_rc 3 "status after remove says not installed" \
		in_ns "$rules" status -c "$tmp/ok.conf"
	expect_rc 0 "remove without a configuration file" \
		in_ns "$rules" remove -c "$tmp/missing.conf"
}

# Partly removed by hand: status says so, install repairs, remove cleans.
test_partial() {
	in_ns "$rules" install -c "$tmp/ok.conf" >/dev/null
	in_ns iptables -t mangle -D POSTROUTING -j SIPALG_QUEUE
	expect_rc 3 "status with a jump missing says not installed" \
		in_ns "$rules" status -c "$tmp/ok.conf"
	expect_rc 0 "install repairs" in_ns "$rules" install -c "$tmp/ok.conf"
	snapshot "$tmp/repaired"
	same "$tmp/once" "$tmp/repaired" "repaired ruleset equals a fresh one"
	in_ns "$rules" remove -c "$tmp/ok.conf" >/dev/null
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "remove after repair restores"
}

# 16 SIP ports need two multiport rules per direction (15 ports each max).
test_many_ports() {
	expect_rc 0 "install with 16 SIP ports" \
		in_ns "$rules" install -c "$tmp/many.conf"
	snapshot "$tmp/many"
	count '^-A SIPALG_QUEUE .*NFQUEUE --queue-num 0 --queue-bypass$' \
		"$tmp/many" 8 "16 ports give four queue rules per protocol"
	count '^-A SIPALG_FWD -i [wl]an0 -m connmark --mark 0x5a1 -j ACCEPT$' \
		"$tmp/many" 2 "default ct_mark"
	in_ns "$rules" remove -c "$tmp/many.conf" >/dev/null
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "remove after 16 ports restores"
}

test_bad_configs() {
	local c
	for c in missing noout badmark badports; do
		expect_rc 1 "install refuses $c.conf" \
			in_ns "$rules" install -c "$tmp/$c.conf"
		snapshot "$tmp/after"
		same "$tmp/before" "$tmp/after" "$c.conf installs nothing"
	done
	expect_rc 2 "unknown command is a usage error" in_ns "$rules" frobnicate
}

# An install that fails halfway (here: NFQUEUE refused) leaves nothing.
test_rollback() {
	mkdir -p "$tmp/bin"
	cat >"$tmp/bin/iptables" <<-'EOF'
	#!/bin/bash
	for a; do [[ $a == NFQUEUE ]] && exit 1; done
	exec iptables "$@"
	EOF
	sed -i "s|^exec iptables|exec $(command -v iptables)|" "$tmp/bin/iptables"
	chmod +x "$tmp/bin/iptables"
	expect_rc 1 "install fails when a rule is refused" \
		in_ns env PATH="$tmp/bin:$PATH" "$rules" install -c "$tmp/ok.conf"
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "failed install leaves nothing"
}

# install deletes the SIP conntrack entries and leaves the others alone.
test_ct_flush() {
	local n
	if ! command -v conntrack >/dev/null 2>&1; then
		echo "skip: conntrack tool missing, flush not tested"
		return 0
	fi
	in_ns conntrack -I -p udp -s 10.0.0.10 -d 192.0.2.1 --sport 5060 \
		--dport 5060 -t 120 >/dev/null 2>&1 || true
	in_ns conntrack -I -p udp -s 192.0.2.1 -d 10.0.0.10 --sport 5080 \
		--dport 40000 -t 120 >/dev/null 2>&1 || true
	in_ns conntrack -I -p udp -s 10.0.0.10 -d 192.0.2.53 --sport 40000 \
		--dport 53 -t 120 >/dev/null 2>&1 || true
	n=$(in_ns conntrack -L -p udp 2>/dev/null | wc -l)
	if ((n != 3)); then
		echo "skip: could not create test conntrack entries ($n)"
		return 0
	fi
	in_ns "$rules" install -c "$tmp/ok.conf" >/dev/null
	in_ns conntrack -L -p udp >"$tmp/ct" 2>/dev/null
	count 'dport=53 ' "$tmp/ct" 1 "unrelated conntrack entry kept"
	count '' "$tmp/ct" 1 "SIP conntrack entries flushed"
	in_ns "$rules" remove -c "$tmp/ok.conf" >/dev/null
}

# daemon_run CONF - sipalgd in the namespace; its pid in $daemon.
daemon_run() {
	ip netns exec "$ns" "$sipalgd" -c "$1" >>"$tmp/daemon.log" 2>&1 &
	daemon=$!
	local i
	for ((i = 0; i < 100; i++)); do
		in_ns awk '$1 == 3 { f = 1 } END { exit !f }' \
			/proc/net/netfilter/nfnetlink_queue && return 0
		sleep 0.05
	done
	return 1
}

daemon_end() {
	kill -TERM "$daemon" 2>/dev/null
	wait "$daemon" 2>/dev/null || true
}

test_nft_backend() {
	local out
	if [[ ! -x $sipalgd ]]; then
		echo "skip: $sipalgd not built, nft backend not tested"
		return 0
	fi
	sed 's/^media_ports.*/&\nrules_backend = nft/' "$tmp/ok.conf" >"$tmp/nft.conf"
	expect_rc 0 "nft backend: install" \
		in_ns "$rules" install -c "$tmp/nft.conf"
	expect_rc 3 "nft backend: status before the daemon: not installed" \
		in_ns "$rules" status -c "$tmp/nft.conf"
	if ! daemon_run "$tmp/nft.conf"; then
		fail "nft backend: sipalgd bound queue 3"
		cat "$tmp/daemon.log"
		return 0
	fi
	expect_rc 0 "nft backend: status with the daemon: installed and served" \
		in_ns "$rules" status -c "$tmp/nft.conf"
	grep -q '^# daemon: queue 3 bound' "$tmp/out" &&
		pass "nft backend: status names the bound queue" ||
		fail "nft backend: status names the bound queue"
	in_ns nft list chain inet sipalg divert >"$tmp/divert"
	count 'oifname "wan0" udp dport 5080 fib saddr type != local .*queue.*3.*bypass' \
		"$tmp/divert" 1 "nft backend: outside rule for port 5080"
	count 'oifname "lan0" udp sport 5060 fib saddr type != local .*queue.*3.*bypass' \
		"$tmp/divert" 1 "nft backend: inside rule for source port 5060"
	count 'queue' "$tmp/divert" 16 "nft backend: 2 interfaces x 2 ports x 2 directions x UDP/TCP"
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "nft backend: no iptables rule added"
	daemon_end
	expect_rc 4 "nft backend: daemon stopped: divert stays (bypass), not served" \
		in_ns "$rules" status -c "$tmp/nft.conf"
	expect_rc 0 "nft backend: remove" in_ns "$rules" remove -c "$tmp/nft.conf"
	out=$(in_ns nft list tables)
	[[ $out != *"table inet sipalg"* && $out != *"table ip sipalg"* ]] &&
		pass "nft backend: remove deletes table inet sipalg and ip sipalg" ||
		fail "nft backend: remove left: $out"
	expect_rc 3 "nft backend: status after remove" \
		in_ns "$rules" status -c "$tmp/nft.conf"
}

# The iptables backend with the daemon running: status 0.
test_served() {
	[[ -x $sipalgd ]] || return 0
	in_ns "$rules" install -c "$tmp/ok.conf" >/dev/null
	if daemon_run "$tmp/ok.conf"; then
		expect_rc 0 "status with the daemon bound: installed and served" \
			in_ns "$rules" status -c "$tmp/ok.conf"
	else
		fail "sipalgd bound queue 3"
		cat "$tmp/daemon.log"
	fi
	daemon_end
	in_ns "$rules" remove -c "$tmp/ok.conf" >/dev/null
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "remove after a served install restores"
}

# IPv6 phones: the same chains in ip6tables (queue and mark accept), none
# with ipv6 = no, and remove takes them away again.
snapshot6() {
	in_ns ip6tables-save | grep -v '^#' |
		sed 's/\[[0-9]*:[0-9]*\]/[0:0]/' >"$1"
}

test_ipv6() {
	snapshot6 "$tmp/v6before"
	expect_rc 0 "install (IPv6 too)" in_ns "$rules" install -c "$tmp/ok.conf"
	snapshot6 "$tmp/v6on"
	count '^-A POSTROUTING -j SIPALG_QUEUE$' "$tmp/v6on" 1 \
		"ip6tables: one jump to SIPALG_QUEUE"
	count '^-A SIPALG_QUEUE -o wan0 -p udp -m multiport --ports 5060,5080 -m addrtype ! --src-type LOCAL -j NFQUEUE --queue-num 3 --queue-bypass$' \
		"$tmp/v6on" 1 "ip6tables: outside queue rule"
	count '^-A SIPALG_QUEUE -o wan0 -p tcp -m multiport --ports 5060,5080 -m addrtype ! --src-type LOCAL -j NFQUEUE --queue-num 3 --queue-bypass$' \
		"$tmp/v6on" 1 "ip6tables: outside TCP queue rule (SIP over TCP followed for IPv6 too)"
	count '^-A SIPALG_QUEUE .*-p tcp' "$tmp/v6on" 6 \
		"ip6tables: TCP rules: TLS counted, pass mark, queue, per interface"
	count '^-A SIPALG_FWD -i [wl]an0 -m connmark --mark 0x10 -j ACCEPT$' \
		"$tmp/v6on" 2 "ip6tables: connmark accept rules"
	expect_rc 4 "status with IPv6 rules (no daemon: not served)" \
		in_ns "$rules" status -c "$tmp/ok.conf"
	in_ns ip6tables -t mangle -D POSTROUTING -j SIPALG_QUEUE
	expect_rc 3 "status sees the IPv6 jump missing" \
		in_ns "$rules" status -c "$tmp/ok.conf"
	expect_rc 0 "remove (IPv6 too)" in_ns "$rules" remove -c "$tmp/ok.conf"
	snapshot6 "$tmp/v6after"
	same "$tmp/v6before" "$tmp/v6after" "remove restores the IPv6 ruleset"
	{ cat "$tmp/ok.conf"; echo "ipv6 = no"; } >"$tmp/no6.conf"
	expect_rc 0 "install with ipv6 = no" \
		in_ns "$rules" install -c "$tmp/no6.conf"
	snapshot6 "$tmp/v6off"
	same "$tmp/v6before" "$tmp/v6off" "ipv6 = no adds no ip6tables rule"
	in_ns "$rules" remove -c "$tmp/no6.conf" >/dev/null
}

main() {
	ip netns add "$ns"
	in_ns ip link set lo up
	in_ns ip link add lan0 type veth peer name lan0p
	in_ns ip link add wan0 type veth peer name wan0p
	in_ns ip addr add 10.0.0.1/24 dev lan0
	in_ns ip addr add 203.0.113.1/24 dev wan0
	in_ns ip link set lan0 up
	in_ns ip link set wan0 up
	admin_rules
	write_confs
	snapshot "$tmp/before"
	test_install_remove
	test_partial
	test_many_ports
	test_bad_configs
	test_rollback
	test_ct_flush
	test_served
	test_nft_backend
	test_ipv6
	if ((failures)); then
		echo "test_rules: $failures failure(s)"
		exit 1
	fi
	echo "test_rules: all passed"
}

main
