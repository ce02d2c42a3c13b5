#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_eimorder.sh [MODE] - endpoint-independent mapping (RFC 4787 REQ-1) in
# other orders than t_eim.sh, and who may own a public port:
#  A. phone1 asks a STUN server first (its 5060 maps to 203.0.113.1:5060),
#     then phone2 registers from its own 5060 before phone1 sends any SIP;
#     then phone1 registers its STUN mapping (NAT-aware).  Every host must
#     see each phone's socket at one source, phone1's at its STUN mapping,
#     and a request from a new outside port to phone1's Contact reaches
#     phone1, not phone2.
#  B. SIP first, STUN after: phone2 registers from 5062 (private Contact),
#     then asks STUN, calls the peer with media on 8000, then asks STUN
#     from 8000 and sends RTP to three hosts; an ephemeral socket sends
#     OPTIONS, STUN, OPTIONS.  One source per socket, equal to STUN's
#     answer and to the port the peer's INVITE names.
#  C. sipalgd restarted (the unit's stop/start): phone1's socket keeps its
#     mapping towards a host:port it never sent to before, the peer and
#     the registrar (a refresh), and is reached at its Contact from a new
#     outside port.
#  D. phone1 asks STUN for its RTP socket 7078; phone2 sends RTP from its
#     own 7078 to the registrar (plain masquerading maps it to the same
#     public port towards another host) and offers 203.0.113.1:7078 to the
#     peer in its SDP; phone1 calls the peer with its mapping: the peer's
#     media to phone1's 7078 mapping must not reach phone2.
#  E. phone2 registers a Contact naming phone1's mapping: the registrar's
#     request to it must not reach phone2.
# The gateway has a second public address (public_pool = 203.0.113.2):
# the pool's hash gives phone1 203.0.113.2, while the masquerading (and so
# phone1's STUN answer) uses 203.0.113.1; phone1 must keep 203.0.113.1.
. "$(dirname "$0")/lib.sh"
GW_CONF_EXTRA="public_pool = 203.0.113.2"
lab_up
J=$WORK
r ip addr add 203.0.113.2/24 dev wan0
THIRD=203.0.113.40
ip -n "$NS_O" addr add $STUN_IP/24 dev eth0
ip -n "$NS_O" addr add $THIRD/24 dev eth0
EIM="$LAB_DIR/eimprobe.py"

# step AGENT JSON - run one step of an agent; prints the result file.
# (The step count is kept in a file: steps run in $(...) subshells.)
step() {
	local n=$(( $(cat "$J/$1.n" 2>/dev/null || echo 0) + 1 ))
	echo $n >"$J/$1.n"
	printf '%s\n' "$2" >"$J/$1.$n.tmp" && mv "$J/$1.$n.tmp" "$J/$1.$n"
	wait_file "$J/$1.$n.done" 20 || log "step $1.$n timed out"
	echo "$J/$1.$n.done"
}
# val FILE EXPR - a value of a step's result (Python, object d).
val() { json "$1" "$2" 2>/dev/null; }

FAR_LOCALS=
for h in $REGISTRAR:5060 $REGISTRAR:5070 $PEER:5060 $THIRD:5060 \
	$STUN_IP:3478 $PEER:40000 $THIRD:40000 $REGISTRAR:40000; do
	FAR_LOCALS="$FAR_LOCALS --local $h"
done
bg "$NS_O" far python3 "$EIM" far $FAR_LOCALS --ctl "$J/far" --timeout 120
wait_file "$J/far.ready"
bg "$NS_P1" p1 python3 "$EIM" phone --local $PHONE1 --ctl "$J/p1" --timeout 120
bg "$NS_P2" p2 python3 "$EIM" phone --local $PHONE2 --ctl "$J/p2" --timeout 120
wait_file "$J/p1.ready" && wait_file "$J/p2.ready"

# -- A: phone1's STUN mapping, phone2 first on SIP --------------------------
M1=$(val "$(step p1 '{"op":"stun","sock":"5060","to":"'$STUN_IP:3478'"}')" 'd["map"]')
step p2 '{"op":"sip","sock":"5060","to":"'$REGISTRAR:5060'","method":"REGISTER","tag":"p2-5060","user":"phone2"}' >/dev/null
R=$(step p1 '{"op":"sip","sock":"5060","to":"'$REGISTRAR:5060'","method":"REGISTER","aware":true,"tag":"p1-5060","user":"phone1","callid":"p1-reg"}')
for h in $PEER $THIRD; do
	step p1 '{"op":"sip","sock":"5060","to":"'$h:5060'","method":"OPTIONS","aware":true,"tag":"p1-5060"}' >/dev/null
done
M2=$(val "$(step p2 '{"op":"stun","sock":"5060","to":"'$STUN_IP:3478'"}')" 'd["map"]')
for h in $PEER $THIRD; do
	step p2 '{"op":"sip","sock":"5060","to":"'$h:5060'","method":"OPTIONS","tag":"p2-5060"}' >/dev/null
done
check "A: phone1 learned a public mapping by STUN ($M1), phone2 another ($M2)" \
	sh -c "echo '$M1' | grep -q '^$GW_OUT:' && [ '$M1' != '$M2' ]"
check "A: phone1's REGISTER (its STUN mapping in Contact) answered" \
	test "$(val "$R" 'd["code"]')" = 200
# A request from a port of the registrar that never talked to phone1: a
# new flow, let in only by what the gateway holds for phone1's Contact.
S=$(step far '{"op":"send","from":"'$REGISTRAR:5070'","to":"'$M1'","ruri":"sip:p1-5060@'$M1'","tag":"to-p1"}')
I1=$(step p1 '{"op":"inbox","sock":"5060"}')
I2=$(step p2 '{"op":"inbox","sock":"5060"}')
check "A: an OPTIONS to phone1's registered Contact $M1 never reaches phone2" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print(d); sys.exit(any(g["tag"] == "to-p1" for g in d["got"]))' "$I2"
if [ "$MODE" = sipalg ]; then
	check "A: ... and reaches phone1 from a new outside port (registration binding)" \
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print(d); sys.exit(not any(g["tag"] == "to-p1" for g in d["got"]))' "$I1"
fi

# -- B: SIP first, STUN after; an RTP socket; an ephemeral socket ------------
step p2 '{"op":"sip","sock":"5062","to":"'$REGISTRAR:5060'","method":"REGISTER","tag":"p2-5062","user":"phone2b"}' >/dev/null
S5062=$(val "$(step p2 '{"op":"stun","sock":"5062","to":"'$STUN_IP:3478'"}')" 'd["map"]')
step p2 '{"op":"sip","sock":"5062","to":"'$PEER:5060'","method":"INVITE","tag":"p2-5062","rtp":"8000","user":"peer"}' >/dev/null
step p2 '{"op":"sip","sock":"5062","to":"'$THIRD:5060'","method":"OPTIONS","tag":"p2-5062"}' >/dev/null
S8000=$(val "$(step p2 '{"op":"stun","sock":"8000","to":"'$STUN_IP:3478'"}')" 'd["map"]')
for h in $PEER $THIRD $REGISTRAR; do
	step p2 '{"op":"rtp","sock":"8000","to":"'$h:40000'","tag":"p2-8000"}' >/dev/null
done
step p2 '{"op":"sip","sock":"eph","to":"'$REGISTRAR:5060'","method":"OPTIONS","tag":"p2-eph"}' >/dev/null
SEPH=$(val "$(step p2 '{"op":"stun","sock":"eph","to":"'$STUN_IP:3478'"}')" 'd["map"]')
for h in $PEER $THIRD; do
	step p2 '{"op":"sip","sock":"eph","to":"'$h:5060'","method":"OPTIONS","tag":"p2-eph"}' >/dev/null
done

# -- C: the daemon restarted between -------------------------------------------
gw_unit_restart TERM
step p1 '{"op":"sip","sock":"5060","to":"'$THIRD:40000'","method":"OPTIONS","aware":true,"tag":"p1-5060"}' >/dev/null
step p1 '{"op":"sip","sock":"5060","to":"'$PEER:5060'","method":"OPTIONS","aware":true,"tag":"p1-5060"}' >/dev/null
# a registration refresh (same Call-ID, next CSeq), then the registrar's
# request from a port that never talked to phone1's socket
step p1 '{"op":"sip","sock":"5060","to":"'$REGISTRAR:5060'","method":"REGISTER","aware":true,"tag":"p1-5060","user":"phone1","callid":"p1-reg","cseq":2}' >/dev/null
step far '{"op":"send","from":"'$REGISTRAR:40000'","to":"'$M1'","ruri":"sip:p1-5060@'$M1'","tag":"to-p1-late"}' >/dev/null
I1=$(step p1 '{"op":"inbox","sock":"5060"}')
if [ "$MODE" = sipalg ]; then
	check "C: after the restart and a refresh, a request from a new outside port to phone1's Contact reaches it" \
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print(d); sys.exit(not any(g["tag"] == "to-p1-late" for g in d["got"]))' "$I1"
fi

# -- D: phone2 names phone1's RTP mapping -----------------------------------
M7078=$(val "$(step p1 '{"op":"stun","sock":"7078","to":"'$STUN_IP:3478'"}')" 'd["map"]')
step p2 '{"op":"rtp","sock":"7078","to":"'$REGISTRAR:40000'","tag":"p2-7078","n":1}' >/dev/null
step p2 '{"op":"sip","sock":"5062","to":"'$PEER:5060'","method":"INVITE","tag":"p2-5062","rtp":"7078","claim":"'$M7078'","user":"peer2"}' >/dev/null
step p1 '{"op":"sip","sock":"5060","to":"'$PEER:5060'","method":"INVITE","aware":true,"tag":"p1-5060","rtp":"7078","user":"peer3"}' >/dev/null
step far '{"op":"rtp","from":"'$PEER:40000'","to":"'$M7078'","tag":"to-p1-media"}' >/dev/null
I2=$(step p2 '{"op":"inbox","sock":"7078"}')
check "D: the peer's media to phone1's RTP mapping $M7078 never reaches phone2" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print(d); sys.exit(any(g["tag"] == "to-p1-media" for g in d["got"]))' "$I2"

# -- E: phone2 registers a Contact that names phone1's mapping ------------
step p2 '{"op":"sip","sock":"5060","to":"'$REGISTRAR:5060'","method":"REGISTER","tag":"evil","claim_contact":"'$M1'","user":"evil"}' >/dev/null
step far '{"op":"send","from":"'$REGISTRAR:5070'","to":"'$M1'","ruri":"sip:evil@'$M1'","tag":"to-evil"}' >/dev/null
I2=$(step p2 '{"op":"inbox","sock":"5060"}')
check "E: a request to a Contact phone2 registered on phone1's mapping $M1 never reaches phone2" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print(d); sys.exit(any(g["tag"] == "to-evil" for g in d["got"]))' "$I2"

LOG=$(step far '{"op":"log"}')
for t in p1-5060:"$M1" p2-5060:"$M2" p2-5062:"$S5062" p2-8000:"$S8000" p2-eph:"$SEPH"; do
	check "one public source for socket ${t%%:*} at every host, = STUN's ${t#*:}" \
		python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))["log"]; tag, stun = sys.argv[2], sys.argv[3]
seen = {}
for e in d:
	if e["tag"] == tag: seen.setdefault(e["at"], set()).add(e["src"])
print("STUN:", stun, "seen:", {k: sorted(v) for k, v in seen.items()})
srcs = set().union(*seen.values()) if seen else set()
sys.exit(not (len(seen) >= 3 and srcs == {stun}))' "$LOG" "${t%%:*}" "${t#*:}"
done
check "A: phone1's REGISTER (public Via, Contact) reached the registrar byte for byte" \
	python3 -c 'import json,sys
sent = json.load(open(sys.argv[2]))["sent"]
got = [e.get("raw") for e in json.load(open(sys.argv[1]))["log"]
       if e.get("line", "").startswith("REGISTER") and e["tag"] == "p1-5060"]
print("sent:", repr(sent)); print("arrived:", [repr(g) for g in got[:1]])
sys.exit(not got or got[0] != sent)' "$LOG" "$R"
check "B: the peer's INVITE names the RTP port the STUN server saw ($S8000)" \
	python3 -c 'import json,re,sys
d = json.load(open(sys.argv[1]))["log"]
inv = [e for e in d if e.get("line", "").startswith("INVITE sip:peer@")]
m = inv and re.search(r"m=audio (\d+)", inv[0]["raw"])
c = inv and re.search(r"c=IN IP4 (\S+)", inv[0]["raw"])
print("INVITE SDP:", m and m.group(0), c and c.group(0))
sys.exit(not (m and c and "%s:%s" % (c.group(1), m.group(1)) == sys.argv[2]))' "$LOG" "$S8000"
for a in p1 p2 far; do touch "$J/$a.stop"; done
lab_finish
