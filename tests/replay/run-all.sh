#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make replay: every sipalg-replay test, then one closing line with the
# totals of their "N passed, M failed" lines.
set -u
here=$(cd "$(dirname "$0")" && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
for t in run.sh linktypes.py vyatta.py lab.py tcplab.py; do
	echo "== tests/replay/$t"
	case $t in lab.py | tcplab.py) set -- check ;; *) set -- ;; esac
	"$here/$t" "$@" >"$log" 2>&1 || rc=1
	cat "$log"
	grep -E '^[a-z ]+: [0-9]+ passed, [0-9]+ failed$' "$log" |
		tail -n 1 >>"$log.sum" || rc=1
done
awk '{ p += $(NF-3); f += $(NF-1) }
     END { printf "replay: %d passed, %d failed\n", p, f }' "$log.sum"
rm -f "$log.sum"
exit $rc
