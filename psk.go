package ssl

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/sslctx/ssl/openssl"
)

// SetPSKClientCallback makes client handshakes of sockets wrapped later
// authenticate with a pre-shared key (Python 3.13's
// set_psk_client_callback, over SSL_CTX_set_psk_client_callback). fn gets
// the server's identity hint ("" when it sent none, and always under
// TLS 1.3) and returns the identity to send and the key. An error, or a
// panic, fails the handshake, whose error then wraps it; an empty key
// means none. Under TLS 1.2 a PSK cipher suite must be enabled
// (SetCiphers("PSK")) and, as this library refuses servers that send no
// certificate to a CertRequired client, the verify mode CertNone. Under
// TLS 1.3 the key is an external PSK used with a SHA-256 cipher suite
// (TLS_AES_128_GCM_SHA256), as OpenSSL's callback interface allows. nil
// removes the callback. A ProtocolTLSServer context refuses it.
//
// fn runs inside the handshake, on its goroutine, with the Context's lock
// released: it may use the Context. The key it returns is copied, never
// kept or cleared.
func (c *Context) SetPSKClientCallback(fn func(hint string) (identity string, psk []byte, err error)) error {
	if c.protocol == ProtocolTLSServer {
		return messageError("Cannot add PSK client callback to a PROTOCOL_TLS_SERVER context", nil)
	}
	return c.write(func(oc *openssl.Ctx) error {
		c.cb.pskClient = fn
		oc.SetPSKClient(fn != nil)
		return nil
	})
}

// SetPSKServerCallback makes server handshakes of sockets wrapped later
// accept pre-shared keys (Python 3.13's set_psk_server_callback, over
// SSL_CTX_set_psk_server_callback and SSL_CTX_use_psk_identity_hint). fn
// gets the identity the client sent and returns its key; an error, a
// panic or an empty key refuses it. identityHint is sent to TLS 1.2
// clients ("" for none); with fn nil, the callback and hint are removed. A
// ProtocolTLSClient context refuses it; a hint OpenSSL refuses (longer
// than its limit) wraps ErrInvalidArgument. fn runs as the client
// callback does.
func (c *Context) SetPSKServerCallback(fn func(identity string) (psk []byte, err error), identityHint string) error {
	if c.protocol == ProtocolTLSClient {
		return messageError("Cannot add PSK server callback to a PROTOCOL_TLS_CLIENT context", nil)
	}
	if fn == nil {
		identityHint = ""
	}
	if strings.IndexByte(identityHint, 0) >= 0 {
		return invalidArgument("embedded null character")
	}
	return c.write(func(oc *openssl.Ctx) error {
		if err := oc.SetPSKServer(fn != nil, identityHint); err != nil {
			return invalidArgument("failed to set identity hint")
		}
		c.cb.pskServer = fn
		return nil
	})
}

// pskConn answers one SSL's PSK callbacks with its Context's functions, as
// CPython's callbacks look them up on the socket's context. It runs under
// the pump's lock, which guards it, and holds nothing that holds the SSL,
// since OpenSSL holds it (as a cgo.Handle) until the SSL is freed.
type pskConn struct {
	ctx *Context // the socket's Context, moved by SetContext
	err error    // why the last callback refused, for the handshake's error
}

// unlocked runs fn with the Context's read lock, which the operation
// running the callback holds, let go: the user's function may use the
// Context, even change it.
func (p *pskConn) unlocked(fn func()) {
	p.ctx.mu.RUnlock()
	defer p.ctx.mu.RLock()
	fn()
}

// call runs ask, which calls the user's function, on the peer's hint or
// identity as CPython reads it, with the Context's lock let go; text that
// is not UTF-8 refuses the connection without asking.
func (p *pskConn) call(text []byte, ask func(string) error) error {
	t, ok := pskText(text)
	if !ok {
		return errPSKNotUTF8
	}
	var err error
	p.unlocked(func() { err = ask(t) })
	return err
}

// pskText is CPython's reading of a hint or identity: none, or empty, is
// "" (None); one that is not UTF-8 refuses the connection without calling
// the user's function.
func pskText(b []byte) (string, bool) {
	if !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}

var errPSKNotUTF8 = errors.New("ssl: the peer's PSK identity or hint is not UTF-8")

// ClientPSK implements openssl.PSKCallbacks.
func (p *pskConn) ClientPSK(hint []byte, maxIdentity, maxPSK int) (identity string, psk []byte) {
	err := p.call(hint, func(h string) (err error) {
		fn := p.ctx.pskClientCallback()
		if fn == nil {
			return errors.New("ssl: the Context has no PSK client callback")
		}
		identity, psk, err = callPSKClient(fn, h)
		return err
	})
	switch {
	case err != nil:
	case strings.IndexByte(identity, 0) >= 0:
		err = invalidArgument("PSK identity must not contain a NUL byte")
	case len(identity)+1 > maxIdentity:
		err = invalidArgument("PSK identity longer than %d bytes", maxIdentity-1)
	case len(psk) > maxPSK:
		err = invalidArgument("PSK longer than %d bytes", maxPSK)
	}
	if err != nil {
		p.err = err
		return "", nil
	}
	return identity, psk
}

// ServerPSK implements openssl.PSKCallbacks.
func (p *pskConn) ServerPSK(identity []byte, maxPSK int) (psk []byte) {
	err := p.call(identity, func(id string) (err error) {
		fn := p.ctx.pskServerCallback()
		if fn == nil {
			return errors.New("ssl: the Context has no PSK server callback")
		}
		psk, err = callPSKServer(fn, id)
		return err
	})
	if err == nil && len(psk) > maxPSK {
		err = invalidArgument("PSK longer than %d bytes", maxPSK)
	}
	if err != nil {
		p.err = err
		return nil
	}
	return psk
}

func (c *Context) pskClientCallback() func(string) (string, []byte, error) {
	return lockedField(c, &c.cb.pskClient)
}

func (c *Context) pskServerCallback() func(string) ([]byte, error) {
	return lockedField(c, &c.cb.pskServer)
}

func callPSKClient(fn func(string) (string, []byte, error), hint string) (identity string, psk []byte, err error) {
	defer recoverCallback("PSK client callback", &err)
	return fn(hint)
}

func callPSKServer(fn func(string) ([]byte, error), identity string) (psk []byte, err error) {
	defer recoverCallback("PSK server callback", &err)
	return fn(identity)
}
