// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sipalgctl - ask a running sipalgd through its control socket.
 *
 * Sends one request line, prints the reply's body; exit status 0 when the
 * daemon answered "ok", 1 when it answered "error" or could not be
 * reached, 2 on a usage error.  The protocol is in sipalgctl(8).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf.h"

#define CTL_TIMEOUT_S 10

/* usage - on stdout and exit 0 when asked for (--help), on stderr and
 * exit 2 after a mistake. */
static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: sipalgctl [-s SOCKET | -c FILE] [--json] COMMAND [ARG]\n"
		"  calls          calls in progress\n"
		"  registrations  registered phones (address-of-record)\n"
		"  bindings       every kernel NAT binding and its owner\n"
		"  stats          counters and latency histograms\n"
		"  end CALLID     end a call now and close its pinholes\n"
		"  reload         re-read the configuration\n"
		"  version        the daemon's version\n"
		"  -s SOCKET      control socket (default %s)\n"
		"  -c FILE        take the socket from sipalgd's configuration\n"
		"  -j, --json     listings as JSON\n"
		"  -V, --version  this program's version\n"
		"  -h, --help     this text\n",
		CONF_CONTROL_SOCKET);
	exit(status);
}

static int ctl_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { CTL_TIMEOUT_S, 0 };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "sipalgctl: socket path too long: %s\n", path);
		exit(2);
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "sipalgctl: cannot connect to %s: %s "
			"(is sipalgd running, and may you use its control "
			"socket?)\n", path, strerror(errno));
		exit(1);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* The request: the words, blank-separated, "json" last for --json. */
static size_t request(char *req, size_t cap, int argc, char **argv,
		      int json)
{
	size_t n = 0;
	int i;

	for (i = 0; i < argc; i++) {
		if (strchr(argv[i], ' ') || strchr(argv[i], '\n') ||
		    n + strlen(argv[i]) + 8 > cap) {
			fprintf(stderr, "sipalgctl: bad argument: %s\n",
				argv[i]);
			exit(2);
		}
		n += (size_t)snprintf(req + n, cap - n, "%s%s", i ? " " : "",
				      argv[i]);
	}
	if (json)
		n += (size_t)snprintf(req + n, cap - n, " json");
	n += (size_t)snprintf(req + n, cap - n, "\n");
	return n;
}

/* Read the whole reply into a malloc'd string; path for the messages. */
static char *reply_read(int fd, const char *path)
{
	size_t len = 0, cap = 65536;
	char *p = malloc(cap);
	ssize_t n;

	while (p) {
		if (len + 1 == cap) {
			char *q = realloc(p, cap * 2);

			if (!q)
				break;
			p = q;
			cap *= 2;
		}
		n = read(fd, p + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* Connected, but nobody answers: a stopped or stuck
			 * daemon (the kernel queues the connection). */
			fprintf(stderr, "sipalgctl: no answer from %s within "
				"%d s (is sipalgd stopped or stuck?)\n", path,
				CTL_TIMEOUT_S);
			exit(1);
		}
		if (n < 0) {
			fprintf(stderr, "sipalgctl: reading the reply: %s\n",
				strerror(errno));
			exit(1);
		}
		if (n == 0) {
			p[len] = '\0';
			return p;
		}
		len += (size_t)n;
	}
	fprintf(stderr, "sipalgctl: out of memory\n");
	exit(1);
}

/* The control_socket of configuration file path (exits on errors). */
static const char *socket_of(const char *path)
{
	static struct conf c;
	char err[512];

	if (conf_load(&c, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "sipalgctl: %s\n", err);
		exit(1);
	}
	if (!c.control_socket[0]) {
		fprintf(stderr, "sipalgctl: %s: control_socket = none\n", path);
		exit(1);
	}
	return c.control_socket;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = CONF_CONTROL_SOCKET;
	char req[1024], *rep, *body;
	int ch, json = 0, fd;
	size_t n;

	/* Options anywhere ("sipalgctl calls --json"); a Call-ID that
	 * starts with '-' goes after "--". */
	while ((ch = getopt_long(argc, argv, "s:c:jhV", longs, NULL)) != -1) {
		if (ch == 's')
			path = optarg;
		else if (ch == 'c')
			path = socket_of(optarg);
		else if (ch == 'j')
			json = 1;
		else if (ch == 'V') {
			printf("sipalgctl %s\n", SIPALG_VERSION);
			return 0;
		} else
			usage(ch == 'h' ? 0 : 2);
	}
	if (optind == argc)
		usage(2);
	n = request(req, sizeof(req), argc - optind, argv + optind, json);
	fd = ctl_connect(path);
	if (write(fd, req, n) != (ssize_t)n) {
		fprintf(stderr, "sipalgctl: sending the request: %s\n",
			strerror(errno));
		return 1;
	}
	rep = reply_read(fd, path);
	close(fd);
	body = strchr(rep, '\n');
	if (strncmp(rep, "ok\n", 3) == 0) {
		fputs(body + 1, stdout);
		return 0;
	}
	if (strncmp(rep, "error ", 6) == 0) {
		fprintf(stderr, "sipalgctl: %s", rep + 6);
		return 1;
	}
	fprintf(stderr, "sipalgctl: no answer from the daemon on %s\n", path);
	return 1;
}
