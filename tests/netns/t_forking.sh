#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_forking.sh [MODE] - forked calls (issue 3, "Forking").
# Inbound: phone1 and phone2 register with the registrar outside, which
# then acts as a forking proxy: one INVITE (one Call-ID and From-tag) to
# both public bindings, one branch each.  Both phones answer 183 with SDP
# and send early media; phone1 answers 200 after 1.5 s, so the proxy
# CANCELs phone2's branch (200, 487, ACK).  The answered branch's media
# flows both ways; soon after phone2's 487 - while phone1's call goes on -
# its public media ports are closed; after the BYE phone1's are too.
# Then the same fork where both phones answer before the (slow) proxy's
# CANCEL: the second 200 is ACKed and BYE'd at once; its pinholes close
# while the first call goes on.
# Outbound: phone1 calls the peer; a 183 with SDP from another To-tag (a
# forking proxy's other branch) arrives first, then the answering branch's
# 180 and 200 (its own SDP).  Media follows the 200 both ways.
. "$(dirname "$0")/lib.sh"
lab_up
J=$WORK

# probe_closed LABEL NS IP LPORT PUBPORT FROMPORT - a listener on IP:LPORT
# in NS; the registrar sends from its media port FROMPORT (the call's
# conntrack tuple) to $GW_OUT:PUBPORT; nothing may arrive.
probe_closed() {
	local label=$1 ns=$2 ip=$3 lp=$4 pub=$5 from=$6 n=$7
	if [ -z "$pub" ]; then
		fail "$label"
		echo "    public port unknown (no SDP from that branch)"
		return
	fi
	bg "$ns" ln$n timeout 20 python3 "$SIPUA" listen --local $ip:$lp --out "$J/ln$n.json" --timeout 15
	wait_file "$J/ln$n.json.ready"
	in_ns "$NS_O" python3 "$SIPUA" probe --local $REGISTRAR:$from --to $GW_OUT:$pub --packets 10 --out "$J/pn$n.json"
	sleep 0.3
	touch "$J/ln$n.json.stop"
	bg_wait ln$n
	check "$label" python3 "$CHECK" listen "$J/ln$n.json" --max 0
}

# pub_ports FILE EXPR - "RTP RTCP" public ports of the SDP EXPR selects
# (Python, d = FILE's object).
pub_ports() {
	python3 -B -c '
import json, sys
sys.path.insert(0, sys.argv[1])
from sipua import sdp_streams
d = json.load(open(sys.argv[2]))
s = sdp_streams(eval(sys.argv[3]) or "")
print(s[0]["port"], s[0]["rtcp"])' "$LAB_DIR" "$@" 2>/dev/null
}

# -- inbound fork --------------------------------------------------------------
[ "$MODE" = sipalg ] && snap_start
ua_bg "$NS_O" proxy forker --local $REGISTRAR --user caller --forks 2 \
	--rtp-port 50000 --packets 200 --timeout 15
ua_bg "$NS_P1" phone1 register --local $PHONE1 --user phone1 \
	--registrar $REGISTRAR --serve 1 --early-media 1.5 --rtp-port 40000 \
	--packets 200 --timeout 20
ua_bg "$NS_P2" phone2 register --local $PHONE2 --user phone2 \
	--registrar $REGISTRAR --serve 1 --early-media 8 --rtp-port 40000 \
	--packets 200 --expect cancelled --timeout 20
bg_stop phone2 10
T_487=$(date +%s%N)
# phone2's public RTP and RTCP ports as its 183 told the proxy.
P2=($(pub_ports "$J/proxy.json" '[b["sdp"] for b in d["calls"][0]["branches"] if "t_cancel" in b][0]'))
if [ "$MODE" = sipalg ]; then
	check "phone2's media binding ($PHONE2 . 40000) gone after its 487, phone1's still there" \
		sh -c "r() { ip netns exec $NS_R nft list table ip sipalg; }; ! r | grep -qF '$PHONE2 . 40000' && r | grep -qF '$PHONE1 . 40000'"
fi
probe_closed "after its 487 phone2's public RTP port ${P2[0]:-?} is closed (probe at +$(( ($(date +%s%N) - T_487) / 1000000 )) ms)" \
	"$NS_P2" $PHONE2 40000 "${P2[0]:-}" 50000 2
probe_closed "after its 487 phone2's public RTCP port ${P2[1]:-?} is closed" \
	"$NS_P2" $PHONE2 40001 "${P2[1]:-}" 50001 3
bg_stop phone1 15
bg_stop proxy 5
[ "$MODE" = sipalg ] && snap_stop

check "both phones registered (proxy got 2 bindings)" test \
	"$(json "$J/proxy.json" 'len(d.get("bindings", []))')" = 2
check "forked call answered by phone1, BYE 200 (proxy)" python3 "$CHECK" status "$J/proxy.json"
check "phone1: answered call ended by BYE" python3 "$CHECK" status "$J/phone1.json"
check "phone2: CANCEL, 487, ACK" python3 "$CHECK" status "$J/phone2.json"
check "branches: phone1 183+200, phone2 183+487 with CANCEL 200" test \
	"$(json "$J/proxy.json" 'sorted((b["codes"][-2:], b.get("cancel_response")) for b in d["calls"][0]["branches"])')" \
	= '[[[183, 200], null], [[183, 487], 200]]'
check "proxy's strict Via check dropped no response" python3 "$CHECK" nodrop "$J/proxy.json"
check "early media from both branches reached the proxy from their SDP's address" python3 -B -c '
import json, sys
sys.path.insert(0, sys.argv[1])
from sipua import sdp_streams
d = json.load(open(sys.argv[2]))
c = d["calls"][0]
srcs = c["media"]["rtp"]["from"]
ok = True
for b in c["branches"]:
    s = sdp_streams(b["sdp"] or "")
    k = "%s:%d" % (s[0]["c"], s[0]["port"]) if s else None
    print(b["contact"], "SDP", k, "packets", srcs.get(k, 0))
    ok = ok and srcs.get(k, 0) >= 20
print("all sources", srcs)
sys.exit(not ok)' "$LAB_DIR" "$J/proxy.json"
check "answered branch: RTP+RTCP proxy -> phone1" python3 "$CHECK" media "$J/phone1.json"
check "answered branch: RTP+RTCP phone1 -> proxy" python3 "$CHECK" media "$J/proxy.json"
check "answered branch: phone1's RTP came from its 200's SDP address" \
	python3 "$CHECK" from "$J/proxy.json" remote_sdp --min 100
check "phone1's RTP after the 200 (not only early media)" \
	python3 "$CHECK" mark "$J/phone1.json" final --after --min-rtp 100
P1=($(pub_ports "$J/proxy.json" 'd["calls"][0]["remote_sdp"]'))
probe_closed "after the BYE phone1's public RTP port ${P1[0]:-?} is closed" \
	"$NS_P1" $PHONE1 40000 "${P1[0]:-}" 50000 1
probe_closed "after the BYE phone1's public RTCP port ${P1[1]:-?} is closed" \
	"$NS_P1" $PHONE1 40001 "${P1[1]:-}" 50001 4
check "no private address reaches the outside (inbound fork)" python3 "$CHECK" leak "$J/proxy.json"

# -- inbound, both branches answer: the second 2xx gets ACK and BYE ----------
# A slow proxy (CANCELs 0.5 s after the first 2xx): both phones answer at
# 1 s, so the second 200 arrives before any CANCEL; the proxy ACKs it and
# ends that dialog with a BYE at once (RFC 3261 13.2.2.4).  That phone's
# pinholes close while the other call goes on.
[ "$MODE" = sipalg ] && snap_start
ua_bg "$NS_O" proxy3 forker --local $REGISTRAR --user caller --forks 2 \
	--rtp-port 50200 --packets 200 --cancel-delay 0.5 --timeout 15
ua_bg "$NS_P1" phone1b register --local $PHONE1 --user phone1 \
	--registrar $REGISTRAR --serve 1 --early-media 1 --rtp-port 40200 \
	--packets 200 --timeout 20
ua_bg "$NS_P2" phone2b register --local $PHONE2 --user phone2 \
	--registrar $REGISTRAR --serve 1 --early-media 1 --rtp-port 40200 \
	--packets 200 --timeout 20
# The branch that answered second (BYE'd): its phone's namespace and ports.
second() {
	json "$J/proxy3.json" '[b["contact"].split(":")[1].split("@")[0] for b in d["calls"][0]["branches"] if b.get("bye_response")][0]'
}
wait_until 10 second
LOSER=$(second 2>/dev/null)
case $LOSER in
phone1) L_NS=$NS_P1 L_IP=$PHONE1 W_IP=$PHONE2;;
*) L_NS=$NS_P2 L_IP=$PHONE2 W_IP=$PHONE1;;
esac
L=($(pub_ports "$J/proxy3.json" '[b["sdp"] for b in d["calls"][0]["branches"] if b.get("bye_response")][0]'))
if [ "$MODE" = sipalg ]; then
	sleep 0.3
	check "two 200s: the BYE'd branch's binding ($L_IP . 40200) gone, the answered one's ($W_IP . 40200) still there" \
		sh -c "r() { ip netns exec $NS_R nft list table ip sipalg; }; ! r | grep -qF '$L_IP . 40200' && r | grep -qF '$W_IP . 40200'"
fi
probe_closed "two 200s: after its BYE ${LOSER:-?}'s public RTP port ${L[0]:-?} is closed" \
	"$L_NS" $L_IP 40200 "${L[0]:-}" 50200 5
bg_stop phone1b 15
bg_stop phone2b 15
bg_stop proxy3 5
[ "$MODE" = sipalg ] && snap_stop
check "two 200s: both branches answered 200, no CANCEL sent, the second BYE'd 200" test \
	"$(json "$J/proxy3.json" 'sorted((b["final"], "t_cancel" in b, b.get("bye_response") or 0) for b in d["calls"][0]["branches"])')" \
	= '[[200, false, 0], [200, false, 200]]'
check "two 200s: the call goes on with the first, BYE 200 at the end (proxy)" \
	python3 "$CHECK" status "$J/proxy3.json"
check "two 200s: both phones' calls ended by BYE" \
	sh -c "python3 '$CHECK' status '$J/phone1b.json' && python3 '$CHECK' status '$J/phone2b.json'"
check "two 200s: answered branch: RTP to the proxy from its 200's SDP address" \
	python3 "$CHECK" from "$J/proxy3.json" remote_sdp --min 100
W_FILE=$J/phone1b.json
[ "$LOSER" = phone1 ] && W_FILE=$J/phone2b.json
check "two 200s: answered phone got RTP+RTCP after its 200" \
	sh -c "python3 '$CHECK' mark '$W_FILE' final --after --min-rtp 100 && python3 '$CHECK' media '$W_FILE'"
check "no private address reaches the outside (two 200s)" python3 "$CHECK" leak "$J/proxy3.json"

# -- outbound: two early dialogs, the 200 from one ---------------------------
ua_bg "$NS_O" peer uas --local $PEER --user peer --rtp-port 50000 --fork \
	--timeout 20
ua "$NS_P1" phone1o uac --local $PHONE1 --user phone1 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40100 --timeout 6
bg_stop peer 3
check "outbound fork: call completes (phone)" python3 "$CHECK" status "$J/phone1o.json"
check "outbound fork: call completes (peer)" python3 "$CHECK" status "$J/peer.json"
check "outbound fork: phone got 18x from two To-tags, 200 from the second" python3 -B -c '
import json, sys
sys.path.insert(0, sys.argv[1])
from sipua import Msg
d = json.load(open(sys.argv[2]))
tags = []
for r in d["received"]:
    m = Msg(r["data"].encode("latin-1"))
    if not m.is_request and m.cseq()[1] == "INVITE" and m.code > 100:
        tags.append((m.code, m.tag("to")))
print(tags)
t18 = {t for c, t in tags if c < 200}
t200 = {t for c, t in tags if c == 200}
sys.exit(not (len(t18) == 2 and len(t200) == 1 and t200 <= t18 and tags[0][1] not in t200))
' "$LAB_DIR" "$J/phone1o.json"
check "outbound fork: RTP+RTCP both ways" \
	sh -c "python3 '$CHECK' media '$J/phone1o.json' && python3 '$CHECK' media '$J/peer.json'"
check "outbound fork: phone's media goes to the 200's SDP" python3 -B -c '
import json, sys
c = json.load(open(sys.argv[1]))["calls"][0]
print("sent to", c["media"]["rtp"]["sent_to"])
sys.exit(c["media"]["rtp"]["sent_to"] != sys.argv[2])' "$J/phone1o.json" "$PEER:50000"
check "outbound fork: media leaves from the advertised public ports" python3 "$CHECK" symmetric "$J/peer.json"
check "no private address reaches the outside (outbound fork)" python3 "$CHECK" leak "$J/peer.json"
lab_finish
