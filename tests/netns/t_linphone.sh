#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_linphone.sh [MODE] - a second real NAT-aware client through the
# gateway: Linphone's console client (Debian's linphone-cli, linphonec 5.x)
# on phone1 with a NAT policy of STUN and ICE, no sound card (wav files
# instead), auto answer, SIP keep-alives off.
#  1. it registers with the registrar outside; its NAT helper re-registers
#     with the received/rport address the 200 told it (a public Contact);
#  2. it calls the peer (typed at its console): the offer carries ICE
#     candidates, the server-reflexive one learned from the STUN server
#     outside; the peer (no ICE) answers, media both ways, linphonec hangs
#     up;
#  3. every SIP flow expires from conntrack (UDP timeouts 4/6 s), then the
#     registrar calls the registered Contact under the policy-drop FORWARD:
#     linphonec answers, media both ways, the registrar hangs up.
# The scripted ends count what arrives from linphonec; a capture on the
# phone's interface counts what reaches it.
LAB_SYSCTL="net.netfilter.nf_conntrack_udp_timeout=4
net.netfilter.nf_conntrack_udp_timeout_stream=6"
. "$(dirname "$0")/lib.sh"
lab_up linphonec script tcpdump
J=$WORK
L=$J/linphone
mkdir -p "$L/home/.local/share/linphone"

# A headless configuration: wav files instead of a sound card (console
# command "soundcard use files"), PCMU only, STUN and ICE through a NAT
# policy, the registrar as its account.  keepalive_period=0: no CRLF
# keep-alives, so nothing but the gateway keeps the registration's way in
# open once the flows expired.
cat >"$L/rc" <<EOF
[sip]
sip_port=5060
sip_tcp_port=-1
sip_tls_port=-1
default_proxy=0
keepalive_period=0
inc_timeout=30
[rtp]
audio_rtp_port=8000
[sound]
echocancellation=0
[net]
nat_policy_ref=lab
[nat_policy_0]
ref=lab
stun_server=$STUN_IP:3478
protocols=stun,ice
[proxy_0]
reg_proxy=<sip:$REGISTRAR>
reg_identity=sip:phone1@$REGISTRAR
reg_expires=300
reg_sendregister=1
[audio_codec_0]
mime=PCMU
rate=8000
channels=1
enabled=1
[audio_codec_1]
mime=opus
rate=48000
channels=2
enabled=0
EOF

lab_stun 90
bg "$NS_P1" tcpdump timeout 80 tcpdump -i eth0 -U -n -w "$J/phone.pcap" udp
wait_until 5 test -s "$J/phone.pcap"
ua_bg "$NS_O" registrar registrar --local $REGISTRAR --user registrar \
	--expires 300 --rebind --call-on "$J/call.now" --call \
	--rtp-port 50100 --packets 250 --timeout 60
ua_bg "$NS_O" peer uas --local $PEER --user peer --rtp-port 50200 \
	--packets 250 --timeout 40

# linphonec runs its core only while readline waits on a terminal: a pty
# (script) between it and the command FIFO.
mkfifo "$L/cmd"
exec 7<>"$L/cmd"	# (opened both ways: opening it to read would block)
# (Not through bg: an asynchronous command's stdin is /dev/null unless
# redirected on that very command.)
ip netns exec "$NS_P1" env HOME="$L/home" timeout 70 \
	script -qfec "linphonec -a -c $L/rc -d 6 -l $L/log" /dev/null \
	<"$L/cmd" >"$J/linphonec.stdout" 2>"$J/linphonec.stderr" &
BG_PIDS="$BG_PIDS $!"
echo $! >"$J/linphonec.pid"
cons() { echo "$1" >&7; }
cons "soundcard use files"
cons "play /usr/share/sounds/linphone/hello8000.wav"

registered() { grep -q "Contact: <sip:phone1@$GW_OUT" "$J/registrar.json"; }
check "linphonec registered (a Contact on the public address arrived)" \
	wait_until 10 registered

# -- 2. linphonec calls the peer ---------------------------------------------
cons "call sip:peer@$PEER"
peer_ok() { python3 -c 'import json,sys; sys.exit(not json.load(open(sys.argv[1]))["calls"])' "$J/peer.json"; }
wait_until 10 peer_ok
sleep 5		# the call's length: media both ways
cons "terminate"
bg_stop peer 5

# -- 3. the registrar calls, after every SIP flow expired ---------------------
no_sip_flow() { ! r conntrack -L -p udp 2>/dev/null | grep -q 'port=5060 '; }
check "every SIP flow expired from conntrack before the registrar's call" \
	wait_until 20 no_sip_flow
touch "$J/call.now"
bg_stop registrar 15
cons "quit"
exec 7>&-
bg_stop linphonec 5
kill "$(cat "$J/tcpdump.pid")" 2>/dev/null
sleep 0.3

R=$J/registrar.json
P=$J/peer.json
CONTACT=$(json "$R" 'd["binding"]["contact"]' 2>/dev/null)
LC="python3 $LAB_DIR/linphone_check.py"
# at_phone SRC PORT - RTP packets from SRC reaching linphonec's port 8000.
at_phone() {
	local n
	n=$(tcpdump -n -r "$J/phone.pcap" "src host $1 and src port $2 and dst port 8000" 2>/dev/null | wc -l)
	echo "$n RTP packets from $1:$2 reached linphonec's port 8000 (need 200)"
	[ "$n" -ge 200 ]
}
check "the registrar's binding is linphonec's public Contact ($CONTACT)" \
	sh -c "echo '$CONTACT' | grep -q '@$GW_OUT[:;>]'"
check "each REGISTER's Contact as linphonec wrote it (public) or rewritten (10.x)" \
	$LC contact "$L/log" "$R" $GW_OUT
check "call to the peer answered, ended by linphonec's BYE" \
	python3 "$CHECK" status "$P"
check "... its offer: srflx candidates = the STUN mappings, c=/m= the srflx one, media from it" \
	$LC ice "$P" "$J/stun.json" $GW_OUT
check "... RTP linphonec -> peer" python3 "$CHECK" media "$P" --min-rtp 200 --min-rtcp 1
check "... media reaches the peer from its SDP's address" \
	python3 "$CHECK" symmetric "$P" --stray 5
check "... RTP peer -> linphonec (at the phone)" at_phone $PEER 50200
check "registrar's call to the registered Contact, after the flows expired, completes" \
	python3 "$CHECK" status "$R"
check "... RTP linphonec -> registrar" python3 "$CHECK" media "$R" --min-rtp 200 --min-rtcp 1
# (--stray: linphonec's packets sent after the far end's BYE went through
# the gateway leave without the call's binding, as plain NAT maps them.)
check "... media reaches the registrar from the answer's address" \
	python3 "$CHECK" symmetric "$R" --stray 5
check "... RTP registrar -> linphonec (at the phone)" at_phone $REGISTRAR 50100
check "no private address reaches the outside" python3 "$CHECK" leak "$R" "$P"
lab_finish
