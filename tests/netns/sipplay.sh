# SPDX-License-Identifier: GPL-2.0-or-later
# tests/netns/sipplay.sh - shell helpers for scenarios driven by sipplay.py.
# Source after lib.sh.
#
#   sp_agent NS NAME ADDR:PORT [agent options]   start an agent (background)
#   sp NAME COMMAND...                           run a command in agent NAME
#   spc KIND NAME [options]                      check on NAME's record
#   spg WHAT NAME [options]                      print from NAME's record
#   sp_hostports NAME [options]                  host:port of Contact URIs

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
