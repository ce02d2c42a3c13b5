#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_reinvite2.sh [MODE] - re-INVITE shapes (issue 3 "Re-INVITE"), raw
# messages played by sipplay.py, media by sipua.py probe/listen.  The phone
# (10.0.0.10:5060) calls the peer (203.0.113.20:5060), audio 40000 <-> 50000,
# media checked both ways; then
#   (1) the peer holds (c=0.0.0.0, a=inactive) and resumes: the phone's 200
#       answers keep the call's public media port; media both ways after
#   (2) the phone moves its audio to port 40100: media both ways through the
#       new public port it advertised; the old public port no longer reaches
#       the phone (a fresh outside source port, the old inside port listens)
#   (3) the phone adds video (40200), then declines it with port 0: video
#       both ways while present, its public port closed after the decline,
#       audio working throughout
#   (4) a codec-only change (same port): same public port, media both ways
# and after the BYE no public port of the call reaches the phone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sipplay.sh"
lab_up

J=$WORK
CID=ri2-call
sp_agent "$NS_O" peer $PEER:5060 --var USER=peer --answer BYE="$MSGS/resp-200.sip"
sp_agent "$NS_P1" ph $PHONE1:5060 --var USER=phone1

PFROM="<sip:phone1@$REGISTRAR>;tag=ri2-phone"
audio() { printf 'm=audio %s RTP/AVP %s\na=rtpmap:%s %s/8000\na=%s' \
	"$1" "${2:-0}" "${2:-0}" "$([ "${2:-0}" = 8 ] && echo PCMA || echo PCMU)" \
	"${3:-sendrecv}"; }
video() { printf '\nm=video %s RTP/AVP 96\na=rtpmap:96 H264/90000' "$1"; }
gone() { ! nft_has "$@"; }

# offer A B DEST RURI FROM TO CSEQ SDPVER CADDR MEDIA B-CADDR - agent A's
# (re-)INVITE number CSEQ of the call to DEST; B answers 200 with the media
# in $ANSWER, A ACKs the 200.
offer() {
	local a=$1 b=$2 dest=$3 ruri=$4 from=$5 to=$6 cseq=$7 ver=$8
	sp $a send "$MSGS/req-sdp.sip" --to "$dest" --var METHOD=INVITE \
		--var RURI="$ruri" --var FROM="$from" --var TO="$to" \
		--var CALLID=$CID --var CSEQ=$cseq --var VIA_RPORT=";rport" \
		--var SDPVER=$ver --var CADDR="$9" --var MEDIA="${10}"
	sp $b wait --match "^INVITE" --callid $CID --count $cseq --wait 3
	sp $b reply "$MSGS/resp-200-media.sip" --match "^INVITE" --callid $CID \
		--var SDPVER=$ver --var CADDR="${11}" --var MEDIA="$ANSWER"
	sp $a wait --match "^SIP/2.0 200" --callid $CID --cseq INVITE \
		--count $cseq --wait 3 || return 1
	sp $a reply "$MSGS/ack-2xx.sip" --match "^SIP/2.0 200" --callid $CID \
		--cseq INVITE --var RURI="$ruri"
	sp $b wait --match "^ACK" --callid $CID --count $cseq --wait 3
}

# ph_offer CSEQ SDPVER MEDIA - the phone's INVITE or re-INVITE.
ph_offer() {
	local to="<sip:peer@$PEER>"
	[ "$1" = 1 ] || to=$PTO
	offer ph peer $PEER:5060 "sip:peer@$PEER" "$PFROM" "$to" "$1" "$2" \
		$PHONE1 "$3" $PEER
}

# peer_offer CSEQ SDPVER CADDR MEDIA - the peer's re-INVITE to the phone's
# public Contact.
peer_offer() {
	offer peer ph "$PUBC" "sip:phone1@$PUBC" "$PTO" "$PFROM" "$1" "$2" \
		"$3" "$4" $PHONE1
}

# pub TYPE MATCH [nth] - the public address:port of the phone's TYPE stream
# in the nth (default last) message matching MATCH the peer received.
pub() {
	local p
	p=$(sp_media peer --match "$2" --callid $CID --cseq INVITE --nth "${3:--1}" |
		awk -v t="$1" '$1 == t {print $2; exit}')
	echo "${p:-none}"
}

# both TAG PHONE-PORT PEER-PORT PUB WHAT - media both ways, two checks.
both() {
	sp_rtp "$1" $PHONE1:$2 $PEER:$3 "$4"
	check "$5: RTP outside -> phone via $4" sp_got "$J/$1-in.json" 5
	check "$5: RTP phone -> outside arrives from $4" \
		sp_got "$J/$1-out.json" 5 "$4"
}

# reach TAG PHONE-PORT SRC-PORT PUB WHAT - RTP from another outside port
# SRC-PORT (not the SDP's) to PUB reaches the phone's PHONE-PORT: the
# control for "closed" (a pinhole is not bound to the far end's port).
reach() {
	sp_rtp "$1" $PHONE1:$2 $PEER:$3 "$4" in-only
	check "$5: RTP from another outside port ($3) to $4 reaches $PHONE1:$2" \
		sp_got "$J/$1-in.json" 5
}

# closed TAG PHONE-PORT SRC-PORT PUB UPTAG WHAT - RTP from outside port
# SRC-PORT (fresh: no conntrack entry) to PUB no longer reaches the phone's
# PHONE-PORT, where UPTAG's RTP to PUB arrived before.
closed() {
	sp_rtp "$1" $PHONE1:$2 $PEER:$3 "$4" in-only
	check "$6: RTP from a fresh outside port to $4 no longer reaches $PHONE1:$2" \
		all_of sp_got "$J/$5-in.json" 5 -- sp_none "$J/$1-in.json"
}

# -- the call ----------------------------------------------------------------
N="(u) call"
ANSWER=$(audio 50000)
check "$N: INVITE answered 200 and ACKed" ph_offer 1 1 "$(audio 40000)"
PTO=$(spg to ph --match "^SIP/2.0 200" --callid $CID --nth 0)
PTO=${PTO:-<sip:peer@$PEER>}
PUBC=$(python3 "$SIPPLAY" get contact-hostport "$J/peer.json" --match "^INVITE" \
	--callid $CID --nth 0 | head -n 1)
PUBC=${PUBC:-none}
PUB1=$(pub audio "^INVITE" 0)
check "$N: the peer sees the public media address ($PUB1)" test "${PUB1%:*}" = $GW_OUT
both up 40000 50000 "$PUB1" "$N"
reach upx 40000 50009 "$PUB1" "$N"

# -- (1) the far end holds and resumes ---------------------------------------
N="(u)(1) peer's hold (c=0.0.0.0, a=inactive) and resume"
ANSWER=$(audio 40000 0 inactive)
check "$N: hold re-INVITE to $PUBC answered 200 and ACKed" \
	peer_offer 1 2 0.0.0.0 "$(audio 50000 0 inactive)"
PUBH=$(pub audio "^SIP/2.0 200")
ANSWER=$(audio 40000)
check "$N: resume re-INVITE answered 200 and ACKed" \
	peer_offer 2 3 $PEER "$(audio 50000)"
PUBR=$(pub audio "^SIP/2.0 200")
check "$N: the phone's 200s keep the public port ($PUB1, hold $PUBH, resume $PUBR)" \
	test "$PUBH" = "$PUB1" -a "$PUBR" = "$PUB1"
check "$N: no private address in the phone's 200s" \
	spc noprivate peer --match "^SIP/2.0 200" --callid $CID --cseq INVITE
both res 40000 50000 "$PUB1" "$N: after the resume"

# -- (2) the phone moves its audio port --------------------------------------
N="(u)(2) phone's re-INVITE moving audio 40000 -> 40100"
ANSWER=$(audio 50000)
check "$N: answered 200 and ACKed" ph_offer 2 4 "$(audio 40100)"
PUB2=$(pub audio "^INVITE")
check "$N: the peer sees a public address for the new port ($PUB2)" \
	test "${PUB2%:*}" = $GW_OUT
both mv 40100 50000 "$PUB2" "$N"
if [ "$MODE" = sipalg ]; then
	check "$N: no map element for $PHONE1 . 40000 any more" gone $PHONE1 40000
fi
closed mvold 40000 50010 "$PUB1" upx "$N: the old public port"

# -- (3) video added, then declined ------------------------------------------
N="(u)(3) phone adds video 40200"
ANSWER="$(audio 50000)$(video 50200)"
check "$N: answered 200 and ACKed" ph_offer 3 5 "$(audio 40100)$(video 40200)"
PUBV=$(pub video "^INVITE")
PUBA=$(pub audio "^INVITE")
check "$N: video gets a public address ($PUBV), audio keeps $PUB2 ($PUBA)" \
	test "${PUBV%:*}" = $GW_OUT -a "$PUBA" = "$PUB2"
both vid 40200 50200 "$PUBV" "$N: video"
reach vidx 40200 50209 "$PUBV" "$N: video"
both vida 40100 50000 "$PUB2" "$N: audio"
N="(u)(3) phone declines video (port 0)"
ANSWER="$(audio 50000)$(video 0)"
check "$N: answered 200 and ACKed" ph_offer 4 6 "$(audio 40100)$(video 0)"
PUBV0=$(pub video "^INVITE")
PUBA=$(pub audio "^INVITE")
check "$N: m=video stays port 0 ($PUBV0), audio keeps $PUB2 ($PUBA)" \
	test "${PUBV0##*:}" = 0 -a "$PUBA" = "$PUB2"
if [ "$MODE" = sipalg ]; then
	check "$N: no map element for $PHONE1 . 40200 any more" gone $PHONE1 40200
fi
closed vidold 40200 50020 "$PUBV" vidx "$N: the video public port"
both vda 40100 50000 "$PUB2" "$N: audio"

# -- (4) codec-only change ---------------------------------------------------
N="(u)(4) codec change PCMU -> PCMA, same port"
ANSWER="$(audio 50000 8)$(video 0)"
check "$N: answered 200 and ACKed" ph_offer 5 7 "$(audio 40100 8)$(video 0)"
PUB4=$(pub audio "^INVITE")
check "$N: the public port stays $PUB2 ($PUB4)" test "$PUB4" = "$PUB2"
reach codx 40100 50029 "$PUB2" "$N: audio"
check "$N: the peer sees PCMA" spc has peer --match "^INVITE" --callid $CID \
	--nth -1 --text "m=audio ${PUB4##*:} RTP/AVP 8"
both cod 40100 50000 "$PUB2" "$N"

# -- BYE ---------------------------------------------------------------------
N="(u) after the phone's BYE"
check "$N: BYE answered 200" sp ph send "$MSGS/req-dlg.sip" --to $PEER:5060 \
	--var METHOD=BYE --var RURI="sip:peer@$PEER:5060" --var FROM="$PFROM" \
	--var TO="$PTO" --var CALLID=$CID --var CSEQ=6 --var VIA_RPORT=";rport" \
	--expect 200 --wait 3
sleep 0.5
if [ "$MODE" = sipalg ]; then
	check "$N: no map element for $PHONE1 . 40000/40100/40200" all_of \
		gone $PHONE1 40000 -- gone $PHONE1 40100 -- gone $PHONE1 40200
fi
closed byea 40100 50030 "$PUB2" codx "$N: audio"

check "no private address reaches the outside" spc noprivate peer --anywhere
if [ "$MODE" = sipalg ]; then
	check "daemon still running" kill -0 "$DAEMON_PID"
fi
sp ph quit; sp peer quit
lab_finish
