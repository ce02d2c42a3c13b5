#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# standalone.sh - fails when the repository does not stand on its own: when
# anything in it (code, scripts, documentation) points outside it (the
# team's ../shared directory, a corpus beside the checkout, the paths of
# the machine it was written on), when tests/corpus differs from what its
# README and PROVENANCE.tsv say, or when the README's list of what
# `make deps` installs has fallen behind the Makefile.  The first step of
# make check: it needs only git, grep, sed, sha256sum and make.
cd "$(dirname "$0")/.." || exit 1
fail=0
bad() { echo "standalone: $*"; fail=1; }

# 1. Nothing points outside the repository.  -I skips binary files (the
# captures); this script names the patterns, so it is left out.
hits=$(git ls-files -z -- . ':!tests/standalone.sh' |
	xargs -0 grep -I -n -E '\.\./shared|shared/corpus|/work/|\.library/' \
		2>/dev/null)
[ -z "$hits" ] || bad "these point outside the repository:
$hits"

# 2. What the tests read is there.
for f in rfc4475/INDEX.tsv rfc5118/INDEX.tsv \
	protos-c07-sip/c07-sip-r2-testcases.tar.xz \
	alg-expected/vyatta-dataplane/manifest.json \
	sipp-scenarios/sipp/pcap/g711a.pcap; do
	[ -r "tests/corpus/$f" ] || bad "tests/corpus/$f missing"
done

# 3. Every vendored file is listed with its sha256, and still matches it.
(cd tests/corpus && tail -n +2 PROVENANCE.tsv |
	awk -F'\t' '{print $2 "  " $1}' | sha256sum --quiet -c -) ||
	bad "tests/corpus differs from PROVENANCE.tsv"
files=$(git ls-files tests/corpus | sed 's#^tests/corpus/##' |
	grep -v -x -e README.md -e PROVENANCE.tsv)
n=$(echo "$files" | wc -l)
l=$(($(wc -l <tests/corpus/PROVENANCE.tsv) - 1))
[ "$n" = "$l" ] || bad "$n files in tests/corpus, $l in PROVENANCE.tsv"

# 4. Every vendored file has a row (its name or a pattern) in the README's
# provenance table: source, path @ commit, upstream sha256, licence.
rows=$(sed -n 's/^| `\([^`]*\)` | [^|]* | [^|]* | [^|]* | [^|]* |$/\1/p' \
	tests/corpus/README.md)
set -f	# the rows' patterns are for case, not for the shell's globbing
for f in $files; do
	found=0
	for p in $rows; do
		# shellcheck disable=SC2254
		case $f in $p) found=1; break ;; esac
	done
	[ $found = 1 ] || bad "tests/corpus/$f has no row in tests/corpus/README.md"
done
set +f

# 5. The RFC messages are still the RFCs' archive bytes, as INDEX.tsv
# records them (its last column).
for d in rfc4475 rfc5118; do
	(cd tests/corpus && tail -n +2 $d/INDEX.tsv |
		awk -F'\t' -v d=$d '{print $NF "  " d "/" $1}' |
		sha256sum --quiet -c -) ||
		bad "tests/corpus/$d differs from its INDEX.tsv"
done

# 6. The README names every package make deps installs.
debs=$(make -s --no-print-directory --eval 'print-debs: ; @echo $(DEBS)' \
	print-debs)
[ -n "$debs" ] || bad "cannot read DEBS from the Makefile"
for p in $debs; do
	grep -q "\`$p\`" README.md || bad "README.md does not name $p (make deps installs it)"
done

[ $fail = 0 ] || exit 1
echo "standalone: tests read only the repository ($n third-party files in" \
	"tests/corpus, each with its sha256 and provenance row; README names" \
	"the $(echo $debs | wc -w) packages make deps installs)"
