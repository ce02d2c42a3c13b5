#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/lab.sh MODE OUT TASK... - one benchmark lab (tests/netns/lib.sh) in
# MODE, running each TASK and appending one JSON object per result to OUT.
#
# MODE: none (plain NAT), accept (the daemon's iptables rules with
# bench/nfq_accept answering the queue), kernel (CT helper sip), sipalg
# (build/sipalgd, not the sanitizer build, without -v), sipalg-noforget
# (diagnostic build, see bench/noforget.c).
#
# TASKs:
#   sip-max     highest call rate with zero loss (stepwise, bounded)
#   sip-lat     latency at BENCH_LAT_RATE calls/s
#   rtp         RTP through the gateway (sipalg: on 10 calls' bindings;
#               none: plain conntrack NAT)
#   rtp-100k    (sipalg) the same after adding 100,000 elements per map
#   relay       (none) RTP through bench/relay in the router namespace
#   sipp        sipp uac -> uas call rate, 0 failed and 0 retransmissions
#   bind        RTP from the peer right after the INVITE reached it
#   scale       (sipalg) memory and per-message cost holding many calls
#   sip-prof    (sipalg) strace and perf of the daemon during a step
#
# Tunables (environment): BENCH_STEP_SECS (2), BENCH_START_RATE (100
# calls/s), BENCH_MAX_RATE (12800), BENCH_LAT_RATE (100), BENCH_LAT_SECS (4),
# BENCH_RTP_SECS (3), BENCH_RTP_RUNS (3), BENCH_RTP_CPU (1),
# BENCH_SIPP_SECS (10), BENCH_SIPP_CONFIRM_SECS (60), BENCH_SIPP_RATES,
# BENCH_BIND_PROBES (100),
# BENCH_SCALE_CALLS (10000), BENCH_PROF_DIR.
BENCH_MODE=$1 OUT=$2
shift 2
BDIR=$(cd "$(dirname "$0")" && pwd)
BIN=${BENCH_BIN:-$BDIR/../build/bench}
case $BENCH_MODE in
accept) export MODE=none ;;
# Diagnostic: the daemon without its per-call conntrack dump (noforget.c).
sipalg-noforget) export MODE=sipalg SIPALGD=$BIN/sipalgd-noforget ;;
*) export MODE=$BENCH_MODE ;;
esac
. "$BDIR/../tests/netns/lib.sh"
STEP=${BENCH_STEP_SECS:-2}

# The daemon as deployed: no -v (per-binding log lines are not part of the
# cost we measure).  Same as lib.sh's gw_daemon_start otherwise.
gw_daemon_start() {
	echo "=== sipalgd started $(date +%T.%N)" >>"$DAEMON_LOG"
	ip netns exec "$NS_R" ${DAEMON_WRAP:-} "$WORK/sipalgd" -c "$CONF" \
		>>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	wait_until 10 gw_nft_ready || { log "sipalgd did not start"; return 1; }
}

result() { printf '%s\n' "$*" >>"$OUT"; }

# -- queue consumers' packet counters -----------------------------------------

ACCEPT_PID=
accept_start() {
	gw_write_conf
	r "$TOP/rules/sipalg-rules" install -c "$CONF" >"$WORK/rules.log" 2>&1 ||
		{ cat "$WORK/rules.log" >&2; return 1; }
	RULES_INSTALLED=1
	ip netns exec "$NS_R" "$BIN/nfq_accept" 0 >"$WORK/accept.log" 2>&1 &
	ACCEPT_PID=$!
	BG_PIDS="$BG_PIDS $ACCEPT_PID"
	wait_until 5 grep -q ready "$WORK/accept.log"
}

# queued - packets the queue consumer has handled so far (-1: no queue).
queued() {
	local pid log pat n
	case $BENCH_MODE in
	accept) pid=$ACCEPT_PID log=$WORK/accept.log pat='^packets' ;;
	sipalg*) pid=$DAEMON_PID log=$DAEMON_LOG pat='stats: packets' ;;
	*) echo -1; return ;;
	esac
	n=$(grep -c "$pat" "$log")
	kill -USR1 "$pid"
	wait_until 3 sh -c "[ \$(grep -c '$pat' '$log') -gt $n ]"
	grep "$pat" "$log" | tail -n 1 | sed 's/.*packets \([0-9]*\).*/\1/'
}

# -- SIP ---------------------------------------------------------------------

# cpu_ticks - user + system clock ticks of the queue consumer (0: none).
cpu_ticks() {
	local pid=${DAEMON_PID:-$ACCEPT_PID}
	[ -n "$pid" ] || { echo 0; return; }
	awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0
}

SALT=$$
# Calls are numbered across steps: the number picks the phone's media port,
# and a new call must not reuse the port of a call still up.  The next
# number lives in $WORK/call-no (sip_step runs in command substitutions).
call_no() { cat "$WORK/call-no" 2>/dev/null || echo 0; }

# sip_step RATE SECS [ARGS] - one blaster run; prints its JSON with the
# queue consumer's count added ("queued", -1 without a queue) and its CPU
# time in microseconds ("consumer_cpu_us", from /proc/PID/stat).
sip_step() {
	local rate=$1 secs=$2 q0 q1 j c0 c1 hz n0
	shift 2
	n0=$(call_no)
	SALT=$((SALT + 1))
	q0=$(queued)
	c0=$(cpu_ticks)
	j=$("$BIN/blast" sip -p "$NS_P1" -o "$NS_O" -r "$rate" -t "$secs" \
		-s "$SALT$n0" -i "$n0" "$@")
	echo $((n0 + $(printf '%s' "$j" | sed 's/.*"calls": \([0-9]*\).*/\1/'))) \
		>"$WORK/call-no"
	c1=$(cpu_ticks)
	q1=$(queued)
	[ "$q0" = -1 ] && q1=-1 q0=0
	hz=$(getconf CLK_TCK)
	printf '%s\n' "${j%\}}, \"queued\": $((q1 - q0)), \"consumer_cpu_us\": $(((c1 - c0) * 1000000 / hz))}"
}

# A step passes when every message arrived, every call completed, the
# generator started at least 95% of the calls the rate asks for (else the
# generator, not the gateway, was the limit) and (with a queue) every
# message went through the queue consumer, none bypassed it by fail-open.
# step_ok JSON [CALLS] - CALLS: the number of calls asked for with -n.
step_ok() {
	python3 -c 'import json,sys
d = json.loads(sys.argv[1])
want = int(sys.argv[2]) if len(sys.argv) > 2 else 0.95 * d["rate_calls"] * d["secs"] - 1
ok = d["lost"] == 0 and d["completed"] == d["calls"] and d["calls"] > 0 \
	and d["send_errors"] == 0 and (d["queued"] < 0 or d["queued"] >= d["sent"]) \
	and d["calls"] >= want
sys.exit(0 if ok else 1)' "$@"
}

task_sip_max() {
	local rate=${BENCH_START_RATE:-100} max=${BENCH_MAX_RATE:-12800}
	local good=0 bad=0 j i
	# Warm-up (first calls, table creation), not counted.
	sip_step 50 1 >/dev/null
	while [ "$rate" -le "$max" ]; do
		j=$(sip_step "$rate" "$STEP")
		result "{\"task\": \"sip-step\", \"mode\": \"$BENCH_MODE\", \"step\": $j}"
		if step_ok "$j"; then good=$rate; else bad=$rate; break; fi
		rate=$((rate * 2))
	done
	# Two bisection steps between the last good and the first bad rate.
	for i in 1 2; do
		[ "$bad" -gt 0 ] || break
		rate=$(((good + bad) / 2))
		[ "$rate" -gt "$good" ] || break
		j=$(sip_step "$rate" "$STEP")
		result "{\"task\": \"sip-step\", \"mode\": \"$BENCH_MODE\", \"step\": $j}"
		if step_ok "$j"; then good=$rate; else bad=$rate; fi
	done
	result "{\"task\": \"sip-max\", \"mode\": \"$BENCH_MODE\", \"calls_per_s\": $good, \"msgs_per_s\": $((good * 7)), \"first_bad\": $bad, \"max_tried\": $max}"
}

task_sip_lat() {
	local j
	j=$(sip_step "${BENCH_LAT_RATE:-100}" "${BENCH_LAT_SECS:-4}")
	result "{\"task\": \"sip-lat\", \"mode\": \"$BENCH_MODE\", \"step\": $j}"
}

# scale: the daemon holding 100 calls, then BENCH_SCALE_CALLS (10000):
# its resident memory, its call count and a latency/CPU step at each size.
# Held calls are INVITE/200/ACK without BYE (media bindings stay).
daemon_field() {	# daemon_field NAME - from the last stats line
	grep 'stats: packets' "$DAEMON_LOG" | tail -n 1 |
		sed -n "s/.* $1 \([0-9]*\).*/\1/p"
}

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$DAEMON_PID/status"; }

task_scale() {
	local big=${BENCH_SCALE_CALLS:-10000} r0 r1 r2 c1 c2 j1 j2 ramp
	[ "$MODE" = sipalg ] || return 0
	queued >/dev/null
	r0=$(rss_kb)
	sip_step 500 1 -n 100 -B >/dev/null
	queued >/dev/null
	r1=$(rss_kb) c1=$(daemon_field calls)
	j1=$(sip_step "${BENCH_LAT_RATE:-100}" "${BENCH_LAT_SECS:-4}")
	ramp=$(sip_step 500 $((big / 500 + 1)) -n $((big - 100)) -B)
	queued >/dev/null
	r2=$(rss_kb) c2=$(daemon_field calls)
	j2=$(sip_step "${BENCH_LAT_RATE:-100}" "${BENCH_LAT_SECS:-4}")
	result "{\"task\": \"scale\", \"mode\": \"$BENCH_MODE\", \"rss_start_kb\": $r0, \"rss_small_kb\": $r1, \"calls_small\": ${c1:-0}, \"rss_big_kb\": $r2, \"calls_big\": ${c2:-0}, \"step_small\": $j1, \"ramp\": $ramp, \"step_big\": $j2}"
}

# sip-prof: where the daemon's time goes at BENCH_LAT_RATE calls/s - the
# system calls by wall time (strace -c -w, attached to the running daemon)
# and a perf profile, both written to $BENCH_PROF_DIR.
task_sip_prof() {
	local d=${BENCH_PROF_DIR:-$WORK} pid
	[ "$MODE" = sipalg ] || return 0
	mkdir -p "$d"
	strace -f -w -c -o "$d/strace.txt" -p "$DAEMON_PID" 2>/dev/null &
	pid=$!
	sleep 0.5
	sip_step "${BENCH_LAT_RATE:-100}" 2 >"$d/strace-step.json"
	kill -INT "$pid"; wait "$pid" 2>/dev/null
	if command -v perf >/dev/null; then
		perf record -q -g -o "$d/perf.data" -p "$DAEMON_PID" \
			>/dev/null 2>&1 &
		pid=$!
		sleep 0.5
		sip_step "${BENCH_LAT_RATE:-100}" 2 >"$d/perf-step.json"
		kill -INT "$pid"; wait "$pid" 2>/dev/null
		perf report -q -i "$d/perf.data" --no-children --stdio \
			--sort symbol -g none 2>/dev/null | head -40 >"$d/perf.txt"
	fi
	result "{\"task\": \"sip-prof\", \"mode\": \"$BENCH_MODE\", \"dir\": \"$d\"}"
}

# bind: media sent right after signalling (blast bind), BENCH_BIND_PROBES
# (100) INVITEs each, the peer's RTP packet sent 0 us and 1000 us after the
# INVITE reached it.
task_bind() {
	local d n0 j n=${BENCH_BIND_PROBES:-100}
	for d in 0 1000; do
		n0=$(call_no)
		j=$("$BIN/blast" bind -p "$NS_P1" -o "$NS_O" -n "$n" -i "$n0" \
			-D "$d" -s "$SALT$n0")
		echo $((n0 + n)) >"$WORK/call-no"
		result "{\"task\": \"bind\", \"mode\": \"$BENCH_MODE\", \"run\": $j}"
	done
}

# -- RTP -----------------------------------------------------------------------

RTP_FLOWS=10
# rtp_calls - 10 calls set up by the blaster and left up (no BYE): the
# daemon installs bindings for phone ports RTP_BASE, RTP_BASE + 2, ...
RTP_BASE=10000
rtp_calls() {
	RTP_BASE=$((10000 + 2 * ($(call_no) % 25000)))
	sip_step 100 0.2 -n "$RTP_FLOWS" -B >"$WORK/rtp-calls.json"
	step_ok "$(cat "$WORK/rtp-calls.json")" "$RTP_FLOWS"
}

# rtp_run NAME [BLAST ARGS] - RTP blasts, BENCH_RTP_RUNS (3) of them; the
# sender, its sink (and the relay) are pinned to one CPU (BENCH_RTP_CPU, 1),
# so a packet's whole path - sending, forwarding (veth runs it in the
# sender's softirq), relaying, receiving - is paid on that CPU and the
# received rate measures the path's cost.  Records every run with the
# daemon's queue count during the blasts (must stay 0: media never enters
# the queue).
rtp_run() {
	local name=$1 q0 q1 j nb i runs=""
	shift
	q0=$(queued)
	for i in $(seq "${BENCH_RTP_RUNS:-3}"); do
		j=$(taskset -c "${BENCH_RTP_CPU:-1}" "$BIN/blast" rtp -p "$NS_P1" \
			-o "$NS_O" -f "$RTP_FLOWS" -b "$RTP_BASE" \
			-t "${BENCH_RTP_SECS:-3}" "$@")
		runs="$runs${runs:+, }$j"
	done
	q1=$(queued)
	[ "$q0" = -1 ] && q1=-1 q0=0
	nb=0
	if [ "$MODE" = sipalg ]; then
		nb=$(r nft list map ip sipalg snat4 | grep -o ' : ' | wc -l)
	fi
	# Flows the daemon's bindings translated carry its conntrack mark.
	local marked
	marked=$(r conntrack -L -p udp --orig-src "$PHONE1" 2>/dev/null |
		grep -c 'dport=20000 .*mark=1441 ')
	result "{\"task\": \"rtp\", \"mode\": \"$BENCH_MODE\", \"name\": \"$name\", \"queued_during_rtp\": $((q1 - q0)), \"snat4_elements\": $nb, \"flows_with_daemon_mark\": $marked, \"runs\": [$runs]}"
}

task_rtp() {
	if [ "$MODE" = sipalg ]; then
		rtp_calls || { result "{\"task\": \"rtp\", \"mode\": \"sipalg\", \"name\": \"bindings-10\", \"error\": \"call setup failed\", \"setup\": $(cat "$WORK/rtp-calls.json")}"; return; }
		rtp_run bindings-10
	else
		rtp_run conntrack-nat
	fi
}

# 100,000 elements in each of the daemon's maps, written as one nft -f file:
# inside 10.64.x.y ports 40000.. (not the lab's phones), public side on
# 198.51.100.x so no key collides with a real binding.
task_rtp_100k() {
	python3 - "$WORK/100k.nft" <<-'PY'
	import sys
	with open(sys.argv[1], "w") as f:
	    for m in ("snat4", "dnat4"):
	        for c in range(0, 100000, 5000):
	            el = []
	            for i in range(c, c + 5000):
	                ins = "10.64.%d.%d . %d" % (i // 250 % 250, i % 250 + 1, 40000 + i // 62500)
	                pub = "198.51.100.%d . %d" % (1 + i // 50000, 10000 + i % 50000)
	                el.append(ins + " : " + pub if m == "snat4" else pub + " : " + ins)
	            f.write("add element ip sipalg %s { %s }\n" % (m, ", ".join(el)))
	PY
	local t0 t1
	t0=$(date +%s%N)
	r nft -f "$WORK/100k.nft" 2>"$WORK/100k.err" || {
		result "{\"task\": \"rtp\", \"mode\": \"sipalg\", \"name\": \"bindings-100k\", \"error\": \"nft -f failed: $(head -c 200 "$WORK/100k.err" | tr '\"\n' "' ")\"}"
		return; }
	t1=$(date +%s%N)
	result "{\"task\": \"nft-100k\", \"mode\": \"sipalg\", \"insert_ms\": $(((t1 - t0) / 1000000))}"
	# Fresh flows, so that the first packets look the maps up again.
	r conntrack -D -p udp --orig-src "$PHONE1" >/dev/null 2>&1
	rtp_run bindings-100k
}

task_relay() {
	ip netns exec "$NS_R" taskset -c "${BENCH_RTP_CPU:-1}" \
		"$BIN/relay" "$GW_IN" 40000 "$GW_OUT" \
		203.0.113.20 20000 >"$WORK/relay.log" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	local pid=$!
	wait_until 5 sh -c "ip netns exec $NS_R ss -Huln src $GW_IN:40000 | grep -q ."
	rtp_run relay -d "$GW_IN:40000"
	kill "$pid"; wait "$pid" 2>/dev/null
}

# -- sipp --------------------------------------------------------------------

# sipp_step RATE SECS - sipp's built-in uac (phone) against its uas (peer)
# for SECS at RATE calls/s; prints "failed retrans successful exit".
sipp_step() {
	local rate=$1 secs=$2 d n tag
	tag=$rate-$secs
	d=$WORK/sipp-$tag
	n=$((rate * secs))
	mkdir -p "$d/uac" "$d/uas"
	bg "$NS_O" "sipp-uas-$tag" sh -c "cd '$d/uas' && exec timeout $((secs + 20)) \
		sipp -sn uas -i $PEER -p 5060 -nostdin"
	wait_until 10 sh -c "ip netns exec $NS_O ss -Huln src $PEER:5060 | grep -q ."
	in_ns "$NS_P1" sh -c "cd '$d/uac' && exec timeout $((secs + 20)) sipp -sn uac \
		-i $PHONE1 -p 5060 -r $rate -m $n -l $((rate * 4)) -nostdin \
		-timeout $((secs + 10))s -trace_stat -stf stat.csv -fd 60 \
		$PEER:5060" >"$d/uac.stdout" 2>&1
	local rc=$?
	kill "$(cat "$WORK/sipp-uas-$tag.pid")" 2>/dev/null
	wait "$(cat "$WORK/sipp-uas-$tag.pid")" 2>/dev/null
	python3 - "$d/uac/stat.csv" "$rc" <<-'PY'
	import csv, sys
	rows = list(csv.reader(open(sys.argv[1]), delimiter=";"))
	h, last = rows[0], rows[-1]
	g = lambda k: int(last[h.index(k)])
	print(g("FailedCall(C)"), g("Retransmissions(C)"),
	      g("SuccessfulCall(C)"), sys.argv[2])
	PY
}

# sipp_try TASK RATE SECS - one sipp step, recorded; succeeds when no call
# failed, nothing was retransmitted and every call completed.
sipp_try() {
	local f rt ok rc
	read -r f rt ok rc <<<"$(sipp_step "$2" "$3" 2>/dev/null || echo -1 -1 0 -1)"
	result "{\"task\": \"$1\", \"mode\": \"$BENCH_MODE\", \"rate\": $2, \"secs\": $3, \"failed\": $f, \"retrans\": $rt, \"successful\": $ok, \"exit\": $rc}"
	[ "$f" = 0 ] && [ "$rt" = 0 ] && [ "$ok" = $(($2 * $3)) ]
}

# Search with short steps (BENCH_SIPP_SECS, 10), doubling the rate; then one
# confirmation run of BENCH_SIPP_CONFIRM_SECS (60) at the highest passing
# rate.  sipp-max is the confirmed rate (0 when the confirmation failed).
task_sipp() {
	local rate good=0 secs=${BENCH_SIPP_SECS:-10}
	for rate in ${BENCH_SIPP_RATES:-50 100 200 400 800 1600}; do
		sipp_try sipp-step "$rate" "$secs" || break
		good=$rate
	done
	if [ "$good" -gt 0 ] && [ "${BENCH_SIPP_CONFIRM_SECS:-60}" -gt 0 ]; then
		sipp_try sipp-confirm "$good" "${BENCH_SIPP_CONFIRM_SECS:-60}" ||
			good=0
	fi
	result "{\"task\": \"sipp-max\", \"mode\": \"$BENCH_MODE\", \"calls_per_s\": $good}"
}

lab_up
[ "$BENCH_MODE" = accept ] && { accept_start || exit 1; }
for t in "$@"; do
	log "bench $BENCH_MODE: $t ($(date +%T))"
	"task_${t//-/_}"
done
