#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_linphone.sh [MODE] - a second real NAT-aware client through the
# gateway: Linphone's console client (Debian's linphone-cli, linphonec 5.x),
# no sound card (wav files instead), auto answer, SIP keep-alives off.
# Two passes, each with its own linphonec, registrar and peer:
#   phone1: a NAT policy of STUN and ICE with the STUN server outside;
#   phone2: no NAT policy (not NAT-aware; its private address everywhere).
# In each:
#  1. it registers with the registrar outside (behind plain NAT its NAT
#     helper re-registers with the received/rport the 200 told it);
#  2. it calls the peer (typed at its console); phone1's offer carries ICE
#     candidates, the server-reflexive ones learned from the STUN server;
#     the peer (no ICE) answers, media both ways, linphonec hangs up;
#  3. every SIP flow expires from conntrack (UDP timeouts 4/6 s), then the
#     registrar calls the registered Contact under the policy-drop FORWARD:
#     linphonec answers, media both ways, the registrar hangs up.
# The scripted ends count what arrives from linphonec; a capture on the
# phone's interface counts what reaches it; linphonec's debug log says
# what it sent.
LAB_SYSCTL="net.netfilter.nf_conntrack_udp_timeout=4
net.netfilter.nf_conntrack_udp_timeout_stream=6"
. "$(dirname "$0")/lib.sh"
lab_up linphonec script tcpdump
J=$WORK
LC="python3 $LAB_DIR/linphone_check.py"

# linphone_rc FILE USER NATPOLICY - a headless configuration: wav files
# instead of a sound card (console command "soundcard use files"), PCMU
# only, the registrar as its account; NATPOLICY 1: STUN and ICE.
# keepalive_period=0: no CRLF keep-alives, so nothing but the gateway
# keeps the registration's way in open once the flows expired.
linphone_rc() {
	cat >"$1" <<-EOF
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
	[proxy_0]
	reg_proxy=<sip:$REGISTRAR>
	reg_identity=sip:$2@$REGISTRAR
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
	[ "$3" = 1 ] || return 0
	cat >>"$1" <<-EOF
	[net]
	nat_policy_ref=lab
	[nat_policy_0]
	ref=lab
	stun_server=$STUN_IP:3478
	protocols=stun,ice
	EOF
}

no_sip_flow() { ! r conntrack -L -p udp 2>/dev/null | grep -q 'port=5060 '; }

# linphone_run TAG NS IP USER NATPOLICY - the three steps above with
# linphonec (home, config and log in $J/TAG) and results TAG.registrar,
# TAG.peer, TAG.pcap.
linphone_run() {
	local tag=$1 ns=$2 ip=$3 user=$4 natp=$5 L=$J/$1
	mkdir -p "$L/home/.local/share/linphone"
	linphone_rc "$L/rc" "$user" "$natp"
	bg "$ns" "$tag.tcpdump" timeout 60 tcpdump -i eth0 -U -n \
		-w "$J/$tag.pcap" udp
	wait_until 5 test -s "$J/$tag.pcap"
	ua_bg "$NS_O" "$tag.registrar" registrar --local $REGISTRAR \
		--user registrar --expires 300 --rebind \
		--call-on "$L/call.now" --call --rtp-port 50100 \
		--packets 200 --timeout 45
	ua_bg "$NS_O" "$tag.peer" uas --local $PEER --user peer \
		--rtp-port 50200 --packets 200 --timeout 30

	# linphonec runs its core only while readline waits on a terminal: a
	# pty (script) between it and the command FIFO, opened both ways
	# (opening it to read alone would block).  Not through bg: an
	# asynchronous command's stdin is /dev/null unless redirected on that
	# very command.
	mkfifo "$L/cmd"
	exec 7<>"$L/cmd"
	ip netns exec "$ns" env HOME="$L/home" timeout 50 \
		script -qfec "linphonec -a -c $L/rc -d 6 -l $L/log" /dev/null \
		<"$L/cmd" >"$J/$tag.stdout" 2>"$J/$tag.stderr" &
	BG_PIDS="$BG_PIDS $!"
	echo $! >"$J/$tag.pid"
	cons "soundcard use files"
	cons "play /usr/share/sounds/linphone/hello8000.wav"
	check "$tag: linphonec registered (a Contact on the public address arrived)" \
		wait_until 10 grep -q "Contact: <sip:$user@$GW_OUT" \
		"$J/$tag.registrar.json"

	cons "call sip:peer@$PEER"
	wait_until 10 grep -q '"calls": \[$' "$J/$tag.peer.json"
	sleep 4		# the call's length: media both ways
	cons "terminate"
	bg_stop "$tag.peer" 5

	check "$tag: every SIP flow expired from conntrack before the registrar's call" \
		wait_until 12 no_sip_flow
	touch "$L/call.now"
	bg_stop "$tag.registrar" 12
	cons "quit"
	exec 7>&-
	bg_stop "$tag" 5
	kill "$(cat "$J/$tag.tcpdump.pid")" 2>/dev/null
	sleep 0.3
	linphone_checks "$@"
}

cons() { echo "$1" >&7; }

# at_phone PCAP SRC PORT - RTP packets from SRC:PORT reaching port 8000.
at_phone() {
	local n
	n=$(tcpdump -n -r "$1" "src host $2 and src port $3 and dst port 8000" 2>/dev/null | wc -l)
	echo "$n RTP packets from $2:$3 reached linphonec's port 8000 (need 150)"
	[ "$n" -ge 150 ]
}

linphone_checks() {
	local tag=$1 ip=$3 natp=$5 L=$J/$1 R=$J/$1.registrar.json P=$J/$1.peer.json c
	c=$(json "$R" 'd["binding"]["contact"]' 2>/dev/null)
	check "$tag: the registrar's binding is linphonec's public Contact ($c)" \
		sh -c "echo '$c' | grep -q '@$GW_OUT[:;>]'"
	check "$tag: each REGISTER's Contact as linphonec wrote it (public) or rewritten (10.x)" \
		$LC contact "$L/log" "$R" $GW_OUT
	check "$tag: call to the peer answered, ended by linphonec's BYE" \
		python3 "$CHECK" status "$P"
	if [ "$natp" = 1 ]; then
		check "$tag: ... its offer: srflx candidates = the STUN mappings, c=/m= the srflx one, media from it" \
			$LC ice "$P" "$J/stun.json" $GW_OUT
		check "$tag: ... the offer's m=, media c= and candidates arrived as linphonec wrote them" \
			$LC media "$L/log" "$P"
	else
		check "$tag: ... its offer has no ICE candidate" \
			sh -c "! grep -q 'a=candidate' '$P'"
	fi
	check "$tag: ... RTP linphonec -> peer" \
		python3 "$CHECK" media "$P" --min-rtp 150 --min-rtcp 1
	# (--stray: linphonec's packets sent after the far end's BYE went
	# through the gateway leave without the call's binding, as plain NAT
	# maps them.)
	check "$tag: ... media reaches the peer from its SDP's address" \
		python3 "$CHECK" symmetric "$P" --stray 5
	check "$tag: ... RTP peer -> linphonec (at the phone)" \
		at_phone "$J/$tag.pcap" $PEER 50200
	check "$tag: registrar's call to the registered Contact, after the flows expired, completes" \
		python3 "$CHECK" status "$R"
	check "$tag: ... RTP linphonec -> registrar" \
		python3 "$CHECK" media "$R" --min-rtp 150 --min-rtcp 1
	check "$tag: ... media reaches the registrar from the answer's address" \
		python3 "$CHECK" symmetric "$R" --stray 5
	check "$tag: ... RTP registrar -> linphonec (at the phone)" \
		at_phone "$J/$tag.pcap" $REGISTRAR 50100
}

lab_stun 120
linphone_run ice "$NS_P1" $PHONE1 phone1 1
linphone_run plain "$NS_P2" $PHONE2 phone2 0
check "no private address reaches the outside" python3 "$CHECK" leak \
	"$J"/ice.registrar.json "$J"/ice.peer.json \
	"$J"/plain.registrar.json "$J"/plain.peer.json
lab_finish
