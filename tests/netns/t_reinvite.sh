#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_reinvite.sh [MODE] - phone1 calls the peer outside with media both ways;
# 1 s into the media it re-INVITEs to put the call on hold (a=sendonly) and
# 2 s in it resumes (a=sendrecv), both with the same media port.  Media
# still flows both ways after the resume, and in sipalg mode the daemon's
# snat4 element for the phone's RTP port keeps one public port throughout,
# without a gap (updated in place, not flushed and re-created).
. "$(dirname "$0")/lib.sh"
lab_up

[ "$MODE" = sipalg ] && snap_start
ua_bg "$NS_O" peer uas --local $PEER --user peer --rtp-port 50000 \
	--packets 175 --timeout 20
ua "$NS_P1" phone1 uac --local $PHONE1 --user phone1 --domain $REGISTRAR \
	--target sip:peer@$PEER --rtp-port 40000 --packets 175 \
	--reinvite 1,2 --timeout 8
bg_stop peer 3
[ "$MODE" = sipalg ] && snap_stop

J=$WORK
check "call completes (phone)" python3 "$CHECK" status "$J/phone1.json"
check "call completes (peer)" python3 "$CHECK" status "$J/peer.json"
check "hold and resume re-INVITEs answered 200" test \
	"$(json "$J/phone1.json" '[r["code"] for r in d["calls"][0].get("reinvites", [])]')" = "[200, 200]"
check "peer saw both re-INVITEs (sendonly, then sendrecv)" test \
	"$(json "$J/peer.json" '[("a=sendonly" in r["sdp"], "a=sendrecv" in r["sdp"]) for r in d["calls"][0].get("reinvites", [])]')" \
	= "[[true, false], [false, true]]"
check "phone's strict Via check dropped no response" python3 "$CHECK" nodrop "$J/phone1.json"
check "RTP peer -> phone after the resume" \
	python3 "$CHECK" mark "$J/phone1.json" resume --after --min-rtp 40
check "RTP phone -> peer after the resume" \
	python3 "$CHECK" mark "$J/peer.json" resume --after --min-rtp 40
check "RTP+RTCP both ways over the call" \
	sh -c "python3 '$CHECK' media '$J/phone1.json' && python3 '$CHECK' media '$J/peer.json'"
check "media leaves from the advertised public ports" python3 "$CHECK" symmetric "$J/peer.json"
check "no private address reaches the outside" python3 "$CHECK" leak "$J/peer.json"

if [ "$MODE" = sipalg ]; then
	# One public port for $PHONE1 . 40000 in every snapshot from its first
	# to its last appearance, and still there at the resume.
	check "snat4 keeps one public port for $PHONE1 . 40000, no gap" \
		python3 - "$J/snap.nft" "$PHONE1 . 40000 " \
		"$(json "$J/phone1.json" 'd["calls"][0]["marks"]["resume"]["t"]')" <<'PY'
import re, sys, datetime
text, key, t_resume = open(sys.argv[1]).read(), sys.argv[2], float(sys.argv[3])
snaps = []
for block in text.split("== ")[1:]:
    ts, _, body = block.partition("\n")
    m = re.search(r"map snat4 \{(.*?)\n\t\}", body, re.S)
    els = m.group(1) if m else ""
    vals = re.findall(re.escape(key) + r"[^:,}]*: ([0-9.]+ \. [0-9]+)", els)
    snaps.append((ts.strip(), vals[0].strip() if vals else None))
seen = [i for i, (_, v) in enumerate(snaps) if v]
if not seen:
    print(f"{key!r} never in map snat4 ({len(snaps)} snapshots)")
    sys.exit(1)
span = snaps[seen[0]:seen[-1] + 1]
vals = {v for _, v in span}
gaps = [t for t, v in span if v is None]
today = datetime.date.today().isoformat()
last = datetime.datetime.fromisoformat(today + "T" + span[-1][0][:15]).timestamp()
print(f"{len(span)} snapshots {span[0][0]}..{span[-1][0]}: {sorted(vals, key=str)};"
      f" gaps at {gaps}; resume at {t_resume:.2f}, last seen {last:.2f}")
sys.exit(0 if len(vals) == 1 and not gaps and last > t_resume + 0.3 else 1)
PY
fi
lab_finish
