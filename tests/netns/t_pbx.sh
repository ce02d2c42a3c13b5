#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_pbx.sh [MODE] - a PBX behind the gateway (issue 3, "Topologies"):
# phone2's namespace plays a record-routing proxy at 10.0.0.11:5060
# (sipua.py proxy, Record-Route <sip:10.0.0.11;lr>); phone1 at
# 10.0.0.10:5062 sits behind it.
# 1. Outbound: phone1 calls the peer through the PBX.  The peer sees only
#    public addresses in the top Via, Record-Route, Contact and SDP (the
#    phone's Via below the PBX's is the PBX's business and stays as
#    written).  The peer hangs up: its BYE, sent to its Route (the PBX's
#    public binding), reaches the PBX with the PBX's own Record-Route entry
#    as Route, byte for byte, and the phone's own Contact as Request-URI.
# 2. Inbound: the peer calls phone1@<PBX's public address>; the PBX routes
#    it to phone1.  The 200 reaches the peer with the PBX's Record-Route
#    and phone1's Contact public; the peer's ACK and BYE reach the PBX
#    with its own Route restored and arrive at phone1.
# Media both ways in both calls.
. "$(dirname "$0")/lib.sh"
# The PBX does not anchor media: the phone's Contact and SDP reach the
# gateway in the PBX's messages, which sipalgd binds only for a trusted
# proxy (README "Security"; without it the PBX's own Record-Route and Via
# are bound and the phone's addresses pass as written).
GW_CONF_EXTRA="trusted_proxies = $PHONE2"
lab_up
J=$WORK
PBX=$PHONE2
P1C=$PHONE1:5062

# first_req FILE METHOD EXPR - EXPR (Python, m = the message) for the first
# METHOD request in FILE's received list.
first_req() {
	python3 -B -c '
import json, sys
sys.path.insert(0, sys.argv[1])
from sipua import Msg
for r in json.load(open(sys.argv[2]))["received"]:
    m = Msg(r["data"].encode("latin-1"))
    if (m.method if m.is_request else str(m.code)) == sys.argv[3]:
        print(eval(sys.argv[4]))
        break' "$LAB_DIR" "$@"
}
# proxied FILE METHOD KEY - KEY of the PBX's record of the first METHOD
# request that came from outside.
proxied() {
	json "$1" "[p.get('$3') for p in d['proxied'] if p.get('request') == '$2' and p['from'].startswith('203.')][:1]"
}

# -- 1. outbound through the PBX ------------------------------------------
ua_bg "$NS_P2" pbx proxy --local $PBX --user pbx --calls 1 --timeout 20
ua_bg "$NS_O" peer uas --local $PEER --user peer --rtp-port 50000 \
	--packets 100 --hangup --timeout 20
ua "$NS_P1" phone1 uac --local $P1C --user phone1 --domain $REGISTRAR \
	--target sip:peer@$PEER --dest $PBX:5060 --rtp-port 40000 \
	--packets 150 --expect "ended by remote" --timeout 8
bg_stop peer 3
bg_stop pbx 3

check "outbound: call through the PBX, ended by the peer's BYE (phone)" python3 "$CHECK" status "$J/phone1.json"
check "outbound: peer's BYE answered 200" python3 "$CHECK" status "$J/peer.json"
check "outbound: the PBX relayed the BYE's 200 (PBX)" python3 "$CHECK" status "$J/pbx.json"
check "outbound: peer's INVITE has one Record-Route, public ($GW_OUT)" test \
	"$(first_req "$J/peer.json" INVITE '[__import__("sipua").uri_hostport(__import__("sipua").uri_of(v))[0] for v in m.all("record-route")]')" = "['$GW_OUT']"
check "outbound: peer's INVITE top Via and Contact public" test \
	"$(first_req "$J/peer.json" INVITE '(m.vias()[0].split()[1].split(":")[0], __import__("sipua").uri_hostport(__import__("sipua").uri_of(m.get("contact")))[0])')" = "('$GW_OUT', '$GW_OUT')"
check "outbound: the peer's BYE reached the PBX with its own Route <sip:$PBX;lr>" \
	test "$(proxied "$J/pbx.json" BYE own_route)" = "[\"<sip:$PBX;lr>\"]"
check "outbound: ... and phone1's own Contact as Request-URI" \
	test "$(proxied "$J/pbx.json" BYE request_uri)" = "[\"sip:phone1@$P1C\"]"
check "outbound: phone1 got the BYE" test \
	"$(json "$J/phone1.json" 'd["calls"][0].get("bye_request_uri")')" = "sip:phone1@$P1C"
check "outbound: the phone's ACK went through the PBX to the peer" test \
	"$(json "$J/peer.json" 'd["calls"][0]["ack"]')" = True
check "outbound: phone's 200 carried the PBX's Record-Route as written" test \
	"$(first_req "$J/phone1.json" 200 'm.all("record-route")')" = "['<sip:$PBX;lr>']"
check "outbound: RTP+RTCP both ways" \
	sh -c "python3 '$CHECK' media '$J/phone1.json' && python3 '$CHECK' media '$J/peer.json'"
check "outbound: media leaves from the advertised public ports" python3 "$CHECK" symmetric "$J/peer.json"
check "outbound: phone's strict Via check dropped no response" python3 "$CHECK" nodrop "$J/phone1.json"

# -- 2. inbound through the PBX --------------------------------------------
ua_bg "$NS_P2" pbx2 proxy --local $PBX --user pbx --calls 1 \
	--location phone1=$P1C --timeout 20
ua_bg "$NS_P1" phone1i uas --local $P1C --user phone1 --rtp-port 40100 \
	--packets 100 --timeout 20
ua "$NS_O" peer2 uac --local $PEER --user peer --target sip:phone1@$GW_OUT \
	--rtp-port 50100 --packets 100 --timeout 8
bg_stop phone1i 3
bg_stop pbx2 3

check "inbound: call through the PBX completes (peer)" python3 "$CHECK" status "$J/peer2.json"
check "inbound: phone1 answered, got the BYE (phone)" python3 "$CHECK" status "$J/phone1i.json"
check "inbound: peer's 200 has one Record-Route, public ($GW_OUT)" test \
	"$(first_req "$J/peer2.json" 200 '[__import__("sipua").uri_hostport(__import__("sipua").uri_of(v))[0] for v in m.all("record-route")]')" = "['$GW_OUT']"
check "inbound: the peer's ACK reached the PBX with its own Route <sip:$PBX;lr>" \
	test "$(proxied "$J/pbx2.json" ACK own_route)" = "[\"<sip:$PBX;lr>\"]"
check "inbound: the peer's BYE reached the PBX with its own Route <sip:$PBX;lr>" \
	test "$(proxied "$J/pbx2.json" BYE own_route)" = "[\"<sip:$PBX;lr>\"]"
check "inbound: ACK and BYE reached phone1 with its own Contact as Request-URI" \
	python3 "$CHECK" ruri "$J/phone1i.json" "sip:phone1@$P1C"
check "inbound: RTP+RTCP both ways" \
	sh -c "python3 '$CHECK' media '$J/phone1i.json' && python3 '$CHECK' media '$J/peer2.json'"
check "inbound: media leaves from the advertised public ports" python3 "$CHECK" symmetric "$J/peer2.json"
check "no private address reaches the outside (Via, Contact, Record-Route, Route, SDP)" \
	python3 "$CHECK" leak "$J/peer.json" "$J/peer2.json"
lab_finish
