#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# cov.sh - line/branch coverage of src/ reached by each harness's corpus
# (build/fuzz/corpus/NAME plus the seeds): builds the harnesses with clang
# source-based coverage into build/fuzz-cov, runs each over its corpus once
# and prints llvm-cov's report per file.  Run `make fuzz` first.
set -eu
cd "$(dirname "$0")/../.."
B=build/fuzz-cov
mkdir -p $B
PKG="libnetfilter_queue libmnl libnftnl libnetfilter_conntrack"
FL="-O1 -g -std=gnu11 -D_GNU_SOURCE -fprofile-instr-generate -fcoverage-mapping"
CORE="sip sdp edit rewrite call conf log"
for m in $CORE alg pkt queue nat_ct; do
	clang $FL -fsanitize=fuzzer-no-link $(pkg-config --cflags $PKG) \
		-c -o $B/$m.o src/$m.c
done
objs() { for m in "$@"; do printf '%s ' "$B/$m.o"; done; }
# shellcheck disable=SC2046
{
clang $FL -fsanitize=fuzzer -Isrc -o $B/fuzz_sip tests/fuzz/fuzz_sip.c $(objs $CORE)
clang $FL -fsanitize=fuzzer -Isrc -o $B/fuzz_sdp tests/fuzz/fuzz_sdp.c $(objs $CORE)
clang $FL -fsanitize=fuzzer -Isrc -o $B/fuzz_pipeline tests/fuzz/fuzz_pipeline.c \
	$(objs $CORE alg pkt queue nat_ct) $(pkg-config --libs $PKG) -losipparser2 -losip2
}
for h in sip sdp pipeline; do
	seeds=build/fuzz/seeds/sip
	[ $h = sdp ] && seeds=build/fuzz/seeds/sdp
	[ $h = pipeline ] && seeds="$seeds build/fuzz/seeds/flows"
	# shellcheck disable=SC2086
	LLVM_PROFILE_FILE=$B/$h.profraw $B/fuzz_$h -runs=0 -max_len=8192 \
		build/fuzz/corpus/$h $seeds >$B/$h.log 2>&1 || true
	llvm-profdata merge -o $B/$h.profdata $B/$h.profraw
	echo "== $h"
	llvm-cov report $B/fuzz_$h -instr-profile=$B/$h.profdata src/*.c |
		awk '$1 ~ /\.c$|^TOTAL$/ {printf "%-10s lines %7s  branches %7s\n", $1, $10, $13}'
done
