#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_ipv6.sh [MODE] - phones with global IPv6 addresses behind the router's
# stateful firewall (ip6tables FORWARD policy DROP, ESTABLISHED,RELATED
# and lan0 -> wan0 accepted; no NAT):
#   phone1 2001:db8:1::10 ─ lan0 [router] wan0 ─ registrar 2001:db8:2::10
#                                                 peer      2001:db8:2::20
# The phone registers; its flow to the registrar is then deleted from
# conntrack (what its expiry does on a quiet line); the registrar and then
# another host call the registered Contact: the INVITE must reach the
# phone and the caller's media (sent first) too.  After BYE a probe to the
# phone's media port must not arrive.  The phone then calls out and the far
# end sends media first.  sipalgd opens pinholes for these (table ip6
# sipalg, set pin6), the kernel helper its expectations, plain NAT nothing.
# sipalgd only: a restart (the unit's stop and start commands, restart_grace
# 5 s) while the phone is registered and in a call; after the grace, with
# the phone's flows forgotten, the registrar's INVITE still rings it (no
# re-registration) and the far end's media still reaches the call's port.
GW_CONF_EXTRA="restart_grace = 5s"
. "$(dirname "$0")/lib.sh"
. "$LAB_DIR/lab_ipv6.sh"
lab_up
lab_ipv6_up

# PCAP_OUT=FILE: record the SIP crossing wan0 (pcap/in/lab--ipv6-*.pcap
# was made this way).
if [ -n "${PCAP_OUT:-}" ]; then
	bg "$NS_R" tcpdump tcpdump -i wan0 -U -w "$PCAP_OUT" port 5060
	wait_until 5 grep -q listening "$WORK/tcpdump.stderr"
fi

# 1. Registration, then the phone's flow to the registrar expires.
s6_bg "$NS_O" registrar registrar --addr $REG6
wait_file "$WORK/registrar.json.ready"
s6_bg "$NS_P1" phone phone --addr $P6 --registrar $REG6 --serve 30 \
	--linger 1.5
wait_file "$WORK/phone.json.registered" 10
bg_stop registrar 5
check "IPv6 REGISTER answered 200" test "$(json "$WORK/registrar.json" \
	'd["registered"] is not None')" = True
v6_flows_forget
ctl() { r "$TOP/build/sipalgctl" -s "$WORK/control" "$@"; }
if [ "$MODE" = sipalg ]; then
	# The operator sees the IPv6 registration and its pinhole, and the
	# listing has as many bindings as the kernel's sets hold elements.
	ctl --json registrations >"$WORK/regs6.json"
	check "sipalgctl registrations lists the IPv6 phone (AOR, Contact)" \
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if any(x["aor"] == "sip:alice@example.org" and x["contact"] == "[2001:db8:1::10]:5060" and x.get("family") == "ipv6" for x in d) else 1)' "$WORK/regs6.json"
	ctl --json bindings >"$WORK/binds6.json"
	n_kernel=$(r nft -j list set ip6 sipalg pin6 | python3 -c 'import json,sys; print(sum(1 for o in json.load(sys.stdin)["nftables"] if "set" in o for e in o["set"].get("elem", [])))')
	check "sipalgctl bindings: the IPv6 pinholes, as many as the kernel's pin6 set holds ($n_kernel)" \
		python3 -c 'import json,sys; d=[x for x in json.load(open(sys.argv[1])) if x.get("family") == "ipv6"]; print(d); sys.exit(0 if len(d) == int(sys.argv[2]) > 0 and d[0]["inside"] == "[2001:db8:1::10]:5060" else 1)' "$WORK/binds6.json" "$n_kernel"
fi

# 2. The registrar calls the registered Contact; media from it first.
s6 "$NS_O" call_reg caller --addr $REG6 --target "[$P6]:5060" \
	--rtp-port 40000
check "registrar's INVITE to the registered Contact answered" \
	test "$(json "$WORK/call_reg.json" 'd["answered"]')" = True
check "media both ways (registrar -> phone reached the phone)" \
	test "$(json "$WORK/call_reg.json" 'd["rtp_back"] > 0')" = True
check "registrar's BYE answered" \
	test "$(json "$WORK/call_reg.json" 'd.get("bye_ok")')" = True

# 3. Another host calls the registered Contact.  While the call is up
# (sipalgd: the phone's media pinhole is open) a third host that learnt
# the Call-ID sends a BYE with tags of its own: the call's pinholes stay.
# A scanner then sends requests to guessed users at the registered
# Contact's address and port: none reaches the phone (issue 11).
SCAN6=2001:db8:2::30
ip -n "$NS_O" addr add $SCAN6/64 dev eth0 nodad
s6_bg "$NS_O" call_peer caller --addr $PEER6 --sip-port 5070 \
	--target "[$P6]:5060" --rtp-port 40002 --callid forge-me@caller
if [ "$MODE" = sipalg ]; then
	wait_until 5 sh -c "ip netns exec $NS_R nft list set ip6 sipalg pin6 | grep -q '$P6 . 8000 '"
fi
sip6_send() {	# sip6_send FROM TEXT... - one datagram each to [P6]:5060
	in_ns "$NS_O" python3 - "$@" <<'PY'
import socket, sys, time
src, msgs, p6 = sys.argv[1], sys.argv[2:], "2001:db8:1::10"
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind((src, 5090))
for m in msgs:
    s.sendto(m.replace("\n", "\r\n").encode(), (p6, 5060))
    time.sleep(0.05)
PY
}
sip6_send $SCAN6 "BYE sip:alice@[$P6]:5060 SIP/2.0
Via: SIP/2.0/UDP [$SCAN6]:5090;branch=z9hG4bKforge
From: <sip:bob@[$PEER6]>;tag=forged
To: <sip:alice@[$P6]:5060>;tag=p1
Call-ID: forge-me@caller
CSeq: 9 BYE
Content-Length: 0

"
if [ "$MODE" = sipalg ]; then
	sleep 0.3
	check "a BYE with other tags from $SCAN6 leaves the call's media pinhole open" \
		sh -c "ip netns exec $NS_R nft list set ip6 sipalg pin6 | grep -q '$P6 . 8000 '"
fi
bg_wait call_peer
for u in 100 admin; do
	sip6_send $SCAN6 "INVITE sip:$u@[$P6]:5060 SIP/2.0
Via: SIP/2.0/UDP [$SCAN6]:5090;branch=z9hG4bKscan$u
From: <sip:scan@[$SCAN6]>;tag=s$u
To: <sip:$u@[$P6]:5060>
Call-ID: scan-$u@scanner
CSeq: 1 INVITE
Content-Length: 0

" "OPTIONS sip:$u@[$P6]:5060 SIP/2.0
Via: SIP/2.0/UDP [$SCAN6]:5090;branch=z9hG4bKopt$u
From: <sip:scan@[$SCAN6]>;tag=o$u
To: <sip:$u@[$P6]:5060>
Call-ID: opt-$u@scanner
CSeq: 1 OPTIONS
Content-Length: 0

"
done
check "another host's INVITE to the registered Contact answered" \
	test "$(json "$WORK/call_peer.json" 'd["answered"]')" = True
check "media both ways with the other host" \
	test "$(json "$WORK/call_peer.json" 'd["rtp_back"] > 0')" = True

# 4. After BYE the media pinhole is closed: a probe does not arrive.
touch "$WORK/phone.json.stop"
wait_file "$WORK/phone.json.linger" 10
s6 "$NS_O" probe probe --addr $PEER6 --target "[$P6]:8000" --packets 10
bg_stop phone 10
check "phone received both INVITEs, none of the scanner's" \
	test "$(json "$WORK/phone.json" 'len(d["invites"])')" = 2
check "pinhole closed after BYE: probe to the media port lost" \
	test "$(json "$WORK/phone.json" 'd["after"]')" = 0

# 5. The phone calls out; the far end sends media first.
s6_bg "$NS_O" answerer answerer --addr $PEER6 --sip-port 5060 \
	--rtp-port 40004
wait_file "$WORK/answerer.json.ready"
s6 "$NS_P1" call_out caller --addr $P6 --sip-port 5062 \
	--target "[$PEER6]:5060" --rtp-port 8002 --far-first
bg_stop answerer 10
check "outbound IPv6 call answered" \
	test "$(json "$WORK/call_out.json" 'd["answered"]')" = True
check "far end's media (sent first) reached the silent phone" \
	test "$(json "$WORK/call_out.json" 'd.get("rtp_first", 0) > 0')" = True
check "phone's media reached the far end" \
	test "$(json "$WORK/answerer.json" 'd["rtp_in"] > 0')" = True

# 5b. The same over TCP, the INVITE in two segments: nothing is rewritten
# over IPv6, but the stream's messages open (and BYE closes) the holes.
s6_bg "$NS_O" answerer_tcp answerer --tcp --addr $PEER6 --sip-port 5060 \
	--rtp-port 40008
wait_file "$WORK/answerer_tcp.json.ready"
if [ "$MODE" = sipalg ]; then
	# sipalgctl calls while the call is up (snapshots until it ends).
	bg "$NS_R" calls6 sh -c 'for i in $(seq 60); do "$0" -s "$1" --json calls; echo; sleep 0.1; done' \
		"$TOP/build/sipalgctl" "$WORK/control"
fi
s6 "$NS_P1" call_tcp caller --tcp --addr $P6 --sip-port 5064 \
	--target "[$PEER6]:5060" --rtp-port 8004 --far-first
bg_stop answerer_tcp 10
if [ "$MODE" = sipalg ]; then
	bg_stop calls6 10
	check "sipalgctl calls listed the IPv6 call over TCP with its pinholes" \
		python3 -c 'import json,sys
txt, dec, i, seen = open(sys.argv[1]).read(), json.JSONDecoder(), 0, False
while True:
    while i < len(txt) and txt[i].isspace():
        i += 1
    if i >= len(txt):
        break
    snap, i = dec.raw_decode(txt, i)
    for c in snap:
        if c.get("family") == "ipv6" and c["phone"] == "2001:db8:1::10" and any(s["inside"] == "[2001:db8:1::10]:8004" for s in c["streams"]):
            seen = True
sys.exit(0 if seen else 1)' "$WORK/calls6.stdout"
fi
check "IPv6 call over TCP (INVITE in 2 segments) answered" \
	test "$(json "$WORK/call_tcp.json" 'd["answered"]')" = True
check "over TCP: far end's media (sent first) reached the silent phone" \
	test "$(json "$WORK/call_tcp.json" 'd.get("rtp_first", 0) > 0')" = True
check "over TCP: phone's media reached the far end; BYE answered" \
	test "$(json "$WORK/call_tcp.json" 'd.get("bye_ok")')$(json "$WORK/answerer_tcp.json" 'd["rtp_in"] > 0')" = TrueTrue

# 5c. A phone registered over TCP, whose registration connection is gone:
# the registrar opens a new TCP connection to the registered Contact
# (sipalgd: a TCP hole for the registrar alone, set pin6t) and calls.
s6_bg "$NS_O" registrar_tcp registrar --tcp --addr $REG6
wait_file "$WORK/registrar_tcp.json.ready"
s6_bg "$NS_P1" phone_tcp phone --tcp --addr $P6 --registrar $REG6 \
	--serve 12 --rtp-port 8032
wait_file "$WORK/phone_tcp.json.registered" 10
bg_stop registrar_tcp 5
check "IPv6 REGISTER over TCP answered 200" \
	test "$(json "$WORK/registrar_tcp.json" 'd["registered"] is not None')" = True
if [ "$MODE" = sipalg ]; then
	check "the registration's TCP hole admits the registrar alone (pin6t: $REG6 . $P6 . 5060)" \
		sh -c "ip netns exec $NS_R nft list set ip6 sipalg pin6t | grep -q '$REG6 . $P6 . 5060 '"
fi
s6 "$NS_O" call_regtcp caller --tcp --addr $REG6 --sip-port 5074 \
	--target "[$P6]:5060" --rtp-port 40032
touch "$WORK/phone_tcp.json.stop"
bg_stop phone_tcp 10
check "the registrar's new TCP connection to the Contact: INVITE answered, media both ways" \
	test "$(json "$WORK/call_regtcp.json" 'd.get("answered")')$(json "$WORK/call_regtcp.json" 'd.get("rtp_back", 0) > 0')" = TrueTrue

[ -z "${PCAP_OUT:-}" ] || { sleep 0.5; kill "$(cat "$WORK/tcpdump.pid")"; }

# 5c. sipalgd restarts (the unit's commands, restart_grace 5 s) while the
# phone is registered and in a call that nobody hangs up; the pinholes are
# taken over from table ip6 sipalg and the state file, not re-made empty.
if [ "$MODE" = sipalg ]; then
	s6_bg "$NS_O" registrar3 registrar --addr $REG6
	wait_file "$WORK/registrar3.json.ready"
	s6_bg "$NS_P1" phone3 phone --addr $P6 --registrar $REG6 --serve 40 \
		--rtp-port 8006
	wait_file "$WORK/phone3.json.registered" 10
	bg_stop registrar3 5
	s6_bg "$NS_O" answerer_r answerer --addr $PEER6 --sip-port 5060 \
		--rtp-port 40010 --packets 5 --timeout 6
	wait_file "$WORK/answerer_r.json.ready"
	s6 "$NS_P1" call_hold caller --addr $P6 --sip-port 5066 \
		--target "[$PEER6]:5060" --rtp-port 8010 --hold
	check "restart: the phone registered again and its held call answered" \
		test "$(json "$WORK/registrar3.json" 'd["registered"] is not None')$(json "$WORK/call_hold.json" 'd["answered"]')" = TrueTrue
	check "the held call's pinholes are in pin6 before the restart" \
		sh -c "ip netns exec $NS_R nft list set ip6 sipalg pin6 | grep -q '$P6 . 8010 '"
	lines=$(wc -l <"$DAEMON_LOG")
	pin6_stopped() { r nft list set ip6 sipalg pin6 >"$WORK/pin6-stopped.nft"; }
	check "restart with the unit's commands (TERM, remove --keep-bindings, install, start)" \
		gw_unit_restart TERM pin6_stopped
	check "between stop and start the registration's and the call's holes stay, none longer than restart_grace" \
		sh -c "grep -q '$P6 . 5060 ' '$WORK/pin6-stopped.nft' &&
		       grep -q '$P6 . 8010 ' '$WORK/pin6-stopped.nft' &&
		       ! grep -E 'expires ([0-9]+[dh]|[0-9]+m([^s]|\$)|[6-9]s|[0-9]{2,}s)' '$WORK/pin6-stopped.nft'"
	t_restart=$(date +%s)
	v6_flows_forget
	check "the new run restored the IPv6 call and registration from the state file" \
		sh -c "tail -n +$((lines + 1)) '$DAEMON_LOG' |
		       grep -qE 'state file .*: 1 IPv6 calls and 1 IPv6 registrations restored \(3 pinholes\)'"
	bg_stop answerer_r 8
	s6_bg "$NS_P1" lhold listen --addr $P6 --rtp-port 8010 --serve 20
	s6_bg "$NS_P1" lnone listen --addr $P6 --rtp-port 8012 --serve 20
	wait_file "$WORK/lhold.json.ready"
	wait_file "$WORK/lnone.json.ready"
	sleep $((t_restart + 6 - $(date +%s) > 0 ? t_restart + 6 - $(date +%s) : 0))
	r nft list set ip6 sipalg pin6 >"$WORK/pin6-after-grace.nft"
	check "$(( $(date +%s) - t_restart )) s after the restart (grace 5 s) pin6 still holds the registration's and the call's holes" \
		sh -c "grep -q '$P6 . 5060 ' '$WORK/pin6-after-grace.nft' &&
		       grep -q '$P6 . 8010 ' '$WORK/pin6-after-grace.nft'"
	s6 "$NS_O" probe_hold probe --addr $PEER6 --target "[$P6]:8010" --packets 10
	s6 "$NS_O" probe_none probe --addr $PEER6 --target "[$P6]:8012" --packets 10
	sleep 0.3
	touch "$WORK/lhold.json.stop" "$WORK/lnone.json.stop"
	bg_stop lhold 5; bg_stop lnone 5
	check "after the grace the far end's media reaches the held call's port from a new flow ($(json "$WORK/lhold.json" 'd["got"]') of 10)" \
		test "$(json "$WORK/lhold.json" 'd["got"] >= 8')" = True
	check "the same to a port no call opened is dropped ($(json "$WORK/lnone.json" 'd["got"]') of 10)" \
		test "$(json "$WORK/lnone.json" 'd["got"]')" = 0
	v6_flows_forget
	s6 "$NS_O" call_reg3 caller --addr $REG6 --target "[$P6]:5060" \
		--rtp-port 40012
	touch "$WORK/phone3.json.stop"
	bg_stop phone3 10
	check "after the grace the registrar's INVITE rings the phone, which never registered again" \
		test "$(json "$WORK/call_reg3.json" 'd["answered"]')$(json "$WORK/phone3.json" 'len(d["invites"])')" = True1
	check "media both ways on that call" \
		test "$(json "$WORK/call_reg3.json" 'd["rtp_back"] > 0')$(json "$WORK/phone3.json" 'd["rtp"] > 0')" = TrueTrue
fi


# 6. RFC 5118 torture messages and a REGISTER too big for one packet
# (fragmented by the phone, reassembled by the router's conntrack before
# the queue): all reach the registrar byte for byte.
big=$WORK/big-register.dat
python3 - "$big" "$P6" "$REG6" <<'PY'
import sys
out, p, r = sys.argv[1:]
pad = "X-Pad: " + "a" * 2400 + "\r\n"
msg = ("REGISTER sip:[%s] SIP/2.0\r\n"
       "Via: SIP/2.0/UDP [%s]:5060;branch=z9hG4bKbig\r\n"
       "From: <sip:big@example.org>;tag=b\r\nTo: <sip:big@example.org>\r\n"
       "Call-ID: big@phone\r\nCSeq: 1 REGISTER\r\n"
       "Contact: <sip:big@[%s]:5090>\r\n%sContent-Length: 0\r\n\r\n"
       % (r, p, p, pad))
open(out, "w").write(msg)
PY
s6_bg "$NS_O" sink sink --addr $REG6 --serve 4
wait_file "$WORK/sink.json.ready"
set -- "$TOP"/tests/corpus/rfc5118/wire/*.dat "$big"
files=
for f in "$@"; do files="$files --file $f"; done
# shellcheck disable=SC2086
s6 "$NS_P1" send send --addr $P6 --sip-port 5060 --target "[$REG6]:5060" \
	$files
bg_stop sink 8
check "RFC 5118 messages and a fragmented 2.5 KB REGISTER arrive byte for byte" \
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["sent"]; g=json.load(open(sys.argv[2]))["got"]; print(len(s), len(g)); sys.exit(0 if s == g else 1)' \
	"$WORK/send.json" "$WORK/sink.json"

if [ "$MODE" = sipalg ]; then
	check "daemon still running" kill -0 "$DAEMON_PID"
	pins() { r nft list set ip6 sipalg pin6 2>/dev/null; }
	check "only the registration pinhole is left after the calls" \
		sh -c "set -e; s=\$(ip netns exec $NS_R nft list set ip6 sipalg pin6); echo \"\$s\"; echo \"\$s\" | grep -q '2001:db8:1::10 . 5060'; ! echo \"\$s\" | grep -q ' . 800[0-5]'"
	kill -USR1 "$DAEMON_PID"
	wait_until 5 grep -q 'stats: packets' "$DAEMON_LOG"
	check "IPv6 messages pass unchanged (no NAT: nothing rewritten)" \
		grep -q 'stats: packets [1-9][0-9]* rewritten 0 ' "$DAEMON_LOG"
	# The held call's media flowed over UDP and its BYE came through the
	# queue: its flow went from conntrack with its pinholes.
	check "the ended UDP call's media flow was deleted (flows-deleted > 0)" \
		sh -c "grep 'stats: packets' '$DAEMON_LOG' | tail -n 1 | grep -q 'flows-deleted [1-9]'"
	check "the log counts the forged BYE as ignored" \
		grep -q "policy: ignored: tags name no dialog of the call" "$DAEMON_LOG"
	check "the log counts the scanner's requests as dropped" \
		grep -q "dropped: out-of-dialog request names no registered Contact" "$DAEMON_LOG"
	check "the fragmented REGISTER reached the daemon reassembled" \
		sh -c "! grep -q 'IP fragment' '$DAEMON_LOG' && grep -q 'stats: packets' '$DAEMON_LOG'"
fi

# 6b. media_from = sdp: a call's pinhole admits only its far end (the
# address its SDP names, the signalling peer), not a third host that
# sends to the phone's media port while the call is up.
if [ "$MODE" = sipalg ]; then
	gw_daemon_stop
	echo "media_from = sdp" >>"$CONF"
	gw_daemon_start || fail "daemon restarted with media_from = sdp"
	v6_flows_forget
	s6_bg "$NS_P1" phone_mf phone --addr $P6 --rtp-port 8030 --serve 12
	wait_file "$WORK/phone_mf.json.ready"
	s6_bg "$NS_O" call_mf caller --addr $PEER6 --sip-port 5072 \
		--target "[$P6]:5060" --rtp-port 40030 --packets 30
	wait_until 5 sh -c "ip netns exec $NS_R nft list set ip6 sipalg filt6 | grep -q '$P6 . 8030 '"
	s6 "$NS_O" probe_mf probe --addr $SCAN6 --target "[$P6]:8030" --packets 10
	bg_wait call_mf
	touch "$WORK/phone_mf.json.stop"
	bg_stop phone_mf 10
	check "media_from = sdp: the far end's media reached the phone ($(json "$WORK/phone_mf.json" 'd["rtp_from"].get("2001:db8:2::20", 0)') packets), the call answered" \
		test "$(json "$WORK/call_mf.json" 'd["answered"]')$(json "$WORK/phone_mf.json" 'd["rtp_from"].get("2001:db8:2::20", 0) > 0')" = TrueTrue
	check "media_from = sdp: a third host's packets to the call's pinhole did not ($(json "$WORK/phone_mf.json" 'd["rtp_from"]'))" \
		test "$(json "$WORK/phone_mf.json" '"2001:db8:2::30" not in d["rtp_from"]')" = True
	check "the pre6 filter rule counted the third host's packets" \
		sh -c "ip netns exec $NS_R nft list chain ip6 sipalg pre6 | grep -qE 'counter packets ([1-9][0-9]*) .*drop'"
	check "after the call no filt6 or from6 element is left" \
		sh -c "! ip netns exec $NS_R nft list set ip6 sipalg filt6 | grep -q '$P6 . 8030 ' &&
		       ! ip netns exec $NS_R nft list set ip6 sipalg from6 | grep -q '$P6 . 8030 '"
fi

# 7. An IPv6-only gateway: the outside interface loses its IPv4 address
# and the configuration names none; the daemon (restarted) serves IPv6.
if [ "$MODE" = sipalg ]; then
	gw_daemon_stop
	r ip addr del $GW_OUT/24 dev wan0
	sed -i '/^public_address/d' "$CONF"
	gw_daemon_start || fail "daemon started without an IPv4 address"
	s6_bg "$NS_O" registrar2 registrar --addr $REG6
	wait_file "$WORK/registrar2.json.ready"
	s6_bg "$NS_P1" phone2 phone --addr $P6 --registrar $REG6 --serve 10
	wait_file "$WORK/phone2.json.registered" 10
	bg_stop registrar2 5
	v6_flows_forget
	s6 "$NS_O" call_v6only caller --addr $PEER6 --sip-port 5070 \
		--target "[$P6]:5060" --rtp-port 40006
	touch "$WORK/phone2.json.stop"
	bg_stop phone2 10
	check "IPv6-only gateway: incoming call to the registered phone answered" \
		test "$(json "$WORK/call_v6only.json" 'd["answered"]')" = True
	check "IPv6-only gateway: media both ways" \
		test "$(json "$WORK/call_v6only.json" 'd["rtp_back"] > 0')" = True
	check "IPv6-only gateway: the daemon says so" \
		grep -q 'IPv6 pinholes only' "$DAEMON_LOG"
fi
lab_finish
