# SPDX-License-Identifier: GPL-2.0-or-later
# sipalg - transparent SIP ALG for Linux NAT gateways.

CC      ?= cc
VERSION := 0.1.0
GITREV  ?= $(shell git rev-parse --short HEAD 2>/dev/null)
# Packaging passes CPPFLAGS (e.g. -D_FORTIFY_SOURCE=2), CFLAGS and LDFLAGS
# (hardening): every compile and link line below uses them, whether they
# come from the environment (dpkg-buildflags) or the command line ("make
# CFLAGS=..."; override keeps what the code needs appended to them).
override CPPFLAGS += -DSIPALG_VERSION='"$(VERSION)$(if $(GITREV), (git $(GITREV)))"'
PKGS    := libnetfilter_queue libmnl libnftnl libnetfilter_conntrack
CFLAGS  ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-unused-parameter -D_GNU_SOURCE
ifeq ($(WERROR),1)
override CFLAGS += -Werror
endif
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined

B       := build
# Pure modules: no sockets, no netfilter headers; unit-tested and fuzzed.
CORE    := addr pin6 pin6_policy sip sip_value sdp edit rewrite rw_addr rw_body rw_dialog rw_hairpin rw_in \
	   rw_map rw_media rw_out rw_reg rw_conn rw_policy call binding pool sweep \
	   heap hash nat_plan journal quota conf conf_keys log frame seqmap tcpseg stream \
	   nat_keep prior buf state state6 call_restore pin6_restore pin6_from neigh
# I/O shell.
# The operator's side that needs no socket (unit-tested by test_ctl).
OPS_M   := meter view view6 ctl http metrics
SHELL_M := queue pkt nftx nat_nft nat_nft_batch nat_nft_dump nat_nft_elem nat_nft_pin6 nat_from nat_ct nat_ctmap nat_ct6 nat_ctev nat_tcp divert guard wan renumber restart alg neigh_nl \
	   alg_adopt alg6 alg_tcp \
	   loop $(OPS_M) srv notify ops main
# Debian packages, in three sets: what a router needs to run the daemon,
# what building it needs, and what the tests need (make deps installs the
# last two; make deps-runtime only the first).
RUNTIME_DEBS := libnetfilter-queue1 libmnl0 libnftnl11 \
	   libnetfilter-conntrack3 libpcap0.8 iptables nftables
BUILD_DEBS := build-essential pkg-config libnetfilter-queue-dev libmnl-dev \
	   libnftnl-dev libnetfilter-conntrack-dev libpcap-dev dpkg-dev \
	   debhelper
# procps (sysctl), systemd (systemd-analyze) and xz-utils (the PROTOS
# archive) are on most Debian installs but not in a minimal one.
TEST_DEBS := libosip2-dev libcmocka-dev sip-tester iptables nftables \
	   conntrack iproute2 tcpdump socat python3 clang libclang-rt-14-dev \
	   python3-prometheus-client chromium man-db baresip-core linphone-cli \
	   procps systemd xz-utils
DEBS    := $(BUILD_DEBS) $(TEST_DEBS)

CORE_O  := $(CORE:%=$(B)/%.o)
SHELL_O := $(SHELL_M:%=$(B)/%.o)
SCORE_O := $(CORE:%=$(B)/san/%.o)
UNIT    := $(patsubst tests/unit/%.c,$(B)/%,$(wildcard tests/unit/test_*.c))
# Third-party test data lives in the repository (tests/corpus/README.md);
# $SIPALG_CORPUS may point the tests at another copy of the same layout.
TEST_FL := -DSIPALG_CORPUS_DIR='"$(CURDIR)/tests/corpus"'


.PHONY: all deps deps-runtime deps-install install uninstall deb pkg-test check unit replay netns demo clean format fuzz fuzz-smoke
# Keep objects make would call intermediate (parallel builds raced on them).
.SECONDARY:

all: $(B)/sipalgd $(B)/sipalg-replay $(B)/sipalgctl

# sipalgctl: the control socket's client (libc and the config parser).
$(B)/sipalgctl: src/sipalgctl.c src/conf.h $(B)/conf.o $(B)/conf_keys.o $(B)/addr.o | $(B)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(B)/conf.o $(B)/conf_keys.o $(B)/addr.o $(LDFLAGS)

$(B)/sipalgd: $(CORE_O) $(SHELL_O)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

$(B)/%.o: src/%.c src/*.h | $(B)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(B)/san/%.o: src/%.c src/*.h | $(B)/san
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) -c -o $@ $<

$(B)/test_%: tests/unit/test_%.c $(SCORE_O) $(wildcard tests/unit/*.h)
	$(CC) $(CFLAGS) $(SAN) $(TEST_FL) -Isrc -o $@ $< $(SCORE_O) -lcmocka -losipparser2 -losip2 -lpcap

# test_loop drives the event loop (a shell module) with pipes.
$(B)/test_loop: tests/unit/test_loop.c $(SCORE_O) $(B)/san/loop.o
	$(CC) $(CFLAGS) $(SAN) -Isrc -o $@ $< $(B)/san/loop.o $(SCORE_O) -lcmocka

# test_robust drives alg_process (tests/fuzz/pipe.h): links the packet
# modules too.
$(B)/test_robust: tests/unit/test_robust.c tests/fuzz/pipe.h $(SCORE_O) \
		$(wildcard tests/unit/*.h) $(B)/san/alg.o $(B)/san/alg6.o $(B)/san/alg_tcp.o $(B)/san/pkt.o \
		$(B)/san/queue.o $(B)/san/nat_ct.o $(B)/san/nat_ctmap.o $(B)/san/nat_ctev.o $(B)/san/alg_adopt.o
	$(CC) $(CFLAGS) $(SAN) $(TEST_FL) -Isrc -o $@ $< $(filter %.o,$^) $(PKG_LIBS) \
		-lcmocka -losipparser2 -losip2

# test_ctl: the control protocol and HTTP listener over the pipeline.
$(B)/test_ctl: tests/unit/test_ctl.c tests/fuzz/pipe.h tests/fuzz/opsgw.h $(SCORE_O) \
		$(wildcard tests/unit/*.h) $(B)/san/alg.o $(B)/san/alg6.o $(B)/san/alg_tcp.o $(B)/san/pkt.o \
		$(B)/san/queue.o $(B)/san/nat_ct.o $(B)/san/nat_ctmap.o $(B)/san/nat_ctev.o \
		$(OPS_M:%=$(B)/san/%.o)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) $(TEST_FL) -Isrc -o $@ $< $(filter %.o,$^) $(PKG_LIBS) \
		-lcmocka -losipparser2 -losip2

# test_atomic (plan/commit, a refusing backend) and test_quota too.
$(B)/test_atomic $(B)/test_quota $(B)/test_scanner $(B)/test_mediafrom $(B)/test_fork: $(B)/test_%: tests/unit/test_%.c \
		tests/fuzz/pipe.h $(SCORE_O) \
		$(wildcard tests/unit/*.h) $(B)/san/alg.o $(B)/san/alg6.o $(B)/san/alg_tcp.o $(B)/san/pkt.o \
		$(B)/san/queue.o $(B)/san/nat_ct.o $(B)/san/nat_ctmap.o $(B)/san/nat_ctev.o $(B)/san/alg_adopt.o
	$(CC) $(CFLAGS) $(SAN) $(TEST_FL) -Isrc -o $@ $< $(filter %.o,$^) $(PKG_LIBS) \
		-lcmocka -losipparser2 -losip2

# The daemon built with ASan+UBSan: the namespace tests run this one.
$(B)/sipalgd-san: $(SCORE_O) $(SHELL_M:%=$(B)/san/%.o)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

# sipalg-replay: the daemon's pipeline (alg.o and what it links) over
# capture files, with the recording NAT backend; -san for the tests.
REPLAY_M := alg alg6 alg_tcp pkt queue nat_ct nat_ctmap nat_ctev nat_rec pcapio replay replay_tcp
$(B)/sipalg-replay: $(CORE_O) $(REPLAY_M:%=$(B)/%.o)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -lpcap $(LDFLAGS)

$(B)/sipalg-replay-san: $(SCORE_O) $(REPLAY_M:%=$(B)/san/%.o)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(PKG_LIBS) -lpcap $(LDFLAGS)

$(B) $(B)/san:
	mkdir -p $@

# Installation (make install; PREFIX and DESTDIR as usual).  The unit gets
# the installed paths; the configuration is installed from the example
# only where none exists (INSTALL_CONF=no: never, for packages).
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
BINDIR     ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/lib/sipalg
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/sipalg
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
# The state file's directory (state_file); the unit's StateDirectory=
# makes it too, so packages leave it to systemd (INSTALL_STATEDIR=no).
STATEDIR   ?= /var/lib/sipalg
INSTALL_CONF ?= yes
INSTALL_STATEDIR ?= yes
CONF_DEST  := $(DESTDIR)$(SYSCONFDIR)/sipalg/sipalgd.conf

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR)
	install -m 755 $(B)/sipalgd $(B)/sipalgctl $(DESTDIR)$(SBINDIR)/
	install -m 755 $(B)/sipalg-replay $(DESTDIR)$(BINDIR)/
	install -m 755 rules/sipalg-rules $(DESTDIR)$(LIBEXECDIR)/
	sed -e 's|/usr/local/sbin|$(SBINDIR)|g' \
	    -e 's|/usr/local/lib/sipalg|$(LIBEXECDIR)|g' \
	    -e 's|/etc/sipalg|$(SYSCONFDIR)/sipalg|g' systemd/sipalgd.service \
		>$(DESTDIR)$(UNITDIR)/sipalgd.service
	chmod 644 $(DESTDIR)$(UNITDIR)/sipalgd.service
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 sipalgd.conf.example README.md $(DESTDIR)$(DOCDIR)/
	[ "$(INSTALL_STATEDIR)" != yes ] || install -d -m 700 $(DESTDIR)$(STATEDIR)
	@if [ "$(INSTALL_CONF)" != yes ]; then :; \
	elif [ -e $(CONF_DEST) ]; then \
		echo "kept the existing $(CONF_DEST)"; \
	else install -D -m 644 sipalgd.conf.example $(CONF_DEST); \
		echo "installed $(CONF_DEST): set the interfaces in it"; fi

# Everything install laid down except the configuration.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/sipalgd $(DESTDIR)$(SBINDIR)/sipalgctl \
		$(DESTDIR)$(BINDIR)/sipalg-replay \
		$(DESTDIR)$(LIBEXECDIR)/sipalg-rules \
		$(DESTDIR)$(UNITDIR)/sipalgd.service \
		$(DESTDIR)$(MANDIR)/man1/sipalg-replay.1 \
		$(DESTDIR)$(MANDIR)/man5/sipalgd.conf.5 \
		$(DESTDIR)$(MANDIR)/man8/sipalgd.8 \
		$(DESTDIR)$(MANDIR)/man8/sipalgctl.8 \
		$(DESTDIR)$(MANDIR)/man8/sipalg-rules.8 \
		$(DESTDIR)$(DOCDIR)/sipalgd.conf.example \
		$(DESTDIR)$(DOCDIR)/README.md
	-rmdir $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DOCDIR)
	-[ "$(INSTALL_STATEDIR)" != yes ] || rmdir $(DESTDIR)$(STATEDIR)

# A Debian package (dpkg-buildpackage, debian/) built from a copy of the
# source in build/deb/, so its outputs land there: build/deb/*.deb.
DEB_SRC := $(B)/deb/sipalg-$(VERSION)

deb:
	rm -rf $(B)/deb && mkdir -p $(DEB_SRC)
	cp -r Makefile README.md sipalgd.conf.example src rules systemd man \
		debian $(DEB_SRC)/
	cd $(DEB_SRC) && GITREV=$(GITREV) dpkg-buildpackage -b -us -uc \
		>../build.log 2>&1 || { tail -n 40 ../build.log; exit 1; }
	@ls $(B)/deb/*.deb

# Installs the Debian packages the build and the tests need (idempotent);
# deps-runtime only the libraries and tools the daemon needs on a router.
deps:
	@$(MAKE) --no-print-directory deps-install PKGS_WANTED="$(DEBS)"

deps-runtime:
	@$(MAKE) --no-print-directory deps-install PKGS_WANTED="$(RUNTIME_DEBS)"

deps-install:
	@missing=""; for p in $(PKGS_WANTED); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q \
			$$missing; \
	else echo "deps: all present"; fi

unit: $(UNIT)
	@set -e; for t in $(UNIT); do echo "== $$t"; $$t; done

# Regression captures (pcap/), link types, third-party reference cases.
replay: $(B)/sipalg-replay-san
	tests/replay/run-all.sh

# The Debian package and make install (tests/pkg/run.sh).
pkg-test:
	tests/pkg/run.sh

netns: all $(B)/sipalgd-san
	SIPALGD=$(CURDIR)/$(B)/sipalgd-san tests/netns/test_rules.sh
	SIPALGD=$(CURDIR)/$(B)/sipalgd-san tests/netns/run-all.sh

check: deps
	tests/standalone.sh
	$(MAKE) WERROR=1 all
	$(MAKE) WERROR=1 unit
	$(MAKE) WERROR=1 replay
	$(MAKE) WERROR=1 fuzz-smoke
	$(MAKE) WERROR=1 pkg-test
	$(MAKE) WERROR=1 netns

demo: deps
	$(MAKE) all
	tests/netns/demo.sh

format:
	clang-format -i src/*.c src/*.h

# libFuzzer harnesses (tests/fuzz/README.md): clang, ASan+UBSan.
# `make fuzz FUZZ_TIME=600` fuzzes each harness that long; fuzz-smoke
# replays the regression cases and fuzzes each for 20 s.
FUZZ_CC   ?= clang
FUZZ_TIME ?= 600
FUZZ_FL   := -O1 -g -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
	     -fno-omit-frame-pointer -fsanitize=address,undefined \
	     -fno-sanitize-recover=undefined
ifeq ($(WERROR),1)
FUZZ_FL   += -Werror
endif
FUZZ_BIN  := $(B)/fuzz/fuzz_sip $(B)/fuzz/fuzz_sdp $(B)/fuzz/fuzz_pipeline \
	     $(B)/fuzz/fuzz_stream $(B)/fuzz/fuzz_ops $(B)/fuzz/fuzz_state
FUZZ_CORE := $(CORE:%=$(B)/fuzz/%.o)

$(B)/fuzz/%.o: src/%.c src/*.h | $(B)/fuzz
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FL) -fsanitize=fuzzer-no-link $(PKG_CFLAGS) -c -o $@ $<

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/*.h tests/unit/tcppkt.h \
		$(FUZZ_CORE)
	$(FUZZ_CC) $(FUZZ_FL) -fsanitize=fuzzer -Isrc -Itests/unit -o $@ $< \
		$(FUZZ_CORE)

$(B)/fuzz/fuzz_pipeline: tests/fuzz/fuzz_pipeline.c tests/fuzz/*.h \
		tests/unit/oracle.h $(FUZZ_CORE) \
		$(B)/fuzz/alg.o $(B)/fuzz/alg6.o $(B)/fuzz/alg_tcp.o $(B)/fuzz/pkt.o $(B)/fuzz/queue.o $(B)/fuzz/nat_ct.o $(B)/fuzz/nat_ctmap.o \
		$(B)/fuzz/nat_ctev.o
	$(FUZZ_CC) $(FUZZ_FL) -fsanitize=fuzzer -Isrc -Itests/unit -o $@ \
		$< $(filter %.o,$^) $(PKG_LIBS) -losipparser2 -losip2

# The operator's request parsers over the same pipeline state.
$(B)/fuzz/fuzz_ops: tests/fuzz/fuzz_ops.c tests/fuzz/*.h \
		tests/unit/oracle.h $(FUZZ_CORE) \
		$(B)/fuzz/alg.o $(B)/fuzz/alg6.o $(B)/fuzz/alg_tcp.o $(B)/fuzz/pkt.o $(B)/fuzz/queue.o $(B)/fuzz/nat_ct.o $(B)/fuzz/nat_ctmap.o \
		$(B)/fuzz/nat_ctev.o $(OPS_M:%=$(B)/fuzz/%.o)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FL) -fsanitize=fuzzer -Isrc -Itests/unit -o $@ \
		$< $(filter %.o,$^) $(PKG_LIBS) -losipparser2 -losip2

$(B)/fuzz:
	mkdir -p $@

fuzz: $(FUZZ_BIN)
	tests/fuzz/run.sh $(FUZZ_TIME)

# A fixed seed: the smoke run in check walks the same inputs every time
# (how far it gets in 20 s still depends on the machine).
fuzz-smoke: $(FUZZ_BIN)
	FUZZ_SEED=1 tests/fuzz/run.sh 20

# Benchmarks (root, about 10 minutes; not part of check): bench/run.sh
# runs every lab mode side by side and writes BENCHMARKS.md.
BB      := $(B)/bench
BENCH_BIN := $(BB)/cpu_msg $(BB)/blast $(BB)/nfq_accept $(BB)/relay \
	     $(BB)/sipalgd-noforget $(BB)/cps
.PHONY: bench bench-cps

bench: all $(BENCH_BIN)
	bench/run.sh

# Calls per second only (closed loop, every mode in one run, ~2 minutes):
# bench/cps.sh prints the table; nothing is written to BENCHMARKS.md.
bench-cps: all $(BB)/cps $(BB)/nfq_accept
	bench/cps.sh

# -fno-ipa-icf: keep one function per message type for callgrind.
$(BB)/cpu_msg: bench/cpu_msg.c bench/msgs.c bench/msgs.h $(CORE_O) | $(BB)
	$(CC) $(CFLAGS) -fno-ipa-icf -Isrc -o $@ bench/cpu_msg.c bench/msgs.c \
		$(CORE_O)

# Hostile Call-IDs against the call table (issue 11); not part of make
# bench's lab run: build/bench/callid runs alone in a few seconds.
$(BB)/callid: bench/callid.c $(CORE_O) | $(BB)
	$(CC) $(CFLAGS) -Isrc -o $@ bench/callid.c $(CORE_O)

$(BB)/blast: bench/blast.c bench/msgs.c bench/msgs.h | $(BB)
	$(CC) $(CFLAGS) -o $@ bench/blast.c bench/msgs.c -lpthread

$(BB)/cps: bench/cps.c bench/msgs.c bench/msgs.h | $(BB)
	$(CC) $(CFLAGS) -o $@ bench/cps.c bench/msgs.c -lpthread

$(BB)/nfq_accept: bench/nfq_accept.c | $(BB)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(PKG_LIBS)

$(BB)/relay: bench/relay.c | $(BB)
	$(CC) $(CFLAGS) -o $@ $<

$(BB)/sipalgd-noforget: bench/noforget.c $(CORE_O) $(SHELL_O) | $(BB)
	$(CC) $(CFLAGS) -Isrc -Wl,--wrap=nat_ct_forget,--wrap=nat_ct_sweep \
		-o $@ $^ $(PKG_LIBS)

$(BB):
	mkdir -p $@

clean:
	rm -rf $(B)
