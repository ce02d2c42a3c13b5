#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/cpu.sh CPU_MSG N OUT.md - instructions per message type for the
# pure pipeline (bench/cpu_msg under callgrind, collecting only inside the
# run_* functions), as a markdown table plus the top functions.
set -eu
prog=$1 n=$2 out=$3
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/sipalg-cpu.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
valgrind --tool=callgrind --collect-atstart=no --toggle-collect='run_*' \
	--callgrind-out-file="$tmp/cg.out" "$prog" "$n" >"$tmp/check.txt" \
	2>"$tmp/vg.txt" || { cat "$tmp/check.txt" "$tmp/vg.txt" >&2; exit 1; }
callgrind_annotate --threshold=100 --inclusive=yes "$tmp/cg.out" >"$tmp/incl.txt"
callgrind_annotate --auto=no --inclusive=no "$tmp/cg.out" >"$tmp/excl.txt"
{
	echo "Calls run: $n (each: the 8 messages below).  Instructions (Ir)"
	echo "per message, callgrind, pipeline only (sip_scan + rewrite_plan +"
	echo "edits_apply; message construction excluded):"
	echo
	echo "| message | Ir per message | rewritten |"
	echo "|---|---:|---|"
	for f in invite:INVITE 200_invite:200-INVITE ack:ACK bye:BYE \
		200_bye:200-BYE register:REGISTER 200_register:200-REGISTER \
		other:other; do
		fn=${f%%:*} name=${f#*:}
		ir=$(awk -v f="cpu_msg.c:run_$fn " '
			index($0, f) { gsub(",", "", $1); print $1; exit }' \
			"$tmp/incl.txt")
		rw=$(awk -v k="$name" '$1 == k { print $5 "/" $3 }' \
			"$tmp/check.txt")
		[ "$name" = other ] && name="non-SIP datagram (RTP-like, 172 B)"
		echo "| $name | $(( ${ir:-0} / n )) | $rw |"
	done
	echo
	echo "Top functions by own instructions (whole pipeline, all types):"
	echo
	echo '```'
	awk '/file:function/ { on = 1; getline; next } on && NF { print }
	     on && !NF && n++ > 0 { exit }' "$tmp/excl.txt" | sed "s#$top/##; s# \[.*##" | head -12
	echo '```'
} >"$out"
