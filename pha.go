package ssl

import "github.com/sslctx/ssl/openssl"

// SetPostHandshakeAuth turns TLS 1.3 post-handshake client authentication
// on or off for sockets wrapped later (Python's post_handshake_auth). On a
// client context the client offers it and answers a server's later
// request with the certificate of LoadCertChain. On a server context whose
// verify mode is CertOptional or CertRequired the server no longer asks for
// a certificate in the handshake, but when VerifyClientPostHandshake says
// so. It is off by default.
func (c *Context) SetPostHandshakeAuth(on bool) error {
	return c.write(func(*openssl.Ctx) error {
		c.cb.pha = on
		return nil
	})
}

// PostHandshakeAuth reports whether post-handshake authentication is on
// (Python's post_handshake_auth).
func (c *Context) PostHandshakeAuth() bool { return lockedField(c, &c.cb.pha) }

// VerifyClientPostHandshake asks the client of a TLS 1.3 server socket for
// its certificate, after the handshake (Python's
// verify_client_post_handshake, over SSL_verify_client_post_handshake).
// The request goes out with the next Read or Write; the certificate
// arrives with a later Read, which fails if it does not verify (or, with
// CertRequired, if the client sent none); GetPeerCert shows it from then
// on. Both contexts need SetPostHandshakeAuth(true), the server's a verify
// mode other than CertNone. Otherwise, or under TLS 1.2, or on a client,
// it is OpenSSL's *Error, as in Python.
func (t *tlsConn) VerifyClientPostHandshake() error {
	var err error
	if !t.ssl(func(ssl *openssl.SSL) { err = ssl.VerifyClientPostHandshake() }) {
		return ErrClosed
	}
	if err != nil {
		return openSSLError(err)
	}
	return nil
}
