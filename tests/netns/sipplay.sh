# SPDX-License-Identifier: GPL-2.0-or-later
# tests/netns/sipplay.sh - shell helpers for scenarios driven by sipplay.py.
# Source after lib.sh.
#
#   sp_agent NS NAME ADDR:PORT [agent options]   start an agent (background)
#   sp NAME COMMAND...                           run a command in agent NAME
#   spc KIND NAME [options]                      check on NAME's record
#   spg WHAT NAME [options]                      print from NAME's record
#   sp_hostports NAME [options]                  host:port of Contact URIs
#   sp_media NAME [options]                      "type addr:port" per SDP m=
#   sp_rtp TAG PHONE-LOCAL PEER-LOCAL PUB [in-only]   RTP through the gateway
#   sp_got FILE MIN [ADDR:PORT], sp_none FILE    its results

SIPPLAY="$LAB_DIR/sipplay.py"
MSGS="$LAB_DIR/msgs"

sp_agent() {
	local ns=$1 name=$2 local=$3; shift 3
	bg "$ns" "$name" timeout 170 python3 "$SIPPLAY" agent --local "$local" \
		--out "$WORK/$name.json" --dir "$WORK" --name "$name" "$@"
	wait_file "$WORK/$name.json.ready" 10
}

sp() {
	local name=$1; shift
	python3 "$SIPPLAY" ctl --dir "$WORK" --name "$name" -- "$@" \
		>>"$WORK/$name.ctl.log" 2>&1
}

spc() {
	local kind=$1 name=$2; shift 2
	python3 "$SIPPLAY" check "$kind" "$WORK/$name.json" "$@"
}

spg() {
	local what=$1 name=$2; shift 2
	python3 "$SIPPLAY" get "$what" "$WORK/$name.json" "$@" 2>/dev/null
}

# nft_has ADDR PORT - the daemon's table names inside ADDR . PORT.
nft_has() { nft_sipalg | grep -qE "(^|[^0-9.])$1 \. $2([^0-9]|\$)"; }

# all_of CMD1 ARGS -- CMD2 ARGS -- ... - every command succeeds (all run).
all_of() {
	local rc=0 cmd=()
	while [ $# -gt 0 ]; do
		if [ "$1" = -- ]; then
			"${cmd[@]}" || rc=1
			cmd=()
		else
			cmd+=("$1")
		fi
		shift
	done
	[ ${#cmd[@]} -eq 0 ] || "${cmd[@]}" || rc=1
	return $rc
}

# sp_media NAME [get options] - "type address:port" of each m= line of the
# selected messages' SDP in NAME's record (media-level c= first).
sp_media() { local name=$1; shift; spg media "$name" "$@"; }

# sp_rtp TAG PHONE-LOCAL PEER-LOCAL PUB [in-only] - media through the
# gateway with sipua.py listen/probe: unless in-only, the phone (PHONE-LOCAL
# in $NS_P1) sends 10 RTP packets to PEER-LOCAL; then the outside
# (PEER-LOCAL in $NS_O) sends 10 to PUB, the phone's public media address.  Arrivals are counted by source in $WORK/TAG-in.json (phone) and
# $WORK/TAG-out.json (outside).
sp_rtp() {
	local t=$1 pl=$2 ql=$3 pub=$4 mode=${5:-}
	bg "$NS_P1" "$t-lin" timeout 20 python3 "$SIPUA" listen --local "$pl" \
		--out "$WORK/$t-in.json" --timeout 10
	bg "$NS_O" "$t-lout" timeout 20 python3 "$SIPUA" listen --local "$ql" \
		--out "$WORK/$t-out.json" --timeout 10
	wait_file "$WORK/$t-in.json.ready"; wait_file "$WORK/$t-out.json.ready"
	# One after the other: a probe's socket shares its port with a listener.
	[ "$mode" = in-only ] || in_ns "$NS_P1" python3 "$SIPUA" probe \
		--local "$pl" --to "$ql" --packets 10 --out "$WORK/$t-p1.json"
	in_ns "$NS_O" python3 "$SIPUA" probe --local "$ql" --to "$pub" \
		--packets 10 --out "$WORK/$t-p2.json" 2>>"$WORK/$t-p2.err"
	sleep 0.2
	touch "$WORK/$t-in.json.stop" "$WORK/$t-out.json.stop"
	bg_wait "$t-lin"; bg_wait "$t-lout"
}

# sp_got FILE MIN [ADDR:PORT] - a listener counted at least MIN packets
# (with ADDR:PORT: every one from ADDR:PORT); sp_none FILE - it counted none.
sp_got() {
	python3 - "$@" <<-'PY'
	import json, sys
	d = json.load(open(sys.argv[1]))
	want = sys.argv[3:]
	print(f"{d['received']} packets arrived, from {d['from']}" +
	      (f", wanted all from {want[0]}" if want else ""))
	ok = d["received"] >= int(sys.argv[2])
	sys.exit(0 if ok and (not want or sorted(d["from"]) == want) else 1)
	PY
}

sp_none() {
	python3 - "$1" <<-'PY'
	import json, sys
	d = json.load(open(sys.argv[1]))
	print(f"{d['received']} packets arrived, from {d['from']}")
	sys.exit(0 if d["received"] == 0 else 1)
	PY
}
