#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_reglife.sh [MODE] - the life of a registration, raw messages played by
# sipplay.py.  A registrar outside (203.0.113.10) keeps bindings per AOR;
# the phone's sockets are agents on 10.0.0.10 (one per port, each its own
# AOR so that sub-cases do not share a gateway binding).  "An INVITE reaches
# the phone" is tested from the peer (203.0.113.20:5060), which shares no
# conntrack entry with the registration: only the gateway's binding for the
# registered Contact delivers it.  "Does not reach" is tested from a fresh
# source port (203.0.113.20:5099): the peer's earlier flow is an ordinary
# conntrack entry that outlives the binding, as on any NAT.
#   (1) refresh from the same port keeps the public Contact
#   (5) a duplicated 200 does no harm
#   (2) re-registration from a new source port (reboot) works, INVITE ok
#   (3) several Contacts in one REGISTER (two ports), all rewritten/restored
#   (4) the registrar grants 5 s of the 3600 asked: binding gone after
#       5 s + the daemon's 30 s grace
#   (6) Expires: 0 and (7) Contact: * remove the binding
#   (9) two lines (AORs) on one port: un-registering one keeps the other
#   (8) a late 200 (an older CSeq, longer expiry) after the refresh's 200
#       does not extend the binding
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sipplay.sh"
lab_up

J=$WORK
sp_agent "$NS_O" reg $REGISTRAR:5060 --registrar
sp_agent "$NS_O" peer $PEER:5060
sp_agent "$NS_O" late $PEER:5099
for a in ph:5060 ph2:5066 ph2b:5068 ph3:5064 ph4:5076 ph6:5070 ph7:5074 ph8:5078 ph9:5062; do
	sp_agent "$NS_P1" "${a%%:*}" $PHONE1:${a#*:} --answer INVITE="$MSGS/resp-486.sip"
done

# reg AGENT USER CALLID CSEQ EXPIRES [more sp options] - REGISTER, expect 200
reg() {
	local a=$1 u=$2 cid=$3 cseq=$4 exp=$5; shift 5
	sp "$a" send "$MSGS/register.sip" --to $REGISTRAR:5060 --var USER="$u" \
		--var DOMAIN=$REGISTRAR --var CALLID="$cid" --var CSEQ="$cseq" \
		--var EXPIRES="$exp" --expect 200 "$@"
}

# pub USER [nth] - host:port of USER's Contact in the nth REGISTER the
# registrar received for USER (default: the last).
pub() {
	python3 "$SIPPLAY" get contact-hostport "$J/reg.json" --match "^REGISTER" \
		--callid "$1" --nth "${2:--1}" | head -n 1
}

gone() { ! nft_has "$@"; }

# invite_from_peer CALLID HOSTPORT USER [AGENT] - the peer INVITEs the
# public Contact, expects the phone's 486 and ACKs it.
invite_from_peer() {
	local a=${4:-peer}
	sp $a send "$MSGS/invite-nosdp.sip" --to "$2" --var CALLID="$1" \
		--var RURI="sip:$3@$2" --var BRANCH="z9hG4bK-$1" --expect 486 \
		--wait 2 || return 1
	sp $a reply "$MSGS/ack-nosdp.sip" --match "^SIP/2.0 486" --callid "$1" \
		--var RURI="sip:$3@$2"
}

# no_invite CALLID HOSTPORT USER - an INVITE from a fresh source (the
# peer's port 5099, no conntrack entry yet for HOSTPORT) does not come back
# with an answer.
no_invite() {
	sp late send "$MSGS/invite-nosdp.sip" --to "$2" --var CALLID="$1" \
		--var RURI="sip:$3@$2" --expect 486 --wait 1.5 && return 1
	return 0
}

# -- (4) first: its expiry runs while the others are done ------------------
sp reg set grant 5
reg ph4 dave dave-1 1 3600
T4=$(date +%s)
sp reg set grant 0
P4=$(pub dave-1)
check "(4) registrar grants 5 s of the 3600 asked (200 to the phone says expires=5)" \
	spc has ph4 --match "^SIP/2.0 200" --text ";expires=5"
check "(4) right after the 5 s registration an INVITE to $P4 reaches the phone" \
	invite_from_peer inv4a "$P4" dave
check "(4) ... and the phone's 486 reaches the peer" \
	spc count peer --match "^SIP/2.0 486" --callid inv4a --min 1 --max 1

# -- (8) a late 200: the refresh's 200 grants 5 s, then the 200 of the
# first REGISTER (60 s) arrives again; it must not extend the binding.
# No call to this phone before the end (a call would hold the binding).
reg ph8 gina gina-1 1 60
sp reg set grant 5
reg ph8 gina gina-1 2 60
T8=$(date +%s)
sp reg set grant 0
sp reg resend 1 --match "^SIP/2.0 200" --callid gina-1
check "(8) the late 200 (CSeq 1, expires=60) reaches the phone after the refresh's 200 (expires=5)" \
	sp ph8 wait --match "^SIP/2.0 200" --callid gina-1 --count 3 --wait 2

# -- (1) refresh from the same port ---------------------------------------
check "(1) REGISTER alice (expires 60) answered 200" reg ph alice alice-1 1 60
P1=$(pub alice-1 0)
check "(1) the registrar sees a public Contact ($P1)" \
	spc noprivate reg --match "^REGISTER" --callid alice-1
check "(1) the phone's 200 has its own Via back" \
	spc via-restored ph --match "^SIP/2.0 200" --callid alice-1
check "(1) refresh (same Call-ID, CSeq 2, same port) answered 200" \
	reg ph alice alice-1 2 60
P1b=$(pub alice-1 1)
check "(1) the refresh shows the same public Contact ($P1 = $P1b)" \
	test -n "$P1" -a "$P1" = "$P1b"
check "(1) INVITE from the peer to $P1 reaches the phone" \
	invite_from_peer inv1 "$P1" alice

# -- (5) a retransmitted 200 ----------------------------------------------
sp reg set repeat 2
check "(5) refresh with the registrar sending its 200 twice answered" \
	reg ph alice alice-1 3 60
sp reg set repeat 1
sp ph sleep 0.5
check "(5) both copies of the 200 reach the phone" \
	spc count ph --match "^SIP/2.0 200" --callid alice-1 --min 4 --max 4
check "(5) both copies carry the phone's own Via" \
	spc via-restored ph --match "^SIP/2.0 200" --callid alice-1
check "(5) after the duplicate the INVITE from the peer still reaches the phone" \
	invite_from_peer inv5 "$P1" alice

# -- (2) new source port: the phone rebooted ---------------------------------
reg ph2 bob bob-1 1 60
check "(2) after a reboot, REGISTER from a new port answered 200" \
	reg ph2b bob bob-2 1 60
P2=$(pub bob-2)
check "(2) the new registration's Contact is public ($P2)" \
	spc noprivate reg --match "^REGISTER" --callid bob-2
check "(2) the new port's 200 has its own Via back" \
	spc via-restored ph2b --match "^SIP/2.0 200" --callid bob-2
check "(2) INVITE from the peer to the new Contact $P2 reaches the phone's new port" \
	invite_from_peer inv2 "$P2" bob
check "(2) ... and it arrived on the new port (5068)" \
	spc count ph2b --match "^INVITE" --callid inv2 --min 1 --max 1

# -- (3) several Contacts, two ports --------------------------------------
check "(3) REGISTER with three Contacts (ports 5060 and 5064) answered 200" \
	sp ph send "$MSGS/register-multi.sip" --to $REGISTRAR:5060 --var USER=carol \
	--var DOMAIN=$REGISTRAR --var CALLID=carol-1 --var CSEQ=1 \
	--var EXPIRES=60 --var PORT2=5064 --expect 200
check "(3) no private address in any Contact at the registrar" \
	spc noprivate reg --match "^REGISTER" --callid carol-1
check "(3) the registrar got all three Contacts" \
	test "$(python3 "$SIPPLAY" get contact-hostport "$J/reg.json" --match "^REGISTER" --callid carol-1 | wc -l)" = 3
check "(3) the 200 lists the phone's three Contacts as the phone wrote them" \
	spc has ph --match "^SIP/2.0 200" --callid carol-1 \
	--text "<sip:carol@$PHONE1:5060>" --text "<sip:carol-2@$PHONE1:5064;line=2>" \
	--text "<sip:carol-3@$PHONE1:5064>"
P3=$(python3 "$SIPPLAY" get contact-hostport "$J/reg.json" --match "^REGISTER" --callid carol-1 | tail -n 1)
check "(3) INVITE from the peer to the third Contact $P3 reaches port 5064" \
	invite_from_peer inv3 "$P3" carol-3
check "(3) ... on port 5064" \
	spc count ph3 --match "^INVITE" --callid inv3 --min 1 --max 1

# -- (6) Expires: 0 -------------------------------------------------------
reg ph6 erin erin-1 1 60
P6=$(pub erin-1)
check "(6) before un-registration an INVITE to $P6 reaches the phone" \
	invite_from_peer inv6a "$P6" erin
check "(6) un-REGISTER (Expires: 0) answered 200" reg ph6 erin erin-1 2 0
# (7) Contact: *
reg ph7 frank frank-1 1 60
P7=$(pub frank-1)
check "(7) before un-registration an INVITE to $P7 reaches the phone" \
	invite_from_peer inv7a "$P7" frank
check "(7) un-REGISTER (Contact: *, Expires: 0) answered 200" \
	sp ph7 send "$MSGS/unregister-star.sip" --to $REGISTRAR:5060 --var USER=frank \
	--var DOMAIN=$REGISTRAR --var CALLID=frank-1 --var CSEQ=2 --expect 200
check "(6)(7) the un-REGISTERs' 200s carry the phones' own Via" all_of \
	spc via-restored ph6 --match '^SIP/2.0 200' -- spc via-restored ph7 --match '^SIP/2.0 200'
# (9) a phone with two lines (AORs henry and ivy) on one port: henry
# un-registers; the registrar's 200 lists no Contact (henry has none left)
# but ivy's registration through the same binding still stands.
reg ph9 henry henry-1 1 60
reg ph9 ivy ivy-1 1 60
P9=$(pub ivy-1)
check "(9) two lines on port 5062: un-REGISTER of one (henry, Expires: 0) answered 200" \
	reg ph9 henry henry-1 2 0
sleep 2.5	# the daemon sweeps expired bindings once a second
if [ "$MODE" = sipalg ]; then
	check "(6) the daemon's table no longer holds $PHONE1 . 5070" gone $PHONE1 5070
	check "(7) the daemon's table no longer holds $PHONE1 . 5074" gone $PHONE1 5074
	check "(3)(5) bindings of live registrations are still there ($PHONE1 . 5060, 5064, 5068)" \
		all_of nft_has $PHONE1 5060 -- nft_has $PHONE1 5064 -- nft_has $PHONE1 5068
fi
if [ "$MODE" = sipalg ]; then
	check "(9) the binding of the line still registered stays ($PHONE1 . 5062)" \
		nft_has $PHONE1 5062
fi
check "(9) the other line still gets calls: INVITE to ivy's Contact $P9 reaches the phone" \
	invite_from_peer inv9 "$P9" ivy
no_invite inv6b "$P6" erin
no_invite inv7b "$P7" frank
check "(6) after Expires: 0 an INVITE to the old Contact $P6 does not reach the phone" \
	spc count ph6 --match "^INVITE" --callid inv6b --min 0 --max 0
check "(7) after Contact: * an INVITE to the old Contact $P7 does not reach the phone" \
	spc count ph7 --match "^INVITE" --callid inv7b --min 0 --max 0
check "(6)(7) ... and the sender gets no answer" all_of \
	spc count late --callid inv6b --min 0 --max 0 -- spc count late --callid inv7b --min 0 --max 0

# -- (4) the granted 5 s (+ 30 s grace in the daemon) are over ----------------
LEFT=$(( T8 + 5 + 30 + 3 - $(date +%s) ))	# T8 > T4
[ "$LEFT" -le 0 ] || sleep "$LEFT"
if [ "$MODE" = sipalg ]; then
	check "(8) 5 s + 30 s grace after the refresh the table no longer holds $PHONE1 . 5078 (late 200 ignored)" \
		gone $PHONE1 5078
	check "(4) 38 s after the 5 s registration the table no longer holds $PHONE1 . 5076" \
		gone $PHONE1 5076
fi
no_invite inv4b "$P4" dave
P8=$(pub gina-1)
no_invite inv8 "$P8" gina
check "(8) after the granted time an INVITE to $P8 does not reach the phone" \
	spc count ph8 --match "^INVITE" --callid inv8 --min 0 --max 0
check "(4) after the granted time an INVITE to $P4 does not reach the phone" \
	spc count ph4 --match "^INVITE" --callid inv4b --min 0 --max 0
check "(1)(5) the refreshed registration still delivers: INVITE to $P1 reaches the phone" \
	invite_from_peer inv1z "$P1" alice
check "no private address reaches the outside" all_of \
	spc noprivate reg -- spc noprivate peer
check "no private address anywhere in what the peer received (the phone's 486s: To as sent)" \
	spc noprivate peer --anywhere
if [ "$MODE" = sipalg ]; then
	check "daemon still running" kill -0 "$DAEMON_PID"
fi
for a in reg peer late ph ph2 ph2b ph3 ph4 ph6 ph7 ph8 ph9; do sp $a quit; done
lab_finish
