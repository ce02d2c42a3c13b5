#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/pkg/run.sh - the Debian package and make install, as an
# administrator would meet them:
#  - make deb builds a package (dpkg-buildpackage) whose dependencies are
#    runtime libraries only, and whose build used the packaging CPPFLAGS
#    (-D_FORTIFY_SOURCE=2);
#  - dpkg -c lists the binaries, the rules script, the unit and the five
#    manual pages; unpacked into a directory, the daemon reports its
#    version, sipalgctl fails clearly without a daemon, every path in the
#    unit's Exec lines exists in the package, and man -l renders each page
#    without a warning;
#  - make DESTDIR=... install (with the package's prefix) lays the same
#    files; with the defaults it installs the configuration from the
#    example once and never overwrites it, and the unit names the
#    installed paths;
#  - systemd-analyze security scores the shipped unit (printed).
# Output: PASS/FAIL lines and "N passed, N failed".
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/sipalg-pkg.XXXXXX)
trap 'rm -rf "$T"' EXIT
PASSED=0 FAILED=0
pass() { echo "PASS $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $*"; FAILED=$((FAILED + 1)); }
check() {
	local name=$1; shift
	if "$@" >"$T/out" 2>&1; then pass "$name"
	else fail "$name"; sed 's/^/    /' "$T/out" | tail -n 20; fi
}

cd "$TOP" || exit 1
check "make deb builds a package" make deb
DEB=$(ls build/deb/sipalg_*_*.deb 2>/dev/null | head -n 1)
[ -n "$DEB" ] || { echo "no package; $PASSED passed, $((FAILED + 1)) failed"; exit 1; }

dpkg -c "$DEB" | awk '{print $6}' | sed 's|^\./||; /\/$/d; /^$/d' | sort >"$T/deb.list"
want="usr/sbin/sipalgd usr/sbin/sipalgctl usr/bin/sipalg-replay
usr/lib/sipalg/sipalg-rules lib/systemd/system/sipalgd.service
usr/share/man/man8/sipalgd.8.gz usr/share/man/man8/sipalgctl.8.gz
usr/share/man/man8/sipalg-rules.8.gz usr/share/man/man5/sipalgd.conf.5.gz
usr/share/man/man1/sipalg-replay.1.gz"
missing=""
for f in $want; do grep -qx "$f" "$T/deb.list" || missing="$missing $f"; done
check "dpkg -c lists binaries, rules script, unit and five man pages" test -z "$missing"
# Removing the package is a stop for good: its prerm stops the unit
# (which keeps the bindings) and then removes them; an upgrade keeps them.
dpkg-deb -e "$DEB" "$T/ctl"
check "prerm: on remove, after the unit's stop, sipalg-rules remove (bindings and state file)" \
	sh -c "sh -n '$T/ctl/prerm' &&
	       awk '/deb-systemd-invoke stop/ { s = NR } /sipalg-rules remove/ { r = NR }
		    END { exit !(s && r > s) }' '$T/ctl/prerm' &&
	       grep -B1 'sipalg-rules remove' '$T/ctl/prerm' | grep -q '\"\$1\" = remove'"
[ -z "$missing" ] || echo "    missing:$missing"

DEPS=$(dpkg-deb -f "$DEB" Depends)
echo "    Depends: $DEPS"
check "the package depends on runtime libraries only (no -dev, no compiler)" \
	sh -c "! echo '$DEPS' | grep -Eq -- '-dev|gcc|make|pkg-config|debhelper|cmocka|osip'"
check "the package build used the packaging CPPFLAGS (-D_FORTIFY_SOURCE=2)" \
	grep -q -- '-D_FORTIFY_SOURCE=2 .*-c -o build/main.o src/main.c' build/deb/build.log

# Packagers that pass the flags on the command line (make CFLAGS=...)
# instead of the environment: the code's own flags still come along.
make B="$T/cl" CFLAGS="-O1 -fstack-protector-strong" \
	CPPFLAGS="-D_FORTIFY_SOURCE=2" LDFLAGS="-Wl,-z,now" WERROR=1 \
	"$T/cl/sipalgctl" "$T/cl/main.o" >"$T/cl.log" 2>&1
check "make CFLAGS=... CPPFLAGS=... LDFLAGS=... on the command line: used, and the code's own flags kept" \
	sh -c "'$T/cl/sipalgctl' --version | grep -q '^sipalgctl 0\.' &&
	       [ -s '$T/cl/main.o' ] &&
	       readelf -d '$T/cl/sipalgctl' | grep -q BIND_NOW &&
	       grep -q -- '-D_FORTIFY_SOURCE=2 -DSIPALG_VERSION=.* -O1 -fstack-protector-strong -std=gnu11 .*-D_GNU_SOURCE' '$T/cl.log' ||
	       { cat '$T/cl.log'; exit 1; }"

# A container-like directory: the package unpacked, run from there.
R=$T/root
dpkg-deb -x "$DEB" "$R"
# The README's deployment steps, as written, on the unpacked package.
EXAMPLE=$(sed -n 's|^cp \(/usr/share/doc/sipalg/[^ ]*\) /etc/sipalg/sipalgd.conf.*|\1|p' README.md)
check "README's deployment step: cp ${EXAMPLE:-?} /etc/sipalg/sipalgd.conf works (the example uncompressed, /etc/sipalg in the package)" \
	sh -c "[ -n '$EXAMPLE' ] && cp '$R$EXAMPLE' '$R/etc/sipalg/sipalgd.conf' &&
	       cmp sipalgd.conf.example '$R/etc/sipalg/sipalgd.conf' &&
	       '$R/usr/sbin/sipalgd' -n -c '$R/etc/sipalg/sipalgd.conf' | grep -q 'configuration OK'"
rm -f "$R/etc/sipalg/sipalgd.conf"
check "unpacked sipalgd -V prints the version" \
	sh -c "'$R/usr/sbin/sipalgd' -V | grep -q '^sipalgd 0\.'"
# A daemon that was killed leaves its socket file: nobody listens.  A
# stopped (SIGSTOP) or stuck one: the kernel queues the connection and
# nobody answers.  Both: a clear line and exit 1.
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/stale"
check "unpacked sipalgctl with a stale socket file (nobody listens): 'cannot connect', exit 1" \
	sh -c "'$R/usr/sbin/sipalgctl' -s '$T/stale' calls 2>'$T/err'; [ \$? = 1 ] && grep -q 'cannot connect to $T/stale: Connection refused' '$T/err'"
python3 -c 'import os, socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(4)
open(sys.argv[1] + ".ready", "w").close(); time.sleep(15)' "$T/mute" &
MUTE=$!
for i in 1 2 3 4 5 6 7 8 9 10; do [ -e "$T/mute.ready" ] && break; sleep 0.2; done
check "unpacked sipalgctl with a daemon that never answers: 'no answer within 10 s', exit 1" \
	sh -c "'$R/usr/sbin/sipalgctl' -s '$T/mute' stats 2>'$T/err'; [ \$? = 1 ] && grep -q 'no answer from $T/mute within 10 s' '$T/err'"
kill "$MUTE" 2>/dev/null; wait "$MUTE" 2>/dev/null
check "unpacked sipalgctl --version and sipalgd --version print the version" \
	sh -c "'$R/usr/sbin/sipalgctl' --version | grep -q '^sipalgctl 0\.' &&
	       '$R/usr/sbin/sipalgd' --version | grep -q '^sipalgd 0\.'"
check "unpacked sipalgctl without a daemon: error naming the socket, exit 1" \
	sh -c "'$R/usr/sbin/sipalgctl' -s '$T/none' stats 2>'$T/err'; [ \$? = 1 ] && grep -q 'cannot connect to $T/none' '$T/err'"
execs=$(sed -n 's/^Exec[A-Za-z]*=[+@!-]*\([^ ]*\).*/\1/p' "$R/lib/systemd/system/sipalgd.service" | sort -u)
bad=""
for e in $execs; do [ -x "$R$e" ] || bad="$bad $e"; done
check "every program the unit runs is in the package ($(echo $execs))" test -z "$bad"
# The unit's syntax (unknown directives, bad values): systemd-analyze
# verify, whose only complaint may be that the programs are not installed
# on this host.
systemd-analyze verify "$R/lib/systemd/system/sipalgd.service" >"$T/verify" 2>&1
check "systemd-analyze verify finds nothing wrong in the unit" \
	sh -c "! grep -v 'is not executable: No such file' '$T/verify' | grep ."
for m in $(grep '^usr/share/man/' "$T/deb.list"); do
	check "man -l $(basename "$m") renders without warnings" \
		sh -c "MANWIDTH=80 man --warnings -l '$R/$m' >'$T/man.txt' 2>'$T/man.err' && [ ! -s '$T/man.err' ] && [ -s '$T/man.txt' ]"
done

# Every key the daemon accepts (the table in src/conf_keys.c) is in the
# annotated example (set or commented out) and has its entry in
# sipalgd.conf(5).
undoc=""
for k in $(sed -n 's/^[[:space:]]*KEY("\([a-z0-9_]*\)".*/\1/p' src/conf_keys.c); do
	grep -qE "^#? *$k *=" sipalgd.conf.example || undoc="$undoc example:$k"
	grep -qE "^\.B[IR]? $k( |$)" man/sipalgd.conf.5 || undoc="$undoc man5:$k"
done
NKEYS=$(grep -c '^[[:space:]]*KEY("' src/conf_keys.c)
check "all $NKEYS configuration keys documented in sipalgd.conf.example and sipalgd.conf(5)${undoc:+ (missing:$undoc)}" \
	sh -c "[ $NKEYS -gt 30 ] && [ -z '$undoc' ]"

# make install with the package's layout lays the same files.
make -s DESTDIR="$T/inst" PREFIX=/usr UNITDIR=/lib/systemd/system \
	INSTALL_CONF=no install >"$T/install.log" 2>&1
(cd "$T/inst" && find . ! -type d | sed 's|^\./||' | sort) >"$T/inst.list"
sed 's/\.gz$//' "$T/deb.list" | grep -v -e '^usr/share/doc/sipalg/changelog' \
	-e '^usr/share/doc/sipalg/copyright' | sort >"$T/deb.norm"
check "make DESTDIR=... install lays the same files as the package" \
	diff "$T/deb.norm" "$T/inst.list"

# Default make install: /usr/local paths in the unit, the configuration
# once, never overwritten.
D=$T/def
make -s DESTDIR="$D" install >"$T/def1.log" 2>&1
check "make install (PREFIX=/usr/local): the unit runs /usr/local/sbin/sipalgd" \
	grep -q '^ExecStart=/usr/local/sbin/sipalgd -c /etc/sipalg/sipalgd.conf' \
	"$D/usr/local/lib/systemd/system/sipalgd.service"
check "make install makes the state directory /var/lib/sipalg (mode 700), the unit its StateDirectory=" \
	sh -c "[ \"\$(stat -c %a '$D/var/lib/sipalg')\" = 700 ] &&
	       grep -q '^StateDirectory=sipalg' '$D/usr/local/lib/systemd/system/sipalgd.service'"
check "make install puts the example configuration at /etc/sipalg/sipalgd.conf" \
	cmp sipalgd.conf.example "$D/etc/sipalg/sipalgd.conf"
echo "# edited by the administrator" >>"$D/etc/sipalg/sipalgd.conf"
make -s DESTDIR="$D" install >"$T/def2.log" 2>&1
check "a second make install keeps the edited configuration" \
	sh -c "tail -n 1 '$D/etc/sipalg/sipalgd.conf' | grep -q 'edited by the administrator' && grep -q 'kept the existing' '$T/def2.log'"
check "make uninstall removes what install laid (except the configuration)" \
	sh -c "make -s DESTDIR='$D' uninstall >/dev/null 2>&1 && [ -z \"\$(find '$D' ! -type d ! -path '*/etc/sipalg/*')\" ]"

SCORE=$(systemd-analyze security --offline=yes "$R/lib/systemd/system/sipalgd.service" 2>/dev/null |
	sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
echo "    systemd-analyze security: exposure ${SCORE:-not computed} (0 best, 10 worst)"
check "systemd-analyze security scores the unit at or below 2.0" \
	sh -c "[ -n '$SCORE' ] && awk 'BEGIN{exit !($SCORE <= 2.0)}'"

echo "package: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
