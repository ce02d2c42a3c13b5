#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make replay: every sipalg-replay test; one closing line with the totals.
set -u
here=$(cd "$(dirname "$0")" && pwd)
rc=0
for t in run.sh linktypes.py vyatta.py; do
	[ -x "$here/$t" ] || continue
	echo "== tests/replay/$t"
	"$here/$t" || rc=1
done
exit $rc
