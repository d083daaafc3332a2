/*
 * The shim's callbacks: server name indication, key logging, post-handshake
 * authentication and pre-shared keys (Python's sni_callback,
 * keylog_filename, post_handshake_auth and the PSK callbacks).
 *
 * No Go code runs inside OpenSSL for server name indication: the ClientHello
 * callback suspends the handshake (SSL_ERROR_WANT_CLIENT_HELLO_CB), the Go
 * side runs the user's callback with no lock held, records its verdict with
 * shim_cb_sni_decide, and resumes. Key logging is all C. The PSK callbacks
 * call into Go (sslctxPSKClientCallback, sslctxPSKServerCallback) with the
 * handle the Go side gave the SSL (shim_cb_ssl_set_handle); the handle is
 * released (sslctxReleaseHandle) when the SSL is freed, never kept past it.
 */
#ifndef SSLCTX_CALLBACKS_H
#define SSLCTX_CALLBACKS_H

#include "shim.h"

/* Runs once per process: the ex_data indices of this file. */
int shim_cb_init(void);

/* Gives a new SSL_CTX its callback state and installs the ClientHello and
 * servername callbacks, which do nothing until SNI is switched on: every
 * SSL_CTX needs them, since a handshake suspended on one context resumes on
 * whichever context the Go side switched it to. */
int shim_cb_ctx_init(SSL_CTX *ctx, shim_errq *q);

/* ---- server name indication ---- */

void shim_cb_ctx_set_sni(SSL_CTX *ctx, int on);
/* The name of a handshake suspended for the SNI callback: its length (0 when
 * the client sent none), or -1 when no handshake waits on this SSL.
 * *from_origin is 1 when the callback to run is that of the context the SSL
 * was created from, not of its current one, which has none. */
int shim_cb_sni_pending(SSL *ssl, char *buf, int cap, int *from_origin);
/* The callback's verdict: fail ends the handshake with the fatal TLS alert
 * alert when the suspended handshake resumes. */
void shim_cb_sni_decide(SSL *ssl, int fail, int alert);
/* SSL_set_SSL_CTX, and the new context's ALPN protocols for a server's
 * selection, as OpenSSL consults the new context's ALPN callback. */
int shim_cb_ssl_set_ctx(SSL *ssl, SSL_CTX *ctx, shim_errq *q);

/* ---- key logging ---- */

/* Appends NSS key log lines to path from now on (NULL: stop). The file is
 * opened (O_APPEND, created if missing) before anything changes; on failure
 * *err is errno and logging is off, as in Python. A new, empty, seekable
 * file starts with a comment line. */
int shim_cb_ctx_set_keylog(SSL_CTX *ctx, const char *path, int *err);

/* ---- post-handshake authentication (TLS 1.3) ---- */

/* Python's newPySSLSocket with post_handshake_auth: a client offers it
 * (SSL_set_post_handshake_auth); a server that verifies peers defers the
 * request to after the handshake (SSL_VERIFY_POST_HANDSHAKE). */
void shim_cb_ssl_enable_pha(SSL *ssl, int server);
int shim_cb_verify_client_post_handshake(SSL *ssl, shim_errq *q);

/* ---- pre-shared keys ---- */

int shim_cb_has_psk(void);
void shim_cb_ctx_set_psk_client(SSL_CTX *ctx, int on);
/* SSL_CTX_use_psk_identity_hint(hint, NULL for none), then the callback. */
int shim_cb_ctx_set_psk_server(SSL_CTX *ctx, int on, const char *hint, shim_errq *q);
/* Gives the SSL the handle its PSK callbacks pass to Go. */
int shim_cb_ssl_set_handle(SSL *ssl, uintptr_t handle, shim_errq *q);

/* Live callback state, for leak tests: per-SSL records and open key logs. */
long shim_live_cb_ssl(void);
long shim_live_keylog(void);

/* Implemented in Go (package openssl). */
extern unsigned int sslctxPSKClientCallback(uintptr_t handle, char *hint, char *identity,
                                            unsigned int max_identity_len, unsigned char *psk,
                                            unsigned int max_psk_len);
extern unsigned int sslctxPSKServerCallback(uintptr_t handle, char *identity, unsigned char *psk,
                                            unsigned int max_psk_len);
extern void sslctxReleaseHandle(uintptr_t handle);

#endif
