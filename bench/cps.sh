#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/cps.sh - calls per second in every gateway mode, one run (make
# bench-cps): bench/lab.sh's cps task in plain NAT, the accept-all queue
# loop (unbatched, and batched; the ratio is against the faster of the
# two), the kernel helper and sipalgd, then a table of the medians with
# the ratios between the modes.  About 2.5 minutes; root.
#
# BENCH_CPS_MODES (none accept accept-batch kernel sipalg; accept-balance
# runs batched loops on BENCH_BALANCE_QUEUES queues; add sipalg-base with
# BENCH_BASE_SIPALGD=PATH to compare another build in the same run),
# BENCH_CPS_OUT (the JSON lines; default build/bench/cps.jsonl) and
# lab.sh's BENCH_CPS_* tunables.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/build/bench
OUT=${BENCH_CPS_OUT:-$BIN/cps.jsonl}
export BENCH_BIN=$BIN BENCH_PROF_DIR=${BENCH_PROF_DIR:-$BIN/cps-prof}
[ "$(id -u)" = 0 ] || { echo "bench-cps: needs root" >&2; exit 1; }
: >"$OUT"
echo "{\"task\": \"cps-env\", \"git\": \"$(git -C "$TOP" rev-parse --short HEAD)$(git -C "$TOP" diff --quiet HEAD -- src 2>/dev/null || echo '+dirty')\", \"date\": \"$(date -u '+%F %T')\", \"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >>"$OUT"
for m in ${BENCH_CPS_MODES:-none accept accept-batch kernel sipalg}; do
	echo "== bench-cps: $m ($(date +%T), load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
	timeout -s INT 120 "$TOP/bench/lab.sh" "$m" "$OUT" cps \
		>>"$BIN/cps-lab-$m.log" 2>&1 ||
		echo "== bench-cps: lab $m failed (status $?, $BIN/cps-lab-$m.log)" >&2
done
python3 "$TOP/bench/cps_report.py" "$OUT"
