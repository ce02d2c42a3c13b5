#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_dualstack.sh [MODE] - dual-stack phones: a global IPv6 address behind
# the router's policy-drop firewall (no NAT) and a 10.x IPv4 address behind
# its NAT, on one interface:
#   phone1 2001:db8:1::10 + 10.0.0.10 ─┐          ┌─ peer 2001:db8:2::20
#   phone2 2001:db8:1::11 + 10.0.0.11 ─┴ [router] ┴       + 203.0.113.20
# 1. phone1 calls the peer over IPv6 with an IPv4 audio stream (c=IN IP4
#    10.0.0.10), the peer answers with IPv4 media and sends first: the
#    stream must be bound as an IPv4 call's (the offer names the public
#    address and port, never 10.x), media both ways, the binding closed
#    after BYE (a probe to the public port is lost); then the same over
#    TCP (the stream's length changes: sequence numbers adjusted).
# 2. phone2 calls over IPv6 with SDP naming phone1's IPv4 address: the
#    router's neighbour table shows 10.0.0.10 is not phone2's, so nothing
#    is bound for it (it passes as written, counted).
# 3. The opposite: phone1 calls over IPv4 with an IPv6 stream (c=IN IP6):
#    the IPv4 signalling is rewritten, the IPv6 stream passes untouched
#    and the phone's IPv6 media reaches the peer.
. "$(dirname "$0")/lib.sh"
. "$LAB_DIR/lab_ipv6.sh"
lab_up
lab_ipv6_up
P6B=2001:db8:1::11
v6_on "$NS_P2" eth0
ip -n "$NS_P2" addr add $P6B/64 dev eth0 nodad
ip -n "$NS_P2" -6 route add default via $GW6_IN
# The router learns each phone's two addresses as a dual-stack phone's
# own traffic teaches it
# (ARP and neighbour discovery): one datagram to the router each way.
for ns in "$NS_P1" "$NS_P2"; do
	in_ns "$ns" python3 -c 'import socket,sys
for a, f in ((sys.argv[1], socket.AF_INET), (sys.argv[2], socket.AF_INET6)):
    socket.socket(f, socket.SOCK_DGRAM).sendto(b"hello", (a, 9))' \
		$GW_IN $GW6_IN
done
wait_until 5 sh -c "[ \$(ip -n $NS_R neigh show dev lan0 | grep -c lladdr) -ge 4 ]"
r ip neigh show dev lan0 >"$WORK/neigh.txt"

# 1. phone1: IPv6 signalling, IPv4 media; the far end sends first.
s6_bg "$NS_O" answerer answerer --addr $PEER6 --media $PEER \
	--rtp-port 40020 --packets 10
wait_file "$WORK/answerer.json.ready"
s6 "$NS_P1" call caller --addr $P6 --sip-port 5062 --media $PHONE1 \
	--target "[$PEER6]:5060" --rtp-port 8020 --far-first
bg_stop answerer 10
check "IPv6 call with an IPv4 stream answered" \
	test "$(json "$WORK/call.json" 'd["answered"]')" = True
check "the offer the peer got names the public IPv4 address (no private address)" \
	python3 -c 'import json,sys; t=json.load(open(sys.argv[1])).get("offer", ""); print(t); sys.exit(0 if "c=IN IP4 %s\r" % sys.argv[2] in t and "10.0.0." not in t else 1)' "$WORK/answerer.json" $GW_OUT
check "the IPv6 signalling is not rewritten (Via, Contact name the phone)" \
	python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["invite"]; sys.exit(0 if "Via: SIP/2.0/UDP [2001:db8:1::10]:5062;" in t and "<sip:bob@[2001:db8:1::10]:5062>" in t else 1)' "$WORK/answerer.json"
check "the peer's media (sent first) reached the silent phone over IPv4" \
	test "$(json "$WORK/call.json" 'd.get("rtp_first", 0) > 0')" = True
check "the phone's media reached the peer; BYE answered" \
	test "$(json "$WORK/answerer.json" 'd["rtp_in"] > 0')$(json "$WORK/call.json" 'd.get("bye_ok")')" = TrueTrue
pub=$(json "$WORK/answerer.json" '"%s:%d" % tuple(d["offer_media"]) if d.get("offer_media") else "none:0"')
if [ "$MODE" = sipalg ]; then
	nft_sipalg >"$WORK/after.nft"
	check "after BYE no map element for $PHONE1 . 8020/8021" \
		sh -c "! grep -E '$PHONE1 \. 802[01]([^0-9]|\$)' '$WORK/after.nft'"
fi
# After BYE a probe from the peer to the public port it was given is lost.
s6_bg "$NS_P1" listen listen --addr $PHONE1 --rtp-port 8020 --serve 5
wait_file "$WORK/listen.json.ready"
case $pub in
$GW_OUT:*) s6 "$NS_O" probe probe --addr $PEER --target "$pub" --packets 10;;
esac
sleep 0.3
touch "$WORK/listen.json.stop"
bg_stop listen 5
check "binding closed after BYE: a probe to $pub does not reach the phone" \
	sh -c "case '$pub' in $GW_OUT:*) test \"\$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"got\"])' '$WORK/listen.json')\" = 0;; *) false;; esac"

# 1b. The same over TCP, the INVITE in two segments: the stream's length
# changes (the public address is longer than 10.0.0.10), so every later
# segment's sequence numbers are adjusted, over IPv6 too.
s6_bg "$NS_O" answerer_tcp answerer --tcp --addr $PEER6 --media $PEER \
	--rtp-port 40026 --packets 10
wait_file "$WORK/answerer_tcp.json.ready"
s6 "$NS_P1" call_tcp caller --tcp --addr $P6 --sip-port 5066 --media $PHONE1 \
	--target "[$PEER6]:5060" --rtp-port 8026 --far-first
bg_stop answerer_tcp 10
check "over TCP: answered, the offer names the public IPv4 address (no private address)" \
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); t=json.load(open(sys.argv[2])).get("offer", ""); print(t); sys.exit(0 if c["answered"] and "c=IN IP4 %s\r" % sys.argv[3] in t and "10.0.0." not in t else 1)' "$WORK/call_tcp.json" "$WORK/answerer_tcp.json" $GW_OUT
check "over TCP: media both ways (the peer's first), BYE answered on the adjusted stream" \
	test "$(json "$WORK/call_tcp.json" 'd.get("rtp_first", 0) > 0')$(json "$WORK/answerer_tcp.json" 'd["rtp_in"] > 0')$(json "$WORK/call_tcp.json" 'd.get("bye_ok")')" = TrueTrueTrue

# 2. phone2 names phone1's IPv4 address in its SDP: no binding for it.
s6_bg "$NS_O" answerer2 answerer --addr $PEER6 --media $PEER \
	--rtp-port 40022 --packets 2
wait_file "$WORK/answerer2.json.ready"
s6 "$NS_P2" spoof caller --addr $P6B --sip-port 5062 --media $PHONE2 \
	--sdp-addr $PHONE1 --target "[$PEER6]:5060" --rtp-port 8022 \
	--packets 2
bg_stop answerer2 10
check "phone2's SDP naming phone1's IPv4 address passes as written (not bound)" \
	python3 -c 'import json,sys; t=json.load(open(sys.argv[1])).get("offer", ""); sys.exit(0 if "c=IN IP4 10.0.0.10" in t and "m=audio 8022 " in t else 1)' "$WORK/answerer2.json"
if [ "$MODE" = sipalg ]; then
	nft_sipalg >"$WORK/spoof.nft"
	check "no map element for $PHONE1 . 8022 was made" \
		sh -c "! grep -E '$PHONE1 \. 802[23]([^0-9]|\$)' '$WORK/spoof.nft'"
	check "the log counts it (neighbour table: not phone2's address)" \
		grep -q "policy: dual stack: IPv4 media of an IPv6 message passed as written.*host $P6B" "$DAEMON_LOG"
fi

# 3. The opposite: IPv4 signalling, an IPv6 stream.
s6_bg "$NS_O" answerer3 answerer --addr $PEER --sip-port 5060 --media $PEER6 \
	--rtp-port 40024 --packets 2
wait_file "$WORK/answerer3.json.ready"
s6 "$NS_P1" call4 caller --addr $PHONE1 --sip-port 5064 --media $P6 \
	--target "$PEER:5060" --rtp-port 8024
bg_stop answerer3 10
check "IPv4 call with an IPv6 stream answered" \
	test "$(json "$WORK/call4.json" 'd["answered"]')" = True
check "its IPv6 stream passes untouched (c=IN IP6 and port as the phone wrote them)" \
	python3 -c 'import json,sys; t=json.load(open(sys.argv[1])).get("offer", ""); sys.exit(0 if "c=IN IP6 2001:db8:1::10" in t and "o=- 1 1 IN IP6 2001:db8:1::10" in t and "m=audio 8024 " in t else 1)' "$WORK/answerer3.json"
check "its IPv4 signalling is rewritten (no private address in Via, Contact)" \
	python3 -c 'import json,sys; t=json.load(open(sys.argv[1])).get("invite", ""); print(t); h=[l for l in t.split("\r\n") if l.startswith(("Via:", "Contact:"))]; sys.exit(0 if len(h) == 2 and not any("10.0.0." in l for l in h) else 1)' "$WORK/answerer3.json"
check "the phone's IPv6 media reached the peer" \
	test "$(json "$WORK/answerer3.json" 'd["rtp_in"] > 0')" = True

if [ "$MODE" = sipalg ]; then
	check "daemon still running" kill -0 "$DAEMON_PID"
fi
lab_finish
