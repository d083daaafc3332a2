package ssl

import (
	"fmt"

	"github.com/sslctx/ssl/openssl"
)

// callbackSettings are the Context's settings of Python's additions after
// 3.2 that reach into handshakes: the SNI callback (sni.go), the key log
// (keylog.go), post-handshake authentication (pha.go) and the PSK
// callbacks (psk.go). The Context's mu guards them.
type callbackSettings struct {
	sni       func(s *Socket, serverName string, c *Context) error
	keylog    string
	pha       bool
	pskClient func(hint string) (identity string, psk []byte, err error)
	pskServer func(identity string) (psk []byte, err error)
}

// configure gives a new SSL what it takes from these settings at creation,
// as CPython's newPySSLSocket does, under the Context's read lock: the
// post-handshake authentication switch and the PSK callbacks, which
// OpenSSL copies from the SSL_CTX at SSL_new.
func (cb *callbackSettings) configure(c *Context, ssl *openssl.SSL, server bool) (*pskConn, error) {
	if !server {
		// The session id context is a server's: on a client it only
		// makes OpenSSL refuse a TLS 1.3 external PSK, whose session it
		// builds with none ("attempt to reuse session in different
		// context"). Modern CPython sets none at all.
		ssl.ClearSessionIDContext()
	}
	if cb.pha {
		ssl.EnablePostHandshakeAuth(server)
	}
	if (server && cb.pskServer == nil) || (!server && cb.pskClient == nil) {
		return nil, nil
	}
	p := &pskConn{ctx: c}
	if err := ssl.SetPSKCallbacks(p); err != nil {
		return nil, openSSLError(err)
	}
	return p, nil
}

// callbackPanic is the error a callback that panicked stands for: the
// handshake it ran in fails, the process goes on.
type callbackPanic struct {
	callback string
	value    any
}

func (e *callbackPanic) Error() string {
	return fmt.Sprintf("ssl: the %s panicked: %v", e.callback, e.value)
}

// recoverCallback turns a panic in the user's callback into *err, the
// error it stands for; deferred by what calls the callback.
func recoverCallback(callback string, err *error) {
	if v := recover(); v != nil {
		*err = &callbackPanic{callback: callback, value: v}
	}
}
