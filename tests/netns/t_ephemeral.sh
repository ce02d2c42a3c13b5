#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_ephemeral.sh [MODE] - a phone that sends from an ephemeral port but
# listens on the port its Via and Contact name (issue 3 "Topologies"; golden
# file tests/golden/ephemeral-port.sip).  Raw messages played by sipplay.py:
# agent "eph" sends from 10.0.0.10:41000 with Via and Contact naming
# 10.0.0.10:5060 and no rport; agent "lst" listens on 10.0.0.10:5060.  The
# registrar (203.0.113.10) and the peer (203.0.113.20) answer as RFC 3261
# 18.2.2 says without rport: at the source address and the Via's port.
#   - REGISTER: the 200 reaches port 5060 with the phone's own Via, nothing
#     reaches the ephemeral port; the registrar sees a public Contact
#   - an INVITE from a fresh outside source (203.0.113.20:5070) to the
#     registered public Contact reaches port 5060
#   - the phone's INVITE (from 41000): the 200 reaches 5060 with the Via
#     restored; the ACK leaves from 41000; RTP both ways through the public
#     address:port the SDP advertised
#   - the peer's BYE to the public Contact reaches 5060; afterwards the
#     media pinhole is closed
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sipplay.sh"
lab_up

J=$WORK
EPH=41000
RTP=40000
QRTP=50000
sp_agent "$NS_O" reg $REGISTRAR:5060 --registrar --via-reply
sp_agent "$NS_O" peer $PEER:5060 --via-reply --var USER=peer \
	--answer BYE="$MSGS/resp-200.sip"
sp_agent "$NS_O" caller $PEER:5070
sp_agent "$NS_P1" lst $PHONE1:5060 --answer INVITE="$MSGS/resp-486.sip" \
	--answer BYE="$MSGS/resp-200.sip"
sp_agent "$NS_P1" eph $PHONE1:$EPH --var LOCALPORT=5060 --var USER=phone1 \
	--var DOMAIN=$REGISTRAR

# The phone's own Via line as sent with BRANCH (restored in responses).
via_line() { printf 'Via: SIP/2.0/UDP %s:5060;branch=%s\\r\\n' $PHONE1 "$1"; }
gone() { ! nft_has "$@"; }

# -- REGISTER from the ephemeral port ---------------------------------------
N="(t) REGISTER from :$EPH naming :5060"
sp eph send "$MSGS/register-norport.sip" --to $REGISTRAR:5060 \
	--var CALLID=eph-reg --var CSEQ=1 --var EXPIRES=300 \
	--var BRANCH=z9hG4bK-eph-reg
check "$N: the registrar's 200 reaches the listening port 5060" \
	sp lst wait --match "^SIP/2.0 200" --callid eph-reg --cseq REGISTER --wait 3
check "$N: ... with the phone's own Via" \
	spc has lst --match "^SIP/2.0 200" --callid eph-reg \
	--text "$(via_line z9hG4bK-eph-reg)"
check "$N: the registrar sees a public Via and Contact ($GW_OUT)" all_of \
	spc public reg --match "^REGISTER" --callid eph-reg --addr $GW_OUT -- \
	spc noprivate reg --anywhere --match "^REGISTER" --callid eph-reg
PUBC=$(python3 "$SIPPLAY" get contact-hostport "$J/reg.json" --match "^REGISTER" \
	--callid eph-reg --nth -1 | head -n 1)
PUBC=${PUBC:-none}

# -- an incoming INVITE to the registered public Contact ---------------------
N="(t) incoming INVITE to the registered Contact $PUBC"
sp caller send "$MSGS/invite-nosdp.sip" --to "$PUBC" --var CALLID=eph-in \
	--var RURI="sip:phone1@$PUBC" --var BRANCH=z9hG4bK-eph-in --expect 486 --wait 2
check "$N: reaches the listening port 5060" \
	spc count lst --match "^INVITE" --callid eph-in --min 1 --max 1
check "$N: the phone's 486 reaches the caller" \
	spc count caller --match "^SIP/2.0 486" --callid eph-in --min 1 --max 1
sp caller reply "$MSGS/ack-nosdp.sip" --match "^SIP/2.0 486" --callid eph-in \
	--var RURI="sip:phone1@$PUBC"

# -- the phone's call: INVITE from the ephemeral port ------------------------
N="(t) call from :$EPH"
FROM="<sip:phone1@$REGISTRAR>;tag=eph-tag"
sp eph send "$MSGS/req-sdp.sip" --to $PEER:5060 --var METHOD=INVITE \
	--var RURI="sip:peer@$PEER" --var FROM="$FROM" --var TO="<sip:peer@$PEER>" \
	--var CALLID=eph-call --var CSEQ=1 --var VIA_RPORT= --var SDPVER=1 \
	--var CADDR=$PHONE1 --var BRANCH=z9hG4bK-eph-inv \
	--var MEDIA="$(printf 'm=audio %s RTP/AVP 0\na=rtpmap:0 PCMU/8000\na=sendrecv' $RTP)"
sp peer wait --match "^INVITE" --callid eph-call --wait 3
sp peer reply "$MSGS/resp-200-media.sip" --match "^INVITE" --callid eph-call \
	--var SDPVER=1 --var CADDR=$PEER \
	--var MEDIA="$(printf 'm=audio %s RTP/AVP 0\na=rtpmap:0 PCMU/8000\na=sendrecv' $QRTP)"
check "$N: the peer's 200 reaches the listening port 5060" \
	sp lst wait --match "^SIP/2.0 200" --callid eph-call --cseq INVITE --wait 3
check "$N: ... with the phone's own Via" \
	spc has lst --match "^SIP/2.0 200" --callid eph-call \
	--text "$(via_line z9hG4bK-eph-inv)"
check "$N: no response reaches the ephemeral port $EPH" \
	spc count eph --match "^SIP/2.0" --min 0 --max 0
TO=$(spg to lst --match "^SIP/2.0 200" --callid eph-call --nth -1)
sp eph send "$MSGS/req-dlg.sip" --to $PEER:5060 --var METHOD=ACK \
	--var RURI="sip:peer@$PEER:5060" --var FROM="$FROM" --var TO="${TO:-<sip:x>}" \
	--var CALLID=eph-call --var CSEQ=1 --var VIA_RPORT= --var BRANCH=z9hG4bK-eph-ack
check "$N: the ACK from :$EPH reaches the peer" \
	sp peer wait --match "^ACK" --callid eph-call --wait 3
check "$N: no private address in what reached the registrar and the peer" all_of \
	spc noprivate reg --anywhere -- spc noprivate peer --anywhere
PUB=$(sp_media peer --match "^INVITE" --callid eph-call --nth 0 | awk '$1 == "audio" {print $2; exit}')
PUB=${PUB:-none}
PUBCALL=$(python3 "$SIPPLAY" get contact-hostport "$J/peer.json" --match "^INVITE" \
	--callid eph-call --nth 0 | head -n 1)
PUBCALL=${PUBCALL:-none}
check "$N: the SDP advertises the public address ($PUB)" test "${PUB%:*}" = $GW_OUT
sp_rtp up $PHONE1:$RTP $PEER:$QRTP "$PUB"
check "$N: RTP outside -> phone via $PUB" sp_got "$J/up-in.json" 5
check "$N: RTP phone -> outside arrives from $PUB" \
	sp_got "$J/up-out.json" 5 "$PUB"
sp_rtp upx $PHONE1:$RTP $PEER:$((QRTP + 9)) "$PUB" in-only
check "$N: RTP from another outside port ($((QRTP + 9))) to $PUB reaches the phone" \
	sp_got "$J/upx-in.json" 5

# -- the peer's BYE to the public Contact ------------------------------------
N="(t) BYE from the peer to $PUBCALL"
sp peer send "$MSGS/req-dlg.sip" --to "$PUBCALL" --var METHOD=BYE \
	--var RURI="sip:phone1@$PUBCALL" --var FROM="$TO" --var TO="$FROM" \
	--var CALLID=eph-call --var CSEQ=1 --var VIA_RPORT=";rport" \
	--expect 200 --wait 3
check "$N: reaches the listening port 5060" \
	spc count lst --match "^BYE" --callid eph-call --min 1 --max 1
check "$N: the phone's 200 reaches the peer" \
	spc count peer --match "^SIP/2.0 200" --callid eph-call --cseq BYE --min 1 --max 1
sleep 0.5
if [ "$MODE" = sipalg ]; then
	check "$N: afterwards no map element for $PHONE1 . $RTP" gone $PHONE1 $RTP
fi
sp_rtp down $PHONE1:$RTP $PEER:$QRTP "$PUB" in-only
check "$N: afterwards RTP from the peer's media port to $PUB no longer reaches the phone" \
	all_of sp_got "$J/up-in.json" 5 -- sp_none "$J/down-in.json"
sp_rtp down2 $PHONE1:$RTP $PEER:$((QRTP + 10)) "$PUB" in-only
check "$N: afterwards RTP from a fresh outside port to $PUB no longer reaches the phone" \
	all_of sp_got "$J/upx-in.json" 5 -- sp_none "$J/down2-in.json"

check "no private address reaches the outside" all_of \
	spc noprivate reg -- spc noprivate peer -- spc noprivate caller
if [ "$MODE" = sipalg ]; then
	check "daemon still running" kill -0 "$DAEMON_PID"
fi
for a in eph lst reg peer caller; do sp $a quit; done
lab_finish
