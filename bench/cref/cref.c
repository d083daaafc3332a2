/*
 * cref: the C reference for sslctx's benchmarks. It runs the same workloads
 * as bench/ with raw OpenSSL, through memory BIOs in one thread (the limit
 * for sslctx's design) and over loopback TCP with two threads, and prints
 * one result line:
 *
 *   cref WORKLOAD TRANSPORT SECONDS TESTDATA_DIR
 *   -> "result <number> <unit>"
 *
 * Workloads: handshake-rsa, handshake-ecdsa, resumed, bulk-<16k|1k>-<aes128gcm|
 * chacha20|tls12>, roundtrip-1k, idle-memory (mem only). Settings match the
 * Go side: TLS 1.3 unless tls12, X25519, a client that verifies the chain and
 * the name "localhost", close_notify on close.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static const char *testdata;
static double seconds;

static void die(const char *what)
{
	fprintf(stderr, "cref: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *path(const char *name)
{
	static char buf[8][4096];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", testdata, name);
	return buf[i];
}

/* ---- contexts: the settings of bench/workload.go ---- */

struct config {
	const char *cert; /* "server-rsa" or "server-ecdsa" */
	int tls12;        /* cap at TLS 1.2 */
	const char *suite;   /* TLS 1.3 suite, or NULL */
	const char *ciphers; /* TLS 1.2 cipher list, or NULL */
	int tickets;
};

/* new_ctx: what both sides set alike. */
static SSL_CTX *new_ctx(const SSL_METHOD *method, const struct config *c)
{
	SSL_CTX *ctx = SSL_CTX_new(method);

	if (ctx == NULL)
		die("SSL_CTX_new");
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (c->tls12)
		SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	if (c->suite && SSL_CTX_set_ciphersuites(ctx, c->suite) != 1)
		die("ciphersuites");
	if (c->ciphers && SSL_CTX_set_cipher_list(ctx, c->ciphers) != 1)
		die("cipher list");
	SSL_CTX_set1_groups_list(ctx, "X25519");
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	return ctx;
}

static SSL_CTX *server_ctx(const struct config *c)
{
	SSL_CTX *ctx = new_ctx(TLS_server_method(), c);

	if (SSL_CTX_use_certificate_chain_file(ctx, path(c->cert[7] == 'r' ? "server-rsa.pem" : "server-ecdsa.pem")) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, path(c->cert[7] == 'r' ? "server-rsa.key" : "server-ecdsa.key"), SSL_FILETYPE_PEM) != 1)
		die("server certificate");
	SSL_CTX_set_num_tickets(ctx, c->tickets);
	if (!c->tickets)
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	return ctx;
}

static SSL_CTX *client_ctx(const struct config *c)
{
	SSL_CTX *ctx = new_ctx(TLS_client_method(), c);

	if (SSL_CTX_load_verify_locations(ctx, path("ca.pem"), NULL) != 1)
		die("CA");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
}

static SSL *client_ssl(SSL_CTX *ctx)
{
	SSL *ssl = SSL_new(ctx);

	if (ssl == NULL || !SSL_set_tlsext_host_name(ssl, "localhost") || !SSL_set1_host(ssl, "localhost"))
		die("client SSL");
	return ssl;
}

/* ---- memory BIOs, one thread ---- */

struct mempair {
	SSL *c, *s;
	BIO *c_in, *c_out, *s_in, *s_out;
};

static void mem_new(struct mempair *p, SSL_CTX *cctx, SSL_CTX *sctx)
{
	p->c = client_ssl(cctx);
	p->s = SSL_new(sctx);
	p->c_in = BIO_new(BIO_s_mem());
	p->c_out = BIO_new(BIO_s_mem());
	p->s_in = BIO_new(BIO_s_mem());
	p->s_out = BIO_new(BIO_s_mem());
	BIO_set_mem_eof_return(p->c_in, -1);
	BIO_set_mem_eof_return(p->s_in, -1);
	SSL_set_bio(p->c, p->c_in, p->c_out);
	SSL_set_bio(p->s, p->s_in, p->s_out);
	SSL_set_connect_state(p->c);
	SSL_set_accept_state(p->s);
}

/* Moves what one side wrote to the other side, as a transport would. */
static int mem_move(BIO *from, BIO *to)
{
	static unsigned char buf[65536];
	int moved = 0, n;

	while ((n = BIO_read(from, buf, sizeof(buf))) > 0) {
		BIO_write(to, buf, n);
		moved += n;
	}
	return moved;
}

static void mem_pump(struct mempair *p)
{
	mem_move(p->c_out, p->s_in);
	mem_move(p->s_out, p->c_in);
}

/* mem_step advances one side's handshake unless it is done. */
static void mem_step(SSL *ssl, int *done, const char *side)
{
	int r;

	if (*done)
		return;
	r = SSL_do_handshake(ssl);
	if (r == 1)
		*done = 1;
	else if (SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ)
		die(side);
}

static void mem_handshake(struct mempair *p)
{
	int cdone = 0, sdone = 0, rounds = 0;

	while (!(cdone && sdone)) {
		mem_step(p->c, &cdone, "client handshake");
		mem_pump(p);
		mem_step(p->s, &sdone, "server handshake");
		mem_pump(p);
		if (++rounds > 100)
			die("handshake does not finish");
	}
}

static void mem_close(struct mempair *p)
{
	SSL_shutdown(p->c);
	mem_pump(p);
	SSL_free(p->c);
	SSL_free(p->s);
}

static void write_all(SSL *ssl, const unsigned char *buf, size_t n)
{
	size_t done = 0, w;

	while (done < n) {
		if (SSL_write_ex(ssl, buf + done, n - done, &w) != 1)
			die("SSL_write_ex");
		done += w;
	}
}

/* ---- loopback TCP, two threads ---- */

static int listen_loopback(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 128) != 0)
		die("listen");
	getsockname(fd, (struct sockaddr *)&a, &len);
	*port = ntohs(a.sin_port);
	return fd;
}

static int dial_loopback(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		die("connect");
	/* Go's net package sets TCP_NODELAY on every TCP connection. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

struct server_args {
	SSL_CTX *ctx;
	int lfd;
	int mode; /* 0 handshakes, 1 bulk sink, 2 echo 1 KiB */
	volatile long bytes;
	volatile double first, last;
};

static void *server_main(void *arg)
{
	struct server_args *a = arg;
	unsigned char buf[16384];

	for (;;) {
		int fd = accept(a->lfd, NULL, NULL), one = 1;
		SSL *ssl;
		size_t n;

		if (fd < 0)
			return NULL;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		ssl = SSL_new(a->ctx);
		SSL_set_fd(ssl, fd);
		if (SSL_accept(ssl) != 1) {
			ERR_clear_error();
			SSL_free(ssl);
			close(fd);
			continue;
		}
		if (a->mode == 0) {
			/* As the Go servers do: read to the client's close_notify. */
			while (SSL_read_ex(ssl, buf, sizeof(buf), &n) == 1)
				;
		} else if (a->mode == 1) {
			while (SSL_read_ex(ssl, buf, sizeof(buf), &n) == 1) {
				if (a->bytes == 0)
					a->first = now();
				a->bytes += (long)n;
				a->last = now();
			}
		} else {
			for (;;) {
				size_t got = 0;
				while (got < 1024 && SSL_read_ex(ssl, buf + got, 1024 - got, &n) == 1)
					got += n;
				if (got < 1024)
					break;
				write_all(ssl, buf, 1024);
			}
		}
		ERR_clear_error();
		SSL_shutdown(ssl);
		SSL_free(ssl);
		close(fd);
	}
}

static pthread_t start_server(struct server_args *a, SSL_CTX *ctx, int mode, int *port)
{
	pthread_t t;

	a->ctx = ctx;
	a->mode = mode;
	a->bytes = 0;
	a->lfd = listen_loopback(port);
	pthread_create(&t, NULL, server_main, a);
	return t;
}

static void stop_server(struct server_args *a, pthread_t t)
{
	shutdown(a->lfd, SHUT_RDWR);
	close(a->lfd);
	pthread_join(t, NULL);
}

static SSL *tcp_connect(SSL_CTX *ctx, int port, SSL_SESSION *sess)
{
	SSL *ssl = client_ssl(ctx);

	SSL_set_fd(ssl, dial_loopback(port));
	if (sess)
		SSL_set_session(ssl, sess);
	if (SSL_connect(ssl) != 1)
		die("SSL_connect");
	return ssl;
}

static void tcp_close(SSL *ssl)
{
	int fd = SSL_get_fd(ssl);

	SSL_shutdown(ssl);
	SSL_free(ssl);
	close(fd);
}

/* A server thread in a mode and one client connected to it. */
struct tcprun {
	struct server_args sa;
	pthread_t st;
	SSL *ssl;
};

static void tcprun_start(struct tcprun *r, SSL_CTX *sctx, SSL_CTX *cctx, int mode)
{
	int port;

	r->st = start_server(&r->sa, sctx, mode, &port);
	r->ssl = tcp_connect(cctx, port, NULL);
}

static void tcprun_stop(struct tcprun *r)
{
	tcp_close(r->ssl);
	stop_server(&r->sa, r->st);
}

/* ---- workloads ---- */

static double handshakes(int tcp, const struct config *c, int resume)
{
	SSL_CTX *sctx = server_ctx(c), *cctx = client_ctx(c);
	SSL_SESSION *sess = NULL;
	struct server_args sa;
	pthread_t st = 0;
	int port = 0;
	long ops = 0;
	double start;

	if (tcp)
		st = start_server(&sa, sctx, 0, &port);
	if (resume) {
		/* One full handshake; reading makes the TLS 1.3 ticket arrive. */
		struct mempair p;
		unsigned char b;
		size_t n;

		mem_new(&p, cctx, sctx);
		mem_handshake(&p);
		write_all(p.s, (const unsigned char *)"x", 1);
		mem_pump(&p);
		if (SSL_read_ex(p.c, &b, 1, &n) != 1)
			die("first read");
		sess = SSL_get1_session(p.c);
		mem_close(&p);
	}
	start = now();
	while (now() - start < seconds) {
		if (tcp) {
			SSL *ssl = tcp_connect(cctx, port, sess);
			if (resume && !SSL_session_reused(ssl))
				die("not resumed");
			tcp_close(ssl);
		} else {
			struct mempair p;

			mem_new(&p, cctx, sctx);
			if (sess)
				SSL_set_session(p.c, sess);
			mem_handshake(&p);
			if (resume && !SSL_session_reused(p.c))
				die("not resumed");
			mem_close(&p);
		}
		ops++;
	}
	double rate = (double)ops / (now() - start);
	if (tcp)
		stop_server(&sa, st);
	SSL_SESSION_free(sess);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	return rate;
}

static double bulk(int tcp, const struct config *c, size_t chunk)
{
	SSL_CTX *sctx = server_ctx(c), *cctx = client_ctx(c);
	static unsigned char buf[65536], rbuf[16384];
	double rate;

	memset(buf, 'x', sizeof(buf));
	if (tcp) {
		struct tcprun r;
		double start;

		tcprun_start(&r, sctx, cctx, 1);
		start = now();
		while (now() - start < seconds)
			write_all(r.ssl, buf, chunk);
		tcprun_stop(&r);
		rate = (double)r.sa.bytes / (r.sa.last - r.sa.first);
	} else {
		struct mempair p;
		long bytes = 0;
		size_t n;
		double start;

		mem_new(&p, cctx, sctx);
		mem_handshake(&p);
		start = now();
		while (now() - start < seconds) {
			/* As a writer that fills 64 KiB of socket buffer, then the reader. */
			for (size_t sent = 0; sent < 65536; sent += chunk)
				write_all(p.c, buf, chunk);
			mem_pump(&p);
			while (SSL_read_ex(p.s, rbuf, sizeof(rbuf), &n) == 1)
				bytes += (long)n;
			ERR_clear_error();
		}
		rate = (double)bytes / (now() - start);
		mem_close(&p);
	}
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	return rate / (1024.0 * 1024.0);
}

static double roundtrips(int tcp, const struct config *c)
{
	SSL_CTX *sctx = server_ctx(c), *cctx = client_ctx(c);
	unsigned char buf[1024];
	long ops = 0;
	double start, rate;
	size_t n;

	memset(buf, 'r', sizeof(buf));
	if (tcp) {
		struct tcprun r;

		tcprun_start(&r, sctx, cctx, 2);
		start = now();
		while (now() - start < seconds) {
			size_t got = 0;
			write_all(r.ssl, buf, sizeof(buf));
			while (got < sizeof(buf)) {
				if (SSL_read_ex(r.ssl, buf + got, sizeof(buf) - got, &n) != 1)
					die("round trip read");
				got += n;
			}
			ops++;
		}
		rate = (double)ops / (now() - start);
		tcprun_stop(&r);
	} else {
		struct mempair p;

		mem_new(&p, cctx, sctx);
		mem_handshake(&p);
		start = now();
		while (now() - start < seconds) {
			write_all(p.c, buf, sizeof(buf));
			mem_pump(&p);
			if (SSL_read_ex(p.s, buf, sizeof(buf), &n) != 1)
				die("server read");
			write_all(p.s, buf, n);
			mem_pump(&p);
			if (SSL_read_ex(p.c, buf, sizeof(buf), &n) != 1)
				die("client read");
			ops++;
		}
		rate = (double)ops / (now() - start);
		mem_close(&p);
	}
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	return rate;
}

/* Bytes of C heap per idle connection end after a handshake and one
 * exchange, both ends in this process. */
static double idle_memory(const struct config *c)
{
	enum { N = 500 };
	SSL_CTX *sctx = server_ctx(c), *cctx = client_ctx(c);
	static struct mempair p[N];
	unsigned char b;
	size_t n, before, after;
	int i;

	before = mallinfo2().uordblks;
	for (i = 0; i < N; i++) {
		mem_new(&p[i], cctx, sctx);
		mem_handshake(&p[i]);
		write_all(p[i].s, (const unsigned char *)"x", 1);
		mem_pump(&p[i]);
		if (SSL_read_ex(p[i].c, &b, 1, &n) != 1)
			die("idle read");
	}
	after = mallinfo2().uordblks;
	for (i = 0; i < N; i++)
		mem_close(&p[i]);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	return (double)(after - before) / (2.0 * N);
}

int main(int argc, char **argv)
{
	struct config c = {"server-rsa", 0, NULL, NULL, 0};
	const char *w;
	int tcp;
	double r;

	if (argc != 5) {
		fprintf(stderr, "usage: cref WORKLOAD mem|tcp SECONDS TESTDATA_DIR\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	w = argv[1];
	tcp = strcmp(argv[2], "tcp") == 0;
	seconds = atof(argv[3]);
	testdata = argv[4];

	if (strcmp(w, "handshake-rsa") == 0) {
		r = handshakes(tcp, &c, 0);
		printf("result %.1f handshakes/s\n", r);
	} else if (strcmp(w, "handshake-ecdsa") == 0) {
		c.cert = "server-ecdsa";
		r = handshakes(tcp, &c, 0);
		printf("result %.1f handshakes/s\n", r);
	} else if (strcmp(w, "resumed") == 0) {
		c.tickets = 1;
		r = handshakes(tcp, &c, 1);
		printf("result %.1f handshakes/s\n", r);
	} else if (strncmp(w, "bulk-", 5) == 0) {
		size_t chunk = strncmp(w + 5, "16k-", 4) == 0 ? 16384 : 1024;
		const char *cipher = strchr(w + 5, '-') + 1;

		if (strcmp(cipher, "aes128gcm") == 0)
			c.suite = "TLS_AES_128_GCM_SHA256";
		else if (strcmp(cipher, "chacha20") == 0)
			c.suite = "TLS_CHACHA20_POLY1305_SHA256";
		else if (strcmp(cipher, "tls12") == 0) {
			c.tls12 = 1;
			c.ciphers = "ECDHE-RSA-AES128-GCM-SHA256";
		} else {
			fprintf(stderr, "cref: unknown cipher %s\n", cipher);
			return 2;
		}
		r = bulk(tcp, &c, chunk);
		printf("result %.1f MiB/s\n", r);
	} else if (strcmp(w, "roundtrip-1k") == 0) {
		r = roundtrips(tcp, &c);
		printf("result %.1f roundtrips/s\n", r);
	} else if (strcmp(w, "idle-memory") == 0) {
		c.tickets = 1;
		r = idle_memory(&c);
		printf("result %.0f bytes/conn\n", r);
	} else {
		fprintf(stderr, "cref: unknown workload %s\n", w);
		return 2;
	}
	return 0;
}
