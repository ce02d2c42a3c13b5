#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_baresip.sh [MODE] - a real NAT-aware client through the gateway:
# baresip (Debian's baresip-core) with a STUN server configured for its
# media (medianat=stun).
#  1. phone1: registers with the registrar outside, is called by it (auto
#     answer), then calls the peer (dial through its UDP console);
#  2. phone2 with SIP outbound (RFC 5626: sipnat=outbound, an outbound
#     proxy, +sip.instance/reg-id): the registrar grants the flow
#     (Require: outbound, Flow-Timer: 4); baresip keeps it alive with STUN
#     keep-alives on the SIP port, and after 12 s the registrar calls the
#     registered Contact.
# Media both ways in every call (sipua counts what arrives from baresip;
# baresip's log says from where it receives RTP).
. "$(dirname "$0")/lib.sh"
. "$LAB_DIR/lab_baresip.sh"
lab_up baresip socat
J=$WORK
BR=$J/baresip
mkdir -p "$BR"

cons() { in_ns "$NS_P1" socat -u - "UDP:127.0.0.1:5555" <<<"$1"; }
MEDIANAT="medianat=stun;stunserver=stun:$STUN_IP:3478"

lab_stun 150
ua_bg "$NS_O" registrar registrar --local $REGISTRAR --user registrar \
	--expires 300 --call --rtp-port 50100 --packets 350 --timeout 25
baresip_conf "$BR" $PHONE1 "<sip:phone1@$REGISTRAR>;answermode=auto;$MEDIANAT;regint=300;ptime=20;audio_codecs=PCMU" stun.so
bg "$NS_P1" baresip baresip -f "$BR" -v -t 40
bg_wait registrar
ua_bg "$NS_O" peer uas --local $PEER --user peer --rtp-port 50200 \
	--packets 350 --timeout 25
cons "/dial sip:peer@$PEER"
check "baresip's call to the peer established" \
	wait_until 10 grep -q "Call established: sip:peer@$PEER" "$J/baresip.stdout"
sleep 7		# the call's length: media both ways, RTCP (5 s interval)
cons "/hangup"
bg_stop peer 10
cons "/quit"
bg_stop baresip 5

CONTACT=$(json "$J/registrar.json" 'd["binding"]["contact"]' 2>/dev/null)
check "baresip registered ($CONTACT)" test -n "$CONTACT"
check "registered Contact is a public address" \
	sh -c "echo '$CONTACT' | grep -q '@$GW_OUT'"
check "call from the registrar to baresip's Contact completes" \
	python3 "$CHECK" status "$J/registrar.json"
check "RTP baresip -> registrar" python3 "$CHECK" media "$J/registrar.json" --min-rtcp 0
check "baresip's media reaches the registrar from its SDP's address" \
	python3 "$CHECK" symmetric "$J/registrar.json" --stray 5
check "baresip's call to the peer was answered and ended by baresip's BYE" \
	python3 "$CHECK" status "$J/peer.json"
check "baresip's media reaches the peer from its SDP's address" \
	python3 "$CHECK" symmetric "$J/peer.json" --stray 5
check "RTP baresip -> peer" python3 "$CHECK" media "$J/peer.json" --min-rtcp 0
for h in $REGISTRAR:50100 $PEER:50200; do
	check "baresip received RTP from $h (its log)" grep -q \
		"incoming rtp for 'audio' established, receiving from $h" \
		"$J/baresip.stdout"
done

# -- 2. SIP outbound ----------------------------------------------------------
BR2=$J/baresip2
mkdir -p "$BR2"
ua_bg "$NS_O" registrar2 registrar --local $REGISTRAR --user registrar \
	--expires 300 --outbound --flow-timer 4 --hold 12 --call \
	--rtp-port 50100 --packets 350 --timeout 40
baresip_conf "$BR2" $PHONE2 "<sip:phone2@$REGISTRAR>;outbound=\"sip:$REGISTRAR\";sipnat=outbound;answermode=auto;$MEDIANAT;regint=300;ptime=20;audio_codecs=PCMU" stun.so
sed -i 's/^cons_listen.*/cons_listen 127.0.0.1:5556/' "$BR2/config"
bg "$NS_P2" baresip2 baresip -f "$BR2" -v -t 45
bg_wait registrar2
in_ns "$NS_P2" socat -u - "UDP:127.0.0.1:5556" <<<"/quit"
bg_stop baresip2 5

R2=$J/registrar2.json
SRC2=$(json "$R2" 'd["binding"]["source"]' 2>/dev/null)
C2=$(json "$R2" 'd["binding"]["contact"]' 2>/dev/null)
check "outbound: REGISTER answered 200 with Require: outbound" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
reg = [r["data"] for r in d["sent"] if "REGISTER" in r["data"].split("\r\n")[0] or "CSeq:" in r["data"] and "REGISTER" in r["data"]]
ok = [x for x in reg if x.startswith("SIP/2.0 200") and "Require: outbound" in x]
print(len(ok), "200s with Require: outbound")
sys.exit(not ok)' "$R2"
check "outbound: REGISTER carries reg-id and +sip.instance (RFC 5626 4.2)" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = [x["data"] for x in d["received"] if x["data"].startswith("REGISTER")]
print(r[0].split("\r\n")[2:4] if r else "no REGISTER")
sys.exit(not (r and "reg-id=" in r[0] and "+sip.instance" in r[0]))' "$R2"
check "outbound: registered Contact is a public address ($C2)" \
	sh -c "echo '$C2' | grep -q '@$GW_OUT'"
check "outbound: at least 2 STUN keep-alives, every one from the flow ($SRC2)" \
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); k = d.get("keepalives", [])
srcs = sorted({x["from"] for x in k})
print(len(k), "keep-alives from", srcs)
sys.exit(not (len(k) >= 2 and srcs == [sys.argv[2]]))' "$R2" "$SRC2"
check "outbound: call from the registrar after the keep-alives completes" \
	python3 "$CHECK" status "$R2"
check "outbound: RTP baresip -> registrar" python3 "$CHECK" media "$R2" --min-rtcp 0
check "outbound: baresip received RTP from the registrar (its log)" grep -q \
	"incoming rtp for 'audio' established, receiving from $REGISTRAR:50100" \
	"$J/baresip2.stdout"
check "no private address reaches the outside" python3 "$CHECK" leak \
	"$J/registrar.json" "$J/peer.json" "$R2"
lab_finish
