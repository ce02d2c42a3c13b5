#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_restart.sh [MODE] - a restart never misroutes.  phone1 and then
# phone2 register (phone1 gets the first public signalling port); the
# gateway restarts (sipalg: the unit's own sequence - SIGTERM, ExecStopPost
# "sipalg-rules remove --keep-bindings", ExecStartPre "sipalgd -n" and
# "sipalg-rules install", ExecStart; then the same after SIGKILL, as
# Restart=on-failure does it); phone2 registers again first.  phone2 must
# not be given phone1's public port, and the registrar's INVITE to
# phone1's registered Contact reaches phone1 or nobody, never phone2 (with
# sipalgd: phone1, without re-registering).
. "$(dirname "$0")/lib.sh"
lab_up

J=$WORK

# register TAG PHONE USER - one REGISTER through the gateway; prints the
# Contact the registrar saw.
register() {
	ua_bg "$NS_O" reg$1 registrar --local $REGISTRAR --user registrar \
		--expires 300 --timeout 8
	ua "$2" $1 register --local $3 --user $4 --registrar $REGISTRAR \
		--expires 300 --timeout 8
	bg_wait reg$1
	json "$J/reg$1.json" 'd["binding"]["contact"]' 2>/dev/null
}

# round HOW - register both, restart, phone2 first again, INVITE phone1.
round() {
	local how=$1 c1 c2 c2b
	c1=$(register ${how}a1 "$NS_P1" $PHONE1 phone1)
	c2=$(register ${how}a2 "$NS_P2" $PHONE2 phone2)
	check "$how: both phones registered ($c1, $c2)" \
		test -n "$c1" -a -n "$c2" -a "$c1" != "$c2"
	check "$how: restart with the unit's commands" gw_unit_restart $how
	c2b=$(register ${how}b2 "$NS_P2" $PHONE2 phone2)
	check "$how: phone2 re-registered first ($c2b), not on phone1's port" \
		test -n "$c2b" -a "${c2b#*@}" != "${c1#*@}"
	# Both phones listen on their registered sockets; the registrar
	# calls phone1's registered Contact.
	ua_bg "$NS_P1" ${how}ph1 uas --local $PHONE1 --user phone1 --rtp-port 40000 --timeout 10
	ua_bg "$NS_P2" ${how}ph2 uas --local $PHONE2 --user phone2 --rtp-port 40010 --timeout 10
	ua "$NS_O" ${how}inv uac --local $REGISTRAR --user registrar \
		--target "$c1" --rtp-port 50100 --timeout 6
	bg_stop ${how}ph1 2; bg_stop ${how}ph2 2
	check "$how: the INVITE to phone1's Contact never reaches phone2" \
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(len(d.get("calls", [])) != 0)' "$J/${how}ph2.json"
	check "$how: the INVITE to phone1's Contact rings phone1 (no re-registration)" \
		python3 "$CHECK" status "$J/${how}inv.json"
	check "$how: no private address reaches the outside" \
		python3 "$CHECK" leak "$J/reg${how}a1.json" "$J/reg${how}a2.json" \
		"$J/reg${how}b2.json" "$J/${how}inv.json"
}

round TERM
if [ "$MODE" = sipalg ]; then
	check "TERM: the new run found the old bindings" \
		grep -q 'bindings an earlier run left' "$DAEMON_LOG"
fi
round KILL
if [ "$MODE" = sipalg ]; then
	# After SIGKILL the file is the last one the dead run wrote.
	check "KILL: the new run restored both registrations from the state file" \
		sh -c "sed -n '/sipalgd killed/,\$p' '$DAEMON_LOG' |
		       grep -q 'and 2 registrations on 2 signalling bindings restored'"
	check "no crash or sanitizer report in the daemon log" \
		sh -c "! grep -E 'AddressSanitizer|runtime error|Segmentation' '$DAEMON_LOG'"
fi
lab_finish
