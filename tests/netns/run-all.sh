#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run-all.sh - run every namespace scenario against the kernel's SIP helper
# and against sipalgd (and plain NAT as a baseline), print a table side by
# side and write it into TESTING.md.  Exits non-zero when any sipalg row
# fails; failures of the other modes are expected and only reported.
#
#   MODES="none kernel sipalg sipalg-nft"  modes to run (default: these
#                                four; sipalg-nft is sipalgd on an nft-only
#                                gateway, lib.sh; none-nft, kernel-nft too)
#   ONLY="t_bye t_cancel"        scenarios to run (default: all)
#   LOGDIR=DIR                   per-run logs (default build/netns-logs)
#   NO_TESTING_MD=1              do not rewrite TESTING.md
#   NETNS_JOBS=N                 scenarios run at once (default 2)
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
MODES=${MODES:-none kernel sipalg sipalg-nft}
JOBS=${NETNS_JOBS:-2}
LOGDIR=${LOGDIR:-$TOP/build/netns-logs}

if [ "$(id -u)" != 0 ]; then
	echo "run-all.sh: needs root (network namespaces); skipped"
	exit 77
fi

# scenario script : row label
SCENARIOS="
t_outbound:(a) outbound call, RTP+RTCP both ways, 2nd phone
t_register:(b) REGISTER, incoming calls from registrar and other host
t_bye:(c) BYE closes the pinholes
t_cancel:(d) CANCEL closes the pinholes
t_failopen:(e) fail-open: daemon stopped, SIP byte for byte
leak:(f) no private address reaches the outside (all)
t_sipp:(g) sipp UAC/UAS call with RTP (pcap play, echo)
t_reinvite:(h) re-INVITE hold/resume, same port, binding kept
t_early_media:(i) early media: 183 with SDP, RTP before the 200
t_hairpin:(j) two phones behind the gateway call through an outside proxy (hairpin)
t_forking:(k) forking: inbound fork to 2 phones (CANCEL to the loser; both answer, BYE to one); outbound 2 early dialogs
t_media_lines:(l) 9 m= lines: mixed types, port 0, a=rtcp (RFC 3605), rtcp-mux, media c=, IPv6 and host-name c=; ICE phone
t_pbx:(m) record-routing PBX behind the gateway: Route/Record-Route restored, calls both ways
t_no_bye:(n) no BYE: idle media, maximum duration, 481/408 to a re-INVITE end the call
t_late_offer:(o) late offer in 200/ACK; reliable 183 + PRACK; UPDATE from either side moving media; offer in 183, answer in PRACK
t_reglife:(p) registration life: refresh, new port, several Contacts, shortened expiry, duplicate and late 200, Expires: 0, Contact: *, two lines on one port
t_altport:(q) SIP on port 5080 (sip_ports = 5060,5080): REGISTER, calls both ways
t_shapes:(r) message shapes: compact, LF-only, folded, comma lists, several Vias, multipart, opaque Call-ID/tag, sips:/tel:
t_cancel200:(s) CANCEL crossing the 200 (both orders): call stays up, media both ways, closed after BYE
t_ephemeral:(t) phone sends from an ephemeral port, listens on its Via/Contact port 5060: responses, incoming INVITE, media, closed after BYE
t_reinvite2:(u) re-INVITE shapes: far-end hold (c=0.0.0.0, inactive)/resume, port move (old port closed), video added then declined, codec change; media both ways, closed after BYE
t_protos:(x) PROTOS c07-sip through the live gateway, then a call
t_wan:(life2) WAN renumbering without restart: address replaced, wan0 re-created (new ifindex), daemon started before wan0 exists: REGISTER carries the new address, incoming call rings, new call media both ways
t_fwreload:(life1) firewall reload (nft flush ruleset + the plain firewall): gateway back within 10 s, registered phone rings without re-registering, new call media both ways
t_restart:(life3) restart never misroutes (unit's stop/start sequence, and after SIGKILL): the second phone re-registers first and does not get the first's public port; the INVITE to the first phone's Contact rings it, never the second
t_restart_call:(life4) restart mid-call (unit's stop/start sequence, then SIGKILL and the same; restart_grace 5 s): the call restored from the state file, media both ways past the grace, the peer's BYE reaches the phone and closes the pinholes and flows, the registrar's INVITE rings the phone without re-registration; a truncated state file refused, the gateway works on; a stop keeps bindings for the grace only, disable --now removes all
t_ops:(z) operator: sipalgctl calls/registrations/bindings/stats (+ --json), end closes pinholes, reload; the unit's ExecReload fails for a broken file and keeps the rules; /metrics parsed and linted, counters grow, never go back across reloads; status page in headless Chromium; journal priorities; sd_notify READY/WATCHDOG; slow HTTP clients cannot stall it; socket root-only or control_group; after a restart the kept bindings listed
t_tcp:(v) SIP over TCP: REGISTER, calls out (3000-byte INVITE in 3 segments) and in over the registration connection, RTP both ways, closed after BYE, 2 messages in 1 segment, retransmission identical, 3000 messages after the length change (no reset), HTTP POST with a REGISTER body opens nothing, no private address in any reassembled stream
t_sipp_tcp:(w) SIPp over one TCP connection, 200 calls/s for 12000 calls (a minute): none failed, no reset, no private address in the reassembled streams
t_nataware:(nat1) NAT-aware phones (STUN; public Via ;rport, Contact, SDP), both on 5060/8000: REGISTER and INVITE byte for byte from the STUN mapping, calls to each Contact, a call after every SIP flow expired, calls out, media both ways
t_eim:(nat2) endpoint-independent mapping: one inside socket to a STUN server and two other hosts, each sees the same public source (2 phones on 5060)
t_ipv6:(v6) IPv6 phones behind a policy-drop firewall (no NAT): REGISTER, incoming calls from registrar and another host after the flow expired, media both ways, pinhole closed after BYE (sipalgd: the ended call's flow deleted from conntrack), outbound call with far-end media first, the same over TCP (INVITE in 2 segments); sipalgd: a restart (unit's commands, restart_grace 5 s) with the phone registered and in a held call: between stop and start its pinholes are kept, none longer than the grace; flows forgotten, after the grace the registrar's INVITE rings it without re-registration and the far end's media reaches the held call's port; a phone registered over TCP (its connection closed) is called by the registrar over a new TCP connection; media_from = sdp: a third host's packets to a live call's pinhole are dropped (counted), the far end's arrive
t_dualstack:(v6b) dual stack: a phone calls over IPv6 with an IPv4 stream (c=IN IP4 10.x): bound as IPv4 (public address and port in the SDP, IPv6 headers untouched), far end's media first and both ways, closed after BYE; the same over TCP (length change, sequence numbers adjusted); another phone naming its neighbour's IPv4 address gets no binding (neighbour table); an IPv4 call with an IPv6 stream passes it untouched
t_slipstream:(sec1) NAT Slipstreaming v1/v2: an inside host names phone2, its own ports 53/445, the router and the broadcast address in Contact, Via, Record-Route, SDP c=/a=rtcp, multipart (REGISTER, INVITE, OPTIONS, 200, UPDATE); probes to every public port named reach no target, counters say why
t_scanner:(sec2) SIP scanner outside: OPTIONS and INVITEs to guessed users at the public address reach no registered phone; the registrar and another host still call the registered Contact, media both ways
t_nathairpin:(nat3) hairpin between two NAT-aware phones (STUN): INVITE out and back in to the public Contact, ACK/BYE and media both ways turned around at the gateway
t_natmixed:(nat4) partly NAT-aware phones: STUN media with private Via/Contact, rport with private Via, ICE phone (srflx default); rewritten only where an inside address is named, calls both ways, media both ways
t_natdown:(nat6) NAT-aware phones that STUN and REGISTER while sipalgd is stopped (plain masquerading), then it starts: calls to both registered Contacts, calls out byte for byte from the STUN mappings
t_eimorder:(nat7) endpoint-independent mapping in other orders: phone1 asks STUN, phone2 registers from its own 5060 first, then phone1 registers its STUN mapping; SIP first and STUN after; an RTP socket and an ephemeral one; across a restart: each socket one source at every host, = STUN's answer, the registrar's request to phone1's Contact reaches phone1 only; phone2 naming phone1's STUN-learned RTP port in its SDP gets none of phone1's media, nor by registering a Contact on phone1's mapping any request for it; the gateway has a second address (public_pool) whose hash picks phone1: it keeps the address its STUN server saw
t_baresip:(nat5) baresip through the gateway: medianat=stun registers, is called, calls the peer; SIP outbound (RFC 5626: reg-id, +sip.instance, Require: outbound, STUN keep-alives on the flow), called after 12 s; media both ways
t_linphone:(nat8) Linphone's linphonec through the gateway, no sound card: with a STUN and ICE NAT policy, and without (not NAT-aware): registers, calls the peer (ICE: srflx candidates = the STUN mappings, c=/m= the srflx one, m=/c=/candidates as written, media from it), is called by the registrar after every SIP flow expired; Contact as written or rewritten where it names 10.x; an ICE call to a linphonec outside concludes on the srflx candidate; media both ways counted at both ends
t_baresip2:(y) baresip, not NAT-aware: over TCP only it registers, is called over its registration connection, calls the peer over a connection of its own (no reset, no private address in any reassembled stream); over IPv6 (UDP, policy-drop firewall) it registers and is called after its flow expired; media both ways in every call
t_quota:(sec3) quotas: phone2 floods 200 INVITEs with fresh Call-IDs and ports and 60 REGISTERs with fresh Contact ports; phone1 still registers and takes calls from the registrar and another host, media both ways; phone2 stops at its own quotas
t_mediafrom:(sec4) media from whom: a third host outside and a DMZ host send to a live call's public RTP/RTCP ports: with media_from = sdp neither reaches the phone (the filter counts the drops), with media_from = any the third host does, counted, the DMZ host never; the far end's media both ways
"

mkdir -p "$LOGDIR"
rm -f "$LOGDIR"/*.log "$LOGDIR"/*.rc
declare -A CELL
START=$(date +%s)

cell() {	# cell SCRIPT MODE -> PASS n/n | FAIL k/n | skip | error
	local log=$LOGDIR/$1.$2.log rc=$3 p f
	p=$(grep -c "^PASS $2 " "$log")
	f=$(grep -c "^FAIL $2 " "$log")
	case $rc in
	0) echo "PASS $p/$((p + f))";;
	77) echo "skip";;
	*) if [ $((p + f)) -eq 0 ]; then echo "ERROR (rc $rc)";
	   else echo "FAIL $p/$((p + f))"; fi;;
	esac
}

leak_cell() {	# aggregated "no private address" checks of every scenario
	local mode=$1 p f
	p=$(cat "$LOGDIR"/*."$mode".log 2>/dev/null | grep -c "^PASS $mode .*no private address")
	f=$(cat "$LOGDIR"/*."$mode".log 2>/dev/null | grep -c "^FAIL $mode .*no private address")
	if [ $((p + f)) -eq 0 ]; then echo "skip"
	elif [ "$f" -eq 0 ]; then echo "PASS $p/$p"
	else echo "FAIL $p/$((p + f))"; fi
}

# run_one SCRIPT MODE - one scenario in one mode; its exit status goes to
# LOGDIR/SCRIPT.MODE.rc, a line to stdout.
run_one() {
	local log=$LOGDIR/$1.$2.log t0 rc
	t0=$(date +%s)
	timeout 180 "$HERE/$1.sh" "$2" </dev/null >"$log" 2>&1
	rc=$?
	echo "$rc" >"$LOGDIR/$1.$2.rc"
	printf '%-12s %-7s %-14s %3ss  %s\n' "$1" "$2" "$(cell "$1" "$2" "$rc")" \
		$(( $(date +%s) - t0 )) "$log"
}

# Scenarios run NETNS_JOBS at a time (each in namespaces of its own; most
# of their time is spent waiting for packets and timers).
while IFS=: read -r script label; do
	[ -n "$script" ] && [ "$script" != leak ] || continue
	if [ -n "${ONLY:-}" ] && ! [[ " $ONLY " == *" $script "* ]]; then continue; fi
	for mode in $MODES; do
		while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
		run_one "$script" "$mode" &
	done
done <<<"$SCENARIOS"
wait
while IFS=: read -r script label; do
	[ -n "$script" ] && [ "$script" != leak ] || continue
	for mode in $MODES; do
		[ -r "$LOGDIR/$script.$mode.rc" ] || continue
		CELL[$script.$mode]=$(cell "$script" "$mode" \
			"$(cat "$LOGDIR/$script.$mode.rc")")
	done
done <<<"$SCENARIOS"
for mode in $MODES; do CELL[leak.$mode]=$(leak_cell "$mode"); done

# The table, in Markdown.
header="| scenario |"
rule="|---|"
for mode in $MODES; do
	case $mode in
	none) header="$header plain NAT |";;
	kernel) header="$header kernel helper (nf_nat_sip) |";;
	sipalg) header="$header sipalgd |";;
	sipalg-nft) header="$header sipalgd, nft-only gateway |";;
	*) header="$header $mode |";;
	esac
	rule="$rule---|"
done
TABLE="$header
$rule"
SIPALG_BAD=0
while IFS=: read -r script label; do
	[ -n "$script" ] || continue
	if [ -n "${ONLY:-}" ] && [ "$script" != leak ] &&
	   ! [[ " $ONLY " == *" $script "* ]]; then continue; fi
	row="| $label |"
	for mode in $MODES; do
		c=${CELL[$script.$mode]:-}
		row="$row $c |"
		# Every scenario applies to the daemon: in its columns anything
		# but PASS fails the run, a skip too (a tool missing on the
		# machine, a lab that could not start), so a gap in make deps
		# cannot pass as a quiet skip.
		if [ "$mode" = sipalg ] || [ "$mode" = sipalg-nft ]; then
			case $c in
			PASS*) ;;
			*) SIPALG_BAD=1;;
			esac
		fi
	done
	TABLE="$TABLE
$row"
done <<<"$SCENARIOS"

ELAPSED=$(( $(date +%s) - START ))
echo
echo "$TABLE"
echo
echo "($ELAPSED s; logs in $LOGDIR)"

details() {
	local mode log
	for mode in $MODES; do
		echo
		echo "### Failed checks: $mode"
		echo
		if ! grep -h "^FAIL $mode " "$LOGDIR"/*."$mode".log 2>/dev/null |
		   sed "s/^FAIL $mode /- /"; then
			echo "(none)"
		fi
	done
}

if [ "${NO_TESTING_MD:-0}" != 1 ]; then
	cat >"$TOP/TESTING.md" <<EOF
# Integration test results

Generated by \`tests/netns/run-all.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'),
kernel $(uname -r), $(iptables --version 2>/dev/null), ${ELAPSED} s.
This file is rewritten by every run.

## The lab

Each scenario builds its own network namespaces (unique names per run,
removed on exit; nothing is linked to the host's interfaces):

\`\`\`
 phone1 10.0.0.10 ─┐                                            ┌─ registrar 203.0.113.10
                   ├─ switch ─ lan0 [router] wan0 ─ outside ────┤
 phone2 10.0.0.11 ─┘          10.0.0.1    203.0.113.1           └─ peer      203.0.113.20
\`\`\`

The router forwards with \`FORWARD\` policy DROP, accepting ESTABLISHED,RELATED
and lan0 → wan0, and masquerades on wan0. Every scenario runs in each mode:

- **plain NAT**: nothing else (a baseline: the checks must be able to fail);
- **kernel helper**: \`iptables -t raw -A PREROUTING -p udp --dport/--sport 5060
  -j CT --helper sip\` (nf_conntrack_sip + nf_nat_sip);
- **sipalgd**: \`rules/sipalg-rules install\` and \`build/sipalgd -c FILE -v\`;
- **sipalgd, nft-only gateway**: the same firewall written in nft alone (no
  iptables rule at all; its forward chain keeps \`ct mark 0x5a1 accept\`),
  \`rules_backend = nft\`: the daemon diverts SIP through its own
  \`table inet sipalg\` (the xtables NFQUEUE target through nft_compat on
  this kernel, which has no nft \`queue\` expression).

Endpoints are \`tests/netns/sipua.py\` (a scripted UA: strict Via check, RTP
and RTCP from its advertised ports, JSON record of every SIP message; roles
for registrar, proxy, forker and PBX), \`tests/netns/sipplay.py\` (a raw SIP
player: exact message bytes from \`tests/netns/msgs/\`, for the message shapes
and registration cases) and SIPp (\`t_sipp.sh\`). Assertions are in
\`tests/netns/check.py\` and sipplay's checks. "Pinhole closed" means a probe
from the outside to the public media port no longer reaches a listener on the
phone's port. The phone's INVITE carries \`a=rtcp\` in (a), (c) and (e); (b)
uses RTCP on the m= port + 1.

## What else \`make check\` runs

Before these scenarios: \`tests/standalone.sh\` (nothing in the repository
points outside it, \`tests/corpus\` matches its provenance, the README names
every package \`make deps\` installs); then, under ASan and UBSan: the cmocka
unit tests of the
scanners and the configuration; the golden rewrite files
(\`tests/golden/*.sip\`, one per call shape, input and expected output with
the kernel bindings added, removed and kept); RFC 4475, RFC 5118 and all
4527 PROTOS c07-sip cases through the whole per-packet pipeline with a defined
outcome each (\`test_robust\`); the capture regression set and a third
party's expected ALG rewrites replayed by \`sipalg-replay\` (\`pcap/\`,
\`make replay\`); and a 20 s libFuzzer run of
each harness (\`tests/fuzz\`, \`make fuzz-smoke\`); then the Debian package and
\`make install\`: \`make deb\` built, its file list, dependencies and manual
pages checked, every configuration key checked to be in the example
and in sipalgd.conf(5), the same files laid by \`make DESTDIR=... install\`
(\`tests/pkg/run.sh\`, \`make pkg-test\`).

Reproduce (as root, Debian): \`make deps all && tests/netns/run-all.sh\`, or one
scenario: \`tests/netns/t_bye.sh sipalg\` (\`KEEP=1\` keeps the work directory
with every endpoint's JSON and the daemon log).

## Results

$TABLE

"skip": the scenario does not apply to the mode (fail-open needs the daemon);
in the sipalgd columns a skip fails the run.
The numbers count the scenario's checks.
$(details)
EOF
	echo "wrote $TOP/TESTING.md"
fi

exit $SIPALG_BAD
