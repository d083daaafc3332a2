/*
 * The C shim between package openssl and libssl.
 *
 * It holds what cgo cannot call directly (macros, callbacks) and, above all,
 * every OpenSSL call that can fail. OpenSSL's error queue lives in the OS
 * thread, and a goroutine may move to another thread between two cgo calls,
 * so each fallible shim function clears the queue, makes the call, and copies
 * the whole queue into a shim_errq before it returns: one crossing, one thread.
 */
#ifndef SSLCTX_SHIM_H
#define SSLCTX_SHIM_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* ---- what differs between OpenSSL series (1.1.1, 3.0, 3.5, ...) ----
 *
 * Every version difference lives here, so that the rest of the shim and the
 * Go side are written once. An option bit a series lacks is 0 (no bit, so
 * setting it changes nothing and reading it never reports it), and its
 * SHIM_HAS_ flag, which package openssl exports, says so. */

#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF /* 3.0 */
#define SHIM_HAS_OP_IGNORE_UNEXPECTED_EOF 1
#define SHIM_SSL_OP_IGNORE_UNEXPECTED_EOF SSL_OP_IGNORE_UNEXPECTED_EOF
#else
#define SHIM_HAS_OP_IGNORE_UNEXPECTED_EOF 0
#define SHIM_SSL_OP_IGNORE_UNEXPECTED_EOF 0
#endif

#ifdef SSL_OP_ENABLE_KTLS /* 3.0 */
#define SHIM_HAS_OP_ENABLE_KTLS 1
#define SHIM_SSL_OP_ENABLE_KTLS SSL_OP_ENABLE_KTLS
#else
#define SHIM_HAS_OP_ENABLE_KTLS 0
#define SHIM_SSL_OP_ENABLE_KTLS 0
#endif

#ifdef SSL_OP_NO_EXTENDED_MASTER_SECRET /* 3.0 */
#define SHIM_HAS_OP_NO_EXTENDED_MASTER_SECRET 1
#define SHIM_SSL_OP_NO_EXTENDED_MASTER_SECRET SSL_OP_NO_EXTENDED_MASTER_SECRET
#else
#define SHIM_HAS_OP_NO_EXTENDED_MASTER_SECRET 0
#define SHIM_SSL_OP_NO_EXTENDED_MASTER_SECRET 0
#endif

#ifdef SSL_OP_ALLOW_CLIENT_RENEGOTIATION /* 3.0 */
#define SHIM_HAS_OP_ALLOW_CLIENT_RENEGOTIATION 1
#define SHIM_SSL_OP_ALLOW_CLIENT_RENEGOTIATION SSL_OP_ALLOW_CLIENT_RENEGOTIATION
#else
#define SHIM_HAS_OP_ALLOW_CLIENT_RENEGOTIATION 0
#define SHIM_SSL_OP_ALLOW_CLIENT_RENEGOTIATION 0
#endif

/* 3.0 reports a transport that ended without close_notify as this reason;
 * 1.1.1 has no such reason and reports SSL_ERROR_SYSCALL with an empty
 * queue instead. -1 is a reason no queue entry carries. */
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING
#define SHIM_R_UNEXPECTED_EOF_WHILE_READING SSL_R_UNEXPECTED_EOF_WHILE_READING
#else
#define SHIM_R_UNEXPECTED_EOF_WHILE_READING (-1)
#endif

#if OPENSSL_VERSION_NUMBER < 0x30000000L
/* 3.0 renamed these two, with the same meaning. 1.1.1's queue keeps a
 * function code in each entry instead of a name: its string table names it
 * (NULL for a code the table lacks). */
static inline unsigned long ERR_get_error_all(const char **file, int *line, const char **func,
                                              const char **data, int *flags)
{
	unsigned long code = ERR_get_error_line_data(file, line, data, flags);

	*func = code != 0 ? ERR_func_error_string(code) : NULL;
	return code;
}

static inline X509 *SSL_get1_peer_certificate(const SSL *s)
{
	return SSL_get_peer_certificate(s);
}

/* 1.1.1's are macros, which cgo cannot call; 3.0 made them the functions
 * below, which for a 1.1.1 code compute what the macros did. */
#undef ERR_GET_LIB
#undef ERR_GET_REASON
static inline int ERR_GET_LIB(unsigned long e)
{
	return (int)((e >> 24L) & 0x0FFL);
}

static inline int ERR_GET_REASON(unsigned long e)
{
	return (int)(e & 0xFFFL);
}
#endif

/* At most this many entries are kept; older ones beyond it are counted in dropped. */
#define SHIM_ERRQ_MAX 16
#define SHIM_ERR_DATA_MAX 256

#define SHIM_ERR_FILE_MAX 64
#define SHIM_ERR_FUNC_MAX 64

/* Copied, not pointed to: a pointer field would make cgo scan this struct,
 * which every SSL operation passes, on every call. */
typedef struct {
	unsigned long code;
	int line;
	char file[SHIM_ERR_FILE_MAX];
	char func[SHIM_ERR_FUNC_MAX]; /* the function that raised the entry, "" when unknown */
	char data[SHIM_ERR_DATA_MAX];
} shim_err_entry;

/* The error queue of one call, oldest entry first, and errno right after it. */
typedef struct {
	int n;
	int dropped;
	int sys_errno;
	shim_err_entry e[SHIM_ERRQ_MAX];
} shim_errq;

/* Runs once per process: ex_data indices for per-context and per-SSL C data. */
int shim_init(void);

/* ---- SSL_CTX ---- */

enum {
	SHIM_METHOD_TLS = 0,
	SHIM_METHOD_TLS_CLIENT,
	SHIM_METHOD_TLS_SERVER,
	SHIM_METHOD_TLSv1,
	SHIM_METHOD_TLSv1_1,
	SHIM_METHOD_TLSv1_2,
};

SSL_CTX *shim_ctx_new(int method, shim_errq *q);
int shim_ctx_set_cipher_list(SSL_CTX *ctx, const char *spec, shim_errq *q);
int shim_ctx_set_ciphersuites(SSL_CTX *ctx, const char *spec, shim_errq *q);
int shim_ctx_set_proto_version(SSL_CTX *ctx, int max, int version, shim_errq *q);
int shim_ctx_get_proto_version(SSL_CTX *ctx, int max);
/* pw is a handle for sslctxPasswordCallback, or 0 to refuse any password request. */
int shim_ctx_use_certificate_chain_file(SSL_CTX *ctx, const char *path, uintptr_t pw, shim_errq *q);
int shim_ctx_use_private_key_file(SSL_CTX *ctx, const char *path, uintptr_t pw, shim_errq *q);
int shim_ctx_check_private_key(SSL_CTX *ctx, shim_errq *q);
/* A certificate, its chain and a private key read from PEM files on a
 * private SSL_CTX, so that the password callback runs while no caller's
 * SSL_CTX is in use. */
typedef struct shim_cert_key shim_cert_key;
/* Reads certfile then keyfile as SSL_CTX_use_certificate_chain_file and
 * SSL_CTX_use_PrivateKey_file do, checked at security level `level`. On
 * failure returns NULL with *stage 1 (certificate) or 2 (key). */
shim_cert_key *shim_cert_key_load(const char *certfile, const char *keyfile, int level,
                                  uintptr_t pw, int *stage, shim_errq *q);
/* Installs ck in ctx: SSL_CTX_use_certificate, SSL_CTX_set1_chain, then
 * SSL_CTX_use_PrivateKey, the order of the file loaders. */
int shim_ctx_use_cert_key(SSL_CTX *ctx, const shim_cert_key *ck, int *stage, shim_errq *q);
void shim_cert_key_free(shim_cert_key *ck);
int shim_ctx_load_verify_locations(SSL_CTX *ctx, const char *file, const char *dir, shim_errq *q);
/* Adds every certificate of data to the store; *loaded counts them. The queue
 * keeps only what is a real failure (end of input is not). */
int shim_ctx_add_ca_data(SSL_CTX *ctx, const void *data, size_t len, int pem, int *loaded, shim_errq *q);
int shim_ctx_set_default_verify_paths(SSL_CTX *ctx, shim_errq *q);
/* Python's load_dh_params: PEM_read_DHparams, then SSL_CTX_set_tmp_dh.
 * *opened is 0 when the file could not be opened (errno in q). */
int shim_ctx_load_dh_params(SSL_CTX *ctx, const char *path, int *opened, shim_errq *q);
/* Python's set_ecdh_curve: OBJ_sn2nid, then SSL_CTX_set1_groups with that
 * one group. *known is 0 when OpenSSL has no curve of that short name. */
int shim_ctx_set_ecdh_curve(SSL_CTX *ctx, const char *name, int *known, shim_errq *q);
int shim_ctx_set_alpn(SSL_CTX *ctx, const unsigned char *wire, size_t len, shim_errq *q);
long shim_ctx_sess_stat(SSL_CTX *ctx, int which);
unsigned long shim_ctx_get_verify_flags(SSL_CTX *ctx);
int shim_ctx_set_verify_flags(SSL_CTX *ctx, unsigned long set, unsigned long clear, shim_errq *q);
int shim_ctx_set_hostflags(SSL_CTX *ctx, unsigned int flags);
/* A snapshot of the store's certificates (each up-ref'd) and its CRL count. */
STACK_OF(X509) *shim_ctx_store_certs(SSL_CTX *ctx, int *crls, shim_errq *q);
/* A throwaway SSL from ctx, to read its cipher list as Python's get_ciphers does. */
SSL *shim_ctx_cipher_probe(SSL_CTX *ctx, shim_errq *q);
int shim_cipher_count(SSL *ssl);
const SSL_CIPHER *shim_cipher_at(SSL *ssl, int i);
void shim_cipher_describe(const SSL_CIPHER *c, char *buf, int cap);
int shim_ctx_set_num_tickets(SSL_CTX *ctx, size_t n, shim_errq *q);
size_t shim_ctx_get_num_tickets(SSL_CTX *ctx);
int shim_ctx_security_level(SSL_CTX *ctx);

/* ---- SSL over a pipe BIO: memory, never a file descriptor ---- */

SSL *shim_ssl_new(SSL_CTX *ctx, int server, shim_errq *q);
/* Python's _ssl_configure_hostname: SNI unless name is an IP literal, and, when
 * check is set, the name (or address) the peer's certificate must match.
 * *is_ip tells which it was; on failure *failed names the call that failed,
 * since the last two leave no error queue to say so. */
enum {
	SHIM_HOSTNAME_SNI = 1,  /* SSL_set_tlsext_host_name */
	SHIM_HOSTNAME_HOST,     /* X509_VERIFY_PARAM_set1_host */
	SHIM_HOSTNAME_IP,       /* X509_VERIFY_PARAM_set1_ip */
};
int shim_ssl_set_hostname(SSL *ssl, const char *name, int check, int *is_ip, int *failed,
                          shim_errq *q);
int shim_ssl_set_session(SSL *ssl, SSL_SESSION *sess, shim_errq *q);

/* What Python's SSLSession attributes read, in one crossing. */
typedef struct {
	long time, timeout;
	unsigned long ticket_lifetime_hint;
	int has_ticket, resumable;
} shim_session_info;
void shim_session_get_info(const SSL_SESSION *sess, shim_session_info *info);

enum {
	SHIM_OP_NONE = 0, /* only feed input and collect output */
	SHIM_OP_HANDSHAKE,
	SHIM_OP_READ,
	SHIM_OP_WRITE,
	SHIM_OP_SHUTDOWN,
};

/* The outcome of one shim_ssl_io call. */
typedef struct {
	int ret;           /* return value of the SSL operation */
	int ssl_error;     /* SSL_get_error(ssl, ret), or SSL_ERROR_NONE */
	int shutdown;      /* SSL_get_shutdown after the operation */
	int buffered;      /* SSL_has_pending: record bytes or plaintext held inside */
	size_t n;          /* plaintext bytes read or written */
	size_t in_used;    /* bytes of in the SSL took; the rest is the caller's */
	size_t out_len;    /* ciphertext written into out */
	size_t out_left;   /* ciphertext waiting in the BIO: out was too small */
	/* The error queue, when the operation left one: a shim_errq allocated
	 * here and handed over with shim_io_take_errq. Kept out of the struct
	 * so that every connection does not carry kilobytes for the rare
	 * failure, and typed as a number so that cgo does not scan it. */
	uintptr_t errq;
} shim_io;

/*
 * One SSL operation in one crossing: the SSL reads the peer's ciphertext
 * from in (eof marks the end of the transport), runs op over buf, and
 * writes ciphertext for the peer into out (up to out_cap bytes, the rest
 * waits for the next call). Neither buffer is kept after the call.
 */
void shim_ssl_io(SSL *ssl, int op, const unsigned char *in, size_t in_len, int eof,
                 unsigned char *buf, size_t buf_len,
                 unsigned char *out, size_t out_cap, shim_io *r);
/* The error queue of the last shim_ssl_io, now the caller's (shim_free it). */
shim_errq *shim_io_take_errq(shim_io *r);
long shim_ssl_get_verify_result(SSL *ssl);
int shim_ssl_shared_ciphers(SSL *ssl, const SSL_CIPHER **out, int cap);
void shim_ssl_alpn_selected(SSL *ssl, const unsigned char **data, unsigned int *len);
const char *shim_ssl_servername(SSL *ssl);
STACK_OF(X509) *shim_ssl_peer_chain(SSL *ssl);
STACK_OF(X509) *shim_ssl_verified_chain(SSL *ssl);
uint16_t shim_cipher_protocol_id(const SSL_CIPHER *c);
/* SSL_export_keying_material (RFC 5705, RFC 8446 section 7.5); context NULL
 * with use_context 0 means none. */
int shim_ssl_export_keying_material(SSL *ssl, unsigned char *out, size_t olen,
                                    const unsigned char *label, size_t llen,
                                    const unsigned char *context, size_t clen, int use_context,
                                    shim_errq *q);
/* SSL_get_extms_support: 1 when the extended master secret (RFC 7627) is in use. */
int shim_ssl_extms(SSL *ssl);
/* The key exchange group of the connection as its IANA TLS code point
 * (crypto/tls's CurveID), or 0: none (RSA key exchange, custom DH
 * parameters) or one OpenSSL cannot tell. */
int shim_ssl_group_id(SSL *ssl);

/* ---- certificates ---- */

X509 *shim_x509_from_der(const unsigned char *der, size_t len, shim_errq *q);
/* Python's _test_decode_cert: *opened is 0 when the file could not be opened. */
X509 *shim_x509_read_pem_file(const char *path, int *opened, shim_errq *q);
/* Reads the first certificate of a PEM text; NULL with the queue when none. */
X509 *shim_x509_from_pem(const void *pem, size_t len, shim_errq *q);
int shim_x509_to_der(X509 *x, unsigned char **der, shim_errq *q);
int shim_x509_serial(X509 *x, char *buf, int cap);
int shim_x509_not_before(X509 *x, char *buf, int cap);
int shim_x509_not_after(X509 *x, char *buf, int cap);
int shim_x509_check_ca(X509 *x);
int shim_x509_stack_num(STACK_OF(X509) *sk);
X509 *shim_x509_stack_value(STACK_OF(X509) *sk, int i);
/* Frees the stack, not the certificates in it. */
void shim_x509_stack_free(STACK_OF(X509) *sk);

/* One attribute of a distinguished name, as Python's _create_tuple_for_attribute reads it. */
typedef struct {
	int set;                 /* X509_NAME_ENTRY_set: entries of one RDN share it */
	int name_len;            /* bytes of OBJ_obj2txt output in long_name, else in name */
	char name[256];
	char *long_name;         /* the whole name when it does not fit name; free with shim_free */
	unsigned char *value;    /* ASN1_STRING_to_UTF8 output; free with shim_free */
	int value_len;
} shim_name_entry;

int shim_name_entry_count(X509_NAME *name);
int shim_name_entry_get(X509_NAME *name, int i, shim_name_entry *e, shim_errq *q);

/* One subjectAltName entry. */
typedef struct {
	int type;                     /* GEN_* */
	const unsigned char *data;    /* DNS/email/URI/IP bytes, borrowed from the names */
	int len;
	X509_NAME *dirname;           /* GEN_DIRNAME, borrowed from the names */
	int text_len;                 /* RID or GENERAL_NAME_print text in text, never past it */
	char text[2048];
} shim_general_name;

/* NULL when the certificate has no (decodable) subjectAltName. */
GENERAL_NAMES *shim_x509_alt_names(X509 *x);
int shim_general_names_count(GENERAL_NAMES *g);
int shim_general_name_get(GENERAL_NAMES *g, int i, shim_general_name *out, shim_errq *q);
void shim_general_names_free(GENERAL_NAMES *g);

/* URIs of the AIA entries with method nid, or of the CRL distribution points
 * (nid 0), each NUL-free slice written as len-prefixed records into buf. */
int shim_x509_uri_list(X509 *x, int nid, unsigned char *buf, int cap);

/* ---- module ---- */

int shim_rand_bytes(unsigned char *buf, int n, shim_errq *q);
int shim_has_sni(void);
int shim_has_alpn(void);
int shim_has_tlsv1(void);
int shim_has_tlsv1_1(void);
int shim_has_tlsv1_2(void);
int shim_has_tlsv1_3(void);
int shim_has_sslv3(void);
int shim_has_sslv2(void);
void shim_free(void *p);

/* Live objects, counted so leak tests can see every allocation come back. */
long shim_live_ctx(void);
long shim_live_ssl(void);
long shim_live_bio(void);
/* Bytes the C allocator has handed out and not had back (glibc's
 * mallinfo2), or -1 where that cannot be told: for memory measurements. */
long long shim_c_heap_in_use(void);
void shim_ctx_free(SSL_CTX *ctx);
void shim_ssl_free(SSL *ssl);

/* Implemented in Go (package openssl). */
extern int sslctxPasswordCallback(uintptr_t handle, char *buf, int size);

#endif
