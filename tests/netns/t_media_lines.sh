#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_media_lines.sh [MODE] - an offer and answer with nine m= lines (sipua.py
# MULTI): audio with a=rtcp:<port> (port only), video with a=rtcp:<port> IN
# IP4 <addr> on a non-adjacent port (RFC 3605), image/udptl (T.38),
# application, text with a=rtcp-mux, a declined video (port 0), audio with
# its own c= after the m= line (RTCP implicit on port + 1), and audio whose
# c= is IN IP6 2001:db8::5 (::6 in the answer), and audio whose c= is the
# host name media.example.net.  Packets flow both ways on each of the nine
# IPv4 sockets of each side, each from the address:port the other side's
# SDP named; the IPv6, host-name and declined lines pass untouched and get
# no binding; nothing is dropped.
# Then a call from an ICE-capable phone (a=ice-ufrag/pwd, host and srflx
# candidates): the candidates pass unchanged, media uses the rewritten
# default destination both ways.
. "$(dirname "$0")/lib.sh"
lab_up
J=$WORK

[ "$MODE" = sipalg ] && snap_start
ua_bg "$NS_O" peer uas --local $PEER --user peer --rtp-port 50000 --multi \
	--packets 100 --timeout 20
ua "$NS_P1" phone1 uac --local $PHONE1 --user phone1 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40000 --multi --packets 100 --timeout 6
bg_stop peer 3
[ "$MODE" = sipalg ] && snap_stop

# sdp_of FILE START - the body of the first received message whose first
# line starts with START.
sdp_of() {
	python3 -B -c '
import json, sys
for m in json.load(open(sys.argv[1]))["received"]:
    if m["data"].startswith(sys.argv[2]):
        print(m["data"].partition("\r\n\r\n")[2], end="")
        break
' "$1" "$2"
}
# sdp_re FILE REGEX - Python re.search (\r\n spelled out) in FILE.
sdp_re() {
	python3 -c 'import re, sys
t = open(sys.argv[1], newline="").read()
sys.exit(re.search(sys.argv[2], t) is None)' "$1" "$2"
}
sdp_of "$J/peer.json" "INVITE " >"$J/offer.sdp"
sdp_of "$J/phone1.json" "SIP/2.0 200" >"$J/answer.sdp"

check "call completes (phone)" python3 "$CHECK" status "$J/phone1.json"
check "call completes (peer)" python3 "$CHECK" status "$J/peer.json"
M_LINES="m=audio m=video m=image m=application m=text m=video m=audio m=audio m=audio "
check "offer arrived with all 9 m= lines, in order" test \
	"$(grep -o '^m=[a-z]*' "$J/offer.sdp" | tr '\n' ' ')" = "$M_LINES"
check "answer arrived with all 9 m= lines, in order" test \
	"$(grep -o '^m=[a-z]*' "$J/answer.sdp" | tr '\n' ' ')" = "$M_LINES"
check "IPv6 m=/c= of the offer passed untouched" \
	sdp_re "$J/offer.sdp" '\r\nm=audio 5004 RTP/AVP 0\r\nc=IN IP6 2001:db8::5\r\n'
check "IPv6 m=/c= of the answer passed untouched" \
	sdp_re "$J/answer.sdp" '\r\nm=audio 5006 RTP/AVP 0\r\nc=IN IP6 2001:db8::6\r\n'
check "host-name m=/c= of the offer passed untouched" \
	sdp_re "$J/offer.sdp" '\r\nm=audio 5008 RTP/AVP 0\r\nc=IN IP4 media\.example\.net\r\n'
check "host-name m=/c= of the answer passed untouched" \
	sdp_re "$J/answer.sdp" '\r\nm=audio 5010 RTP/AVP 0\r\nc=IN IP4 media\.example\.net\r\n'
check "declined m=video 0 passed as port 0" sdp_re "$J/offer.sdp" '\r\nm=video 0 RTP/AVP 97\r\n'
check "a=rtcp-mux kept on the text stream" \
	sdp_re "$J/offer.sdp" '\r\nm=text [1-9][0-9]* RTP/AVP 98\r\na=rtcp-mux\r\n'
check "a=rtcp with address names the public address" \
	sdp_re "$J/offer.sdp" "\r\na=rtcp:[0-9]+ IN IP4 ${GW_OUT//./\\.}\r\n"
check "media-level c= after m= rewritten to the public address" \
	sdp_re "$J/offer.sdp" "\r\nm=audio [0-9]+ RTP/AVP 8\r\nc=IN IP4 ${GW_OUT//./\\.}\r\n"
check "phone: 9 streams sent and received, each from the advertised address" \
	python3 "$CHECK" streams "$J/phone1.json" --count 9 --min 40 --symmetric
check "peer: 9 streams sent and received, each from the advertised address" \
	python3 "$CHECK" streams "$J/peer.json" --count 9 --min 40 --symmetric
check "no private address reaches the outside" python3 "$CHECK" leak "$J/peer.json"
# -- an ICE-capable phone ------------------------------------------------------
# The daemon's choice (tests/golden/ice-candidates.sip): a=candidate lines
# pass unchanged, the default destination (c=/m=/a=rtcp) is rewritten; a
# peer without ICE (or seeing the mismatch) uses the default destination.
ua_bg "$NS_O" peer2 uas --local $PEER --user peer --rtp-port 50100 --timeout 20
ua "$NS_P1" phone2 uac --local $PHONE1 --user phone1 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40100 --rtcp-attr --ice --timeout 6
bg_stop peer2 3
check "ICE: call completes" \
	sh -c "python3 '$CHECK' status '$J/phone2.json' && python3 '$CHECK' status '$J/peer2.json'"
check "ICE: a=ice-* and a=candidate lines arrived as the phone wrote them" python3 -B -c '
import json, sys
sent = json.load(open(sys.argv[1]))["calls"][0]["local_sdp"]
got = json.load(open(sys.argv[2]))["calls"][0]["remote_sdp"]
want = [l for l in sent.split("\r\n") if l.startswith(("a=candidate", "a=ice-"))]
have = [l for l in got.split("\r\n") if l.startswith(("a=candidate", "a=ice-"))]
print("sent", want, "\narrived", have)
sys.exit(not want or want != have)' "$J/phone2.json" "$J/peer2.json"
check "ICE: RTP+RTCP both ways via the default destination" \
	sh -c "python3 '$CHECK' media '$J/phone2.json' && python3 '$CHECK' media '$J/peer2.json'"
check "ICE: media leaves from the advertised public ports" python3 "$CHECK" symmetric "$J/peer2.json"
check "ICE: no private address in Via/Contact/c=/o=/a=rtcp" python3 "$CHECK" leak "$J/peer2.json"

if [ "$MODE" = sipalg ]; then
	# Every used port is bound; nothing else but the port + 1 of a stream
	# (the daemon binds an RTCP port for every stream, even rtcp-mux and
	# non-RTP ones, by design); nothing for port 0, the IPv6 line (5004) or
	# the host-name line (5008).
	check "daemon bound the 9 used media ports of $PHONE1, none for port 0, IPv6, host name" \
		python3 - "$J/snap.nft" "$PHONE1" <<'PY'
import re, sys
text, ip = open(sys.argv[1]).read(), sys.argv[2]
ports = set()
for m in re.finditer(re.escape(ip) + r" \. (\d+)", text):
    ports.add(int(m.group(1)))
ports.discard(5060)
used = {40000, 40001, 40002, 40005, 40006, 40008, 40010, 40012, 40013}
allowed = used | {p + 1 for p in (40000, 40002, 40006, 40008, 40010, 40012)}
print("bound:", sorted(ports), "used:", sorted(used))
sys.exit(not (used <= ports <= allowed))
PY
fi
lab_finish
