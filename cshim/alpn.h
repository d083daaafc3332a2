/*
 * ALPN on one SSL object rather than on its SSL_CTX: the HTTP transport
 * offers h2 and http/1.1 on its own connections without changing a Context
 * that other connections share.
 */
#ifndef SSLCTX_ALPN_H
#define SSLCTX_ALPN_H

#include "shim.h"

/* SSL_set_alpn_protos: the protocols this client SSL offers, in wire format. */
int shim_ssl_set_alpn(SSL *ssl, const unsigned char *wire, size_t len, shim_errq *q);

/* The length in wire format of the protocols the SSL's context had set with
 * SetALPNProtocols when the SSL was made (0: none). */
size_t shim_ssl_ctx_alpn_len(SSL *ssl);

#endif
