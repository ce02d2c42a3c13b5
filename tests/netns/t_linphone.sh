#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_linphone.sh [MODE] - a second real NAT-aware client through the
# gateway: Linphone's console client (Debian's linphone-cli, linphonec 5.x),
# no sound card (wav files instead), auto answer, SIP keep-alives off.
# Three passes.  Two with their own linphonec, registrar and peer:
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
# Then (ice2ice) phone1's linphonec calls a linphonec outside that does
# ICE too: checks both ways, ICE concludes on phone1's srflx candidate.
# The scripted ends count what arrives from linphonec; a capture on the
# phone's interface counts what reaches it; linphonec's debug log says
# what it sent.
LAB_SYSCTL="net.netfilter.nf_conntrack_udp_timeout=4
net.netfilter.nf_conntrack_udp_timeout_stream=6"
. "$(dirname "$0")/lib.sh"
lab_up linphonec script tcpdump
J=$WORK
LC="python3 $LAB_DIR/linphone_check.py"

# linphone_rc FILE USER NATPOLICY [BIND] - a headless configuration: wav
# files instead of a sound card (console command "soundcard use files"),
# PCMU only, the registrar as its account (none for USER "-");
# NATPOLICY 1: STUN and ICE; SIP bound to BIND.  keepalive_period=0: no
# CRLF keep-alives, so nothing but the gateway keeps the registration's
# way in open once the flows expired.
linphone_rc() {
	cat >"$1" <<-EOF
	[sip]
	sip_port=5060
	sip_tcp_port=-1
	sip_tls_port=-1
	keepalive_period=0
	inc_timeout=30
	${4:+bind_address=$4}
	[rtp]
	audio_rtp_port=8000
	[sound]
	echocancellation=0
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
	[ "$2" = - ] || cat >>"$1" <<-EOF
	[sip]
	default_proxy=0
	[proxy_0]
	reg_proxy=<sip:$REGISTRAR>
	reg_identity=sip:$2@$REGISTRAR
	reg_expires=300
	reg_sendregister=1
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

# rtp_in PCAP FILTER WHAT - RTP-sized UDP packets (a 20 ms PCMU frame, not
# a STUN check) matching FILTER in PCAP: at least 150.
rtp_in() {
	local n
	n=$(tcpdump -n -r "$1" "($2) and greater 200" 2>/dev/null | wc -l)
	echo "$n RTP packets $3 (need 150)"
	[ "$n" -ge 150 ]
}

# at_phone PCAP SRC PORT - RTP from SRC:PORT reaching linphonec's port 8000.
at_phone() {
	rtp_in "$1" "src host $2 and src port $3 and dst port 8000" \
		"from $2:$3 reached linphonec's port 8000"
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

# ice2ice - phone1's linphonec (STUN and ICE) calls a linphonec at the
# peer's address that does ICE too: connectivity checks both ways through
# the gateway, then phone1's re-INVITE "ICE processing concluded" with its
# selected candidate; media both ways counted at both ends.
ice2ice() {
	local L=$J/i2i x
	for x in in out; do mkdir -p "$L/$x/home/.local/share/linphone"; done
	linphone_rc "$L/in/rc" - 1
	linphone_rc "$L/out/rc" - 1 $PEER
	bg "$NS_P1" i2i.in.tcpdump timeout 30 tcpdump -i eth0 -U -n \
		-w "$J/i2i.in.pcap" udp
	bg "$NS_O" i2i.out.tcpdump timeout 30 tcpdump -i eth0 -U -n \
		-w "$J/i2i.out.pcap" udp
	wait_until 5 test -s "$J/i2i.in.pcap"
	wait_until 5 test -s "$J/i2i.out.pcap"
	mkfifo "$L/in/cmd" "$L/out/cmd"
	exec 7<>"$L/in/cmd" 8<>"$L/out/cmd"
	ip netns exec "$NS_O" env HOME="$L/out/home" timeout 30 \
		script -qfec "linphonec -a -c $L/out/rc -d 6 -l $L/out/log" \
		/dev/null <"$L/out/cmd" >"$J/i2i.out.stdout" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	echo $! >"$J/i2i.out.pid"
	ip netns exec "$NS_P1" env HOME="$L/in/home" timeout 30 \
		script -qfec "linphonec -c $L/in/rc -d 6 -l $L/in/log" \
		/dev/null <"$L/in/cmd" >"$J/i2i.in.stdout" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	echo $! >"$J/i2i.in.pid"
	for x in 7 8; do
		echo "soundcard use files" >&$x
		echo "play /usr/share/sounds/linphone/hello8000.wav" >&$x
	done
	cons "call sip:peer@$PEER"
	wait_until 10 grep -q "Subject: ICE processing concluded" "$L/out/log"
	sleep 4		# the call's length: media both ways
	cons "terminate"
	sleep 0.5
	cons "quit"
	echo quit >&8
	exec 7>&- 8>&-
	bg_stop i2i.in 5
	bg_stop i2i.out 5
	kill "$(cat "$J/i2i.in.tcpdump.pid")" "$(cat "$J/i2i.out.tcpdump.pid")" 2>/dev/null
	sleep 0.3
	check "ice2ice: the call's ICE concluded on phone1's srflx candidate (re-INVITE as the far end got it)" \
		$LC concluded "$L/out/log" $GW_OUT
	check "ice2ice: ... RTP phone1 -> far end, from its srflx candidate" \
		rtp_in "$J/i2i.out.pcap" "src host $GW_OUT and src port 8000" \
		"from $GW_OUT:8000 reached the far end"
	# (The far end's host candidates are all the outside namespace's
	# addresses: whichever ICE selected.)
	check "ice2ice: ... RTP far end -> phone1 (at the phone)" \
		rtp_in "$J/i2i.in.pcap" "dst host $PHONE1 and dst port 8000 and src net 203.0.113.0/24" \
		"from the far end reached linphonec's port 8000"
}

lab_stun 120
linphone_run ice "$NS_P1" $PHONE1 phone1 1
linphone_run plain "$NS_P2" $PHONE2 phone2 0
ice2ice
check "no private address reaches the outside" python3 "$CHECK" leak \
	"$J"/ice.registrar.json "$J"/ice.peer.json \
	"$J"/plain.registrar.json "$J"/plain.peer.json
lab_finish
