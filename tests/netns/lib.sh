# SPDX-License-Identifier: GPL-2.0-or-later
# tests/netns/lib.sh - a NAT-router lab in network namespaces for the
# sipalg scenarios.  Source it from a scenario script, then call lab_up.
#
#   phone1 10.0.0.10 ─┐                      ┌─ 203.0.113.10 registrar
#                     ├ sw (bridge) ─ lan0 router wan0 ─ out ┤
#   phone2 10.0.0.11 ─┘       10.0.0.1/24    203.0.113.1/24  └─ 203.0.113.20 peer
#
# The router masquerades on wan0 and forwards with a DROP policy that
# accepts ESTABLISHED,RELATED and lan0 -> wan0.  The outside namespace
# holds both outside hosts (two addresses on one interface).  Nothing is
# linked to the host's interfaces and there is no default route out of the
# lab.  Names are unique per run ("sa<pid>-..."); an EXIT trap removes them
# and stops every process started here.
#
# MODE (environment or first argument of the scenario):
#   none    plain NAT, nothing else
#   kernel  the in-kernel helper (CT --helper sip on UDP port 5060)
#   sipalg  rules/sipalg-rules + build/sipalgd
# Each with "-nft" appended (sipalg-nft, kernel-nft, none-nft): the same
# on a gateway whose firewall is nftables only - no iptables rule at all;
# the administrator's firewall is an nft table with the one rule sipalg
# needs (ct mark accept, README) and sipalgd diverts SIP itself
# (rules_backend = nft).  FIREWALL=nft does the same with a plain MODE.
#
# Set KEEP=1 to keep the work directory (results, logs) after the run,
# SIPALGD=PATH to test another daemon binary, DAEMON_WRAP="gdb -q -batch
# -ex run -ex bt --args" (or valgrind) to run the daemon under a tool.

set -u

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$LAB_DIR/../.." && pwd)
SIPUA="$LAB_DIR/sipua.py"
CHECK="$LAB_DIR/check.py"
MODE=${MODE:-${1:-sipalg}}
# The name results are reported under (run-all.sh's column).
MODE_NAME=$MODE
FIREWALL=${FIREWALL:-iptables}
case $MODE in *-nft) MODE=${MODE%-nft}; FIREWALL=nft;; esac
[ "$FIREWALL" = iptables ] || [ "$MODE_NAME" != "$MODE" ] ||
	MODE_NAME=$MODE-$FIREWALL
SIPALGD=${SIPALGD:-$TOP/build/sipalgd}

LAB_P="sa$$-"
NS_R=${LAB_P}r
NS_SW=${LAB_P}sw
NS_P1=${LAB_P}p1
NS_P2=${LAB_P}p2
NS_O=${LAB_P}o
LAB_NS="$NS_R $NS_SW $NS_P1 $NS_P2 $NS_O"

PHONE1=10.0.0.10
PHONE2=10.0.0.11
GW_IN=10.0.0.1
GW_OUT=203.0.113.1
REGISTRAR=203.0.113.10
PEER=203.0.113.20

WORK=$(mktemp -d /tmp/sipalg-lab.XXXXXX)
CONF=$WORK/sipalg.conf
DAEMON_LOG=$WORK/sipalgd.log
DAEMON_PID=
DAEMON_STATUS=
RULES_INSTALLED=0
BG_PIDS=
FAILED=0
PASSED=0
LAB_CREATED=0
# From here on every exit (also a skip before lab_up) cleans up.
trap lab_cleanup EXIT

log() { printf '%s\n' "$*" >&2; }

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
r() { in_ns "$NS_R" "$@"; }

# -- prerequisites -----------------------------------------------------------

lab_require() {
	local t
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: needs root (network namespaces)"
		exit 77
	fi
	for t in ip iptables iptables-save nft conntrack python3 timeout "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "SKIP: $t not installed"
			exit 77
		fi
	done
	if [ "$MODE" = sipalg ]; then
		if [ ! -x "$SIPALGD" ] || [ ! -x "$TOP/rules/sipalg-rules" ]; then
			echo "SKIP: build/sipalgd or rules/sipalg-rules missing (make all)"
			exit 77
		fi
	fi
	case $MODE in none|kernel|sipalg) ;; *)
		echo "unknown MODE '$MODE' (none, kernel, sipalg)"; exit 2;;
	esac
}

# -- polling -------------------------------------------------------------------

# wait_until SECONDS CMD... - run CMD every 50 ms until it succeeds.
wait_until() {
	local limit=$1; shift
	local end=$(( $(date +%s%N) + limit * 1000000000 ))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

wait_file() { wait_until "${2:-10}" test -e "$1"; }

# -- topology ------------------------------------------------------------------

lab_ns_add() {
	# A namespace by this name is stale: the name carries this shell's
	# PID, so it was left by a dead run that had the same PID (killed
	# before its EXIT trap).  Reusing it would mix two labs.
	if ip netns list | grep -q "^$1\( \|\$\)"; then
		echo "lab: removing stale namespace $1 (left by a dead run)" >&2
		ip netns del "$1"
	fi
	ip netns add "$1"
	in_ns "$1" ip link set lo up
	in_ns "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	in_ns "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
}

lab_topology() {
	local ns
	LAB_CREATED=1
	for ns in $LAB_NS; do lab_ns_add "$ns"; done

	# The inside switch: phones and the router's lan0 on one bridge.
	ip -n "$NS_SW" link add br0 type bridge stp_state 0 forward_delay 0
	ip -n "$NS_SW" link add p1 type veth peer name eth0 netns "$NS_P1"
	ip -n "$NS_SW" link add p2 type veth peer name eth0 netns "$NS_P2"
	ip -n "$NS_SW" link add gw type veth peer name lan0 netns "$NS_R"
	for ns in p1 p2 gw; do
		ip -n "$NS_SW" link set "$ns" master br0 up
	done
	ip -n "$NS_SW" link set br0 up

	ip -n "$NS_R" link add wan0 type veth peer name eth0 netns "$NS_O"

	ip -n "$NS_P1" addr add $PHONE1/24 dev eth0
	ip -n "$NS_P2" addr add $PHONE2/24 dev eth0
	ip -n "$NS_R" addr add $GW_IN/24 dev lan0
	ip -n "$NS_R" addr add $GW_OUT/24 dev wan0
	ip -n "$NS_O" addr add $REGISTRAR/24 dev eth0
	ip -n "$NS_O" addr add $PEER/24 dev eth0
	for ns in $NS_P1 $NS_P2 $NS_O; do ip -n "$ns" link set eth0 up; done
	ip -n "$NS_R" link set lan0 up
	ip -n "$NS_R" link set wan0 up
	ip -n "$NS_P1" route add default via $GW_IN
	ip -n "$NS_P2" route add default via $GW_IN

	wait_until 5 lab_links_up || { log "links did not come up"; return 1; }
}

lab_links_up() {
	ip -n "$NS_R" -o link show up | grep -q 'lan0.*LOWER_UP' &&
	ip -n "$NS_R" -o link show up | grep -q 'wan0.*LOWER_UP' &&
	ip -n "$NS_P1" -o link show up | grep -q 'eth0.*LOWER_UP' &&
	ip -n "$NS_P2" -o link show up | grep -q 'eth0.*LOWER_UP' &&
	ip -n "$NS_O" -o link show up | grep -q 'eth0.*LOWER_UP'
}

# The administrator's firewall: stateful FORWARD with a DROP policy and
# masquerading on the outside interface.
lab_firewall() {
	r sysctl -qw net.ipv4.ip_forward=1
	if [ "$FIREWALL" = nft ]; then
		lab_firewall_nft
	else
		lab_firewall_ipt
	fi
	# conntrack is loaded by now; count packets per flow.
	r sysctl -qw net.netfilter.nf_conntrack_acct=1
	# LAB_SYSCTL: "key=value ..." for the router, set before the daemon
	# starts (it reads the UDP timeouts once).
	local kv
	for kv in ${LAB_SYSCTL:-}; do r sysctl -qw "$kv"; done
}

lab_firewall_ipt() {
	r iptables -P FORWARD DROP
	r iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	r iptables -A FORWARD -i lan0 -o wan0 -j ACCEPT
	r iptables -t nat -A POSTROUTING -o wan0 -j MASQUERADE
}

# The same firewall in nft alone, as /etc/nftables.conf would hold it
# (starting with "flush ruleset").  "ct mark 0x5a1 accept" is the one
# rule README asks an nft firewall to keep for sipalgd: an accept in
# another table's base chain cannot override this chain's drop policy.
lab_firewall_nft() {
	r nft -f - <<-EOF
	flush ruleset
	table inet fw {
		chain forward {
			type filter hook forward priority filter; policy drop;
			ct state established,related accept
			ct mark 0x5a1 accept
			iifname "lan0" oifname "wan0" accept
		}
		chain postrouting {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "wan0" masquerade
		}
	}
	EOF
}

# lab_firewall_reload - what Debian's "systemctl reload nftables" does to
# the ruleset: everything goes, then the administrator's file is loaded.
# With the iptables firewall: flush, then the iptables commands again.
lab_firewall_reload() {
	r nft flush ruleset
	if [ "$FIREWALL" = nft ]; then
		lab_firewall_nft
	else
		lab_firewall_ipt
	fi
}

# lab_no_iptables - true when the gateway holds no iptables rule at all
# (no iptables-nft table; nft-only gateway).
lab_no_iptables() {
	! r nft list tables | grep -Eq '^table (ip|ip6) (filter|nat|mangle|raw)$'
}

# -- gateway modes -----------------------------------------------------------

gw_write_conf() {
	cat >"$CONF" <<-EOF
	# sipalg lab configuration (generated by tests/netns/lib.sh)
	inside_interface = lan0
	outside_interface = wan0
	sip_ports = ${GW_SIP_PORTS:-5060}
	media_ports = ${GW_MEDIA_PORTS:-30000-30999}
	queue = 0
	control_socket = $WORK/control
	state_file = ${GW_STATE_FILE:-$WORK/state}
	EOF
	# GW_PUBLIC_FROM_IFACE=1: no public_address; the daemon takes (and
	# follows) wan0's address.
	[ "${GW_PUBLIC_FROM_IFACE:-0}" = 1 ] || echo "public_address = $GW_OUT" >>"$CONF"
	# (auto picks iptables in the iptables lab; unset there so an older
	# daemon given as SIPALGD still reads the file.)
	[ "$FIREWALL" != nft ] || echo "rules_backend = nft" >>"$CONF"
	# GW_CONF_EXTRA: more "key = value" lines for one scenario (timeouts).
	[ -z "${GW_CONF_EXTRA:-}" ] || printf '%s\n' "$GW_CONF_EXTRA" >>"$CONF"
}

# The daemon is ready when it is bound to queue 0 and its tables exist.
gw_nft_ready() {
	r awk '$1 == 0 { f = 1 } END { exit !f }' /proc/net/netfilter/nfnetlink_queue || return 1
	r nft list table ip sipalg || return 1
	[ "$FIREWALL" != nft ] || r nft list chain inet sipalg divert
}

gw_daemon_start() {
	echo "=== sipalgd started $(date +%T.%N)" >>"$DAEMON_LOG"
	# DAEMON_WRAP: e.g. "gdb -q -batch -ex run -ex bt --args" for debugging.
	# Not through r(): $! must be the daemon, not a subshell.
	ip netns exec "$NS_R" ${DAEMON_WRAP:-} "$WORK/sipalgd" -c "$CONF" -v \
		>>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	DAEMON_STATUS=
	if ! wait_until 10 gw_nft_ready; then
		log "sipalgd did not create table ip sipalg"
		kill -0 "$DAEMON_PID" 2>/dev/null || {
			wait "$DAEMON_PID"; DAEMON_STATUS=$?; DAEMON_PID=; }
		return 1
	fi
}

# gw_daemon_stop - SIGTERM, wait (bounded); DAEMON_STATUS = exit status.
gw_daemon_stop() {
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null
	if ! wait_until 5 gw_daemon_gone; then
		log "sipalgd ignored SIGTERM; killing it"
		kill -KILL "$DAEMON_PID" 2>/dev/null
	fi
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_STATUS=$?
	echo "=== sipalgd exited with status $DAEMON_STATUS" >>"$DAEMON_LOG"
	DAEMON_PID=
}

gw_daemon_gone() { ! kill -0 "$DAEMON_PID" 2>/dev/null; }

gw_start() {
	case $MODE in
	none) ;;
	kernel)
		if [ "$FIREWALL" = nft ]; then
			gw_kernel_helper_nft
		else
			r iptables -t raw -A PREROUTING -p udp --dport 5060 -j CT --helper sip
			r iptables -t raw -A PREROUTING -p udp --sport 5060 -j CT --helper sip
		fi
		;;
	sipalg)
		gw_write_conf
		# A private copy: a concurrent "make" must not swap it mid-run.
		cp "$SIPALGD" "$WORK/sipalgd"
		r "$TOP/rules/sipalg-rules" install -c "$CONF" >"$WORK/rules.log" 2>&1 || {
			log "sipalg-rules install failed:"; cat "$WORK/rules.log" >&2
			return 1; }
		RULES_INSTALLED=1
		gw_daemon_start
		;;
	esac
}

# The kernel helper the nft way: a ct helper object, assigned after
# conntrack made the entry (a raw-priority chain runs before it).
gw_kernel_helper_nft() {
	r nft -f - <<-EOF
	table inet helper {
		ct helper sip-udp { type "sip" protocol udp; l3proto ip; }
		ct helper sip-udp6 { type "sip" protocol udp; l3proto ip6; }
		chain pre {
			type filter hook prerouting priority filter; policy accept;
			meta nfproto ipv4 udp dport 5060 ct helper set "sip-udp"
			meta nfproto ipv4 udp sport 5060 ct helper set "sip-udp"
			meta nfproto ipv6 udp dport 5060 ct helper set "sip-udp6"
			meta nfproto ipv6 udp sport 5060 ct helper set "sip-udp6"
		}
	}
	EOF
}

# gw_unit_restart HOW [HOOK...] - what systemd does to the unit: TERM
# (systemctl restart) or KILL (a crash, then Restart=on-failure); then the
# unit's stop and start commands (ExecStopPost, ExecStartPre, ExecStart).
# HOOK runs between stop and start (e.g. to damage the state file).
# Nothing in the modes without a daemon.
gw_unit_restart() {
	[ "$MODE" = sipalg ] || return 0
	if [ "$1" = KILL ]; then
		kill -KILL "$DAEMON_PID"
		wait "$DAEMON_PID" 2>/dev/null
		echo "=== sipalgd killed (SIGKILL)" >>"$DAEMON_LOG"
		DAEMON_PID=
	else
		gw_daemon_stop
	fi
	shift
	r "$TOP/rules/sipalg-rules" remove --keep-bindings -c "$CONF" >>"$WORK/rules.log" 2>&1 &&
	{ [ $# -eq 0 ] || "$@"; } &&
	r "$WORK/sipalgd" -n -c "$CONF" >>"$WORK/rules.log" 2>&1 &&
	r "$TOP/rules/sipalg-rules" install -c "$CONF" >>"$WORK/rules.log" 2>&1 &&
	gw_daemon_start
}

gw_stop() {
	gw_daemon_stop
	if [ "$RULES_INSTALLED" = 1 ]; then
		r "$TOP/rules/sipalg-rules" remove -c "$CONF" >>"$WORK/rules.log" 2>&1
		RULES_INSTALLED=0
	fi
}

# lab_wan_recreate ADDR - what a PPPoE reconnect does: wan0 goes away and
# comes back as a new interface (another ifindex) with address ADDR; the
# outside namespace's end is new too and gets its hosts' addresses again.
lab_wan_recreate() {
	r ip link del wan0
	ip -n "$NS_R" link add wan0 type veth peer name eth0 netns "$NS_O"
	ip -n "$NS_R" addr add "$1/24" dev wan0
	ip -n "$NS_O" addr add $REGISTRAR/24 dev eth0
	ip -n "$NS_O" addr add $PEER/24 dev eth0
	ip -n "$NS_O" link set eth0 up
	ip -n "$NS_R" link set wan0 up
	wait_until 5 lab_links_up
}

# -- a STUN server outside -----------------------------------------------------

# lab_stun [SECONDS] - a STUN server (tests/netns/stun.py, RFC 5389 Binding)
# at $STUN_IP:3478 in the outside namespace for SECONDS (default 120);
# $STUN is the sipua.py option for NAT-aware phones that ask it.
STUN_IP=203.0.113.30
STUN="--stun $STUN_IP:3478"
lab_stun() {
	ip -n "$NS_O" addr add $STUN_IP/24 dev eth0
	bg "$NS_O" stun python3 "$LAB_DIR/stun.py" --local $STUN_IP:3478 \
		--out "$WORK/stun.json" --timeout "${1:-120}"
	wait_file "$WORK/stun.json.ready"
}

# stun_phones_register ARGS... - phone1, then phone2 (both on 5060, RTP
# 8000) register with the registrar as NAT-aware phones (sipua.py register
# $STUN ARGS, results phone1.json, phone2.json); phone1 first everywhere,
# so phone2's socket is the one that cannot keep port 5060 publicly.
stun_phones_register() {
	local p ns ip
	for p in 1 2; do
		ns=$NS_P1; ip=$PHONE1
		[ $p = 2 ] && { ns=$NS_P2; ip=$PHONE2; }
		ua_bg "$ns" phone$p register --local $ip --user phone$p \
			--registrar $REGISTRAR --rtp-port 8000 $STUN "$@"
		wait_until 5 test -n "$(json "$WORK/phone$p.json" 'd.get("register",{}).get("code") or ""' 2>/dev/null)"
	done
}

# -- lifecycle -----------------------------------------------------------------

lab_up() {
	lab_require "$@"
	trap lab_cleanup EXIT
	trap 'exit 130' INT TERM
	lab_topology || exit 1
	lab_firewall
	if ! gw_start; then
		fail "gateway mode $MODE started"
		exit 1
	fi
	[ "$FIREWALL" != nft ] || check "nft-only gateway: no iptables rule" lab_no_iptables
	log "lab $LAB_P up in mode $MODE_NAME (work dir $WORK)"
}

# bg NS NAME CMD... - run CMD in namespace NS in the background; the pid
# is remembered for cleanup and stored in $WORK/NAME.pid.
bg() {
	local ns=$1 name=$2; shift 2
	ip netns exec "$ns" "$@" >"$WORK/$name.stdout" 2>"$WORK/$name.stderr" &
	BG_PIDS="$BG_PIDS $!"
	echo $! >"$WORK/$name.pid"
}

# bg_wait NAME - wait for the background job NAME; returns its status.
bg_wait() {
	local pid
	pid=$(cat "$WORK/$1.pid")
	wait "$pid"
}

# ua NS NAME ROLE ARGS... - run sipua.py ROLE in NS, result in $WORK/NAME.json
# bg_stop NAME SECONDS - give NAME SECONDS to finish, then SIGTERM it.
bg_stop() {
	local pid
	pid=$(cat "$WORK/$1.pid")
	wait_until "$2" sh -c "! kill -0 $pid" || kill "$pid" 2>/dev/null
	wait "$pid"
}

ua() {
	local ns=$1 name=$2 role=$3; shift 3
	in_ns "$ns" timeout 60 python3 "$SIPUA" "$role" --out "$WORK/$name.json" "$@" \
		>"$WORK/$name.stdout" 2>"$WORK/$name.stderr"
}

ua_bg() {
	local ns=$1 name=$2 role=$3; shift 3
	bg "$ns" "$name" timeout 60 python3 "$SIPUA" "$role" --out "$WORK/$name.json" "$@"
	wait_file "$WORK/$name.json.ready" 10
}

lab_dump() {
	echo "---- dump: router iptables-save"
	r iptables-save 2>&1
	echo "---- dump: router nft list ruleset"
	r nft list ruleset 2>&1
	echo "---- dump: router conntrack -L"
	r conntrack -L 2>&1
	if [ "$MODE" = sipalg ]; then
		echo "---- dump: sipalgd log ($DAEMON_LOG)"
		tail -n 200 "$DAEMON_LOG"
	fi
	for f in "$WORK"/*.stderr; do
		[ -s "$f" ] || continue
		echo "---- dump: $(basename "$f")"
		tail -n 30 "$f"
	done
	echo "---- dump end (work dir $WORK)"
}

lab_cleanup() {
	local rc=$? pid ns
	trap - EXIT INT TERM
	[ "$FAILED" -gt 0 ] && [ "$LAB_CREATED" = 1 ] && lab_dump
	for pid in $BG_PIDS; do kill "$pid" 2>/dev/null; done
	for pid in $BG_PIDS; do wait "$pid" 2>/dev/null; done
	if [ "$LAB_CREATED" = 1 ]; then
		gw_stop
		for ns in $LAB_NS; do ip netns del "$ns" 2>/dev/null; done
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		log "work dir kept: $WORK"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}

# -- assertions ----------------------------------------------------------------

pass() { echo "PASS $MODE_NAME $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $MODE_NAME $*"; FAILED=$((FAILED + 1)); }

# check NAME CMD... - PASS/FAIL line for CMD's status; its output is
# indented under a FAIL.
check() {
	local name=$1; shift
	if "$@" >"$WORK/check.out" 2>&1; then
		pass "$name"
	else
		fail "$name"
		sed 's/^/    /' "$WORK/check.out"
	fi
}

# skip NAME WHY - a check that does not apply in this mode.
skip() { echo "SKIP $MODE_NAME $1 ($2)"; }

lab_finish() {
	echo "RESULT $MODE_NAME $(basename "$0" .sh) passed=$PASSED failed=$FAILED"
	[ "$FAILED" -eq 0 ]
}

# json FILE EXPR - print a value from a result file (EXPR in Python,
# the file's object is d).
json() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print(v if not isinstance(v,(dict,list)) else json.dumps(v))' "$1" "$2"
}

# nft_sipalg - the daemon's table, or nothing.
nft_sipalg() { r nft list table ip sipalg 2>/dev/null; }

# snap_start - record nft table and conntrack every 100 ms into
# $WORK/snap.nft and $WORK/snap.ct until snap_stop.
snap_start() {
	: >"$WORK/snap.nft"; : >"$WORK/snap.ct"
	(
		while [ ! -e "$WORK/snap.stop" ]; do
			{ echo "== $(date +%T.%N)"; nft_sipalg; } >>"$WORK/snap.nft"
			{ echo "== $(date +%T.%N)"; r conntrack -L -p udp 2>/dev/null; } >>"$WORK/snap.ct"
			sleep 0.1
		done
	) &
	SNAP_PID=$!
	BG_PIDS="$BG_PIDS $SNAP_PID"
}

snap_stop() {
	touch "$WORK/snap.stop"
	wait "$SNAP_PID" 2>/dev/null
	rm -f "$WORK/snap.stop"
}
