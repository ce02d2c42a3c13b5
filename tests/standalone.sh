#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# standalone.sh - fails when anything the build or the tests run reads data
# from outside the repository (the team's ../shared directory, a corpus
# beside the checkout).  Every file a test reads lives in tests/corpus/.
# Documentation may name where a file came from; code and scripts may not
# point there.
cd "$(dirname "$0")/.." || exit 1
hits=$(git ls-files -- Makefile .ci src tests bench rules systemd \
	':!tests/corpus' ':!*.md' ':!tests/standalone.sh' |
	xargs grep -n -E '\.\./shared|shared/corpus' 2>/dev/null)
if [ -n "$hits" ]; then
	echo "standalone: these read data from outside the repository:"
	echo "$hits"
	exit 1
fi
missing=0
for f in rfc4475/INDEX.tsv rfc5118/INDEX.tsv \
	protos-c07-sip/c07-sip-r2-testcases.tar.xz \
	alg-expected/vyatta-dataplane/manifest.json \
	sipp-scenarios/sipp/pcap/g711a.pcap; do
	[ -r "tests/corpus/$f" ] || { echo "standalone: tests/corpus/$f missing"; missing=1; }
done
[ $missing = 0 ] || exit 1
# Every vendored file is listed with its sha256, and still matches it.
(cd tests/corpus && tail -n +2 PROVENANCE.tsv |
	awk -F'\t' '{print $2 "  " $1}' | sha256sum --quiet -c -) || {
	echo "standalone: tests/corpus differs from PROVENANCE.tsv"; exit 1; }
n=$(git ls-files tests/corpus | grep -v -e README.md -e PROVENANCE.tsv | wc -l)
l=$(($(wc -l <tests/corpus/PROVENANCE.tsv) - 1))
[ "$n" = "$l" ] || { echo "standalone: $n files in tests/corpus, $l in PROVENANCE.tsv"; exit 1; }
echo "standalone: tests read only the repository ($n third-party files in tests/corpus)"
