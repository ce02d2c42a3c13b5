# SPDX-License-Identifier: GPL-2.0-or-later
# tests/netns/lab_baresip.sh - a headless baresip (Debian's baresip-core)
# for the lab scenarios; source after lib.sh.

# baresip_conf DIR IP ACCOUNT [MODULE...] - a headless configuration: a
# 440 Hz tone as the microphone (ausine makes 48 kHz; baresip resamples),
# received audio played into a bridge nobody reads, PCMU, the UDP console
# on 127.0.0.1:5555 for commands, RTCP summaries in the log; MODULEs
# (e.g. stun.so) loaded too, before the accounts.
baresip_conf() {
	local dir=$1 ip=$2 account=$3 m
	shift 3
	cat >"$dir/config" <<-CONF
	poll_method		epoll
	sip_listen		$ip:5060
	net_interface		eth0
	audio_player		aubridge,sink
	audio_source		ausine,440
	ausrc_srate		48000
	ausrc_channels		2
	audio_alert		aubridge,sink
	rtp_ports		8000-8009
	module_path		/usr/lib/baresip/modules
	module			stdio.so
	module			cons.so
	module			menu.so
	module			g711.so
	module			ausine.so
	module			aubridge.so
	module			rtcpsummary.so
	module			uuid.so
	CONF
	# before account.so: an account names its medianat module
	for m in "$@"; do
		printf 'module\t\t\t%s\n' "$m" >>"$dir/config"
	done
	printf 'module_app\t\taccount.so\ncons_listen\t\t127.0.0.1:5555\n' \
		>>"$dir/config"
	echo "$account" >"$dir/accounts"
}
