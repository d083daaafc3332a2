/* ALPN set on one SSL object; see alpn.h. Included after shim.c, whose
 * shim_alpn copy each SSL keeps it reads. */
#include "alpn.h"

int shim_ssl_set_alpn(SSL *ssl, const unsigned char *wire, size_t len, shim_errq *q)
{
	shim_begin();
	/* SSL_set_alpn_protos returns 0 on success, unlike the rest of libssl. */
	if (len > UINT_MAX || SSL_set_alpn_protos(ssl, wire, (unsigned int)len) != 0) {
		shim_capture(q);
		return 0;
	}
	shim_capture(q);
	return 1;
}

size_t shim_ssl_ctx_alpn_len(SSL *ssl)
{
	shim_alpn *a = SSL_get_ex_data(ssl, ssl_idx);

	return a == NULL ? 0 : a->alpn_len;
}
