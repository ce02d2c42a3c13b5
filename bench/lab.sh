#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/lab.sh MODE OUT TASK... - one benchmark lab (tests/netns/lib.sh) in
# MODE, running each TASK and appending one JSON object per result to OUT.
#
# MODE: none (plain NAT), accept (the daemon's iptables rules with
# bench/nfq_accept answering the queue, one verdict per packet),
# accept-batch (the same, batched: every ready packet read, one batch
# verdict for all of them - the bare NFQUEUE upper bound), accept-balance
# (BENCH_BALANCE_QUEUES (2) queues with --queue-balance, a batched
# nfq_accept on each), kernel (CT helper sip), sipalg
# (build/sipalgd, not the sanitizer build, without -v), sipalg-noforget
# (diagnostic build, see bench/noforget.c), sipalg-base (the daemon in
# BENCH_BASE_SIPALGD).
#
# TASKs:
#   sip-max     highest call rate with zero loss (stepwise, bounded)
#   sip-lat     latency at BENCH_LAT_RATE calls/s
#   rtp         RTP through the gateway (sipalg: a fresh daemon, on 10
#               calls' bindings; none: plain conntrack NAT)
#   rtp-100k    (sipalg, after rtp) the same 10 flows, interleaved: with
#               the maps as they are and with 100,000 more elements per map
#   relay       (none) RTP through bench/relay in the router namespace
#   rtp-many    500 streams round robin (sipalg: on 500 calls' bindings;
#               none: conntrack NAT, and bench/relay with a socket each)
#   sipp        sipp uac -> uas call rate, 0 failed and 0 retransmissions
#   bind        RTP from the peer right after the INVITE reached it
#   scale       (sipalg) memory and per-message cost holding many calls
#   sip-prof    (sipalg) strace and perf of the daemon during a step
#   overload    (sipalg) 1.5 x the saturation rate for BENCH_OVL_SECS,
#               then the media bindings left after the idle timeout
#   cps         calls per second, closed loop (bench/cps: BENCH_CPS_WINDOW
#               calls in flight over BENCH_CPS_PAIRS phone/peer pairs),
#               BENCH_CPS_RUNS runs of BENCH_CPS_SECS
#
# Tunables (environment): BENCH_STEP_SECS (2), BENCH_START_RATE (100
# calls/s), BENCH_MAX_RATE (12800), BENCH_LAT_RATE (100), BENCH_LAT_SECS (4),
# BENCH_RTP_SECS (3), BENCH_RTP_RUNS (3), BENCH_RTP_CPU (1),
# BENCH_RTP_ROUNDS (3), BENCH_RTP_STREAMS (500), BENCH_RTP_STREAM_PPS (50),
# BENCH_RTP_MEDIA_PORTS (20000-29999), BENCH_RTP_SINK_NAP (200),
# BENCH_RTP_PERF (unset),
# BENCH_SIPP_SECS (10), BENCH_SIPP_CONFIRM_SECS (60), BENCH_SIPP_RATES,
# BENCH_SIPP_T (unset: sipp's u1, one socket; un: the uac opens a socket
# per call, as many phones would), BENCH_BIND_PROBES (100),
# BENCH_SCALE_CALLS (10000), BENCH_SCALE_POOL (1), BENCH_SCALE_RAMP_RATE
# (500), BENCH_SCALE_SETUP_RATE (2000), BENCH_PROF_DIR, BENCH_CPS_WINDOW
# (64), BENCH_CPS_PAIRS (1), BENCH_CPS_SECS (5), BENCH_CPS_RUNS (3), BENCH_CPS_PERF (unset: 1
# records a perf profile of the queue consumer during the last run, all
# one of the whole machine, perf record -a).
BENCH_MODE=$1 OUT=$2
shift 2
BDIR=$(cd "$(dirname "$0")" && pwd)
BIN=${BENCH_BIN:-$BDIR/../build/bench}
case $BENCH_MODE in
accept|accept-batch|accept-balance) export MODE=none ;;
# Diagnostic: the daemon without its per-call conntrack dump (noforget.c).
sipalg-noforget) export MODE=sipalg SIPALGD=$BIN/sipalgd-noforget ;;
# Another build of the daemon (BENCH_BASE_SIPALGD, e.g. an older source),
# for a before/after comparison inside one run.
sipalg-base) export MODE=sipalg SIPALGD=${BENCH_BASE_SIPALGD:?} ;;
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

# The benchmarks drive every call from one phone (or a few): the per-host
# quotas (README "Security") would measure themselves, so they are opened.
GW_CONF_EXTRA="${GW_CONF_EXTRA:-}
max_calls_per_host = 1048576
max_media_per_host = 1048576
max_signalling_per_host = 1048576
max_inbound_setups_per_source = 1048576"

# -- queue consumers' packet counters -----------------------------------------

ACCEPT_PID=		# the first queue's loop
ACCEPT_PIDS=()
ACCEPT_LOGS=()
accept_start() {
	local flag= n=1 q
	case $BENCH_MODE in
	accept-batch) flag=-b ;;
	accept-balance) flag=-b n=${BENCH_BALANCE_QUEUES:-2} ;;
	esac
	gw_write_conf
	r "$TOP/rules/sipalg-rules" install -c "$CONF" >"$WORK/rules.log" 2>&1 ||
		{ cat "$WORK/rules.log" >&2; return 1; }
	RULES_INSTALLED=1
	# Spread the queue's packets over n queues by flow (the rules
	# queue to the configuration's queue, 0 in the lab).
	[ "$n" -le 1 ] || r sh -c "iptables-save -t mangle |
		sed 's/--queue-num 0 /--queue-balance 0:$((n - 1)) /' |
		iptables-restore" || return 1
	for q in $(seq 0 $((n - 1))); do
		ip netns exec "$NS_R" "$BIN/nfq_accept" $flag "$q" \
			>"$WORK/accept-$q.log" 2>&1 &
		ACCEPT_PIDS+=($!)
		ACCEPT_LOGS+=("$WORK/accept-$q.log")
		BG_PIDS="$BG_PIDS $!"
		wait_until 5 grep -q ready "$WORK/accept-$q.log" || return 1
	done
	ACCEPT_PID=${ACCEPT_PIDS[0]}
}

# queued_by PID LOG PATTERN - the count the consumer PID prints to LOG in
# its next line matching PATTERN, asked for with SIGUSR1.
queued_by() {
	local pid=$1 log=$2 pat=$3 n
	n=$(grep -c "$pat" "$log")
	kill -USR1 "$pid"
	wait_until 3 sh -c "[ \$(grep -c '$pat' '$log') -gt $n ]"
	grep "$pat" "$log" | tail -n 1 | sed 's/.*packets \([0-9]*\).*/\1/'
}

# queued - packets the queue consumer(s) handled so far (-1: no queue).
queued() {
	local i t=0
	case $BENCH_MODE in
	accept*)
		for i in "${!ACCEPT_PIDS[@]}"; do
			t=$((t + $(queued_by "${ACCEPT_PIDS[$i]}" \
				"${ACCEPT_LOGS[$i]}" '^packets')))
		done
		echo "$t" ;;
	sipalg*) queued_by "$DAEMON_PID" "$DAEMON_LOG" 'stats: packets' ;;
	*) echo -1 ;;
	esac
}

# -- SIP ---------------------------------------------------------------------

# cpu_us - microseconds the queue consumer has run on a CPU, user and
# system (0: none).  /proc/PID/schedstat counts nanoseconds; the clock
# ticks of /proc/PID/stat (10 ms) were too coarse for a 4 s step.
cpu_us() {
	local pid t=0 pids=${DAEMON_PID:-${ACCEPT_PIDS[*]}}
	[ -n "$pids" ] || { echo 0; return; }
	for pid in $pids; do
		t=$((t + $(awk '{ printf "%d\n", $1 / 1000 }' \
			"/proc/$pid/schedstat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}

# hold_times - the daemon's own timing of the step just ended (its stats
# line, printed by queued(), covers the time since the previous one), as
# JSON members: "hold_work": [n, p50, p99] (read off the queue -> verdict
# handed to the kernel), "hold_bound" (-> bindings acked), "hold_verdict"
# (the verdict call), "hold_after" (post-verdict work).  Empty without
# the daemon.
hold_times() {
	local k what
	case $BENCH_MODE in sipalg*) ;; *) return ;; esac
	sleep 0.1	# the timing lines follow the counted stats line
	for k in work:"read to verdict" bound:"read to bindings acked" \
		verdict:"verdict call" after:"post-verdict work"; do
		what=${k#*:}
		grep "stats: $what" "$DAEMON_LOG" | tail -n 1 |
			sed -n "s/.*n \([0-9]*\) p50 \([0-9]*\) p90 [0-9]* p99 \([0-9]*\) .*/, \"hold_${k%%:*}\": [\1, \2, \3]/p"
	done | tr -d '\n'
}

SALT=$$
# Calls are numbered across steps: the number picks the phone's media port,
# and a new call must not reuse the port of a call still up.  The next
# number lives in $WORK/call-no (sip_step runs in command substitutions).
call_no() { cat "$WORK/call-no" 2>/dev/null || echo 0; }

# sip_step RATE SECS [ARGS] - one blaster run; prints its JSON with the
# queue consumer's count added ("queued", -1 without a queue) and its CPU
# time in microseconds ("consumer_cpu_us", from /proc/PID/schedstat).
sip_step() {
	local rate=$1 secs=$2 q0 q1 j c0 c1 n0
	shift 2
	n0=$(call_no)
	SALT=$((SALT + 1))
	q0=$(queued)
	c0=$(cpu_us)
	j=$("$BIN/blast" sip -p "$NS_P1" -o "$NS_O" -r "$rate" -t "$secs" \
		-s "$SALT$n0" -i "$n0" "$@")
	echo $((n0 + $(printf '%s' "$j" | sed 's/.*"calls": \([0-9]*\).*/\1/'))) \
		>"$WORK/call-no"
	c1=$(cpu_us)
	q1=$(queued)
	[ "$q0" = -1 ] && q1=-1 q0=0
	printf '%s\n' "${j%\}}, \"queued\": $((q1 - q0)), \"consumer_cpu_us\": $((c1 - c0))$(hold_times)}"
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

# scale_phones N - N phone addresses whose public address is a different
# one of N (the daemon's calls_pick_public: FNV-1a of the inside address,
# modulo the number of public addresses), comma separated.
scale_phones() {
	python3 - "$1" <<-'EOF'
	import sys
	n, got = int(sys.argv[1]), {}
	for last in range(10, 250):
	    if last == 11:
	        continue  # the lab's second phone
	    h = 2166136261
	    for c in (10, 0, 0, last):
	        h = ((h ^ c) * 16777619) & 0xffffffff
	    got.setdefault(h % n, "10.0.0.%d" % last)
	    if len(got) == n:
	        break
	print(",".join(got[k] for k in sorted(got)))
	EOF
}

# setup_steps RATE PHONES - three 2 s steps of complete calls at RATE, as
# a JSON array (one 2 s step's CPU time varies by several percent).
setup_steps() {
	local a b c
	a=$(sip_step "$1" 2 -a "$2")
	b=$(sip_step "$1" 2 -a "$2")
	c=$(sip_step "$1" 2 -a "$2")
	printf '[%s, %s, %s]\n' "$a" "$b" "$c"
}

# With BENCH_SCALE_POOL=N (> 1) the daemon's configuration must list
# public_pool = 203.0.113.2 .. 203.0.113.N (run.sh does): those addresses
# go on the router's outside interface and N phones (one per public
# address) on the phone's, so that N x 65,536 ports hold the calls.
task_scale() {
	local big=${BENCH_SCALE_CALLS:-10000} r0 r1 r2 c1 c2 j1 j2 ramp
	local pool=${BENCH_SCALE_POOL:-1} phones=$PHONE1 k a s1 s2
	local ramp_rate=${BENCH_SCALE_RAMP_RATE:-500}
	local setup_rate=${BENCH_SCALE_SETUP_RATE:-2000}
	[ "$MODE" = sipalg ] || return 0
	if [ "$pool" -gt 1 ]; then
		for k in $(seq 2 "$pool"); do
			ip -n "$NS_R" addr add "203.0.113.$k/24" dev wan0
		done
		phones=$(scale_phones "$pool")
		for a in ${phones//,/ }; do
			[ "$a" = "$PHONE1" ] ||
				ip -n "$NS_P1" addr add "$a/24" dev eth0
		done
	fi
	queued >/dev/null
	r0=$(rss_kb)
	sip_step 500 1 -n 100 -B -a "$phones" >/dev/null
	queued >/dev/null
	r1=$(rss_kb) c1=$(daemon_field calls)
	j1=$(sip_step "${BENCH_LAT_RATE:-100}" "${BENCH_LAT_SECS:-4}" -a "$phones")
	s1=$(setup_steps "$setup_rate" "$phones")
	ramp=$(sip_step "$ramp_rate" $((big / ramp_rate + 1)) -n $((big - 100)) -B \
		-a "$phones")
	queued >/dev/null
	r2=$(rss_kb) c2=$(daemon_field calls)
	j2=$(sip_step "${BENCH_LAT_RATE:-100}" "${BENCH_LAT_SECS:-4}" -a "$phones")
	s2=$(setup_steps "$setup_rate" "$phones")
	result "{\"task\": \"scale\", \"mode\": \"$BENCH_MODE\", \"public_addresses\": $pool, \"phones\": \"$phones\", \"rss_start_kb\": $r0, \"rss_small_kb\": $r1, \"calls_small\": ${c1:-0}, \"rss_big_kb\": $r2, \"calls_big\": ${c2:-0}, \"step_small\": $j1, \"setup_small\": $s1, \"ramp\": $ramp, \"step_big\": $j2, \"setup_big\": $s2}"
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

# daemon_sends - "VERDICTS DATAGRAMS" the daemon sent so far (its last
# stats), "0 0" without it.
# daemon_nft - "TRANSACTIONS ADDED REMOVED" of the daemon's nf_tables work
# since it started (its last stats line; 0 0 0 without one).
daemon_nft() {
	local l
	l=$(grep 'stats: nft transactions' "${DAEMON_LOG:-/dev/null}" 2>/dev/null | tail -n 1)
	[ -n "$l" ] || { echo "0 0 0"; return; }
	echo "$l" | sed 's/.*transactions \([0-9]*\), elements added \([0-9]*\) removed \([0-9]*\).*/\1 \2 \3/'
}

daemon_sends() {
	local l
	l=$(grep 'stats: verdicts' "${DAEMON_LOG:-/dev/null}" 2>/dev/null | tail -n 1)
	[ -n "$l" ] || { echo "0 0"; return; }
	echo "$l" | sed 's/.*verdicts \([0-9]*\) in \([0-9]*\) datagrams.*/\1 \2/'
}

# cps: calls per second with BENCH_CPS_WINDOW calls in flight (bench/cps),
# BENCH_CPS_RUNS runs of BENCH_CPS_SECS each after one short warm-up run.
# Each result adds the queue consumer's count and CPU time (schedstat), its
# conntrack table walks (sipalgd's stats) and the load average before it.
task_cps() {
	local secs=${BENCH_CPS_SECS:-5} w=${BENCH_CPS_WINDOW:-64} i j n0
	local pairs=${BENCH_CPS_PAIRS:-1}
	local q0 q1 c0 c1 k0 k1 v0 v1 nf0 nf1 rf load pp d=${BENCH_PROF_DIR:-$WORK}
	cps_run() {
		n0=$(call_no)
		SALT=$((SALT + 1))
		j=$("$BIN/cps" -p "$NS_P1" -o "$NS_O" -w "$w" -P "$pairs" -W 0 \
			-s "$SALT$n0" -i "$n0" "$@")
		echo $((n0 + $(printf '%s' "$j" |
			sed 's/.*"next_call": \([0-9]*\).*/\1/'))) >"$WORK/call-no"
	}
	# Pair k > 0 of the generator has its peer at 203.0.113.(30 + k).
	for i in $(seq 1 $((pairs - 1))); do
		ip -n "$NS_O" addr add "203.0.113.$((30 + i))/24" dev eth0 2>/dev/null
	done
	cps_run -t 0.5
	for i in $(seq 1 "${BENCH_CPS_RUNS:-3}"); do
		load=$(cut -d' ' -f1-3 /proc/loadavg)
		q0=$(queued) c0=$(cpu_us) k0=$(daemon_field walks 2>/dev/null)
		v0=$(daemon_sends) nf0=$(daemon_nft)
		pp=
		if [ "${BENCH_CPS_PERF:-0}" = all ] && [ "$i" = "${BENCH_CPS_RUNS:-3}" ] &&
			command -v perf >/dev/null; then
			# The whole machine: where every CPU's time goes
			# (generator, forwarding, consumer, kworkers, others).
			mkdir -p "$d"
			perf record -q -a -g -o "$d/cps-all-$BENCH_MODE.data" \
				>/dev/null 2>&1 &
			pp=$!
		elif [ "${BENCH_CPS_PERF:-0}" = 1 ] && [ "$i" = "${BENCH_CPS_RUNS:-3}" ] &&
			command -v perf >/dev/null && [ -n "${DAEMON_PID:-$ACCEPT_PID}" ]; then
			mkdir -p "$d"
			perf record -q -g -o "$d/cps-$BENCH_MODE.data" \
				-p "${DAEMON_PID:-$ACCEPT_PID}" >/dev/null 2>&1 &
			pp=$!
		fi
		cps_run -t "$secs"
		[ -z "$pp" ] || { kill -INT "$pp"; wait "$pp" 2>/dev/null
			if [ "${BENCH_CPS_PERF:-0}" = all ]; then
				perf report -q -i "$d/cps-all-$BENCH_MODE.data" \
					--no-children --stdio --sort comm -g none \
					2>/dev/null | head -20 \
					>"$d/cps-perf-all-$BENCH_MODE.txt"
			else
				perf report -q -i "$d/cps-$BENCH_MODE.data" --no-children \
					--stdio --sort symbol -g none 2>/dev/null |
					head -40 >"$d/cps-perf-$BENCH_MODE.txt"
			fi; }
		c1=$(cpu_us) q1=$(queued) k1=$(daemon_field walks 2>/dev/null)
		v1=$(daemon_sends) nf1=$(daemon_nft)
		rf=$(grep -c 'kernel refused' "${DAEMON_LOG:-/dev/null}" 2>/dev/null)
		[ "$q0" = -1 ] && q1=-1 q0=0
		result "{\"task\": \"cps\", \"mode\": \"$BENCH_MODE\", \"load\": \"$load\", \"queued\": $((q1 - q0)), \"consumer_cpu_us\": $((c1 - c0)), \"walks\": $([ -n "$k1" ] && echo $((k1 - ${k0:-0})) || echo -1), \"verdicts\": $((${v1% *} - ${v0% *})), \"verdict_sends\": $((${v1#* } - ${v0#* })), \"refused\": ${rf:-0}, \"nft\": [$(echo $nf0 $nf1 | awk '{ print $4 - $1 ", " $5 - $2 ", " $6 - $3 }')], \"run\": $j}"
	done
}

# daemon_skipped - packets the daemon's queue socket missed so far
# (fail-open while it was full; its stats line), 0 without it.
daemon_skipped() {
	grep 'stats: verdicts' "${DAEMON_LOG:-/dev/null}" 2>/dev/null | tail -n 1 |
		sed -n 's/.*fail-open) \([0-9]*\).*/\1/p' | grep . || echo 0
}

# overload: BENCH_OVL_SECS (60) of the open-loop blaster at 1.5 x the
# closed-loop rate just measured (or BENCH_OVL_RATE), then the media
# bindings left: the calls whose BYE passed unseen (fail-open) must end by
# media idleness.  Run with a short media_idle_timeout (run.sh: 20 s); the
# bindings are polled for up to that plus 15 s.
# ovl_counts - the daemon's rewritten, unchanged, passed and dropped
# message counts (its last stats line).
ovl_counts() {
	local f
	for f in rewritten unchanged passed dropped; do
		printf '%s ' "$(daemon_field $f)"
	done
}

task_overload() {
	local secs=${BENCH_OVL_SECS:-60} rate=${BENCH_OVL_RATE:-0} j q0 q1 s0 s1 c0 c1
	local m0 m1 t0 left idle=${BENCH_OVL_IDLE:-20} sat
	[ "$MODE" = sipalg ] || return 0
	if [ "$rate" = 0 ]; then
		sat=$("$BIN/cps" -p "$NS_P1" -o "$NS_O" -t 2 -s "$SALT" \
			-i 4000000 | sed 's/.*"calls_per_s": \([0-9]*\).*/\1/')
		rate=$((sat * 3 / 2))
	fi
	q0=$(queued) s0=$(daemon_skipped) c0=$(ovl_counts)
	j=$(sip_step "$rate" "$secs")
	q1=$(queued) s1=$(daemon_skipped) m0=$(daemon_field media)
	c1=$(ovl_counts)
	t0=$(date +%s)
	left=$m0
	while [ "${left:-0}" -gt 0 ] && [ $(($(date +%s) - t0)) -lt $((idle + 15)) ]; do
		sleep 1
		queued >/dev/null
		left=$(daemon_field media)
	done
	result "{\"task\": \"overload\", \"mode\": \"$BENCH_MODE\", \"saturation_calls\": ${sat:-0}, \"rate\": $rate, \"idle_timeout\": $idle, \"seen\": $((q1 - q0)), \"skipped\": $((s1 - s0)), \"counted\": {$(echo $c0 $c1 | awk '{ printf "\"rewritten\": %d, \"unchanged\": %d, \"passed\": %d, \"dropped\": %d", $5 - $1, $6 - $2, $7 - $3, $8 - $4 }')}, \"media_after\": ${m0:-0}, \"media_left\": ${left:-0}, \"secs_to_left\": $(($(date +%s) - t0)), \"step\": $j}"
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
# The many-streams rows: BENCH_RTP_STREAMS (500) streams on the phone's
# consecutive even ports, one datagram per stream in turn (as a relay sees
# many calls' streams, not one stream's batches).
RTP_STREAMS=${BENCH_RTP_STREAMS:-500}
# rtp_calls N - N calls set up by the blaster and left up (no BYE): the
# daemon installs bindings for phone ports RTP_BASE, RTP_BASE + 2, ...
RTP_BASE=10000
rtp_calls() {
	local n=$1 c
	c=$(call_no)
	# The phone's ports must not wrap around within the N calls.
	[ $((c % 25000 + n)) -le 25000 ] || c=$(((c / 25000 + 1) * 25000))
	echo "$c" >"$WORK/call-no"
	RTP_BASE=$((10000 + 2 * (c % 25000)))
	sip_step 500 $((n / 500 + 1)) -n "$n" -B >"$WORK/rtp-calls.json"
	step_ok "$(cat "$WORK/rtp-calls.json")" "$n"
}

# A fresh daemon for the media tasks, with room for the many-streams calls
# (BENCH_RTP_MEDIA_PORTS, 20000-29999): the SIP tasks before may have left
# calls holding the lab's 1000 media ports (overload steps pass SIP by
# fail-open, so their BYEs never reach the daemon).
rtp_daemon_fresh() {
	gw_daemon_stop
	GW_MEDIA_PORTS=${BENCH_RTP_MEDIA_PORTS:-20000-29999} gw_write_conf
	gw_daemon_start
}

# rtp_blast FLOWS [BLAST ARGS] - one RTP blast of BENCH_RTP_SECS (3) from
# phone ports RTP_BASE, RTP_BASE + 2, ...; prints the blaster's JSON.  The
# sender, its sink (and the relay) are pinned to one CPU (BENCH_RTP_CPU, 1),
# so a packet's whole path - sending, forwarding (veth runs it in the
# sender's softirq), relaying, receiving - is paid on that CPU and the
# received rate measures the path's cost.  The sink drains its socket every
# BENCH_RTP_SINK_NAP (200) us instead of being woken for every batch that
# arrives (0: woken through poll).  With poll, plain NAT's CPU per packet
# was about 1.6 times as high (6 runs each way, one lab, 2026-11-21): the
# sink's wakeups, paid alike in every row, diluted the differences.
rtp_blast() {
	local flows=$1
	shift
	taskset -c "${BENCH_RTP_CPU:-1}" "$BIN/blast" rtp -p "$NS_P1" \
		-o "$NS_O" -f "$flows" -b "$RTP_BASE" \
		-t "${BENCH_RTP_SECS:-3}" -N "${BENCH_RTP_SINK_NAP:-200}" "$@"
}

snat4_elements() {
	[ "$MODE" = sipalg ] || { echo 0; return; }
	r nft list map ip sipalg snat4 | grep -o ' : ' | wc -l
}

# Flows the daemon's bindings translated carry its conntrack mark.
marked_flows() {
	r conntrack -L -p udp --orig-src "$PHONE1" 2>/dev/null |
		grep -c 'dport=20000 .*mark=1441 '
}

# rtp_run NAME FLOWS [BLAST ARGS] - BENCH_RTP_RUNS (3) blasts; records every
# run with the daemon's queue count during the blasts (must stay 0: media
# never enters the queue) and its CPU time meanwhile (daemon_cpu_ms).
rtp_run() {
	local name=$1 flows=$2 q0 q1 c0 c1 j i runs=""
	shift 2
	q0=$(queued)
	c0=$(cpu_us)
	for i in $(seq "${BENCH_RTP_RUNS:-3}"); do
		j=$(rtp_blast "$flows" "$@")
		runs="$runs${runs:+, }$j"
	done
	c1=$(cpu_us)
	q1=$(queued)
	[ "$q0" = -1 ] && q1=-1 q0=0
	result "{\"task\": \"rtp\", \"mode\": \"$BENCH_MODE\", \"name\": \"$name\", \"flows\": $flows, \"queued_during_rtp\": $((q1 - q0)), \"daemon_cpu_ms\": $(((c1 - c0) / 1000)), \"snat4_elements\": $(snat4_elements), \"flows_with_daemon_mark\": $(marked_flows), \"runs\": [$runs]}"
}

task_rtp() {
	if [ "$MODE" = sipalg ]; then
		rtp_daemon_fresh
		rtp_calls "$RTP_FLOWS" || { result "{\"task\": \"rtp\", \"mode\": \"sipalg\", \"name\": \"bindings-10\", \"error\": \"call setup failed\", \"setup\": $(cat "$WORK/rtp-calls.json")}"; return; }
		RTP_BASE10=$RTP_BASE
		rtp_run bindings-10 "$RTP_FLOWS"
	else
		rtp_run conntrack-nat "$RTP_FLOWS"
	fi
}

# gc_ms - CPU milliseconds per second in the kernel's set garbage collector
# (nft_rhash_gc and what it calls, all CPUs; perf record -a over 2 s with
# nothing else sent), or -1 without perf.
gc_ms() {
	command -v perf >/dev/null || { echo -1; return; }
	perf record -q -a -g -F 1000 -o "$WORK/gc.data" -- sleep 2 \
		>/dev/null 2>&1 || { echo -1; return; }
	perf report -q -i "$WORK/gc.data" --children --stdio --sort sym \
		-g none -F sample,sym 2>/dev/null |
		awk '$NF == "nft_rhash_gc" { n = $1 } END { print (n + 0) / 2 }'
}

# rtp-100k (after rtp): the 10 flows with the maps at their size, then with
# 100,000 more elements in each map, then back, ... - interleaved in one
# lab, BENCH_RTP_ROUNDS (3) rounds of one blast each way and a last blast
# at the small size, so that drift on the machine hits both sizes alike;
# after each blast at the small size one from 10 phone ports without
# bindings (plain conntrack NAT, the same lab).
# The elements are written as one nft -f file (inside 10.64.x.y ports
# 40000.., not the lab's phones; public side on 198.51.100.x so no key
# collides with a real binding) and deleted again with another.  Before
# every blast the flows are deleted from conntrack, so their first packets
# look the maps up again.  Records every blast, the daemon's ruleset
# (nft -t: which rules use the maps) and, after the first blast at each
# size, the set garbage collector's CPU time (gc_ms).  BENCH_RTP_PERF=DIR:
# perf record -a -g during each blast (diagnosis only: it perturbs them).
# inter_blast KIND [BLAST ARGS] - one blast of the interleaved series on
# fresh flows, recorded with its place in the series.
INTER_SEQ=0
inter_blast() {
	local kind=$1 j pp=
	shift
	INTER_SEQ=$((INTER_SEQ + 1))
	r conntrack -D -p udp --orig-src "$PHONE1" >/dev/null 2>&1
	if [ -n "${BENCH_RTP_PERF:-}" ]; then
		perf record -q -a -g -o "$BENCH_RTP_PERF/perf-$INTER_SEQ-$kind.data" \
			>/dev/null 2>&1 &
		pp=$!
	fi
	j=$(rtp_blast "$RTP_FLOWS" "$@")
	[ -z "$pp" ] || { kill -INT "$pp"; wait "$pp" 2>/dev/null; }
	result "{\"task\": \"rtp-inter\", \"mode\": \"$BENCH_MODE\", \"seq\": $INTER_SEQ, \"size\": \"$kind\", \"snat4_elements\": $(snat4_elements), \"flows_with_daemon_mark\": $(marked_flows), \"run\": $j}"
}

task_rtp_100k() {
	[ "$MODE" = sipalg ] || return 0
	[ -n "${RTP_BASE10:-}" ] || { result "{\"task\": \"rtp-inter-error\", \"mode\": \"$BENCH_MODE\", \"error\": \"no bindings-10 calls (run rtp first)\"}"; return; }
	RTP_BASE=$RTP_BASE10
	python3 - "$WORK/100k-add.nft" "$WORK/100k-del.nft" <<-'PY'
	import sys
	for path, verb in ((sys.argv[1], "add"), (sys.argv[2], "delete")):
	    with open(path, "w") as f:
	        for m in ("snat4", "dnat4"):
	            for c in range(0, 100000, 5000):
	                el = []
	                for i in range(c, c + 5000):
	                    ins = "10.64.%d.%d . %d" % (i // 250 % 250, i % 250 + 1, 40000 + i // 62500)
	                    pub = "198.51.100.%d . %d" % (1 + i // 50000, 10000 + i % 50000)
	                    if verb == "delete":
	                        el.append(ins if m == "snat4" else pub)
	                    else:
	                        el.append(ins + " : " + pub if m == "snat4" else pub + " : " + ins)
	                f.write("%s element ip sipalg %s { %s }\n" % (verb, m, ", ".join(el)))
	PY
	local rounds=${BENCH_RTP_ROUNDS:-3} i st f t0 q0 q1 ms add_ms="" del_ms=""
	local gc10=-1 gc100k=-1
	[ -z "${BENCH_RTP_PERF:-}" ] || mkdir -p "$BENCH_RTP_PERF"
	q0=$(queued)
	for i in $(seq $((2 * rounds + 1))); do
		if [ $((i % 2)) = 0 ]; then st=100k; f=add; else st=10; f=del; fi
		if [ "$i" -gt 1 ]; then
			t0=$(date +%s%N)
			r nft -f "$WORK/100k-$f.nft" 2>"$WORK/100k.err" || {
				result "{\"task\": \"rtp-inter-error\", \"mode\": \"$BENCH_MODE\", \"error\": \"nft -f $f failed: $(head -c 200 "$WORK/100k.err" | tr '\"\n' "' ")\"}"
				return; }
			ms=$((($(date +%s%N) - t0) / 1000000))
			if [ "$f" = add ]; then add_ms="$add_ms${add_ms:+, }$ms"
			else del_ms="$del_ms${del_ms:+, }$ms"; fi
		fi
		inter_blast "$st"
		case $i in
		1) gc10=$(gc_ms) ;;
		2) gc100k=$(gc_ms) ;;
		esac
		# Plain conntrack NAT in the same lab: 10 phone ports with no
		# binding (the daemon's rule misses, MASQUERADE translates).
		[ "$st" = 100k ] || inter_blast nat -b 9000
	done
	q1=$(queued)
	r nft -t list table ip sipalg >"$WORK/ruleset.txt" 2>&1
	result "{\"task\": \"rtp-inter-summary\", \"mode\": \"$BENCH_MODE\", \"queued_during_rtp\": $((q1 - q0)), \"insert_ms\": [$add_ms], \"delete_ms\": [$del_ms], \"gc_ms_per_s\": {\"10\": $gc10, \"100k\": $gc100k}, \"ruleset\": $(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$WORK/ruleset.txt")}"
}

# rtp-many: BENCH_RTP_STREAMS (500) streams sent round robin, one datagram
# per stream and system call: as fast as the sender can ("-many"), then
# paced at BENCH_RTP_STREAM_PPS (50) packets/s per stream ("-paced").
# sipalg: on the bindings of as many calls set up by the blaster; none:
# plain conntrack NAT, then bench/relay with one socket pair per stream
# (epoll, recvmmsg/sendmmsg per ready socket).
task_rtp_many() {
	local n=$RTP_STREAMS pps
	pps=$((RTP_STREAMS * ${BENCH_RTP_STREAM_PPS:-50}))
	if [ "$MODE" = sipalg ]; then
		rtp_calls "$n" || { result "{\"task\": \"rtp\", \"mode\": \"sipalg\", \"name\": \"bindings-many\", \"error\": \"call setup failed\", \"setup\": $(cat "$WORK/rtp-calls.json")}"; return; }
		r conntrack -D -p udp --orig-src "$PHONE1" >/dev/null 2>&1
		rtp_run bindings-many "$n" -k 1
		rtp_run bindings-paced "$n" -k 1 -r "$pps"
		return
	fi
	RTP_BASE=10000
	rtp_run conntrack-nat-many "$n" -k 1
	rtp_run conntrack-nat-paced "$n" -k 1 -r "$pps"
	relay_run relay-many "$n" -k 1 -E
	relay_run relay-paced "$n" -k 1 -E -r "$pps"
}

# relay_run NAME STREAMS [BLAST ARGS] - rtp_run NAME through a fresh
# bench/relay with STREAMS socket pairs (pinned like the blaster), then the
# relay's own counts over all its runs.
relay_run() {
	local name=$1 n=$2 pid a b c
	shift 2
	ip netns exec "$NS_R" taskset -c "${BENCH_RTP_CPU:-1}" \
		"$BIN/relay" "$GW_IN" 40000 "$GW_OUT" 203.0.113.20 20000 "$n" \
		>"$WORK/$name.log" 2>&1 &
	pid=$!
	BG_PIDS="$BG_PIDS $pid"
	wait_until 10 grep -q ready "$WORK/$name.log"
	rtp_run "$name" "$n" -d "$GW_IN:40000" "$@"
	kill "$pid"; wait "$pid" 2>/dev/null
	read -r _ a _ b _ c <<<"$(grep '^relayed' "$WORK/$name.log")"
	result "{\"task\": \"relay-stats\", \"mode\": \"$BENCH_MODE\", \"name\": \"$name\", \"relayed\": ${a:-0}, \"batches\": ${b:-0}, \"wakeups\": ${c:-0}}"
}

task_relay() { relay_run relay "$RTP_FLOWS"; }

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
		-i $PHONE1 -p 5060 ${BENCH_SIPP_T:+-t $BENCH_SIPP_T -max_socket 10000} \
		-r $rate -m $n -l $((rate * 4)) -nostdin \
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
case $BENCH_MODE in accept*) accept_start || exit 1 ;; esac
for t in "$@"; do
	log "bench $BENCH_MODE: $t ($(date +%T))"
	"task_${t//-/_}"
done
