#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Replays every capture in pcap/in through sipalg-replay (the ASan/UBSan
# build) and compares the output capture and the JSON summary with
# pcap/expected.  On a difference it prints the first differing message
# as a unified diff (tests/replay/pcapsip.py) and the summary diff.
#
#   tests/replay/run.sh            check
#   tests/replay/run.sh --update   rewrite pcap/expected from this build
#                                  (review the diff before committing!)
#
# A capture NAME.EXT uses pcap/conf/NAME.conf when present, else
# pcap/replay.conf.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${REPLAY:-$top/build/sipalg-replay-san}
dir=$top/pcap
update=0
[ "${1:-}" = "--update" ] && update=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
for in in "$dir"/in/*; do
	file=$(basename "$in")
	name=${file%.*}
	conf=$dir/conf/$name.conf
	[ -f "$conf" ] || conf=$dir/replay.conf
	out=$tmp/$name.pcap
	if ! "$bin" -c "$conf" "$in" "$out" --json >"$tmp/$name.json" \
		2>"$tmp/$name.err"; then
		echo "FAIL $file: sipalg-replay failed:"
		tail -n 20 "$tmp/$name.err"
		fail=$((fail + 1))
		continue
	fi
	if grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error' \
		"$tmp/$name.err"; then
		echo "FAIL $file: sanitizer report:"
		grep -A 20 'ERROR\|runtime error' "$tmp/$name.err" | head -40
		fail=$((fail + 1))
		continue
	fi
	if [ $update = 1 ]; then
		cp "$out" "$dir/expected/$name.out.pcap"
		cp "$tmp/$name.json" "$dir/expected/$name.json"
		echo "updated $file"
		pass=$((pass + 1))
		continue
	fi
	ok=1
	if ! cmp -s "$out" "$dir/expected/$name.out.pcap"; then
		echo "FAIL $file: output differs from pcap/expected/$name.out.pcap"
		python3 "$top/tests/replay/pcapsip.py" diff \
			"$dir/expected/$name.out.pcap" "$out" ||
			true
		ok=0
	fi
	if ! diff -u "$dir/expected/$name.json" "$tmp/$name.json" \
		>"$tmp/$name.sdiff"; then
		echo "FAIL $file: summary differs from pcap/expected/$name.json"
		head -n 60 "$tmp/$name.sdiff"
		ok=0
	fi
	if [ $ok = 1 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done
echo "replay captures: $pass passed, $fail failed"
[ $fail = 0 ]
