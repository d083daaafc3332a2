/*
 * The C shim: see shim.h for the contract every function here keeps.
 */
#include "shim.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <openssl/bio.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

/* ---- error queue ---- */

static void shim_begin(void)
{
	/* Peeking is cheaper than clearing the sixteen slots of an empty queue. */
	if (ERR_peek_error() != 0)
		ERR_clear_error();
	errno = 0;
}

/* Moves the thread's whole error queue into q, oldest first, keeping the
 * newest SHIM_ERRQ_MAX entries: the newest is the one Python reports. */
static void shim_capture(shim_errq *q)
{
	const char *file, *func, *data;
	int line, flags;
	unsigned long code;

	q->sys_errno = errno;
	q->n = 0;
	q->dropped = 0;
	while ((code = ERR_get_error_all(&file, &line, &func, &data, &flags)) != 0) {
		shim_err_entry *e;

		if (q->n == SHIM_ERRQ_MAX) {
			memmove(&q->e[0], &q->e[1], sizeof(q->e[0]) * (SHIM_ERRQ_MAX - 1));
			q->n--;
			q->dropped++;
		}
		e = &q->e[q->n++];
		e->code = code;
		e->line = line;
		e->file[0] = '\0';
		if (file != NULL) {
			strncpy(e->file, file, SHIM_ERR_FILE_MAX - 1);
			e->file[SHIM_ERR_FILE_MAX - 1] = '\0';
		}
		e->func[0] = '\0';
		if (func != NULL) {
			strncpy(e->func, func, SHIM_ERR_FUNC_MAX - 1);
			e->func[SHIM_ERR_FUNC_MAX - 1] = '\0';
		}
		e->data[0] = '\0';
		if (data != NULL && (flags & ERR_TXT_STRING)) {
			strncpy(e->data, data, SHIM_ERR_DATA_MAX - 1);
			e->data[SHIM_ERR_DATA_MAX - 1] = '\0';
		}
	}
}

/* ---- per-object C data and live counts ---- */

static int ctx_idx = -1, ssl_idx = -1;
static long live_ctx, live_ssl, live_bio;

/* The protocols offered with SSL_CTX_set_alpn_protos, kept for the server's
 * selection callback. Each SSL gets its own copy when it is created, so a
 * later SetALPNProtocols never changes a handshake already under way. */
typedef struct {
	unsigned char *alpn;
	size_t alpn_len;
} shim_alpn;

static void shim_alpn_free(shim_alpn *a)
{
	if (a == NULL)
		return;
	OPENSSL_free(a->alpn);
	OPENSSL_free(a);
}

static shim_alpn *shim_alpn_dup(const unsigned char *wire, size_t len)
{
	shim_alpn *a = OPENSSL_zalloc(sizeof(*a));

	if (a == NULL)
		return NULL;
	if (len > 0) {
		a->alpn = OPENSSL_memdup(wire, len);
		if (a->alpn == NULL) {
			OPENSSL_free(a);
			return NULL;
		}
	}
	a->alpn_len = len;
	return a;
}

static void ctx_data_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	if (ptr == NULL)
		return;
	shim_alpn_free(ptr);
	__atomic_fetch_sub(&live_ctx, 1, __ATOMIC_RELAXED);
}

static void ssl_data_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	if (ptr == NULL)
		return;
	shim_alpn_free(ptr);
	__atomic_fetch_sub(&live_ssl, 1, __ATOMIC_RELAXED);
}

/* ---- the pipe BIO ----
 *
 * A memory BIO that keeps nothing between calls when it can help it: during
 * one shim_ssl_io it reads the peer's ciphertext straight from the caller's
 * buffer and writes ciphertext for the peer straight into the caller's
 * buffer, so no byte is copied that OpenSSL does not copy itself. What
 * OpenSSL does not read stays with the caller (in_used says how much it
 * took); output beyond the caller's buffer waits in a spill buffer, freed
 * once drained. An idle connection holds no BIO buffer at all.
 */
typedef struct {
	const unsigned char *in; /* the caller's, during one call only */
	size_t in_len, in_used;
	int eof;
	unsigned char *out; /* the caller's, during one call only */
	size_t out_cap, out_len;
	unsigned char *spill;
	size_t spill_len, spill_off, spill_cap;
	/* A failure met after a read had already returned data: it is the
	 * outcome of the next read, and the reason any other operation fails
	 * until then. */
	shim_errq *stash;
	int stash_ret, stash_error;
} shim_pipe;

static BIO_METHOD *pipe_method;

static int pipe_create(BIO *b)
{
	shim_pipe *p = OPENSSL_zalloc(sizeof(*p));

	if (p == NULL)
		return 0;
	BIO_set_data(b, p);
	BIO_set_init(b, 1);
	__atomic_fetch_add(&live_bio, 1, __ATOMIC_RELAXED);
	return 1;
}

static int pipe_destroy(BIO *b)
{
	shim_pipe *p = BIO_get_data(b);

	if (p == NULL)
		return 0;
	OPENSSL_free(p->spill);
	OPENSSL_free(p->stash);
	OPENSSL_free(p);
	BIO_set_data(b, NULL);
	__atomic_fetch_sub(&live_bio, 1, __ATOMIC_RELAXED);
	return 1;
}

static size_t pipe_spilled(const shim_pipe *p) { return p->spill_len - p->spill_off; }

/* Moves spilled output into the caller's buffer, oldest first. */
static void pipe_drain(shim_pipe *p)
{
	size_t n = pipe_spilled(p);

	if (n > p->out_cap - p->out_len)
		n = p->out_cap - p->out_len;
	if (n > 0) {
		memcpy(p->out + p->out_len, p->spill + p->spill_off, n);
		p->out_len += n;
		p->spill_off += n;
	}
	if (p->spill_off == p->spill_len) {
		OPENSSL_free(p->spill);
		p->spill = NULL;
		p->spill_len = p->spill_off = p->spill_cap = 0;
	}
}

static int pipe_write_ex(BIO *b, const char *data, size_t len, size_t *written)
{
	shim_pipe *p = BIO_get_data(b);
	size_t n = 0;

	BIO_clear_retry_flags(b);
	/* Behind spilled output nothing may overtake it. */
	if (pipe_spilled(p) == 0 && p->out != NULL) {
		n = p->out_cap - p->out_len;
		if (n > len)
			n = len;
		memcpy(p->out + p->out_len, data, n);
		p->out_len += n;
	}
	if (n < len) {
		size_t need = p->spill_len + (len - n);

		if (need > p->spill_cap) {
			size_t cap = p->spill_cap * 2;
			unsigned char *grown;

			if (cap < need)
				cap = need;
			grown = OPENSSL_realloc(p->spill, cap);
			if (grown == NULL)
				return 0;
			p->spill = grown;
			p->spill_cap = cap;
		}
		memcpy(p->spill + p->spill_len, data + n, len - n);
		p->spill_len = need;
	}
	*written = len;
	return 1;
}

static int pipe_read_ex(BIO *b, char *data, size_t len, size_t *readbytes)
{
	shim_pipe *p = BIO_get_data(b);
	size_t avail = p->in == NULL ? 0 : p->in_len - p->in_used;

	BIO_clear_retry_flags(b);
	*readbytes = 0;
	if (avail == 0) {
		/* Not the end of the stream until the transport says so. */
		if (!p->eof)
			BIO_set_retry_read(b);
		return 0;
	}
	if (len > avail)
		len = avail;
	memcpy(data, p->in + p->in_used, len);
	p->in_used += len;
	*readbytes = len;
	return 1;
}

/* Whether a whole TLS record waits in the input, so that reading it can
 * neither block nor leave a partial record behind. */
static int pipe_has_record(const shim_pipe *p)
{
	size_t avail = p->in == NULL ? 0 : p->in_len - p->in_used;
	const unsigned char *h = p->in + p->in_used;

	return avail >= 5 && avail >= 5 + ((size_t)h[3] << 8 | h[4]);
}

static long pipe_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	shim_pipe *p = BIO_get_data(b);
	(void)num; (void)ptr;

	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_PENDING:
		return p->in == NULL ? 0 : (long)(p->in_len - p->in_used);
	case BIO_CTRL_WPENDING:
		return (long)pipe_spilled(p);
	case BIO_CTRL_EOF:
		return p->eof && (p->in == NULL || p->in_used == p->in_len);
	}
	return 0;
}

/* ---- refusing servers that authenticate nothing ---- */

typedef int (*security_cb_fn)(const SSL *, const SSL_CTX *, int, int, int, void *, void *);

/* OpenSSL's own security callback (the same for every SSL_CTX), to which
 * security_cb leaves every decision but one. */
static security_cb_fn default_security_cb;

/* The suite security_cb refused during the shim_ssl_io call running on this
 * thread: the callback and that call share the thread, as the error queue. */
static __thread const SSL_CIPHER *refused_cipher;

/*
 * A client that requires the server's certificate (SSL_VERIFY_PEER |
 * SSL_VERIFY_FAIL_IF_NO_PEER_CERT, Python's CERT_REQUIRED) refuses a server
 * that chooses a suite without one: anonymous (aNULL, which
 * "ALL:@SECLEVEL=0" offers), PSK-only or SRP-only. OpenSSL itself lets the
 * handshake complete there, verifying nothing, since FAIL_IF_NO_PEER_CERT
 * means nothing to a client. Refusing at SSL_SECOP_CIPHER_CHECK, as the
 * ServerHello is read, makes OpenSSL end the handshake itself with a fatal
 * illegal_parameter alert; the ClientHello is left as CPython's.
 */
static int security_cb(const SSL *s, const SSL_CTX *ctx, int op, int bits, int nid,
                       void *other, void *ex)
{
	if (op == SSL_SECOP_CIPHER_CHECK && s != NULL && other != NULL && !SSL_is_server(s) &&
	    (SSL_get_verify_mode(s) & SSL_VERIFY_FAIL_IF_NO_PEER_CERT) != 0) {
		const SSL_CIPHER *c = other;
		int auth = SSL_CIPHER_get_auth_nid(c);

		if (auth == NID_auth_null || auth == NID_auth_psk || auth == NID_auth_srp) {
			refused_cipher = c;
			return 0;
		}
	}
	return default_security_cb(s, ctx, op, bits, nid, other, ex);
}

/* After an operation security_cb cut short: the newest error, the one
 * reported, says why in the caller's terms (OpenSSL's own entry, "wrong
 * cipher returned", stays beneath it). */
static void raise_refused_cipher(void)
{
	const char *name = SSL_CIPHER_get_name(refused_cipher);

#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	ERR_raise_data(ERR_LIB_SSL, SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE,
	               "the server chose %s, which sends no certificate; certificates are required",
	               name != NULL ? name : "?");
#else
	ERR_put_error(ERR_LIB_SSL, 0, SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE, __FILE__, __LINE__);
	ERR_add_error_data(3, "the server chose ", name != NULL ? name : "?",
	                   ", which sends no certificate; certificates are required");
#endif
}

int shim_init(void)
{
	SSL_CTX *probe = SSL_CTX_new(TLS_method());

	if (probe == NULL)
		return 0;
	default_security_cb = SSL_CTX_get_security_callback(probe);
	SSL_CTX_free(probe);
	if (default_security_cb == NULL)
		return 0;
	ctx_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, ctx_data_free);
	ssl_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, ssl_data_free);
	pipe_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sslctx pipe");
	if (pipe_method == NULL ||
	    !BIO_meth_set_create(pipe_method, pipe_create) ||
	    !BIO_meth_set_destroy(pipe_method, pipe_destroy) ||
	    !BIO_meth_set_write_ex(pipe_method, pipe_write_ex) ||
	    !BIO_meth_set_read_ex(pipe_method, pipe_read_ex) ||
	    !BIO_meth_set_ctrl(pipe_method, pipe_ctrl))
		return 0;
	return ctx_idx >= 0 && ssl_idx >= 0;
}

long shim_live_ctx(void) { return __atomic_load_n(&live_ctx, __ATOMIC_RELAXED); }
long shim_live_ssl(void) { return __atomic_load_n(&live_ssl, __ATOMIC_RELAXED); }
long shim_live_bio(void) { return __atomic_load_n(&live_bio, __ATOMIC_RELAXED); }

long long shim_c_heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
	return (long long)mallinfo2().uordblks;
#else
	return -1;
#endif
}

void shim_ctx_free(SSL_CTX *ctx) { SSL_CTX_free(ctx); }
void shim_ssl_free(SSL *ssl) { SSL_free(ssl); }
void shim_free(void *p) { OPENSSL_free(p); }

/* ---- SSL_CTX ---- */

static int shim_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                            const unsigned char *in, unsigned int inlen, void *arg)
{
	shim_alpn *a = SSL_get_ex_data(ssl, ssl_idx);
	(void)arg;

	if (a == NULL || a->alpn == NULL)
		return SSL_TLSEXT_ERR_NOACK;
	/* Server preference first, as Python's do_protocol_selection. */
	if (SSL_select_next_proto((unsigned char **)out, outlen, a->alpn, (unsigned int)a->alpn_len,
	                          in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	return SSL_TLSEXT_ERR_OK;
}

SSL_CTX *shim_ctx_new(int method, shim_errq *q)
{
	const SSL_METHOD *m = NULL;
	SSL_CTX *ctx;
	shim_alpn *data;

	shim_begin();
	switch (method) {
	case SHIM_METHOD_TLS: m = TLS_method(); break;
	case SHIM_METHOD_TLS_CLIENT: m = TLS_client_method(); break;
	case SHIM_METHOD_TLS_SERVER: m = TLS_server_method(); break;
#ifndef OPENSSL_NO_TLS1_METHOD
	case SHIM_METHOD_TLSv1: m = TLSv1_method(); break;
#endif
#ifndef OPENSSL_NO_TLS1_1_METHOD
	case SHIM_METHOD_TLSv1_1: m = TLSv1_1_method(); break;
#endif
#ifndef OPENSSL_NO_TLS1_2_METHOD
	case SHIM_METHOD_TLSv1_2: m = TLSv1_2_method(); break;
#endif
	}
	if (m == NULL) {
		shim_capture(q);
		return NULL;
	}
	ctx = SSL_CTX_new(m);
	if (ctx == NULL) {
		shim_capture(q);
		return NULL;
	}
	data = shim_alpn_dup(NULL, 0);
	if (data == NULL || !SSL_CTX_set_ex_data(ctx, ctx_idx, data)) {
		shim_alpn_free(data);
		SSL_CTX_free(ctx);
		shim_capture(q);
		return NULL;
	}
	__atomic_fetch_add(&live_ctx, 1, __ATOMIC_RELAXED);
	/* Every SSL copies it from here at SSL_new. */
	SSL_CTX_set_security_callback(ctx, security_cb);
	/* Python's context_new: a session id context, so servers that ask for
	 * client certificates can still resume sessions, and small idle buffers. */
	if (!SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"sslctx", 7)) {
		SSL_CTX_free(ctx);
		shim_capture(q);
		return NULL;
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	shim_capture(q);
	return ctx;
}

int shim_ctx_set_cipher_list(SSL_CTX *ctx, const char *spec, shim_errq *q)
{
	int r;

	shim_begin();
	r = SSL_CTX_set_cipher_list(ctx, spec);
	shim_capture(q);
	return r;
}

int shim_ctx_set_ciphersuites(SSL_CTX *ctx, const char *spec, shim_errq *q)
{
	int r;

	shim_begin();
	r = SSL_CTX_set_ciphersuites(ctx, spec);
	shim_capture(q);
	return r;
}

int shim_ctx_set_proto_version(SSL_CTX *ctx, int max, int version, shim_errq *q)
{
	int r;

	shim_begin();
	if (max)
		r = (int)SSL_CTX_set_max_proto_version(ctx, version);
	else
		r = (int)SSL_CTX_set_min_proto_version(ctx, version);
	shim_capture(q);
	return r;
}

int shim_ctx_get_proto_version(SSL_CTX *ctx, int max)
{
	if (max)
		return (int)SSL_CTX_get_max_proto_version(ctx);
	return (int)SSL_CTX_get_min_proto_version(ctx);
}

/* Never lets OpenSSL fall back to its terminal prompt: without a Go callback
 * the request is refused, and the load fails with "bad password read". Every
 * PEM read passes it, since any PEM block with a Proc-Type: 4,ENCRYPTED
 * header asks for a pass phrase, and OpenSSL's own prompt would block on
 * the terminal or on standard input. */
static int shim_pem_password(char *buf, int size, int rwflag, void *u)
{
	(void)rwflag;
	if (u == NULL)
		return -1;
	return sslctxPasswordCallback((uintptr_t)u, buf, size);
}

/* Runs a loader with our password callback, then restores the context's own. */
#define WITH_PASSWORD(ctx, pw, call)                                            \
	do {                                                                    \
		pem_password_cb *old_cb = SSL_CTX_get_default_passwd_cb(ctx);   \
		void *old_u = SSL_CTX_get_default_passwd_cb_userdata(ctx);      \
		SSL_CTX_set_default_passwd_cb(ctx, shim_pem_password);          \
		SSL_CTX_set_default_passwd_cb_userdata(ctx, (void *)(pw));      \
		call;                                                           \
		SSL_CTX_set_default_passwd_cb(ctx, old_cb);                     \
		SSL_CTX_set_default_passwd_cb_userdata(ctx, old_u);             \
	} while (0)

int shim_ctx_use_certificate_chain_file(SSL_CTX *ctx, const char *path, uintptr_t pw, shim_errq *q)
{
	int r;

	shim_begin();
	WITH_PASSWORD(ctx, pw, r = SSL_CTX_use_certificate_chain_file(ctx, path));
	shim_capture(q);
	return r;
}

int shim_ctx_use_private_key_file(SSL_CTX *ctx, const char *path, uintptr_t pw, shim_errq *q)
{
	int r;

	shim_begin();
	WITH_PASSWORD(ctx, pw, r = SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM));
	shim_capture(q);
	return r;
}

struct shim_cert_key {
	X509 *cert;
	STACK_OF(X509) *chain;
	EVP_PKEY *key;
};

void shim_cert_key_free(shim_cert_key *ck)
{
	if (ck == NULL)
		return;
	X509_free(ck->cert);
	sk_X509_pop_free(ck->chain, X509_free);
	EVP_PKEY_free(ck->key);
	OPENSSL_free(ck);
}

/* The scratch SSL_CTX runs OpenSSL's own loaders, so that errors, errno and
 * the security checks are those of loading into the caller's context. */
shim_cert_key *shim_cert_key_load(const char *certfile, const char *keyfile, int level,
                                  uintptr_t pw, int *stage, shim_errq *q)
{
	shim_cert_key *ck = NULL;
	SSL_CTX *scratch;
	STACK_OF(X509) *chain = NULL;

	*stage = 0;
	shim_begin();
	scratch = SSL_CTX_new(TLS_method());
	if (scratch == NULL)
		goto done;
	SSL_CTX_set_security_level(scratch, level);
	SSL_CTX_set_default_passwd_cb(scratch, shim_pem_password);
	SSL_CTX_set_default_passwd_cb_userdata(scratch, (void *)pw);
	ck = OPENSSL_zalloc(sizeof(*ck));
	if (ck == NULL)
		goto done;
	*stage = 1;
	if (SSL_CTX_use_certificate_chain_file(scratch, certfile) != 1)
		goto fail;
	/* Taken now: a key of another type lands in another slot. */
	ck->cert = SSL_CTX_get0_certificate(scratch);
	if (ck->cert == NULL || !X509_up_ref(ck->cert)) {
		ck->cert = NULL;
		goto fail;
	}
	if (!SSL_CTX_get0_chain_certs(scratch, &chain))
		goto fail;
	if (chain != NULL && (ck->chain = X509_chain_up_ref(chain)) == NULL)
		goto fail;
	*stage = 2;
	if (SSL_CTX_use_PrivateKey_file(scratch, keyfile, SSL_FILETYPE_PEM) != 1)
		goto fail;
	ck->key = SSL_CTX_get0_privatekey(scratch);
	if (ck->key == NULL || !EVP_PKEY_up_ref(ck->key)) {
		ck->key = NULL;
		goto fail;
	}
	*stage = 0;
	goto done;
fail:
	shim_cert_key_free(ck);
	ck = NULL;
done:
	SSL_CTX_free(scratch);
	shim_capture(q);
	return ck;
}

int shim_ctx_use_cert_key(SSL_CTX *ctx, const shim_cert_key *ck, int *stage, shim_errq *q)
{
	int r;

	shim_begin();
	*stage = 1;
	r = SSL_CTX_use_certificate(ctx, ck->cert) == 1 && SSL_CTX_set1_chain(ctx, ck->chain) == 1;
	if (r) {
		*stage = 2;
		r = SSL_CTX_use_PrivateKey(ctx, ck->key) == 1;
	}
	if (r)
		*stage = 0;
	shim_capture(q);
	return r;
}

int shim_ctx_check_private_key(SSL_CTX *ctx, shim_errq *q)
{
	int r;

	shim_begin();
	r = SSL_CTX_check_private_key(ctx);
	shim_capture(q);
	return r;
}

int shim_ctx_load_verify_locations(SSL_CTX *ctx, const char *file, const char *dir, shim_errq *q)
{
	int r;

	shim_begin();
	r = SSL_CTX_load_verify_locations(ctx, file, dir);
	shim_capture(q);
	return r;
}

/* Python's _add_ca_certs, step for step, so the same input fails the same way. */
int shim_ctx_add_ca_data(SSL_CTX *ctx, const void *data, size_t len, int pem, int *loaded, shim_errq *q)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);
	unsigned long err;
	BIO *bio;
	int ok = 1;

	*loaded = 0;
	shim_begin();
	if (len > INT_MAX) {
		shim_capture(q);
		return 0;
	}
	bio = BIO_new_mem_buf(data, (int)len);
	if (bio == NULL) {
		shim_capture(q);
		return 0;
	}
	for (;;) {
		X509 *cert = pem ? PEM_read_bio_X509(bio, NULL, shim_pem_password, NULL)
		                 : d2i_X509_bio(bio, NULL);
		int r;

		if (cert == NULL)
			break;
		r = X509_STORE_add_cert(store, cert);
		X509_free(cert);
		if (!r) {
			err = ERR_peek_last_error();
			if (ERR_GET_LIB(err) == ERR_LIB_X509 &&
			    ERR_GET_REASON(err) == X509_R_CERT_ALREADY_IN_HASH_TABLE) {
				ERR_clear_error();
			} else {
				break;
			}
		}
		(*loaded)++;
	}
	BIO_free(bio);
	err = ERR_peek_last_error();
	if (*loaded > 0 && ((!pem && ERR_GET_LIB(err) == ERR_LIB_ASN1 &&
	                     ERR_GET_REASON(err) == ASN1_R_HEADER_TOO_LONG) ||
	                    (pem && ERR_GET_LIB(err) == ERR_LIB_PEM &&
	                     ERR_GET_REASON(err) == PEM_R_NO_START_LINE))) {
		/* The end of the input, not an error. */
		ERR_clear_error();
	} else if (*loaded == 0 || err != 0) {
		ok = 0;
	}
	shim_capture(q);
	return ok;
}

int shim_ctx_set_default_verify_paths(SSL_CTX *ctx, shim_errq *q)
{
	int r;

	shim_begin();
	r = SSL_CTX_set_default_verify_paths(ctx);
	shim_capture(q);
	return r;
}

int shim_ctx_load_dh_params(SSL_CTX *ctx, const char *path, int *opened, shim_errq *q)
{
	FILE *f;
	DH *dh;
	int r;

	shim_begin();
	*opened = 0;
	f = fopen(path, "rb");
	if (f == NULL) {
		shim_capture(q);
		return 0;
	}
	*opened = 1;
	dh = PEM_read_DHparams(f, NULL, shim_pem_password, NULL);
	fclose(f);
	if (dh == NULL) {
		shim_capture(q);
		return 0;
	}
	r = (int)SSL_CTX_set_tmp_dh(ctx, dh);
	DH_free(dh);
	shim_capture(q);
	return r;
}

int shim_ctx_set_ecdh_curve(SSL_CTX *ctx, const char *name, int *known, shim_errq *q)
{
	int nid, r;

	shim_begin();
	nid = OBJ_sn2nid(name);
	*known = nid != NID_undef;
	if (!*known) {
		shim_capture(q);
		return 0;
	}
	r = (int)SSL_CTX_set1_groups(ctx, &nid, 1);
	shim_capture(q);
	return r;
}

int shim_ctx_set_alpn(SSL_CTX *ctx, const unsigned char *wire, size_t len, shim_errq *q)
{
	shim_alpn *fresh, *old;

	shim_begin();
	if (len > UINT_MAX || SSL_CTX_set_alpn_protos(ctx, wire, (unsigned int)len) != 0) {
		shim_capture(q);
		return 0;
	}
	fresh = shim_alpn_dup(wire, len);
	if (fresh == NULL) {
		shim_capture(q);
		return 0;
	}
	old = SSL_CTX_get_ex_data(ctx, ctx_idx);
	if (!SSL_CTX_set_ex_data(ctx, ctx_idx, fresh)) {
		shim_alpn_free(fresh);
		shim_capture(q);
		return 0;
	}
	shim_alpn_free(old);
	SSL_CTX_set_alpn_select_cb(ctx, shim_alpn_select, NULL);
	shim_capture(q);
	return 1;
}

long shim_ctx_sess_stat(SSL_CTX *ctx, int which)
{
	switch (which) {
	case 0: return SSL_CTX_sess_number(ctx);
	case 1: return SSL_CTX_sess_connect(ctx);
	case 2: return SSL_CTX_sess_connect_good(ctx);
	case 3: return SSL_CTX_sess_connect_renegotiate(ctx);
	case 4: return SSL_CTX_sess_accept(ctx);
	case 5: return SSL_CTX_sess_accept_good(ctx);
	case 6: return SSL_CTX_sess_accept_renegotiate(ctx);
	case 7: return SSL_CTX_sess_hits(ctx);
	case 8: return SSL_CTX_sess_misses(ctx);
	case 9: return SSL_CTX_sess_timeouts(ctx);
	case 10: return SSL_CTX_sess_cache_full(ctx);
	}
	return 0;
}

unsigned long shim_ctx_get_verify_flags(SSL_CTX *ctx)
{
	return X509_VERIFY_PARAM_get_flags(SSL_CTX_get0_param(ctx));
}

int shim_ctx_set_verify_flags(SSL_CTX *ctx, unsigned long set, unsigned long clear, shim_errq *q)
{
	X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
	int r = 1;

	shim_begin();
	if (clear && !X509_VERIFY_PARAM_clear_flags(param, clear))
		r = 0;
	if (r && set && !X509_VERIFY_PARAM_set_flags(param, set))
		r = 0;
	shim_capture(q);
	return r;
}

int shim_ctx_set_hostflags(SSL_CTX *ctx, unsigned int flags)
{
	X509_VERIFY_PARAM_set_hostflags(SSL_CTX_get0_param(ctx), flags);
	return 1;
}

STACK_OF(X509) *shim_ctx_store_certs(SSL_CTX *ctx, int *crls, shim_errq *q)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);
	STACK_OF(X509_OBJECT) *objs;
	STACK_OF(X509) *out;
	int i;

	*crls = 0;
	shim_begin();
	out = sk_X509_new_null();
	if (out == NULL) {
		shim_capture(q);
		return NULL;
	}
	/* capath lookups add certificates to the store during handshakes on
	 * other threads; the store lock makes the walk safe. */
	if (!X509_STORE_lock(store)) {
		sk_X509_free(out);
		shim_capture(q);
		return NULL;
	}
	objs = X509_STORE_get0_objects(store);
	for (i = 0; i < sk_X509_OBJECT_num(objs); i++) {
		X509_OBJECT *obj = sk_X509_OBJECT_value(objs, i);
		X509 *x;

		switch (X509_OBJECT_get_type(obj)) {
		case X509_LU_X509:
			x = X509_OBJECT_get0_X509(obj);
			if (!X509_up_ref(x))
				break;
			if (!sk_X509_push(out, x))
				X509_free(x);
			break;
		case X509_LU_CRL:
			(*crls)++;
			break;
		default:
			break;
		}
	}
	X509_STORE_unlock(store);
	shim_capture(q);
	return out;
}

SSL *shim_ctx_cipher_probe(SSL_CTX *ctx, shim_errq *q)
{
	SSL *ssl;

	shim_begin();
	ssl = SSL_new(ctx);
	shim_capture(q);
	return ssl;
}

int shim_cipher_count(SSL *ssl)
{
	STACK_OF(SSL_CIPHER) *sk = SSL_get_ciphers(ssl);

	return sk == NULL ? 0 : sk_SSL_CIPHER_num(sk);
}

const SSL_CIPHER *shim_cipher_at(SSL *ssl, int i)
{
	return sk_SSL_CIPHER_value(SSL_get_ciphers(ssl), i);
}

void shim_cipher_describe(const SSL_CIPHER *c, char *buf, int cap)
{
	size_t len;

	buf[0] = '\0';
	SSL_CIPHER_description(c, buf, cap - 1);
	len = strlen(buf);
	/* Python strips the newline OpenSSL ends the description with. */
	if (len > 1 && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
}

int shim_ctx_set_num_tickets(SSL_CTX *ctx, size_t n, shim_errq *q)
{
	int r;

	shim_begin();
	r = SSL_CTX_set_num_tickets(ctx, n);
	shim_capture(q);
	return r;
}

size_t shim_ctx_get_num_tickets(SSL_CTX *ctx)
{
	return SSL_CTX_get_num_tickets(ctx);
}

int shim_ctx_security_level(SSL_CTX *ctx)
{
	return SSL_CTX_get_security_level(ctx);
}

/* ---- SSL over memory BIOs ---- */

SSL *shim_ssl_new(SSL_CTX *ctx, int server, shim_errq *q)
{
	shim_alpn *ctxalpn, *alpn;
	BIO *pipe;
	SSL *ssl;

	shim_begin();
	ssl = SSL_new(ctx);
	if (ssl == NULL)
		goto fail;
	ctxalpn = SSL_CTX_get_ex_data(ctx, ctx_idx);
	alpn = ctxalpn ? shim_alpn_dup(ctxalpn->alpn, ctxalpn->alpn_len) : shim_alpn_dup(NULL, 0);
	if (alpn == NULL || !SSL_set_ex_data(ssl, ssl_idx, alpn)) {
		shim_alpn_free(alpn);
		SSL_free(ssl);
		ssl = NULL;
		goto fail;
	}
	__atomic_fetch_add(&live_ssl, 1, __ATOMIC_RELAXED);
	pipe = BIO_new(pipe_method);
	if (pipe == NULL)
		goto fail;
	/* One BIO both ways: SSL_set_bio takes its single reference. */
	SSL_set_bio(ssl, pipe, pipe);
	/* AUTO_RETRY: a read that meets a post-handshake message (a TLS 1.3
	 * ticket) goes on to the next record instead of asking to be called again. */
	SSL_set_mode(ssl, SSL_MODE_AUTO_RETRY | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (server)
		SSL_set_accept_state(ssl);
	else
		SSL_set_connect_state(ssl);
	shim_capture(q);
	return ssl;
fail:
	SSL_free(ssl);
	shim_capture(q);
	return NULL;
}

int shim_ssl_set_hostname(SSL *ssl, const char *name, int check, int *is_ip, int *failed,
                          shim_errq *q)
{
	ASN1_OCTET_STRING *ip;
	int r = 1;

	shim_begin();
	ip = a2i_IPADDRESS(name);
	ERR_clear_error();
	*is_ip = ip != NULL;
	*failed = 0;
	if (ip == NULL && !SSL_set_tlsext_host_name(ssl, name)) {
		*failed = SHIM_HOSTNAME_SNI;
	} else if (check && ip == NULL) {
		if (!X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl), name, strlen(name)))
			*failed = SHIM_HOSTNAME_HOST;
	} else if (check) {
		if (!X509_VERIFY_PARAM_set1_ip(SSL_get0_param(ssl), ASN1_STRING_get0_data(ip),
		                               (size_t)ASN1_STRING_length(ip)))
			*failed = SHIM_HOSTNAME_IP;
	}
	if (*failed != 0)
		r = 0;
	ASN1_OCTET_STRING_free(ip);
	shim_capture(q);
	return r;
}

int shim_ssl_set_session(SSL *ssl, SSL_SESSION *sess, shim_errq *q)
{
	int r;

	shim_begin();
	r = SSL_set_session(ssl, sess);
	shim_capture(q);
	return r;
}

void shim_session_get_info(const SSL_SESSION *sess, shim_session_info *info)
{
	info->time = (long)SSL_SESSION_get_time(sess);
	info->timeout = (long)SSL_SESSION_get_timeout(sess);
	info->ticket_lifetime_hint = SSL_SESSION_get_ticket_lifetime_hint(sess);
	info->has_ticket = SSL_SESSION_has_ticket(sess);
	info->resumable = SSL_SESSION_is_resumable(sess);
}

/* shim_ssl_io's phases, in order: lend the pipe the caller's buffers, replay
 * a stashed failure or run the operation, capture its error queue, and give
 * the buffers back with what was done. */

static void io_lend(shim_pipe *p, const unsigned char *in, size_t in_len, int eof,
                    unsigned char *out, size_t out_cap, shim_io *r)
{
	r->ret = 1;
	r->ssl_error = SSL_ERROR_NONE;
	r->n = 0;
	r->errq = 0;
	p->in = in;
	p->in_len = in_len;
	p->in_used = 0;
	if (eof)
		p->eof = 1;
	p->out = out;
	p->out_cap = out_cap;
	p->out_len = 0;
	pipe_drain(p);
}

/* A failure met after data a read returned is the next read's to report:
 * one record at a time, as CPython reads, that read would have met it. The
 * SSL is broken already, so whatever runs before it fails too, with a copy
 * of the same reason; asked itself, OpenSSL would only say it is in its
 * error state (no reason at all, which reads as a ragged EOF), and taking
 * the stash would leave the read that. Returns 0 when there is none. */
static int io_replay_stash(shim_pipe *p, int op, shim_io *r)
{
	if (op == SHIM_OP_NONE || p->stash == NULL)
		return 0;
	r->ret = p->stash_ret;
	r->ssl_error = p->stash_error;
	if (op == SHIM_OP_READ) {
		r->errq = (uintptr_t)p->stash;
		p->stash = NULL;
	} else {
		r->errq = (uintptr_t)OPENSSL_memdup(p->stash, sizeof(*p->stash));
	}
	return 1;
}

/* SSL_read_ex, then the records that wait whole in the input in the same
 * call: one crossing for many small records. A failure after data is
 * stashed for the next read. */
static void io_read(SSL *ssl, shim_pipe *p, unsigned char *buf, size_t buf_len, shim_io *r)
{
	r->ret = SSL_read_ex(ssl, buf, buf_len, &r->n);
	while (r->ret == 1 && r->n < buf_len && pipe_has_record(p)) {
		size_t more = 0;
		int ret = SSL_read_ex(ssl, buf + r->n, buf_len - r->n, &more);
		int err;

		if (ret == 1) {
			r->n += more;
			continue;
		}
		err = SSL_get_error(ssl, ret);
		if (err == SSL_ERROR_SSL || err == SSL_ERROR_SYSCALL) {
			p->stash = OPENSSL_zalloc(sizeof(*p->stash));
			if (p->stash != NULL) {
				shim_capture(p->stash);
				p->stash_ret = ret;
				p->stash_error = err;
			}
		}
		/* close_notify is met again by the next read; wanting more input
		 * is no news to a read that has data. */
		ERR_clear_error();
		break;
	}
}

static void io_run(SSL *ssl, shim_pipe *p, int op, unsigned char *buf, size_t buf_len, shim_io *r)
{
	switch (op) {
	case SHIM_OP_HANDSHAKE:
		r->ret = SSL_do_handshake(ssl);
		break;
	case SHIM_OP_READ:
		io_read(ssl, p, buf, buf_len, r);
		break;
	case SHIM_OP_WRITE:
		r->ret = SSL_write_ex(ssl, buf, buf_len, &r->n);
		break;
	case SHIM_OP_SHUTDOWN:
		r->ret = SSL_shutdown(ssl);
		break;
	default:
		break;
	}
	/* SSL_shutdown's 0 means "close_notify sent, the peer's not yet read":
	 * progress, not failure, and SSL_get_error must not be asked about it. */
	if (op != SHIM_OP_NONE && (r->ret < 0 || (r->ret == 0 && op != SHIM_OP_SHUTDOWN)))
		r->ssl_error = SSL_get_error(ssl, r->ret);
}

/* Errors left behind by a call that succeeded are no one's: the next call
 * clears them. */
static void io_capture(shim_io *r)
{
	shim_errq *q;

	if (r->ssl_error != SSL_ERROR_SYSCALL && r->ssl_error != SSL_ERROR_SSL)
		return;
	q = OPENSSL_zalloc(sizeof(*q));
	if (q == NULL) {
		ERR_clear_error();
		return;
	}
	shim_capture(q);
	r->errq = (uintptr_t)q;
}

static void io_return(SSL *ssl, shim_pipe *p, shim_io *r)
{
	pipe_drain(p);
	r->in_used = p->in_used;
	r->out_len = p->out_len;
	r->out_left = pipe_spilled(p);
	r->shutdown = SSL_get_shutdown(ssl);
	/* A stashed failure is news a read can report without more input. */
	r->buffered = SSL_has_pending(ssl) || p->stash != NULL;
	/* The caller's buffers are its own again. */
	p->in = NULL;
	p->in_len = p->in_used = 0;
	p->out = NULL;
	p->out_cap = p->out_len = 0;
}

void shim_ssl_io(SSL *ssl, int op, const unsigned char *in, size_t in_len, int eof,
                 unsigned char *buf, size_t buf_len,
                 unsigned char *out, size_t out_cap, shim_io *r)
{
	shim_pipe *p = BIO_get_data(SSL_get_rbio(ssl));

	io_lend(p, in, in_len, eof, out, out_cap, r);
	if (!io_replay_stash(p, op, r)) {
		shim_begin();
		refused_cipher = NULL;
		io_run(ssl, p, op, buf, buf_len, r);
		if (refused_cipher != NULL && r->ssl_error == SSL_ERROR_SSL)
			raise_refused_cipher();
		refused_cipher = NULL;
		io_capture(r);
	}
	io_return(ssl, p, r);
}

shim_errq *shim_io_take_errq(shim_io *r)
{
	shim_errq *q = (shim_errq *)r->errq;

	r->errq = 0;
	return q;
}

long shim_ssl_get_verify_result(SSL *ssl)
{
	return SSL_get_verify_result(ssl);
}

/* Python's shared_ciphers: the server's list, in its order, filtered by the
 * client's offer. NULL-free on the client side, where there is no offer. */
int shim_ssl_shared_ciphers(SSL *ssl, const SSL_CIPHER **out, int cap)
{
	STACK_OF(SSL_CIPHER) *server = SSL_get_ciphers(ssl);
	STACK_OF(SSL_CIPHER) *client = SSL_get_client_ciphers(ssl);
	int i, n = 0;

	if (server == NULL || client == NULL)
		return -1;
	for (i = 0; i < sk_SSL_CIPHER_num(server); i++) {
		const SSL_CIPHER *c = sk_SSL_CIPHER_value(server, i);

		if (sk_SSL_CIPHER_find(client, c) < 0)
			continue;
		if (n < cap)
			out[n] = c;
		n++;
	}
	return n;
}

void shim_ssl_alpn_selected(SSL *ssl, const unsigned char **data, unsigned int *len)
{
	SSL_get0_alpn_selected(ssl, data, len);
}

const char *shim_ssl_servername(SSL *ssl)
{
	return SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
}

STACK_OF(X509) *shim_ssl_peer_chain(SSL *ssl)
{
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);

	/* A copy with its own references: the SSL may be freed before the caller is done. */
	return chain == NULL ? NULL : X509_chain_up_ref(chain);
}

STACK_OF(X509) *shim_ssl_verified_chain(SSL *ssl)
{
	STACK_OF(X509) *chain = SSL_get0_verified_chain(ssl);

	return chain == NULL ? NULL : X509_chain_up_ref(chain);
}

uint16_t shim_cipher_protocol_id(const SSL_CIPHER *c)
{
	return SSL_CIPHER_get_protocol_id(c);
}

int shim_ssl_export_keying_material(SSL *ssl, unsigned char *out, size_t olen,
                                    const unsigned char *label, size_t llen,
                                    const unsigned char *context, size_t clen, int use_context,
                                    shim_errq *q)
{
	int r;

	shim_begin();
	r = SSL_export_keying_material(ssl, out, olen, (const char *)label, llen, context, clen,
	                               use_context);
	shim_capture(q);
	return r;
}

int shim_ssl_extms(SSL *ssl)
{
	return SSL_get_extms_support(ssl) == 1;
}

/* An OpenSSL NID of a key exchange group to its TLS code point (the
 * "TLS Supported Groups" registry). */
static int group_nid_to_id(int nid)
{
	static const struct {
		int nid, id;
	} groups[] = {
		{NID_secp224r1, 21},
		{NID_secp256k1, 22},
		{NID_X9_62_prime256v1, 23},
		{NID_secp384r1, 24},
		{NID_secp521r1, 25},
		{NID_brainpoolP256r1, 26},
		{NID_brainpoolP384r1, 27},
		{NID_brainpoolP512r1, 28},
		{NID_X25519, 29},
		{NID_X448, 30},
		{NID_ffdhe2048, 256},
		{NID_ffdhe3072, 257},
		{NID_ffdhe4096, 258},
		{NID_ffdhe6144, 259},
		{NID_ffdhe8192, 260},
	};
	size_t i;

	if (nid == NID_undef)
		return 0;
	/* A group that has no NID (one a provider adds, such as a hybrid
	 * post-quantum group) comes back as its code point, flagged. */
	if ((nid & TLSEXT_nid_unknown) != 0)
		return nid & 0xffff;
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].nid == nid)
			return groups[i].id;
	return 0;
}

int shim_ssl_group_id(SSL *ssl)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	return group_nid_to_id(SSL_get_negotiated_group(ssl));
#else
	/* 1.1.1 has no SSL_get_negotiated_group. The peer's ephemeral key
	 * names the group wherever OpenSSL keeps it (a client, a TLS 1.3
	 * server); otherwise a server's first shared group is the one it chose
	 * for TLS 1.2. */
	EVP_PKEY *key = NULL;
	int nid = NID_undef;

	if (SSL_get_peer_tmp_key(ssl, &key) == 1 && key != NULL) {
		nid = EVP_PKEY_id(key);
		if (nid == EVP_PKEY_EC) {
			const EC_KEY *ec = EVP_PKEY_get0_EC_KEY(key);

			nid = ec != NULL ? EC_GROUP_get_curve_name(EC_KEY_get0_group(ec)) : NID_undef;
		} else if (nid != NID_X25519 && nid != NID_X448) {
			nid = NID_undef;
		}
		EVP_PKEY_free(key);
	} else if (SSL_is_server(ssl)) {
		nid = SSL_get_shared_group(ssl, 0);
		if (nid < 0)
			nid = NID_undef;
	}
	return group_nid_to_id(nid);
#endif
}

/* ---- certificates ---- */

X509 *shim_x509_from_der(const unsigned char *der, size_t len, shim_errq *q)
{
	const unsigned char *p = der;
	X509 *x;

	shim_begin();
	x = len > LONG_MAX ? NULL : d2i_X509(NULL, &p, (long)len);
	shim_capture(q);
	return x;
}

X509 *shim_x509_read_pem_file(const char *path, int *opened, shim_errq *q)
{
	X509 *x = NULL;
	BIO *bio;

	shim_begin();
	*opened = 0;
	bio = BIO_new(BIO_s_file());
	if (bio != NULL && BIO_read_filename(bio, path) > 0) {
		*opened = 1;
		x = PEM_read_bio_X509(bio, NULL, shim_pem_password, NULL);
	}
	shim_capture(q);
	BIO_free(bio);
	return x;
}

X509 *shim_x509_from_pem(const void *pem, size_t len, shim_errq *q)
{
	X509 *x = NULL;
	BIO *bio;

	shim_begin();
	bio = len > INT_MAX ? NULL : BIO_new_mem_buf(pem, (int)len);
	if (bio != NULL)
		x = PEM_read_bio_X509(bio, NULL, shim_pem_password, NULL);
	BIO_free(bio);
	shim_capture(q);
	return x;
}

int shim_x509_to_der(X509 *x, unsigned char **der, shim_errq *q)
{
	int n;

	shim_begin();
	*der = NULL;
	n = i2d_X509(x, der);
	shim_capture(q);
	return n;
}

/* Prints with an OpenSSL printer into a memory BIO and reads one line back,
 * the way Python's _decode_certificate does. What went wrong stays in the
 * error queue for the caller. */
static int shim_print_line(int (*print)(BIO *, const void *), const void *arg, char *buf, int cap)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int n = -1;

	buf[0] = '\0';
	if (bio == NULL)
		return -1;
	if (print(bio, arg) >= 0)
		n = BIO_gets(bio, buf, cap - 1);
	BIO_free(bio);
	return n < 0 ? -1 : n;
}

static int print_integer(BIO *b, const void *a) { return i2a_ASN1_INTEGER(b, a); }
static int print_time(BIO *b, const void *a) { return ASN1_TIME_print(b, a); }
static int print_general_name(BIO *b, const void *a) { return GENERAL_NAME_print(b, (GENERAL_NAME *)a); }

/* The certificate's own fields: a failure shows as -1, its queue is no
 * one's news. */
static int shim_print_field(int (*print)(BIO *, const void *), const void *arg, char *buf, int cap)
{
	int n = shim_print_line(print, arg, buf, cap);

	ERR_clear_error();
	return n;
}

int shim_x509_serial(X509 *x, char *buf, int cap)
{
	return shim_print_field(print_integer, X509_get0_serialNumber(x), buf, cap);
}

int shim_x509_not_before(X509 *x, char *buf, int cap)
{
	return shim_print_field(print_time, X509_get0_notBefore(x), buf, cap);
}

int shim_x509_not_after(X509 *x, char *buf, int cap)
{
	return shim_print_field(print_time, X509_get0_notAfter(x), buf, cap);
}

int shim_x509_check_ca(X509 *x)
{
	int r = X509_check_ca(x);

	ERR_clear_error();
	return r;
}

int shim_x509_stack_num(STACK_OF(X509) *sk) { return sk_X509_num(sk); }
X509 *shim_x509_stack_value(STACK_OF(X509) *sk, int i) { return sk_X509_value(sk, i); }
void shim_x509_stack_free(STACK_OF(X509) *sk) { sk_X509_free(sk); }

int shim_name_entry_count(X509_NAME *name)
{
	return X509_NAME_entry_count(name);
}

int shim_name_entry_get(X509_NAME *name, int i, shim_name_entry *e, shim_errq *q)
{
	X509_NAME_ENTRY *entry;
	const ASN1_OBJECT *obj;
	int n;

	shim_begin();
	e->value = NULL;
	e->value_len = 0;
	e->long_name = NULL;
	e->name_len = 0;
	entry = X509_NAME_get_entry(name, i);
	if (entry == NULL) {
		shim_capture(q);
		return 0;
	}
	e->set = X509_NAME_ENTRY_set(entry);
	obj = X509_NAME_ENTRY_get_object(entry);
	n = OBJ_obj2txt(e->name, (int)sizeof(e->name), obj, 0);
	if (n >= (int)sizeof(e->name)) {
		/* OBJ_obj2txt returns the whole length even when it truncates;
		 * Python asks again with room for all of it, and so do we. */
		e->long_name = OPENSSL_malloc((size_t)n + 1);
		n = e->long_name == NULL ? -1 : OBJ_obj2txt(e->long_name, n + 1, obj, 0);
	}
	if (n < 0)
		goto fail;
	e->name_len = n;
	n = ASN1_STRING_to_UTF8(&e->value, X509_NAME_ENTRY_get_data(entry));
	if (n < 0)
		goto fail;
	e->value_len = n;
	shim_capture(q);
	return 1;
fail:
	OPENSSL_free(e->long_name);
	e->long_name = NULL;
	shim_capture(q);
	return 0;
}

GENERAL_NAMES *shim_x509_alt_names(X509 *x)
{
	GENERAL_NAMES *g = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);

	/* An undecodable extension reads as absent, as in Python. */
	ERR_clear_error();
	return g;
}

int shim_general_names_count(GENERAL_NAMES *g)
{
	return sk_GENERAL_NAME_num(g);
}

int shim_general_name_get(GENERAL_NAMES *g, int i, shim_general_name *out, shim_errq *q)
{
	GENERAL_NAME *gn = sk_GENERAL_NAME_value(g, i);
	ASN1_STRING *s = NULL;
	int r = 1;

	shim_begin();
	out->data = NULL;
	out->len = 0;
	out->dirname = NULL;
	out->text_len = 0;
	out->text[0] = '\0';
	if (gn == NULL) {
		shim_capture(q);
		return 0;
	}
	out->type = gn->type;
	switch (gn->type) {
	case GEN_DIRNAME:
		out->dirname = gn->d.directoryName;
		break;
	case GEN_EMAIL:
		s = gn->d.rfc822Name;
		break;
	case GEN_DNS:
		s = gn->d.dNSName;
		break;
	case GEN_URI:
		s = gn->d.uniformResourceIdentifier;
		break;
	case GEN_IPADD:
		s = gn->d.iPAddress;
		break;
	case GEN_RID: {
		/* Python's _get_peer_alt_names: i2t_ASN1_OBJECT into a 2047-byte
		 * window of its 2048-byte buffer, which returns the whole length
		 * even when it truncates. From 2048 Python says "<INVALID>"; at
		 * exactly 2047 it copies 2046 bytes and the terminating NUL, which
		 * this length (still inside text) reproduces. */
		int n = i2t_ASN1_OBJECT(out->text, (int)sizeof(out->text) - 1, gn->d.registeredID);

		if (n < 0) {
			r = 0;
		} else if (n >= (int)sizeof(out->text)) {
			strcpy(out->text, "<INVALID>");
			out->text_len = (int)strlen(out->text);
		} else {
			out->text_len = n;
		}
		break;
	}
	default: {
		/* othername, X400Name, EdiPartyName: OpenSSL's own rendering. */
		int n = shim_print_line(print_general_name, gn, out->text, (int)sizeof(out->text));

		if (n < 0)
			r = 0;
		else
			out->text_len = n;
		break;
	}
	}
	if (s != NULL) {
		out->data = ASN1_STRING_get0_data(s);
		out->len = ASN1_STRING_length(s);
	}
	shim_capture(q);
	return r;
}

void shim_general_names_free(GENERAL_NAMES *g)
{
	GENERAL_NAMES_free(g);
}

static int put_record(unsigned char *buf, int cap, int at, const unsigned char *data, int len)
{
	if (len < 0)
		len = 0;
	if (at + 4 + len <= cap) {
		buf[at] = (unsigned char)(len >> 24);
		buf[at + 1] = (unsigned char)(len >> 16);
		buf[at + 2] = (unsigned char)(len >> 8);
		buf[at + 3] = (unsigned char)len;
		memcpy(buf + at + 4, data, (size_t)len);
	}
	return at + 4 + len;
}

int shim_x509_uri_list(X509 *x, int nid, unsigned char *buf, int cap)
{
	int at = 0, i, j;

	if (nid != 0) {
		AUTHORITY_INFO_ACCESS *info = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);

		for (i = 0; info != NULL && i < sk_ACCESS_DESCRIPTION_num(info); i++) {
			ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(info, i);
			ASN1_IA5STRING *uri;

			if (OBJ_obj2nid(ad->method) != nid || ad->location->type != GEN_URI)
				continue;
			uri = ad->location->d.uniformResourceIdentifier;
			at = put_record(buf, cap, at, uri->data, uri->length);
		}
		AUTHORITY_INFO_ACCESS_free(info);
	} else {
		STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);

		for (i = 0; dps != NULL && i < sk_DIST_POINT_num(dps); i++) {
			DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
			GENERAL_NAMES *gns;

			/* Only full names hold URIs; an empty point is skipped (CVE-2019-5010). */
			if (dp->distpoint == NULL || dp->distpoint->type != 0)
				continue;
			gns = dp->distpoint->name.fullname;
			for (j = 0; j < sk_GENERAL_NAME_num(gns); j++) {
				GENERAL_NAME *gn = sk_GENERAL_NAME_value(gns, j);
				ASN1_IA5STRING *uri;

				if (gn->type != GEN_URI)
					continue;
				uri = gn->d.uniformResourceIdentifier;
				at = put_record(buf, cap, at, uri->data, uri->length);
			}
		}
		sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	}
	ERR_clear_error();
	return at;
}

/* ---- module ---- */

int shim_rand_bytes(unsigned char *buf, int n, shim_errq *q)
{
	int r;

	shim_begin();
	r = RAND_bytes(buf, n);
	shim_capture(q);
	return r;
}

int shim_has_sni(void)
{
#ifdef SSL_CTRL_SET_TLSEXT_HOSTNAME
	return 1;
#else
	return 0;
#endif
}

int shim_has_alpn(void) { return 1; }

int shim_has_tlsv1(void)
{
#if defined(TLS1_VERSION) && !defined(OPENSSL_NO_TLS1)
	return 1;
#else
	return 0;
#endif
}

int shim_has_tlsv1_1(void)
{
#if defined(TLS1_1_VERSION) && !defined(OPENSSL_NO_TLS1_1)
	return 1;
#else
	return 0;
#endif
}

int shim_has_tlsv1_2(void)
{
#if defined(TLS1_2_VERSION) && !defined(OPENSSL_NO_TLS1_2)
	return 1;
#else
	return 0;
#endif
}

int shim_has_tlsv1_3(void)
{
#if defined(TLS1_3_VERSION) && !defined(OPENSSL_NO_TLS1_3)
	return 1;
#else
	return 0;
#endif
}

int shim_has_sslv3(void)
{
#if defined(SSL3_VERSION) && !defined(OPENSSL_NO_SSL3)
	return 1;
#else
	return 0;
#endif
}

int shim_has_sslv2(void) { return 0; }
