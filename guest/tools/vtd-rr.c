// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtd-rr: TCP request/response benchmark (netperf TCP_RR style).
 *
 *   vtd-rr server [-p PORT]
 *   vtd-rr client -s HOST:PORT[,HOST:PORT...] [-c CONNS] [-t SECONDS]
 *                 [-w WARMUP_SECONDS] [-m BYTES]
 *
 * Each client connection sends a BYTES-long request and waits for the
 * BYTES-long response, back to back. The client prints one JSON object:
 * transactions, transactions per second and latency percentiles (µs) over
 * the measured window (the warm-up is not counted). Connections are spread
 * over the servers round-robin. Built static, it runs in the guest
 * (server) and on the host (client) alike.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS	1024
#define MAX_SERVERS	64
#define MAX_MSG		(1 << 20)
#define HIST_BUCKETS	4096	/* 1 µs buckets up to 4 ms, the last one catches the rest */

struct server_addr {
	struct sockaddr_in sin;
};

struct client_conn {
	pthread_t thread;
	const struct server_addr *server;
	size_t msg_size;
	uint64_t transactions;		/* in the measured window */
	uint64_t hist[HIST_BUCKETS];	/* latency histogram, µs */
	int error;			/* errno of the first failure, 0 if none */
};

static atomic_int phase;	/* 0 warm-up, 1 measuring, 2 stop */

static void usage(void)
{
	fprintf(stderr,
		"usage: vtd-rr server [-p PORT]\n"
		"       vtd-rr client -s HOST:PORT[,...] [-c CONNS] [-t SECONDS] [-w WARMUP] [-m BYTES]\n");
	exit(2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Parse a positive integer option in [min, max] or exit with a message. */
static long parse_num(const char *what, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max) {
		fprintf(stderr, "vtd-rr: %s must be an integer in %ld..%ld, got '%s'\n",
			what, min, max, s);
		exit(2);
	}
	return v;
}

static int parse_server(const char *s, struct server_addr *out)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	size_t n;

	if (!colon || colon == s)
		return -1;
	n = (size_t)(colon - s);
	if (n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	memset(out, 0, sizeof(*out));
	out->sin.sin_family = AF_INET;
	out->sin.sin_port = htons((uint16_t)parse_num("port", colon + 1, 1, 65535));
	return inet_pton(AF_INET, host, &out->sin.sin_addr) == 1 ? 0 : -1;
}

static int io_full(int fd, char *buf, size_t len, int writing)
{
	while (len) {
		ssize_t n = writing ? write(fd, buf, len) : read(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? ECONNRESET : errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void *serve_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *buf = malloc(MAX_MSG);
	ssize_t n;

	/* Echo whatever arrives: the client defines the message size. */
	while (buf && (n = read(fd, buf, MAX_MSG)) > 0) {
		if (io_full(fd, buf, (size_t)n, 1))
			break;
	}
	free(buf);
	close(fd);
	return NULL;
}

static int run_server(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY),
				   .sin_port = htons((uint16_t)port) };
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM, 0);

	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) || listen(lfd, 256)) {
		fprintf(stderr, "vtd-rr: cannot listen on port %d: %s\n", port, strerror(errno));
		return 1;
	}
	for (;;) {
		pthread_t t;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("vtd-rr: accept");
			return 1;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (pthread_create(&t, NULL, serve_conn, (void *)(intptr_t)fd)) {
			close(fd);
			continue;
		}
		pthread_detach(t);
	}
}

static void *client_conn(void *arg)
{
	struct client_conn *c = arg;
	struct timeval timeout = { .tv_sec = 10 };
	char *buf = calloc(1, c->msg_size);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (!buf || fd < 0 ||
	    connect(fd, (const struct sockaddr *)&c->server->sin, sizeof(c->server->sin))) {
		c->error = errno ? errno : ENOMEM;
		goto out;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* A server that stops answering is an error after 10 s, never a hang. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
	while (atomic_load(&phase) < 2) {
		uint64_t t0 = now_ns(), us;

		c->error = io_full(fd, buf, c->msg_size, 1);
		if (!c->error)
			c->error = io_full(fd, buf, c->msg_size, 0);
		if (c->error)
			break;
		if (atomic_load(&phase) != 1)
			continue;
		us = (now_ns() - t0) / 1000;
		c->hist[us < HIST_BUCKETS ? us : HIST_BUCKETS - 1]++;
		c->transactions++;
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/* Smallest latency (µs) at or below which a fraction q of transactions fall. */
static unsigned int percentile(const uint64_t *hist, uint64_t total, double q)
{
	uint64_t seen = 0, want = (uint64_t)(q * (double)total + 0.5);
	unsigned int i;

	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += hist[i];
		if (seen >= want && seen)
			return i;
	}
	return HIST_BUCKETS - 1;
}

static int run_client(struct server_addr *servers, int nservers, int conns, int secs,
		      int warmup, size_t msg)
{
	static struct client_conn c[MAX_CONNS];
	static uint64_t hist[HIST_BUCKETS];
	uint64_t total = 0, t0, t1;
	int i, j, failed = 0;

	for (i = 0; i < conns; i++) {
		c[i].server = &servers[i % nservers];
		c[i].msg_size = msg;
		if (pthread_create(&c[i].thread, NULL, client_conn, &c[i])) {
			fprintf(stderr, "vtd-rr: cannot start connection thread %d\n", i);
			return 1;
		}
	}
	sleep((unsigned int)warmup);
	t0 = now_ns();
	atomic_store(&phase, 1);
	sleep((unsigned int)secs);
	atomic_store(&phase, 2);
	t1 = now_ns();
	for (i = 0; i < conns; i++) {
		pthread_join(c[i].thread, NULL);
		if (c[i].error) {
			fprintf(stderr, "vtd-rr: connection %d: %s\n", i, strerror(c[i].error));
			failed++;
		}
		total += c[i].transactions;
		for (j = 0; j < HIST_BUCKETS; j++)
			hist[j] += c[i].hist[j];
	}
	if (failed || !total) {
		fprintf(stderr, "vtd-rr: %d of %d connections failed, %llu transactions\n",
			failed, conns, (unsigned long long)total);
		return 1;
	}
	printf("{\"tool\":\"vtd-rr\",\"connections\":%d,\"servers\":%d,\"message_bytes\":%zu,"
	       "\"seconds\":%.3f,\"transactions\":%llu,\"tps\":%.0f,"
	       "\"latency_us\":{\"p50\":%u,\"p90\":%u,\"p99\":%u}}\n",
	       conns, nservers, msg, (double)(t1 - t0) / 1e9, (unsigned long long)total,
	       (double)total * 1e9 / (double)(t1 - t0), percentile(hist, total, 0.50),
	       percentile(hist, total, 0.90), percentile(hist, total, 0.99));
	return 0;
}

int main(int argc, char **argv)
{
	static struct server_addr servers[MAX_SERVERS];
	int port = 12865, conns = 1, secs = 10, warmup = 1, nservers = 0, opt;
	size_t msg = 1;
	char *list = NULL, *tok, *save;

	if (argc < 2)
		usage();
	optind = 2;
	while ((opt = getopt(argc, argv, "p:s:c:t:w:m:")) != -1) {
		switch (opt) {
		case 'p': port = (int)parse_num("port", optarg, 1, 65535); break;
		case 's': list = optarg; break;
		case 'c': conns = (int)parse_num("connections", optarg, 1, MAX_CONNS); break;
		case 't': secs = (int)parse_num("seconds", optarg, 1, 3600); break;
		case 'w': warmup = (int)parse_num("warm-up seconds", optarg, 0, 600); break;
		case 'm': msg = (size_t)parse_num("message bytes", optarg, 1, MAX_MSG); break;
		default: usage();
		}
	}
	if (!strcmp(argv[1], "server"))
		return run_server(port);
	if (strcmp(argv[1], "client") || !list)
		usage();
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (nservers == MAX_SERVERS || parse_server(tok, &servers[nservers])) {
			fprintf(stderr, "vtd-rr: bad server '%s' (want IPv4:PORT, at most %d)\n",
				tok, MAX_SERVERS);
			return 2;
		}
		nservers++;
	}
	return run_client(servers, nservers, conns, secs, warmup, msg);
}
