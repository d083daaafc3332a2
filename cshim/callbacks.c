/*
 * The shim's callbacks: see callbacks.h. Compiled in the same unit as
 * shim.c (openssl/shim.c includes both), whose error-queue helpers and ALPN
 * records it uses.
 */
#include "callbacks.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* ---- per-context and per-SSL state ---- */

typedef struct {
	int fd;
	CRYPTO_RWLOCK *lock; /* one line at a time from this process */
} shim_keylog;

/* A context's switches. The Go side changes them under its context's write
 * lock, and OpenSSL reads them in handshakes, which run under the read lock
 * of the context their SSL uses: the atomics only make that visible. */
typedef struct {
	int sni;
	shim_keylog *keylog;
} shim_cb_ctx;

enum { SNI_NONE = 0, SNI_PENDING, SNI_DECIDED };

typedef struct {
	int sni_state;
	int sni_fail;  /* the verdict: end the handshake with sni_alert */
	int sni_alert;
	int name_len;
	char name[TLSEXT_MAXLEN_host_name + 1];
	/* The context whose SNI the first ClientHello met, the SSL's session
	 * context (SSL_set_SSL_CTX leaves it), and whether the pending name is
	 * for its callback rather than the current context's: OpenSSL falls
	 * back on the session context's servername callback, so CPython calls
	 * that context's sni_callback for a ClientHello that meets a context
	 * without one. Freed with the SSL_CTX, which the SSL holds. */
	shim_cb_ctx *origin;
	int from_origin;
	uintptr_t handle; /* the Go side's, for the PSK callbacks; 0 for none */
} shim_cb_ssl;

static int cb_ctx_idx = -1, cb_ssl_idx = -1;
static long live_cb_ssl, live_keylog;

long shim_live_cb_ssl(void) { return __atomic_load_n(&live_cb_ssl, __ATOMIC_RELAXED); }
long shim_live_keylog(void) { return __atomic_load_n(&live_keylog, __ATOMIC_RELAXED); }

static void keylog_free(shim_keylog *kl)
{
	if (kl == NULL)
		return;
	close(kl->fd);
	CRYPTO_THREAD_lock_free(kl->lock);
	OPENSSL_free(kl);
	__atomic_fetch_sub(&live_keylog, 1, __ATOMIC_RELAXED);
}

static void cb_ctx_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	shim_cb_ctx *cc = ptr;
	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	if (cc == NULL)
		return;
	keylog_free(cc->keylog);
	OPENSSL_free(cc);
}

static void cb_ssl_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	shim_cb_ssl *st = ptr;
	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	if (st == NULL)
		return;
	if (st->handle != 0)
		sslctxReleaseHandle(st->handle);
	OPENSSL_free(st);
	__atomic_fetch_sub(&live_cb_ssl, 1, __ATOMIC_RELAXED);
}

/* The SSL's record, made on first use. */
static shim_cb_ssl *cb_ssl_state(SSL *ssl)
{
	shim_cb_ssl *st = SSL_get_ex_data(ssl, cb_ssl_idx);

	if (st != NULL)
		return st;
	st = OPENSSL_zalloc(sizeof(*st));
	if (st == NULL)
		return NULL;
	if (!SSL_set_ex_data(ssl, cb_ssl_idx, st)) {
		OPENSSL_free(st);
		return NULL;
	}
	__atomic_fetch_add(&live_cb_ssl, 1, __ATOMIC_RELAXED);
	return st;
}

/* ---- server name indication ---- */

static int sni_on(shim_cb_ctx *cc)
{
	return cc != NULL && __atomic_load_n(&cc->sni, __ATOMIC_ACQUIRE);
}

/* The host name of a server_name extension, checked as OpenSSL's own
 * parser (tls_parse_ctos_server_name) checks it, so that the callback never
 * sees a name OpenSSL goes on to refuse. */
static int sni_parse(const unsigned char *p, size_t len, const unsigned char **name, size_t *name_len)
{
	size_t n;

	if (len < 2 || ((size_t)p[0] << 8 | p[1]) != len - 2 || len == 2)
		return 0;
	p += 2;
	len -= 2;
	if (len < 3 || p[0] != TLSEXT_NAMETYPE_host_name)
		return 0;
	n = (size_t)p[1] << 8 | p[2];
	if (n != len - 3 || n > TLSEXT_MAXLEN_host_name || memchr(p + 3, 0, n) != NULL)
		return 0;
	*name = p + 3;
	*name_len = n;
	return 1;
}

/*
 * The ClientHello callback: on a context with SNI on, it keeps the name the
 * client sent and suspends the handshake; called again on resumption (on
 * whichever context the SSL uses then), it applies the verdict. Each
 * ClientHello of a handshake (a second one after HelloRetryRequest, one
 * per renegotiation) is suspended again, as CPython calls its callback for
 * each.
 */
static int cb_client_hello(SSL *ssl, int *al, void *arg)
{
	shim_cb_ctx *cc = arg;
	shim_cb_ssl *st = SSL_get_ex_data(ssl, cb_ssl_idx);
	const unsigned char *ext, *name = NULL;
	size_t ext_len, name_len = 0;
	size_t i;
	int from_origin = 0;

	if (st != NULL && st->sni_state == SNI_DECIDED) {
		st->sni_state = SNI_NONE;
		if (st->sni_fail) {
			*al = st->sni_alert;
			return SSL_CLIENT_HELLO_ERROR;
		}
		return SSL_CLIENT_HELLO_SUCCESS;
	}
	if (!sni_on(cc)) {
		if (st == NULL || !sni_on(st->origin))
			return SSL_CLIENT_HELLO_SUCCESS;
		from_origin = 1;
	}
	if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &ext, &ext_len) &&
	    !sni_parse(ext, ext_len, &name, &name_len))
		return SSL_CLIENT_HELLO_SUCCESS; /* OpenSSL refuses it itself */
	/* CPython hands the callback a str decoded as ASCII, and ends the
	 * handshake with internal_error, calling nothing, when that fails. */
	for (i = 0; i < name_len; i++) {
		if (name[i] >= 0x80) {
			*al = SSL_AD_INTERNAL_ERROR;
			return SSL_CLIENT_HELLO_ERROR;
		}
	}
	st = cb_ssl_state(ssl);
	if (st == NULL) {
		*al = SSL_AD_INTERNAL_ERROR;
		return SSL_CLIENT_HELLO_ERROR;
	}
	if (name_len > 0)
		memcpy(st->name, name, name_len);
	st->name[name_len] = '\0';
	st->name_len = (int)name_len;
	st->sni_fail = 0;
	st->sni_alert = 0;
	st->from_origin = from_origin;
	if (st->origin == NULL)
		st->origin = cc;
	st->sni_state = SNI_PENDING;
	return SSL_CLIENT_HELLO_RETRY;
}

/* Accepts the name when SNI is on, as CPython's servername callback does,
 * so that the server acknowledges it and a TLS 1.2 session remembers it;
 * otherwise OpenSSL's default, as without a callback. */
static int cb_servername(SSL *ssl, int *al, void *arg)
{
	shim_cb_ctx *cc = arg;
	(void)ssl; (void)al;

	if (cc != NULL && __atomic_load_n(&cc->sni, __ATOMIC_ACQUIRE))
		return SSL_TLSEXT_ERR_OK;
	return SSL_TLSEXT_ERR_NOACK;
}

void shim_cb_ctx_set_sni(SSL_CTX *ctx, int on)
{
	shim_cb_ctx *cc = SSL_CTX_get_ex_data(ctx, cb_ctx_idx);

	if (cc != NULL)
		__atomic_store_n(&cc->sni, on, __ATOMIC_RELEASE);
}

int shim_cb_sni_pending(SSL *ssl, char *buf, int cap, int *from_origin)
{
	shim_cb_ssl *st = SSL_get_ex_data(ssl, cb_ssl_idx);

	if (st == NULL || st->sni_state != SNI_PENDING || cap <= st->name_len)
		return -1;
	memcpy(buf, st->name, (size_t)st->name_len);
	*from_origin = st->from_origin;
	return st->name_len;
}

void shim_cb_sni_decide(SSL *ssl, int fail, int alert)
{
	shim_cb_ssl *st = SSL_get_ex_data(ssl, cb_ssl_idx);

	if (st == NULL || st->sni_state != SNI_PENDING)
		return;
	st->sni_fail = fail;
	st->sni_alert = alert;
	st->sni_state = SNI_DECIDED;
}

int shim_cb_ssl_set_ctx(SSL *ssl, SSL_CTX *ctx, shim_errq *q)
{
	shim_alpn *ctxalpn, *fresh, *old;

	shim_begin();
	if (SSL_set_SSL_CTX(ssl, ctx) != ctx) {
		shim_capture(q);
		return 0;
	}
	ctxalpn = SSL_CTX_get_ex_data(ctx, ctx_idx);
	fresh = ctxalpn != NULL ? shim_alpn_dup(ctxalpn->alpn, ctxalpn->alpn_len) : shim_alpn_dup(NULL, 0);
	old = SSL_get_ex_data(ssl, ssl_idx);
	if (fresh == NULL || !SSL_set_ex_data(ssl, ssl_idx, fresh)) {
		shim_alpn_free(fresh);
		shim_capture(q);
		return 0;
	}
	/* Replaced, not freed by ex_data: the SSL's live count stays. */
	shim_alpn_free(old);
	shim_capture(q);
	return 1;
}

/* ---- key logging ---- */

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* One write(2) per line on a file opened O_APPEND: whole lines, never
 * interleaved, between the threads of this process (the lock) and with
 * other processes appending to the same regular file. */
static void cb_keylog(const SSL *ssl, const char *line)
{
	shim_cb_ctx *cc = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), cb_ctx_idx);
	shim_keylog *kl = cc == NULL ? NULL : __atomic_load_n(&cc->keylog, __ATOMIC_ACQUIRE);
	char small[512], *buf = small;
	size_t n = strlen(line);
	int saved = errno;

	if (kl == NULL)
		return;
	if (n + 1 > sizeof(small) && (buf = OPENSSL_malloc(n + 1)) == NULL)
		return;
	memcpy(buf, line, n);
	buf[n] = '\n';
	if (CRYPTO_THREAD_write_lock(kl->lock)) {
		write_all(kl->fd, buf, n + 1);
		CRYPTO_THREAD_unlock(kl->lock);
	}
	if (buf != small)
		OPENSSL_free(buf);
	errno = saved;
}

static const char keylog_header[] = "# TLS secrets log file, generated by OpenSSL / sslctx\n";

int shim_cb_ctx_set_keylog(SSL_CTX *ctx, const char *path, int *err)
{
	shim_cb_ctx *cc = SSL_CTX_get_ex_data(ctx, cb_ctx_idx);
	shim_keylog *kl = NULL, *old;

	*err = 0;
	if (cc == NULL) {
		*err = EINVAL;
		return 0;
	}
	/* Python turns the old file off first, so a failed open leaves none. */
	SSL_CTX_set_keylog_callback(ctx, NULL);
	old = __atomic_exchange_n(&cc->keylog, NULL, __ATOMIC_ACQ_REL);
	keylog_free(old);
	if (path == NULL)
		return 1;
	kl = OPENSSL_zalloc(sizeof(*kl));
	if (kl == NULL || (kl->lock = CRYPTO_THREAD_lock_new()) == NULL) {
		OPENSSL_free(kl);
		*err = ENOMEM;
		return 0;
	}
	kl->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (kl->fd < 0) {
		*err = errno;
		CRYPTO_THREAD_lock_free(kl->lock);
		OPENSSL_free(kl);
		return 0;
	}
	__atomic_fetch_add(&live_keylog, 1, __ATOMIC_RELAXED);
	/* Python's rule: a header for a file that is empty and seekable (not
	 * a pipe). */
	if (lseek(kl->fd, 0, SEEK_END) == 0)
		write_all(kl->fd, keylog_header, sizeof(keylog_header) - 1);
	__atomic_store_n(&cc->keylog, kl, __ATOMIC_RELEASE);
	SSL_CTX_set_keylog_callback(ctx, cb_keylog);
	return 1;
}

/* ---- post-handshake authentication ---- */

void shim_cb_ssl_enable_pha(SSL *ssl, int server)
{
	if (!server) {
		SSL_set_post_handshake_auth(ssl, 1);
		return;
	}
	/* CPython (bpo-37428): only with SSL_VERIFY_PEER, which OpenSSL does
	 * not ignore SSL_VERIFY_POST_HANDSHAKE without. */
	if (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER)
		SSL_set_verify(ssl, SSL_get_verify_mode(ssl) | SSL_VERIFY_POST_HANDSHAKE,
		               SSL_get_verify_callback(ssl));
}

int shim_cb_verify_client_post_handshake(SSL *ssl, shim_errq *q)
{
	int r;

	shim_begin();
	r = SSL_verify_client_post_handshake(ssl);
	shim_capture(q);
	return r;
}

/* ---- pre-shared keys ---- */

#ifndef OPENSSL_NO_PSK
static unsigned int cb_psk_client(SSL *ssl, const char *hint, char *identity,
                                  unsigned int max_identity_len, unsigned char *psk,
                                  unsigned int max_psk_len)
{
	shim_cb_ssl *st = SSL_get_ex_data(ssl, cb_ssl_idx);

	if (st == NULL || st->handle == 0)
		return 0;
	return sslctxPSKClientCallback(st->handle, (char *)hint, identity, max_identity_len, psk,
	                               max_psk_len);
}

static unsigned int cb_psk_server(SSL *ssl, const char *identity, unsigned char *psk,
                                  unsigned int max_psk_len)
{
	shim_cb_ssl *st = SSL_get_ex_data(ssl, cb_ssl_idx);

	if (st == NULL || st->handle == 0)
		return 0;
	return sslctxPSKServerCallback(st->handle, (char *)identity, psk, max_psk_len);
}
#endif

int shim_cb_has_psk(void)
{
#ifndef OPENSSL_NO_PSK
	return 1;
#else
	return 0;
#endif
}

void shim_cb_ctx_set_psk_client(SSL_CTX *ctx, int on)
{
#ifndef OPENSSL_NO_PSK
	SSL_CTX_set_psk_client_callback(ctx, on ? cb_psk_client : NULL);
#else
	(void)ctx; (void)on;
#endif
}

int shim_cb_ctx_set_psk_server(SSL_CTX *ctx, int on, const char *hint, shim_errq *q)
{
#ifndef OPENSSL_NO_PSK
	shim_begin();
	if (SSL_CTX_use_psk_identity_hint(ctx, hint) != 1) {
		shim_capture(q);
		return 0;
	}
	SSL_CTX_set_psk_server_callback(ctx, on ? cb_psk_server : NULL);
	shim_capture(q);
	return 1;
#else
	(void)ctx; (void)on; (void)hint;
	shim_begin();
	shim_capture(q);
	return 0;
#endif
}

int shim_cb_ssl_set_handle(SSL *ssl, uintptr_t handle, shim_errq *q)
{
	shim_cb_ssl *st;

	shim_begin();
	st = cb_ssl_state(ssl);
	if (st == NULL) {
		shim_capture(q);
		return 0;
	}
	st->handle = handle;
	shim_capture(q);
	return 1;
}

/* ---- setup ---- */

int shim_cb_init(void)
{
	cb_ctx_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, cb_ctx_free);
	cb_ssl_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, cb_ssl_free);
	return cb_ctx_idx >= 0 && cb_ssl_idx >= 0;
}

int shim_cb_ctx_init(SSL_CTX *ctx, shim_errq *q)
{
	shim_cb_ctx *cc;

	shim_begin();
	cc = OPENSSL_zalloc(sizeof(*cc));
	if (cc == NULL || !SSL_CTX_set_ex_data(ctx, cb_ctx_idx, cc)) {
		OPENSSL_free(cc);
		shim_capture(q);
		return 0;
	}
	SSL_CTX_set_client_hello_cb(ctx, cb_client_hello, cc);
	SSL_CTX_set_tlsext_servername_callback(ctx, cb_servername);
	SSL_CTX_set_tlsext_servername_arg(ctx, cc);
	shim_capture(q);
	return 1;
}
