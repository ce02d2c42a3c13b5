#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# demo.sh - "make demo": build the namespace lab with sipalgd on the router,
# place one call from phone1 (10.0.0.10, behind NAT) to a peer outside
# (203.0.113.20) with three seconds of RTP and RTCP, and show what happened:
# the INVITE as the phone sent it and as the peer received it, the daemon's
# NAT bindings and the media conntrack entries (with packet counters) during
# the call, the daemon's log, and the bindings gone after BYE.
MODE=sipalg
. "$(dirname "$0")/lib.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ok() { printf '\033[32m%s\033[0m\n' "$*"; }
bad() { printf '\033[31m%s\033[0m\n' "$*"; FAILED=$((FAILED + 1)); }

lab_up
say "Lab: phone1 $PHONE1 -- lan0 [router $GW_IN | $GW_OUT, MASQUERADE, FORWARD policy DROP] wan0 -- peer $PEER"
echo "sipalgd running in the router namespace (pid $DAEMON_PID), configuration:"
sed 's/^/    /' "$CONF"

J=$WORK
PACKETS=150	# 3 s of 20 ms RTP packets each way
ua_bg "$NS_O" peer uas --local $PEER --user peer --rtp-port 50000 \
	--packets $PACKETS --timeout 20
bg "$NS_P1" phone1 timeout 60 python3 "$SIPUA" uac --out "$J/phone1.json" \
	--local $PHONE1 --user phone1 --domain $REGISTRAR --target sip:peer@$PEER \
	--rtp-port 40000 --rtcp-attr --packets $PACKETS --timeout 10

# Mid-call: wait until RTP has flowed through the kernel for a second.
media_flowing() {
	# Either side may have sent first: the phone's port 40000 is then the
	# original source or the reply source of the flow.
	r conntrack -L -p udp 2>/dev/null | grep -E 'sport=40000 ' |
		grep -Eq 'packets=([5-9][0-9]|[0-9]{3,}) .*packets=([5-9][0-9]|[0-9]{3,}) '
}
wait_until 10 media_flowing
say "During the call: the daemon's nftables table (nft list table ip sipalg)"
nft_sipalg
say "During the call: media conntrack entries with packet counters (conntrack -L)"
r conntrack -L -p udp 2>/dev/null | grep -v 'dport=5060 ' || true
echo "RTP (40000) and RTCP (40001) are forwarded and NATed by the kernel;"
echo "the counters above grow in both directions without the daemon seeing them."

bg_wait phone1
bg_stop peer 3

say "The INVITE as phone1 sent it (-) and as the peer received it (+)"
python3 - "$J/phone1.json" "$J/peer.json" "$J/inv" <<'EOF'
import json, sys
def first(path, key):
    for m in json.load(open(path))[key]:
        if m["data"].startswith("INVITE "):
            return m["data"].replace("\r\n", "\n")
    return ""
open(sys.argv[3] + ".sent", "w").write(first(sys.argv[1], "sent"))
open(sys.argv[3] + ".received", "w").write(first(sys.argv[2], "received"))
EOF
diff -u --label "INVITE sent by phone1 ($PHONE1:5060)" \
	--label "INVITE received by the peer ($PEER:5060)" \
	"$J/inv.sent" "$J/inv.received" | sed -e 's/^-.*/\x1b[31m&\x1b[0m/' \
	-e 's/^+.*/\x1b[32m&\x1b[0m/'
echo "(Via, Contact, o=, c=, m= port and a=rtcp now name the router's public"
echo " address and the ports of the bindings; Content-Length follows the body.)"

say "Call result"
python3 "$CHECK" status "$J/phone1.json" && ok "call completed (INVITE, 200, ACK, media, BYE, 200)" || bad "call failed"
python3 "$CHECK" media "$J/phone1.json" --min-rtp $((PACKETS - 10)) --min-rtcp 20 &&
	ok "phone1 received the peer's RTP and RTCP" || bad "phone1 missed media"
python3 "$CHECK" media "$J/peer.json" --min-rtp $((PACKETS - 10)) --min-rtcp 20 &&
	ok "the peer received phone1's RTP and RTCP" || bad "the peer missed media"
python3 "$CHECK" symmetric "$J/peer.json" &&
	ok "phone1's media left from exactly the public ports its SDP advertised" ||
	bad "media came from other ports than advertised"
python3 "$CHECK" leak "$J/peer.json" && ok "no private address reached the outside" ||
	bad "a private address leaked"

say "After BYE: the daemon's table (the call's media elements are gone)"
nft_sipalg
if nft_sipalg | grep -qF "$PHONE1 . 40000"; then
	bad "media binding for $PHONE1 . 40000 still present"
else
	ok "no binding for $PHONE1 . 40000 left"
fi
say "After BYE: conntrack (media entries deleted by the daemon)"
r conntrack -L -p udp 2>/dev/null || true

say "sipalgd log"
gw_daemon_stop
cat "$DAEMON_LOG"

if [ "$FAILED" -eq 0 ]; then
	say "Demo done: the call went through the gateway, media through the kernel."
else
	say "Demo finished with $FAILED problem(s); see above."
fi
[ "$FAILED" -eq 0 ]
