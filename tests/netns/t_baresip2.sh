#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_baresip2.sh [MODE] - a real client that knows nothing of the NAT,
# over the later transports: baresip (Debian's baresip-core), no medianat,
# its own address in Contact and SDP.
#  1. SIP over TCP only (<sip:phone1@REGISTRAR;transport=tcp>) behind the
#     NAT: it registers with the registrar outside (tests/netns/tcpua.py),
#     which calls the registered Contact 1 s later over the registration
#     connection (auto answer); then baresip calls the peer over a TCP
#     connection of its own.  The gateway's outside interface is captured:
#     no private address in any reassembled TCP stream.
#  2. IPv6 over UDP, a global address behind the policy-drop firewall of
#     t_ipv6.sh (lab_ipv6.sh): it registers (tests/netns/sip6.py), its flow
#     is deleted from conntrack (what expiry does on a quiet line), then
#     the registrar calls the registered Contact.
# Media both ways in each call (the scripted ends count what arrives from
# baresip; baresip's log says from where it receives RTP).
. "$(dirname "$0")/lab_tcp.sh"
. "$LAB_DIR/lab_baresip.sh"
. "$LAB_DIR/lab_ipv6.sh"
lab_up baresip socat tcpdump
J=$WORK
BR=$J/baresip
mkdir -p "$BR"

if [ "$MODE" = kernel ] && [ "$FIREWALL" != nft ]; then
	# The helper parses SIP over TCP too when attached to the flow.
	r iptables -t raw -A PREROUTING -p tcp --dport 5060 -j CT --helper sip
	r iptables -t raw -A PREROUTING -p tcp --sport 5060 -j CT --helper sip
fi
bg "$NS_R" tcpdump timeout 60 tcpdump -i wan0 -U -s 0 -w "$J/wan.pcap" \
	tcp port 5060
wait_until 5 test -s "$J/wan.pcap"

# No medianat, no STUN: its private address in Contact and SDP.
baresip_conf "$BR" $PHONE1 "<sip:phone1@$REGISTRAR;transport=tcp>;answermode=auto;regint=300;ptime=20;audio_codecs=PCMU"
cons() { in_ns "$NS_P1" socat -u - "UDP:127.0.0.1:5555" <<<"$1"; }

tcp_bg "$NS_O" registrar registrar --ip $REGISTRAR --call-after 1 \
	--hold 4 --rtp-port 50100 --timeout 40
tcp_bg "$NS_O" peer registrar --ip $PEER --hold 4 --rtp-port 50300 \
	--timeout 40
bg "$NS_P1" baresip baresip -f "$BR" -v -t 40
# The registrar's call: 1 s after the REGISTER, 4 s of media, its BYE.
wait_until 12 grep -q "terminated" "$J/baresip.stdout"
cons "/dial sip:peer@$PEER"	# the account adds ;transport=tcp
wait_until 10 grep -q "Call established: sip:peer@$PEER" "$J/baresip.stdout"
sleep 4		# the call's length: media both ways
cons "/hangup"
sleep 1
cons "/quit"
bg_stop baresip 5
bg_stop peer 10
bg_stop registrar 5
sleep 0.5
kill "$(cat "$J/tcpdump.pid")" 2>/dev/null
sleep 0.3

R=$J/registrar.json
P=$J/peer.json
CONTACT=$(json "$R" 'd.get("binding", {}).get("contact")' 2>/dev/null)
check "baresip registered over TCP ($CONTACT)" test -n "$CONTACT" -a "$CONTACT" != None
check "registered Contact is the gateway's public address, transport=tcp" \
	sh -c "echo '$CONTACT' | grep -q '@$GW_OUT:[0-9]*;transport=tcp'"
check "registrar's INVITE over the registration connection answered 200" \
	test "$(json "$R" '[c.get("status") for c in d["calls"] if c["dir"] == "out"]')" = "[200]"
check "... RTP baresip -> registrar" python3 -c '
import json, sys
c = [c for c in json.load(open(sys.argv[1]))["calls"] if c["dir"] == "out"]
print(c and c[0].get("media"))
sys.exit(not (c and c[0].get("media", {}).get("received", 0) >= 50))' "$R"
check "... RTP registrar -> baresip (baresip's log)" grep -q \
	"incoming rtp for 'audio' established, receiving from $REGISTRAR:50200" \
	"$J/baresip.stdout"
check "... registrar's BYE answered 200" \
	test "$(json "$R" '[c.get("bye") for c in d["calls"] if c["dir"] == "out"]')" = "[200]"
check "baresip's call to the peer over TCP answered, ended by baresip's BYE" \
	test "$(json "$P" '[c.get("bye") for c in d["calls"]]')" = "[true]"
check "... RTP baresip -> peer" python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["calls"]
print(c and c[0].get("media"))
sys.exit(not (c and c[0]["media"]["received"] >= 50))' "$P"
check "... RTP peer -> baresip (baresip's log)" grep -q \
	"incoming rtp for 'audio' established, receiving from $PEER:50300" \
	"$J/baresip.stdout"
check "... the INVITE the peer got names no private address" python3 -c '
import json, re, sys
m = [r["data"] for r in json.load(open(sys.argv[1]))["received"]
     if r["data"].startswith("INVITE ")]
print(len(m), "INVITE(s)")
sys.exit(not m or bool(re.search(r"\b10\.\d+\.\d+\.\d+", m[0])))' "$P"
check "no connection reset" python3 "$TCPSTREAMS" rst "$J/wan.pcap"
check "no private address in any reassembled TCP stream outside" \
	python3 "$TCPSTREAMS" leak "$J/wan.pcap" --all

# -- 2. IPv6, UDP, behind the policy-drop firewall ---------------------------
lab_ipv6_up
BR6=$J/baresip6
mkdir -p "$BR6"
baresip_conf "$BR6" "[$P6]" "<sip:phone1@[$REG6]>;answermode=auto;regint=300;ptime=20;audio_codecs=PCMU"
s6_bg "$NS_O" registrar6 registrar --addr $REG6 --timeout 10
wait_file "$J/registrar6.json.ready"
bg "$NS_P1" baresip6 baresip -6 -f "$BR6" -v -t 30
bg_wait registrar6
C6=$(json "$J/registrar6.json" 'd["registered"]' 2>/dev/null)
C6=${C6#<}; C6=${C6%%>*}
check "IPv6: baresip registered over UDP ($C6)" \
	sh -c "echo '$C6' | grep -q '^sip:.*@\[$P6\]'"
v6_flows_forget
s6 "$NS_O" call6 caller --addr $REG6 --target "[$P6]:5060" --ruri "$C6" \
	--rtp-port 40000 --packets 150
# A registrar again for the un-REGISTER at /quit (else baresip retries it
# for 32 s before it exits).
s6_bg "$NS_O" unreg6 registrar --addr $REG6 --timeout 6
wait_file "$J/unreg6.json.ready"
cons "/quit"
bg_stop baresip6 6
bg_stop unreg6 1
check "IPv6: the registrar's INVITE after the flow expired answered" \
	test "$(json "$J/call6.json" 'd["answered"]')" = True
check "IPv6: RTP baresip -> registrar" \
	test "$(json "$J/call6.json" 'd["rtp_back"] >= 50')" = True
check "IPv6: RTP registrar -> baresip (baresip's log)" grep -q \
	"incoming rtp for 'audio' established, receiving from \[$REG6\]:40000" \
	"$J/baresip6.stdout"
check "IPv6: the registrar's BYE answered" \
	test "$(json "$J/call6.json" 'd.get("bye_ok")')" = True
lab_finish
