#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/run.sh - the whole benchmark (make bench): every lab mode side by
# side in one run, then BENCHMARKS.md.  Bounded: each lab run has its own
# timeout and the whole run stays under 15 minutes.
#
# BENCH_OUT: where to write the report (BENCHMARKS.md).  BENCH_QUICK=1:
# tiny steps, for trying the scripts (the report says so).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
OUT=${BENCH_OUT:-$TOP/BENCHMARKS.md}
BIN=$TOP/build/bench
R=$(mktemp -d /tmp/sipalg-bench.XXXXXX)
J=$R/results.jsonl
# The raw results and every lab's log stay in build/bench/last-run.
trap 'rm -rf "$BIN/last-run"; mv "$R" "$BIN/last-run"' EXIT
if [ "$(id -u)" != 0 ]; then
	echo "bench: needs root (network namespaces)" >&2
	exit 1
fi
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	export BENCH_STEP_SECS=1 BENCH_MAX_RATE=400 BENCH_LAT_SECS=1
	export BENCH_RTP_SECS=1 BENCH_SIPP_SECS=2 BENCH_SIPP_RATES="50 100"
	export BENCH_SIPP_CONFIRM_SECS=3
	export BENCH_SCALE_CALLS=1000 BENCH_RTP_RUNS=1 BENCH_BIND_PROBES=10
	export BENCH_RTP_ROUNDS=1 BENCH_CPS_SECS=1 BENCH_CPS_RUNS=1
	export BENCH_OVL_SECS=3
	CPU_CALLS=200
fi
export BENCH_BIN=$BIN BENCH_PROF_DIR=$R/prof
: >"$J"
{
	echo "date_utc=$(date -u '+%Y-%m-%d %H:%M:%S')"
	echo "kernel=$(uname -r)"
	echo "nproc=$(nproc)"
	echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "mem_kb=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)"
	echo "uptime_start=$(uptime)"
	echo "procs_start=$(ps -e --no-headers | wc -l)"
	# Other helpers' namespace labs and test runs present at the start.
	echo "netns_start=$(ip netns list 2>/dev/null | wc -l)"
	echo "others_start=$(ps -e -o args --no-headers |
		grep -E 'run-all.sh|t_[a-z_]+\.sh|make (unit|netns|check|fuzz)' |
		grep -vc grep)"
	echo "git=$(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- src 2>/dev/null || echo ' (src/ has uncommitted changes)')"
	echo "quick=${BENCH_QUICK:-0}"
} >"$R/env"
t0=$(date +%s)

lab() {
	local limit=$1 mode=$2 t load
	shift 2
	t=$(date +%s)
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	echo "== bench: $mode $* ($(date +%T))"
	timeout -s INT "$limit" "$TOP/bench/lab.sh" "$mode" "$J" "$@" \
		>>"$R/lab-$mode.log" 2>&1 ||
		echo "{\"task\": \"lab-error\", \"mode\": \"$mode\", \"status\": $?}" >>"$J"
	echo "{\"task\": \"lab-time\", \"mode\": \"$mode\", \"secs\": $(($(date +%s) - t)), \"load\": \"$load\"}" >>"$J"
}

# Where the memory per call goes: the daemon's per-call structures and
# their largest members, from its debug information.
if command -v gdb >/dev/null; then
	for t in call binding; do
		gdb -batch -ex "ptype /o struct $t" "$TOP/build/sipalgd" \
			>"$R/ptype-$t.txt" 2>/dev/null
		echo "struct $t: $(grep 'total size' "$R/ptype-$t.txt" |
			tail -n 1 | tr -s ' ' | sed 's#^ */\* ##; s# \*/##')"
		grep -E '^/\* +[0-9]+ +\| +[0-9]+ \*/ {4}[a-z_]' \
			"$R/ptype-$t.txt" | sort -t'|' -k2 -n -r | head -n 3
	done >"$R/sizes.txt"
fi

echo "== bench: callgrind ($(date +%T))"
"$TOP/bench/cpu.sh" "$BIN/cpu_msg" "${CPU_CALLS:-2000}" "$R/cpu.md" ||
	echo "(callgrind run failed)" >"$R/cpu.md"
lab 240 none sip-max sip-lat bind rtp relay rtp-many cps
lab 190 accept sip-max sip-lat bind cps
lab 60 accept-batch cps
lab 340 kernel sip-max sip-lat bind sipp cps
lab 460 sipalg sip-max sip-lat bind sipp sip-prof cps rtp rtp-100k rtp-many
BENCH_PROF_DIR=$R/prof-nf lab 120 sipalg-noforget sip-max sip-lat sip-prof
# Overload: a fresh daemon whose media idle timeout is short enough to
# see calls whose BYE passed unseen end within the run.
GW_CONF_EXTRA='media_idle_timeout = 20s' BENCH_OVL_IDLE=20 \
	lab 200 sipalg overload
# A fresh daemon for the scale run (no leftovers of the runs above):
# 100,000 held calls.  One public address's ports hold about 20,000 calls
# (two media ports each), so the daemon gets 8 (public_pool) and the
# blaster 8 phones, one per address.
POOL="203.0.113.2 203.0.113.3 203.0.113.4 203.0.113.5 203.0.113.6 203.0.113.7 203.0.113.8"
BENCH_SCALE_CALLS=${BENCH_SCALE_CALLS:-100000} BENCH_SCALE_POOL=8 \
BENCH_SCALE_RAMP_RATE=${BENCH_SCALE_RAMP_RATE:-2000} \
GW_MEDIA_PORTS=20000-60999 \
GW_CONF_EXTRA=$'max_calls = 120000\nmax_bindings = 300000\npublic_pool = '"$POOL" \
	lab 240 sipalg scale
{
	echo "uptime_end=$(uptime)"
	echo "netns_end=$(ip netns list 2>/dev/null | wc -l)"
	echo "total_secs=$(($(date +%s) - t0))"
} >>"$R/env"
if python3 "$TOP/bench/report.py" "$R" >"$OUT.tmp"; then
	mv "$OUT.tmp" "$OUT"
	echo "== bench: wrote $OUT ($(($(date +%s) - t0)) s)"
else
	echo "== bench: report failed; results in $BIN/last-run" >&2
	exit 1
fi
