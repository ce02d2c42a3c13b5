#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh SECONDS [HARNESS...] - replay tests/fuzz/regress/HARNESS/* through
# each harness (build/fuzz/fuzz_HARNESS), then fuzz it for SECONDS from the
# seed corpus (generated into build/fuzz/seeds by seeds.py) plus the corpus
# earlier runs grew (build/fuzz/corpus/HARNESS).  Exits non-zero when a
# regression case or a new input crashes; new crash inputs are left in
# build/fuzz/crashes/ (copy each into tests/fuzz/regress/HARNESS/).
#   FUZZ_PAR=1   run the harnesses at the same time (default: one by one)
#   FUZZ_KEEP_GOING=1  fork mode: save crashes and go on fuzzing
#   FUZZ_REFUSE=N  (pipeline) the stub backend refuses every N-th batch
#   FUZZ_FAMILY=6  (pipeline) the inputs as IPv6 messages (pinholes, no NAT)
#   SIPALG_CORPUS  another corpus of the same layout (default tests/corpus)
set -u
cd "$(dirname "$0")/../.."
B=build/fuzz
SECS=${1:?seconds}
shift
HARNESSES=${*:-sip sdp pipeline stream ops state}
CORPUS=${SIPALG_CORPUS:-tests/corpus}

if [ ! -d $B/seeds/flows6 ]; then
	rm -rf $B/seeds $B/seeds.tmp
	python3 tests/fuzz/seeds.py "$CORPUS" $B/seeds.tmp || exit 1
	mv $B/seeds.tmp $B/seeds
fi
mkdir -p $B/crashes $B/logs

rc=0
for h in $HARNESSES; do
	bin=$B/fuzz_$h
	regs=$(find tests/fuzz/regress/$h -maxdepth 1 -type f 2>/dev/null | sort)
	if [ -n "$regs" ]; then
		# shellcheck disable=SC2086
		if ! $bin -timeout=10 $regs >$B/logs/$h.regress.txt 2>&1; then
			echo "fuzz $h: a regression case fails:"
			tail -30 $B/logs/$h.regress.txt
			rc=1
		else
			echo "fuzz $h: $(echo "$regs" | wc -l) regression case(s) pass"
		fi
	fi
done
# The pipeline's cases again with a backend that refuses every other
# batch: each refusal must leave the call state as it was.
regs=$(find tests/fuzz/regress/pipeline -maxdepth 1 -type f 2>/dev/null | sort)
case " $HARNESSES " in *" pipeline "*)
	# shellcheck disable=SC2086
	if ! FUZZ_REFUSE=2 $B/fuzz_pipeline -timeout=10 $regs \
			>$B/logs/pipeline.refuse.txt 2>&1; then
		echo "fuzz pipeline: a regression case fails with FUZZ_REFUSE=2:"
		tail -30 $B/logs/pipeline.refuse.txt
		rc=1
	else
		echo "fuzz pipeline: regression cases pass with FUZZ_REFUSE=2"
	fi
	# Every seed and regression case again as IPv6 messages of a phone
	# with a global address: never rewritten, pinholes only for the
	# phone's own address at or above bind_port_min.
	# shellcheck disable=SC2086
	if ! FUZZ_FAMILY=6 $B/fuzz_pipeline -runs=0 -timeout=10 \
			$B/seeds/sip $B/seeds/flows $B/seeds/flows6 tests/fuzz/regress/pipeline \
			>$B/logs/pipeline.ipv6.txt 2>&1; then
		echo "fuzz pipeline: a seed or regression case fails as IPv6 (FUZZ_FAMILY=6):"
		tail -30 $B/logs/pipeline.ipv6.txt
		rc=1
	else
		echo "fuzz pipeline: seeds and regression cases pass as IPv6 (FUZZ_FAMILY=6): $(grep -m1 -oE 'Done [0-9]+ runs' $B/logs/pipeline.ipv6.txt)"
	fi
esac
# Known open bugs (tests/fuzz/README.md): reported, not failing; one that
# passes now is fixed and belongs in regress/HARNESS/.
for f in $(find tests/fuzz/regress/open -type f 2>/dev/null | sort); do
	h=$(basename "$(dirname "$f")")
	if env -u FUZZ_NO_TICK $B/fuzz_$h -timeout=10 "$f" >$B/logs/open.txt 2>&1; then
		echo "fuzz $h: open bug $f passes now: git mv it to tests/fuzz/regress/$h/"
	else
		echo "fuzz $h: KNOWN OPEN BUG $f: $(grep -m1 -E 'SUMMARY|fuzz check failed' $B/logs/open.txt)"
	fi
done
[ $rc = 0 ] || exit $rc

one() {	# one HARNESS: fuzz for SECS, summary line from libFuzzer's stats
	local h=$1 seeds=$B/seeds/sip log=$B/logs/$1.txt
	[ "$h" = sdp ] && seeds=$B/seeds/sdp
	[ "$h" = pipeline ] && seeds="$seeds $B/seeds/flows"
	[ "$h" = ops ] && seeds=tests/fuzz/seeds-ops
	[ "$h" = state ] && seeds=tests/fuzz/seeds-state
	mkdir -p $B/corpus/$h
	local keep=""
	# FUZZ_KEEP_GOING=1: fork mode, crashes saved and fuzzing goes on
	[ "${FUZZ_KEEP_GOING:-0}" = 1 ] && keep="-fork=1 -ignore_crashes=1"
	# shellcheck disable=SC2086
	$B/fuzz_$h -max_total_time="$SECS" -max_len=8192 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 $keep \
		${FUZZ_SEED:+-seed=$FUZZ_SEED} \
		-artifact_prefix=$B/crashes/$h- \
		$B/corpus/$h $seeds >"$log" 2>&1
	local r=$?
	local execs cov
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -aE '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+')
	if [ -n "$keep" ]; then
		# fork mode: "#N: cov: C ft: F corp: K exec/s: E
		# oom/timeout/crash: a/b/c time: T job: J"
		cov=$(grep -aE '^#[0-9]+: cov' "$log" | tail -1)
		execs=$(echo "$cov" | sed -n 's/^#\([0-9]*\):.*/\1/p')
		echo "fuzz $h: crash inputs saved: $(grep -ac 'Test unit written\|CRASH' "$log")"
	fi
	echo "fuzz $h: ${SECS}s, rc $r, execs ${execs:-?}, $cov ($log)"
	if [ $r != 0 ]; then
		grep -aE 'ERROR|fuzz check failed|SUMMARY|Test unit written' "$log" | head -10
		return 1
	fi
}

if [ "${FUZZ_PAR:-0}" = 1 ]; then
	pids=""
	for h in $HARNESSES; do one "$h" & pids="$pids $!"; done
	for p in $pids; do wait "$p" || rc=1; done
else
	for h in $HARNESSES; do one "$h" || rc=1; done
fi
exit $rc
