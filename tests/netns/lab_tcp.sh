# SPDX-License-Identifier: GPL-2.0-or-later
# tests/netns/lab_tcp.sh - lib.sh plus the SIP over TCP endpoints
# (tcpua.py) and the capture checks (tcpstreams.py).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TCPUA="$LAB_DIR/tcpua.py"
TCPSTREAMS="$LAB_DIR/tcpstreams.py"

# tcp_bg NS NAME ROLE ARGS... - tcpua.py ROLE in the background, result in
# $WORK/NAME.json; returns once it listens.
tcp_bg() {
	local ns=$1 name=$2 role=$3; shift 3
	bg "$ns" "$name" timeout 120 python3 "$TCPUA" "$role" \
		--out "$WORK/$name.json" "$@"
	wait_file "$WORK/$name.json.ready" 10
}
