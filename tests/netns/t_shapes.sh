#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_shapes.sh [MODE] - message shapes through the live gateway (issue 3),
# raw messages played by sipplay.py from phone1 (10.0.0.10:5060) to the
# peer (203.0.113.20:5060); the templates are tests/netns/msgs/shape-*.sip.
# For each shape: the outside copy has no private address in the top Via,
# the Contacts and SDP c=/o=/m=/a=rtcp; it names the public address where
# the phone named itself; Content-Length matches the body; the bytes that
# must not change (compact names, LF line ends, continuation lines, lower
# Vias, the second multipart part, a private address inside Call-ID and
# the From tag, tel:/sips: URIs) are byte-identical; the peer's answer
# (486, or 200 to the REGISTER) reaches the phone with its own Via lines.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sipplay.sh"
lab_up

sp_agent "$NS_O" peer $PEER:5060 --registrar
sp_agent "$NS_P1" ph $PHONE1:5060 --var PEER=$PEER --var DOMAIN=$REGISTRAR

# shape NAME TEMPLATE CALLID RTP [RESPONSE-TEMPLATE] - the phone INVITEs
# the peer with TEMPLATE, the peer answers 486, the phone ACKs.
shape() {
	local name=$1 tpl=$2 cid=$3 rtp=$4 resp=${5:-resp-486.sip}
	sp ph send "$MSGS/$tpl" --to $PEER:5060 --var CALLID="$name" --var RTP="$rtp"
	sp peer wait --match "^INVITE" --callid "$cid" --wait 3 &&
	sp peer reply "$MSGS/$resp" --match "^INVITE" --callid "$cid" &&
	sp ph wait --match "^SIP/2.0 486" --callid "$cid" --wait 3 &&
	sp ph reply "$MSGS/ack-nosdp.sip" --match "^SIP/2.0 486" --callid "$cid" \
		--var RURI="sip:peer@$PEER"
}

# common NAME CALLID - the checks every INVITE shape gets.
common() {
	local n=$1 cid=$2
	check "$n: reaches the outside once" \
		spc count peer --match "^INVITE" --callid "$cid" --min 1 --max 1
	check "$n: no private address in top Via, Contact, SDP" \
		spc noprivate peer --match "^INVITE" --callid "$cid"
	check "$n: top Via, Contact and SDP c= name $GW_OUT" all_of \
		spc public peer --match "^INVITE" --callid "$cid" --addr $GW_OUT -- \
		spc has peer --match "^INVITE" --callid "$cid" --text "c=IN IP4 $GW_OUT"
	check "$n: Content-Length matches the body" \
		spc clen peer --match "^INVITE" --callid "$cid"
	check "$n: the 486 reaches the phone with its own Via lines" \
		spc via-restored ph --match "^SIP/2.0 486" --callid "$cid"
}

# -- compact header names --------------------------------------------------
shape shape-compact shape-compact.sip shape-compact 40010
N="(r) compact names (v: m: i: l: c: f: t:)"
common "$N" shape-compact
check "$N: compact names kept" spc has peer --match "^INVITE" --callid shape-compact \
	--text '\r\nv: SIP/2.0/UDP ' --text '\r\nm: <sip:phone1@' --text '\r\ni: shape-compact\r\n' \
	--text '\r\nc: application/sdp\r\n' --text '\r\nl: ' --text '\r\nf: <sip:phone1@'

# -- LF-only line ends -------------------------------------------------------
shape shape-lf shape-lf.lf.sip shape-lf 40020 resp-486.lf.sip
N="(r) LF-only line ends"
common "$N" shape-lf
check "$N: still LF only (no CR added), SDP included" spc lacks peer --match "^INVITE" \
	--callid shape-lf --text '\r'

# -- continuation lines -------------------------------------------------------
shape shape-folded shape-folded.sip shape-folded 40030
N="(r) header continuation lines"
common "$N" shape-folded
check "$N: folded Via, Contact, Subject keep their folds" spc has peer --match "^INVITE" \
	--callid shape-folded --text "Via: SIP/2.0/UDP\\r\\n $GW_OUT:" \
	--text '\r\n\t;branch=' --text "Contact: \"Phone One\"\\r\\n  <sip:phone1@$GW_OUT:" \
	--text 'Subject: a header\r\n continued on the next line\r\n'

# -- several Vias, comma-separated and in separate headers --------------------
shape shape-vias shape-vias.sip shape-vias 40040
N="(r) several Via values (comma list + second header)"
common "$N" shape-vias
check "$N: the lower Vias are byte-identical" spc has peer --match "^INVITE" \
	--callid shape-vias \
	--text ', SIP/2.0/UDP 10.0.0.50:5070;branch=z9hG4bK-lower1;received=10.0.0.50\r\n' \
	--text '\r\nVia: SIP/2.0/UDP 10.0.0.51:5080;branch=z9hG4bK-lower2\r\n'

# -- comma-separated Contacts (and Vias) in a REGISTER ------------------------
N="(r) comma-separated Contacts and Vias in a REGISTER"
check "$N: answered 200" sp ph send "$MSGS/shape-register-comma.sip" --to $PEER:5060 \
	--var CALLID=shape-reg --expect 200
check "$N: no private address in top Via and the three Contacts" \
	spc noprivate peer --match "^REGISTER" --callid shape-reg
check "$N: the registrar got three public Contacts" test \
	"$(python3 "$SIPPLAY" get contact-hostport "$WORK/peer.json" --match "^REGISTER" --callid shape-reg | grep -c "^$GW_OUT:")" = 3
check "$N: the second Via value is byte-identical" spc has peer --match "^REGISTER" \
	--callid shape-reg --text ',SIP/2.0/UDP 10.0.0.50:5070;branch=z9hG4bK-lower3\r\n'
check "$N: Content-Length matches the body" spc clen peer --match "^REGISTER" --callid shape-reg
check "$N: the 200 reaches the phone with its own Via lines" \
	spc via-restored ph --match "^SIP/2.0 200" --callid shape-reg
check "$N: the 200 lists the phone's Contacts as it wrote them" spc has ph \
	--match "^SIP/2.0 200" --callid shape-reg --text "<sip:phone1@$PHONE1:5060>" \
	--text "<sip:phone1-b@$PHONE1:5060;transport=udp>" --text "<sip:phone1-c@$PHONE1:5060>"

# -- inbound shapes: the peer calls the Contact just registered ---------------
PC=$(spg contact-hostport peer --match "^REGISTER" --callid shape-reg | head -n 1)
for s in in-compact:in-compact.lf.sip:resp-486.lf.sip in-proxied:in-proxied.sip:resp-486.sip; do
	IFS=: read -r cid tpl resp <<<"$s"
	N="(r) inbound $cid"
	sp peer send "$MSGS/$tpl" --to "$PC" --var CALLID=$cid --var RURI="sip:phone1@$PC" \
		--var RTP=50010 --var DOMAIN=$REGISTRAR
	sp ph wait --match "^INVITE" --callid $cid --wait 3 &&
	sp ph reply "$MSGS/$resp" --match "^INVITE" --callid $cid
	sp peer wait --match "^SIP/2.0 486" --callid $cid --wait 3 &&
	sp peer reply "$MSGS/ack-nosdp.sip" --match "^SIP/2.0 486" --callid $cid \
		--var RURI="sip:phone1@$PC"
	check "$N: reaches the phone with its own Request-URI" spc has ph --match "^INVITE" \
		--callid $cid --text "INVITE sip:phone1@$PHONE1:5060 SIP/2.0"
	check "$N: Content-Length matches the body at the phone" \
		spc clen ph --match "^INVITE" --callid $cid
	check "$N: the phone's 486 reaches the sender with the sender's Via lines" \
		spc via-restored peer --match "^SIP/2.0 486" --callid $cid
done
check "(r) inbound compact, LF-only: still compact and LF only at the phone" all_of \
	spc lacks ph --match "^INVITE" --callid in-compact --text '\r' -- \
	spc has ph --match "^INVITE" --callid in-compact --text "\\nv: SIP/2.0/UDP $PEER:5060;" \
	--text '\ni: in-compact\n' --text "\\nc=IN IP4 $PEER\\n"
check "(r) inbound from a proxy: its Vias, Record-Route, folded Contact, multipart SDP unchanged" \
	spc has ph --match "^INVITE" --callid in-proxied \
	--text "\\r\\nVia: SIP/2.0/UDP $PEER:5060;branch=" \
	--text '\r\nVia: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-upstream;received=198.51.100.7,\r\n SIP/2.0/UDP 198.51.100.8:5060;branch=z9hG4bK-upstream2\r\n' \
	--text "\\r\\nRecord-Route: <sip:$PEER:5060;lr>\\r\\n" \
	--text '\r\nContact:\r\n <sip:far@198.51.100.7:5060>\r\n' \
	--text '\r\n--in-boundary\r\nContent-Type: application/sdp\r\n\r\nv=0\r\no=far 5001 5001 IN IP4 198.51.100.7\r\n'

# -- multipart body ------------------------------------------------------------
shape shape-mp shape-multipart.sip shape-mp 40050
N="(r) multipart/mixed body with an SDP part"
common "$N" shape-mp
check "$N: the other part and the boundaries are byte-identical" spc has peer \
	--match "^INVITE" --callid shape-mp \
	--text '\r\n--sipplay-boundary-42\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n' \
	--text '\r\n\r\n--sipplay-boundary-42\r\nContent-Type: text/plain\r\n\r\na second part that is not SDP\r\n--sipplay-boundary-42--\r\n'

# -- private address inside Call-ID and the From tag (opaque) -----------------
CID="$PHONE1-shape-opaque@$PHONE1:5060"
shape shape-opaque shape-opaque.sip "$CID" 40060
N="(r) private address inside Call-ID and From tag"
common "$N" "$CID"
check "$N: Call-ID and From tag reach the outside unchanged" spc has peer \
	--match "^INVITE" --callid "$CID" --text "\\r\\nCall-ID: $CID\\r\\n" \
	--text "\\r\\nFrom: <sip:phone1@$REGISTRAR>;tag=$PHONE1-5060\\r\\n"
check "$N: ... and come back unchanged in the 486" spc has ph \
	--match "^SIP/2.0 486" --callid "$CID" --text "\\r\\nCall-ID: $CID\\r\\n" \
	--text "\\r\\nFrom: <sip:phone1@$REGISTRAR>;tag=$PHONE1-5060\\r\\n"

# -- sips: and tel: URIs -----------------------------------------------------------
shape shape-tel shape-sipstel.sip shape-tel 40070
N="(r) sips: Contact/From, tel: Request-URI/To/PAI"
common "$N" shape-tel
check "$N: tel: and sips: URIs unchanged, sips: Contact public" spc has peer \
	--match "^INVITE" --callid shape-tel \
	--text 'INVITE tel:+12025550123;phone-context=+1 SIP/2.0\r\n' \
	--text '\r\nTo: <tel:+12025550123;phone-context=+1>\r\n' \
	--text "\\r\\nFrom: <sips:phone1@$REGISTRAR>;tag=" \
	--text '\r\nP-Asserted-Identity: <tel:+12025550100>\r\n' \
	--text "\\r\\nContact: <sips:phone1@$GW_OUT:"

check "no private address reaches the outside (top Via, Contact, SDP of every shape)" \
	spc noprivate peer
check "no private address anywhere outside but the opaque Call-ID/tag and the lower Vias" \
	spc noprivate peer --anywhere --allow "$CID" --allow "tag=$PHONE1-5060" \
	--allow 10.0.0.50 --allow 10.0.0.51
if [ "$MODE" = sipalg ]; then
	check "daemon still running" kill -0 "$DAEMON_PID"
fi
sp ph quit; sp peer quit
lab_finish
