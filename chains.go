package ssl

import "github.com/sslctx/ssl/openssl"

// GetVerifiedChain returns the chain that certificate verification built
// from the peer's certificate to a trusted root, in DER, leaf first: Python
// 3.13's SSLSocket.get_verified_chain(). It is nil when the peer's
// certificate was not verified: before the handshake, when the peer sent
// none, or when verification failed and CertNone let the handshake go on
// (where CPython returns the partial chain OpenSSL built, which no trust
// anchor vouches for).
func (t *tlsConn) GetVerifiedChain() ([][]byte, error) {
	return t.chainDER(func(ssl *openssl.SSL) []*openssl.X509 {
		if ssl.VerifyResult() != openssl.VerifyOK {
			return nil
		}
		return ssl.VerifiedChain()
	})
}

// GetUnverifiedChain returns the certificates the peer sent, in DER and in
// the order it sent them, its own first: Python 3.13's
// SSLSocket.get_unverified_chain(). On a server, where OpenSSL leaves the
// client's certificate out of the chain, it is put first, as CPython does.
// It is nil before the handshake and when the peer sent no certificate
// (where CPython 3.13's server fails with an AttributeError).
func (t *tlsConn) GetUnverifiedChain() ([][]byte, error) {
	return t.chainDER(func(ssl *openssl.SSL) []*openssl.X509 {
		chain := ssl.PeerCertChain()
		if t.serverSide {
			x := ssl.PeerCertificate()
			if x == nil {
				freeX509s(chain)
				return nil
			}
			chain = append([]*openssl.X509{x}, chain...)
		}
		return chain
	})
}

// chainDER encodes the certificates get returns, which it frees.
func (t *tlsConn) chainDER(get func(*openssl.SSL) []*openssl.X509) ([][]byte, error) {
	if !t.handshakeDone.Load() {
		return nil, nil
	}
	var chain []*openssl.X509
	if !t.ssl(func(ssl *openssl.SSL) { chain = get(ssl) }) {
		return nil, ErrClosed
	}
	defer freeX509s(chain)
	if len(chain) == 0 {
		return nil, nil
	}
	out := make([][]byte, len(chain))
	for i, x := range chain {
		der, err := x.DER()
		if err != nil {
			return nil, openSSLError(err)
		}
		out[i] = der
	}
	return out, nil
}

func freeX509s(xs []*openssl.X509) {
	for _, x := range xs {
		x.Free()
	}
}
