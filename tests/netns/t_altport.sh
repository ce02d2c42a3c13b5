#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_altport.sh [MODE] - SIP on a configured port other than 5060
# (sip_ports = 5060,5080): the registrar (203.0.113.10), the peer
# (203.0.113.20) and the phone (10.0.0.10) all use UDP port 5080.  The
# phone registers, the peer calls the registered Contact (the phone answers
# 486), the phone calls the peer (INVITE with SDP, 200 with SDP, ACK, BYE).
# Raw messages played by sipplay.py.  The lab's kernel helper is attached
# to port 5060 only (the usual CT --helper rule), so in kernel mode this
# traffic is plain NAT: the comparison shows it.
GW_SIP_PORTS="5060,5080"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sipplay.sh"
lab_up

J=$WORK
sp_agent "$NS_O" reg $REGISTRAR:5080 --registrar
sp_agent "$NS_O" peer $PEER:5080 --var USER=peer --answer BYE="$MSGS/resp-200.sip"
sp_agent "$NS_P1" ph $PHONE1:5080 --var USER=phone1 --var DOMAIN=$REGISTRAR \
	--answer INVITE="$MSGS/resp-486.sip"

N="(q) port 5080"
check "$N: REGISTER answered 200" sp ph send "$MSGS/register.sip" \
	--to $REGISTRAR:5080 --var CALLID=alt-reg --var CSEQ=1 --var EXPIRES=60 \
	--expect 200
check "$N: the registrar sees the public address in top Via and Contact" \
	spc public reg --match "^REGISTER" --callid alt-reg --addr $GW_OUT
check "$N: the 200 reaches the phone with its own Via" \
	spc via-restored ph --match "^SIP/2.0 200" --callid alt-reg
CONTACT=$(spg contact-hostport reg --match "^REGISTER" --callid alt-reg | head -n 1)

# Incoming: the peer calls the registered Contact.
check "$N: INVITE from the peer to the registered Contact ($CONTACT) reaches the phone" \
	sp peer send "$MSGS/invite-nosdp.sip" --to "$CONTACT" --var CALLID=alt-in \
	--var RURI="sip:phone1@$CONTACT" --var BRANCH=z9hG4bK-alt-in --expect 486 --wait 2
sp peer reply "$MSGS/ack-nosdp.sip" --match "^SIP/2.0 486" --callid alt-in \
	--var RURI="sip:phone1@$CONTACT"
check "$N: ... with its own Request-URI (sip:phone1@$PHONE1:5080)" \
	spc has ph --match "^INVITE" --callid alt-in --text "INVITE sip:phone1@$PHONE1:5080 SIP/2.0"

# Outgoing: the phone calls the peer.
sp ph send "$MSGS/invite-sdp.sip" --to $PEER:5080 --var CALLID=alt-out \
	--var RURI="sip:peer@$PEER:5080" --var RTP=40000
sp peer wait --match "^INVITE" --callid alt-out --wait 3
sp peer reply "$MSGS/resp-200-sdp.sip" --match "^INVITE" --callid alt-out --var RTP=50000
check "$N: outgoing INVITE: top Via, Contact, SDP public" all_of \
	spc public peer --match "^INVITE" --callid alt-out --addr $GW_OUT -- \
	spc noprivate peer --match "^INVITE" --callid alt-out -- \
	spc has peer --match "^INVITE" --callid alt-out --text "c=IN IP4 $GW_OUT\\r\\n"
check "$N: outgoing INVITE: Content-Length matches the body" \
	spc clen peer --match "^INVITE" --callid alt-out
check "$N: the 200 reaches the phone with its own Via" \
	all_of sp ph wait --match "^SIP/2.0 200" --callid alt-out --wait 3 -- \
	spc via-restored ph --match "^SIP/2.0 200" --callid alt-out
sp ph reply "$MSGS/ack-2xx.sip" --match "^SIP/2.0 200" --callid alt-out \
	--var RURI="sip:peer@$PEER:5080"
check "$N: ACK reaches the peer" sp peer wait --match "^ACK" --callid alt-out --wait 3
sp ph reply "$MSGS/bye-dlg.sip" --match "^SIP/2.0 200" --callid alt-out \
	--var RURI="sip:peer@$PEER:5080"
check "$N: BYE reaches the peer and its 200 the phone" all_of \
	sp peer wait --match "^BYE" --callid alt-out --wait 3 -- \
	sp ph wait --match "^SIP/2.0 200" --callid alt-out --cseq BYE --wait 3
check "$N: ACK and BYE leave with the public Via" \
	spc public peer --match "^(ACK|BYE)" --callid alt-out --addr $GW_OUT
# Control: the same REGISTER on port 5060 (where the kernel helper is
# attached): public in kernel and sipalg modes, so the 5080 results above
# are about the port.
sp_agent "$NS_O" reg0 $REGISTRAR:5060 --registrar
sp_agent "$NS_P1" ph0 $PHONE1:5060 --var USER=phone0 --var DOMAIN=$REGISTRAR
sp ph0 send "$MSGS/register.sip" --to $REGISTRAR:5060 --var CALLID=alt-reg0 \
	--var CSEQ=1 --var EXPIRES=60 --expect 200
check "control, port 5060: the registrar sees the public address in top Via and Contact" \
	spc public reg0 --match "^REGISTER" --callid alt-reg0 --addr $GW_OUT
check "$N: no private address reaches the outside" all_of \
	spc noprivate reg -- spc noprivate peer -- spc noprivate reg0
if [ "$MODE" = sipalg ]; then
	check "daemon still running" kill -0 "$DAEMON_PID"
fi
for a in ph peer reg ph0 reg0; do sp $a quit; done
lab_finish
