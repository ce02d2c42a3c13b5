#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_ops.sh [MODE] - sipalg only: the operator's view of a running gateway.
# Two phones registered (phone1 with the registrar, phone2 with the peer)
# and a call phone1 -> peer in progress (no BYE, so only the operator can
# end it):
#  - sipalgctl calls / registrations / bindings / stats show them, text
#    and --json (parsed); bindings count = the kernel map's elements;
#  - /metrics parses with the Prometheus client library's parser; its
#    counters grow between two scrapes and none goes back;
#  - the status page renders in headless Chromium and names the call
#    (DOM text asserted, screenshot in build/artifacts/t_ops/);
#  - sipalgctl end closes the call's pinholes (a probe from outside no
#    longer reaches the phone); reload refuses a broken configuration,
#    and the shipped unit's ExecReload lines, run in order, fail for it
#    and leave the running rules alone; counters survive the reloads;
#  - journal priorities: <6> on the banner, <4> on "passed unchanged";
#  - the control socket: mode 0600, another user refused; with
#    control_group 0660 and that group may use it; a control_socket
#    naming a regular file stops the start and leaves the file alone;
#  - 16 stalled HTTP clients: the control socket answers, a 17th is
#    turned away at once, the stalled ones are cut off after 10 s;
#  - systemd semantics: READY=1 only with the queue bound, WATCHDOG=1
#    keeps coming, and none while the daemon is stopped (SIGSTOP).
. "$(dirname "$0")/lib.sh"
if [ "$MODE" != sipalg ]; then
	echo "SKIP $MODE operator interfaces (need the daemon)"
	exit 77
fi
OPS="$LAB_DIR/ops_check.py"
# Debian's python3 has the Prometheus client library (python3-prometheus-
# client, in make deps); a python3 earlier in PATH may not.
DEB_PY=/usr/bin/python3
ART=$TOP/build/artifacts/t_ops
HTTP=127.0.0.1:8080
GW_CONF_EXTRA="http_listen = $HTTP
log_interval = 0"
# The daemon's stderr plays the journal stream: JOURNAL_STREAM names it.
: >"$DAEMON_LOG"
JOURNAL_STREAM=$(stat -c %d:%i "$DAEMON_LOG")
export JOURNAL_STREAM
lab_up
J=$WORK
cp "$TOP/build/sipalgctl" "$J/sipalgctl"
ctl() { r "$J/sipalgctl" -s "$J/control" "$@"; }
scrape() { r python3 -c 'import sys, urllib.request as u; sys.stdout.write(u.urlopen(sys.argv[1], timeout=10).read().decode())' "http://$HTTP$1"; }

check "banner reaches the journal at priority 6 (info)" \
	grep -qE '^<6>sipalgd [^ ]+.*: queue 0' "$DAEMON_LOG"
# The control socket is root's: mode 0600, another user is refused.
chmod 711 "$J"	# let others reach the socket, so its own mode decides
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
check "control socket mode 0600; user nobody is refused (Permission denied)" \
	sh -c "[ \"\$(stat -c %a '$J/control')\" = 600 ] && ! ip netns exec $NS_R $NOBODY '$J/sipalgctl' -s '$J/control' calls 2>'$J/nobody.err' && grep -q 'Permission denied' '$J/nobody.err'"
check "sipalgctl without a daemon: clear error, exit status 1" \
	sh -c "! '$J/sipalgctl' -s '$J/nothing' calls 2>'$J/nodaemon.err' && grep -q 'cannot connect to $J/nothing' '$J/nodaemon.err'"

# Two registrations, then the call.
ua_bg "$NS_O" reg1 registrar --local $REGISTRAR --user registrar --expires 300 --timeout 10
ua "$NS_P1" phone1reg register --local $PHONE1 --user phone1 \
	--registrar $REGISTRAR --expires 300 --timeout 10
bg_wait reg1
ua_bg "$NS_O" reg2 registrar --local $PEER --user registrar --expires 300 --timeout 10
ua "$NS_P2" phone2reg register --local $PHONE2 --user phone2 \
	--registrar $PEER --expires 300 --timeout 10
bg_wait reg2
ua_bg "$NS_O" peer uas --local $PEER --user peer --rtp-port 50000 \
	--no-bye --expect "no bye" --packets 400 --timeout 30
ua_bg "$NS_P1" phone1 uac --local $PHONE1 --user phone1 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40000 --no-bye --expect "no bye" \
	--packets 400 --timeout 30
call_up() { ctl calls | grep -q "$PHONE1:5060 .*$PEER:50000"; }
check "sipalgctl calls lists the call (phone, far end)" wait_until 10 call_up
ctl calls >"$J/calls.txt" 2>&1
ctl --json calls >"$J/calls.json"
CALLID=$(json "$J/calls.json" 'd[0]["call_id"]' 2>/dev/null)
PUB=$(json "$J/calls.json" '[s["public"] for s in d[0]["streams"] if not s["rtcp"]][0]' 2>/dev/null)
PUB_RTP=${PUB##*:}
check "sipalgctl --json calls parses: call_id, phone, far end, public ports" \
	python3 "$OPS" calls "$J/calls.json" "$CALLID" "$PHONE1:5060" "$PEER:50000"
ctl registrations >"$J/regs.txt" 2>&1
ctl --json registrations >"$J/regs.json"
check "sipalgctl registrations lists both phones" \
	sh -c "grep -q 'sip:phone1@$REGISTRAR .*$PHONE1:5060' '$J/regs.txt' && grep -q 'sip:phone2@$PEER .*$PHONE2:5060' '$J/regs.txt'"
check "sipalgctl --json registrations parses: aor of each" \
	python3 "$OPS" regs "$J/regs.json" "sip:phone1@$REGISTRAR" "sip:phone2@$PEER"
ctl bindings >"$J/bindings.txt" 2>&1
ctl --json bindings >"$J/bindings.json"
dnat4_count() { r nft -j list map ip sipalg dnat4 | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len([x for x in d["nftables"] if "map" in x][0]["map"].get("elem", [])))'; }
ELEMS=$(dnat4_count)
check "sipalgctl --json bindings: $ELEMS, as many as the kernel's dnat4 map holds, each with its owner" \
	python3 "$OPS" bindings "$J/bindings.json" "$ELEMS"
check "sipalgctl bindings names the call as owner of its media" \
	grep -qF "call $CALLID" "$J/bindings.txt"
ctl stats >"$J/stats.txt" 2>&1
ctl --json stats >"$J/stats.json"
check "sipalgctl stats: counters (nf_tables transactions too) and latency since start; --json parses" \
	sh -c "grep -q '^rewritten ' '$J/stats.txt' && grep -qE '^nft_transactions +[1-9]' '$J/stats.txt' && grep -q '^latency work' '$J/stats.txt' && python3 '$OPS' stats '$J/stats.json'"

# Metrics: two scrapes around a message the gateway cannot rewrite.
scrape /metrics >"$J/metrics1.txt"
check "metrics parse (prometheus_client parser), every family present" \
	$DEB_PY "$OPS" metrics "$J/metrics1.txt"
in_ns "$NS_P2" python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"NOT SIP AT ALL\r\n\r\n", ("'$REGISTRAR'", 5060))'
notsip() { grep -q '^<4>passed unchanged: not SIP' "$DAEMON_LOG"; }
check "'passed unchanged' reaches the journal at priority 4 (warning)" wait_until 5 notsip
# SIGUSR1 logs the counters and restarts the log's per-interval
# histograms: the views since start must not go back.
kill -USR1 "$DAEMON_PID"
scrape /metrics >"$J/metrics2.txt"
check "metrics counters grew between the scrapes (SIGUSR1 between them), none went back" \
	$DEB_PY "$OPS" grow "$J/metrics1.txt" "$J/metrics2.txt"
check "metrics count the not-SIP message by reason" \
	grep -q 'sipalg_passed_unchanged_total{reason="not SIP"} 1' "$J/metrics2.txt"

# Slow clients cannot stall the daemon: 16 HTTP clients that never finish
# their request fill the listener; the control socket still answers, a
# 17th HTTP client is turned away at once, and the stalled ones are cut
# off after 10 s.
bg "$NS_R" slow python3 -c 'import socket, sys, time
cs = [socket.create_connection(("127.0.0.1", 8080)) for i in range(16)]
for c in cs: c.sendall(b"GET / HTTP/1.1\r\n")
open(sys.argv[1], "w").write("held")
time.sleep(20)' "$J/held"
wait_file "$J/held"
check "16 stalled HTTP clients: sipalgctl stats still answers" ctl stats
# The 17th's wait is timed inside the client (not the interpreter's
# start, which takes seconds on a loaded machine): turned away means well
# before the 10 s the stalled ones are given.
r python3 -c 'import sys, time, urllib.request as u
t = time.monotonic()
try:
    u.urlopen("http://'"$HTTP"'/metrics", timeout=9)
    ok = "answered"
except Exception as e:
    ok = "refused"
open(sys.argv[1], "w").write("%s %d" % (ok, (time.monotonic() - t) * 1000))' "$J/17th" 2>/dev/null
read -r R17 MS17 <"$J/17th" || true
check "16 stalled HTTP clients: a 17th is turned away ($R17)" test "$R17" = refused
metrics_ok() { scrape /metrics | grep -q '^sipalg_calls '; }
check "the 17th was turned away within 3 s, not after the 10 s stall (${MS17:-?} ms)" \
	test "${MS17:-99999}" -lt 3000
check "stalled HTTP clients are cut off (10 s), metrics served again" wait_until 15 metrics_ok
kill "$(cat "$J/slow.pid")" 2>/dev/null

# The status page in a real browser.
mkdir -p "$ART"
CHROME="chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run --user-data-dir=$J/chrome"
r env HOME="$J" timeout 60 $CHROME --dump-dom "http://$HTTP/" >"$J/dom.html" 2>"$J/chrome.stderr"
r env HOME="$J" timeout 60 $CHROME --window-size=1280,1000 \
	--screenshot="$ART/status.png" "http://$HTTP/" >/dev/null 2>>"$J/chrome.stderr"
cp "$J/dom.html" "$ART/status-dom.html" 2>/dev/null
check "status page in headless Chromium names the call and both registrations" \
	python3 "$OPS" dom "$J/dom.html" "sipalg status" "$CALLID" \
	"sip:phone1@$REGISTRAR" "sip:phone2@$PEER" "passed unchanged: not SIP"
check "status page screenshot written ($ART/status.png)" \
	sh -c "[ -s '$ART/status.png' ] && head -c 8 '$ART/status.png' | grep -q PNG"

# The operator ends the call.
nft_sipalg >"$J/before-end.nft"
check "before sipalgctl end the map holds the call's media ($PHONE1 . 40000)" \
	grep -qF "$PHONE1 . 40000" "$J/before-end.nft"
check "sipalgctl end $CALLID" ctl end "$CALLID"
nft_sipalg >"$J/after-end.nft"
check "after sipalgctl end: no call listed, no map element for $PHONE1 . 40000" \
	sh -c "! ip netns exec $NS_R '$J/sipalgctl' -s '$J/control' calls | grep -q '$PHONE1' && ! grep -qF '$PHONE1 . 40000' '$J/after-end.nft'"
check "the call's end is logged with its cause" \
	grep -q "^<6>call .* ended by the operator" "$DAEMON_LOG"
bg_stop phone1 15; bg_stop peer 5
bg "$NS_P1" lrtp timeout 20 python3 "$SIPUA" listen --local $PHONE1:40000 --out "$J/lrtp.json" --timeout 15
wait_file "$J/lrtp.json.ready"
in_ns "$NS_O" python3 "$SIPUA" probe --local $PEER:50000 --to $GW_OUT:${PUB_RTP:-30000} --packets 10 --out "$J/p1.json"
sleep 0.3
touch "$J/lrtp.json.stop"; bg_wait lrtp
check "after sipalgctl end the peer's RTP to $GW_OUT:${PUB_RTP:-30000} does not reach the phone" \
	python3 "$CHECK" listen "$J/lrtp.json" --max 0

# Reload: refused for a broken file (non-zero exit), fine otherwise.
# unit_reload runs the shipped unit's ExecReload lines as systemctl reload
# does: in order, stopping at the first that fails; the installed paths
# become the lab's.
unit_reload() {
	local cmd
	while read -r cmd; do
		cmd=${cmd#[-+@!]}
		cmd=${cmd//\/usr\/local\/sbin\/sipalgctl/$J/sipalgctl}
		cmd=${cmd//\/usr\/local\/sbin\/sipalgd/$WORK/sipalgd}
		cmd=${cmd//\/usr\/local\/lib\/sipalg\/sipalg-rules/$TOP/rules/sipalg-rules}
		cmd=${cmd//\/etc\/sipalg\/sipalgd.conf/$CONF}
		case $cmd in */usr/local/*|*/etc/sipalg/*)
			echo "unit_reload: unmapped path in $cmd"; return 2;; esac
		echo "+ $cmd"
		r $cmd || return 1
	done < <(sed -n 's/^ExecReload=//p' "$TOP/systemd/sipalgd.service")
}
# What diverts SIP to the queue: sipalg-rules' iptables chain, or with
# rules_backend = nft the daemon's own divert chain (counters left out).
divert_rules() {
	if [ "$FIREWALL" = nft ]; then
		r nft list chain inet sipalg divert |
			sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/'
	else
		r iptables-save -t mangle | grep -e SIPALG_QUEUE
	fi
}
check "the unit's ExecReload with a good configuration: every line succeeds" \
	unit_reload
cp "$CONF" "$J/conf.good"
divert_rules >"$J/divert.before"
# A broken file that also moves SIP to another port: a reload that
# installed the rules from it and then had the daemon refuse it would
# leave the kernel diverting 5070 while the daemon rewrites 5060.
sed -i 's/^sip_ports = .*/sip_ports = 5070/' "$CONF"
grep -q '^sip_ports = 5070' "$CONF" || echo "sip_ports = 5070" >>"$CONF"
echo "no_such_key = 1" >>"$CONF"
unit_reload >"$J/unit-reload.out" 2>&1; RC=$?
divert_rules >"$J/divert.after"
check "the unit's ExecReload with a broken file fails (status $RC), naming the line" \
	sh -c "[ $RC = 1 ] && grep -q 'unknown key' '$J/unit-reload.out'"
check "... and leaves the running rules as they were (SIP still diverted on 5060, not 5070)" \
	sh -c "[ -s '$J/divert.before' ] && diff '$J/divert.before' '$J/divert.after' && ! grep -q 5070 '$J/divert.after'"
check "sipalgctl reload of a broken configuration: the daemon refuses it, exit 1, the line named" \
	sh -c "! ip netns exec $NS_R '$J/sipalgctl' -s '$J/control' reload 2>'$J/reload.err' && grep -q 'reload refused: .*unknown key' '$J/reload.err'"
check "sipalgctl -c CONF reload with that file fails too" \
	sh -c "! ip netns exec $NS_R '$J/sipalgctl' -c '$CONF' reload"
cp "$J/conf.good" "$CONF"
# The listeners are opened once: a reload naming another address keeps
# serving on the old one and says so.
sed -i "s/^http_listen = .*/http_listen = 127.0.0.1:8081/" "$CONF"
ctl reload >/dev/null 2>&1; RC=$?
scrape /metrics >"$J/metrics3.txt" 2>&1
check "reload with another http_listen: accepted (status $RC), warned, metrics still on $HTTP" \
	sh -c "[ $RC = 0 ] && grep -q '^<4>reload: control_socket, control_group and http_listen change only on restart' '$DAEMON_LOG' && grep -q '^sipalg_calls ' '$J/metrics3.txt'"
check "metrics counters never went back across sipalgctl end and four reloads (one refused)" \
	$DEB_PY "$OPS" grow "$J/metrics2.txt" "$J/metrics3.txt"
cp "$J/conf.good" "$CONF"

# systemd semantics: a fresh daemon with NOTIFY_SOCKET and a watchdog.
gw_daemon_stop
# A control_socket that names a file which is not a socket (a typo):
# the daemon refuses to start, says why, and leaves the file alone.
echo precious >"$J/precious"
sed "s|^control_socket = .*|control_socket = $J/precious|" "$CONF" >"$J/precious.conf"
r timeout 15 "$WORK/sipalgd" -c "$J/precious.conf" >"$J/precious.log" 2>&1; RC=$?
check "control_socket naming a regular file: sipalgd exits (status $RC), names it, the file is intact" \
	sh -c "[ $RC != 0 ] && [ $RC != 124 ] && grep -q 'control_socket $J/precious: File exists' '$J/precious.log' && [ \"\$(cat '$J/precious')\" = precious ]"
bg "$NS_R" notify python3 "$OPS" notify-rx "$J/notify.sock" "$J/notify.json" 0
wait_file "$J/notify.json.ready"
# ... with control_group: the group may use the socket too (mode 0660).
echo "control_group = nogroup" >>"$CONF"
NOTIFY_SOCKET=$J/notify.sock WATCHDOG_USEC=400000 gw_daemon_start
sleep 2
T_STOP=$(date +%s.%N); kill -STOP "$DAEMON_PID"; sleep 2
T_CONT=$(date +%s.%N); kill -CONT "$DAEMON_PID"; sleep 1.5
touch "$J/notify.json.stop"; bg_wait notify
check "NOTIFY_SOCKET: READY=1 with the queue bound, WATCHDOG=1 keeps coming, none while stopped" \
	python3 "$OPS" notify "$J/notify.json" "$T_STOP" "$T_CONT"
# The restart kept the registrations' elements (restart_grace); the
# phones' sockets the kernel still maps are adopted again at start (issue
# 12: same public ports).  Either way the listing matches the kernel's map
# and names an owner for every element.
ctl --json bindings >"$J/bindings2.json"
ELEMS2=$(dnat4_count)
check "after a restart: sipalgctl bindings lists the kernel's $ELEMS2 elements (kept from the previous run or adopted again), each with its owner" \
	sh -c "[ '${ELEMS2:-0}' -gt 0 ] && python3 '$OPS' bindings '$J/bindings2.json' '$ELEMS2' && python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); sys.exit(0 if b and all(x.get(\"owner\") for x in b) else 1)' '$J/bindings2.json'"
check "control_group = nogroup: mode 0660, group nogroup, nobody:nogroup may ask" \
	sh -c "[ \"\$(stat -c %a:%G '$J/control')\" = 660:nogroup ] && ip netns exec $NS_R $NOBODY '$J/sipalgctl' -s '$J/control' version"
check "no crash or sanitizer report in the daemon log" \
	sh -c "! grep -E 'AddressSanitizer|runtime error|Segmentation|Aborted' '$DAEMON_LOG'"
lab_finish
