package ssl

import (
	"crypto/tls"
	"errors"
	"math"
	"sync/atomic"

	"github.com/sslctx/ssl/internal/bio"
	"github.com/sslctx/ssl/openssl"
)

// tlsConn is what Socket and SSLObject share: one SSL object, run by one
// engine (sslEngine) through a driver that feeds it the peer's ciphertext
// and takes its own — the pump over a net.Conn for Socket (bio.Conn), the
// caller's MemoryBIOs for SSLObject (bio.Mem). Every TLS operation of
// either goes through run, which reads its outcome as Python does, and
// every question about the connection (GetPeerCert, Cipher, Version, ...)
// is a method of tlsConn, promoted to both.
type tlsConn struct {
	ctx        atomic.Pointer[Context] // Socket.SetContext changes it
	serverSide bool
	hostname   string // IDNA-encoded, "" on a server or when none was given
	drv        driver
	// sni answers a server handshake stopped at a ClientHello for the SNI
	// callback: it runs the callback of c for the client's name, with no
	// lock held, and returns the callback's verdict.
	sni func(name string, c *Context) error
	// handshakeDone says the handshake has completed: for Socket once and
	// for all, for SSLObject as OpenSSL last said (SSL_is_init_finished),
	// as Python asks it.
	handshakeDone atomic.Bool
}

// driver runs the engine's operations: *bio.Conn or *bio.Mem.
type driver interface {
	// Run performs op until it completes or fails. An error says the
	// operation is waiting, for the network (a deadline) or, over memory
	// BIOs, for more input (bio.ErrWouldBlock); the engine keeps its
	// state, and running the operation again resumes it.
	Run(op bio.Op, buf []byte, flushWait bool) (bio.Result, error)
	// Locked runs fn with the engine under the engine's lock; an error
	// once the engine is released.
	Locked(fn func(bio.Engine)) error
}

// opResult is one TLS operation's outcome.
type opResult struct {
	n   int // plaintext bytes read or written
	ret int // the operation's return value: SSL_shutdown's 0 (close_notify sent) or 1 (both ways)
	// closed says the peer's close_notify ended the operation; err is then
	// Python's SSLZeroReturnError.
	closed bool
	err    error // why the operation failed for good: a *Error
	wait   error // the driver's error: the operation did not finish, and may be run again
}

// run performs op through the driver: the one place where Socket and
// SSLObject operations meet the engine. A server handshake stopped for the
// SNI callback, at the handshake or at a renegotiation inside a read, is
// answered and resumed here.
func (t *tlsConn) run(op bio.Op, buf []byte, flushWait bool) opResult {
	r, err := t.drv.Run(op, buf, flushWait)
	for err == nil && r.Status == bio.Failed && r.Err == errSNIPending {
		if serr := t.answerSNI(); serr != nil {
			r = bio.Result{Status: bio.Failed, Err: serr}
			break
		}
		r, err = t.drv.Run(op, buf, flushWait)
	}
	res := opResult{n: r.N, ret: r.Ret}
	switch {
	case err != nil:
		res.wait = err
	case r.Status == bio.Done:
		if op == bio.OpHandshake {
			t.handshakeDone.Store(true)
		}
	case r.Status == bio.Closed:
		res.closed, res.err = true, zeroReturnError()
	default:
		res.err = r.Err
	}
	return res
}

// ssl runs fn with the SSL object under the engine's lock; false once the
// engine is released (a Socket closed or unwrapped).
func (t *tlsConn) ssl(fn func(*openssl.SSL)) bool {
	return t.drv.Locked(func(e bio.Engine) { fn(e.(*sslEngine).ssl) }) == nil
}

// GetPeerCert returns the peer's certificate as Python's getpeercert()
// does: nil if the peer sent none (a server that does not ask for client
// certificates gets none); an empty Cert (JSON {}) if it was received but,
// with CertNone, not validated; the full description otherwise. Before the
// handshake it is an error wrapping ErrInvalidArgument.
func (t *tlsConn) GetPeerCert() (*Cert, error) {
	x, err := t.peerX509()
	if x == nil {
		return nil, err
	}
	defer x.Free()
	// Python reads the context's verify mode at call time.
	if t.Context().VerifyMode() == CertNone {
		return &Cert{}, nil
	}
	return certFromX509(x)
}

// GetPeerCertDER returns the peer's certificate in DER, validated or not
// (Python's getpeercert(binary_form=True)), or nil if it sent none.
func (t *tlsConn) GetPeerCertDER() ([]byte, error) {
	x, err := t.peerX509()
	if x == nil {
		return nil, err
	}
	defer x.Free()
	der, err := x.DER()
	if err != nil {
		return nil, openSSLError(err)
	}
	return der, nil
}

// peerX509 returns the peer's certificate for the caller to free; nil and
// no error when the peer sent none.
func (t *tlsConn) peerX509() (*openssl.X509, error) {
	if !t.handshakeDone.Load() {
		return nil, invalidArgument("handshake not done yet")
	}
	var x *openssl.X509
	if !t.ssl(func(ssl *openssl.SSL) { x = ssl.PeerCertificate() }) {
		return nil, ErrClosed
	}
	return x, nil
}

// CipherInfo is Python's cipher() tuple: the cipher's name, the protocol
// version that defines it (not necessarily the one negotiated) and its
// secret bits.
type CipherInfo struct {
	Name       string
	Version    string
	SecretBits int
}

func cipherInfo(c openssl.Cipher) CipherInfo {
	bits, _ := c.Bits()
	return CipherInfo{Name: c.Name(), Version: c.Version(), SecretBits: bits}
}

// Cipher returns the negotiated cipher (Python's cipher(), from
// SSL_get_current_cipher); false before the handshake.
func (t *tlsConn) Cipher() (CipherInfo, bool) {
	var c openssl.Cipher
	t.ssl(func(ssl *openssl.SSL) { c = ssl.CurrentCipher() })
	if !c.Valid() {
		return CipherInfo{}, false
	}
	return cipherInfo(c), true
}

// SharedCiphers returns the ciphers both sides enabled, in the server's
// order (Python's shared_ciphers()); nil on a client or before the
// handshake.
func (t *tlsConn) SharedCiphers() []CipherInfo {
	if !t.handshakeDone.Load() {
		return nil
	}
	var out []CipherInfo
	t.ssl(func(ssl *openssl.SSL) {
		// The server's list is its Context's, read in place: the
		// Context's lock, taken after the engine's as sslEngine does.
		c := t.Context()
		c.mu.RLock()
		ciphers, ok := ssl.SharedCiphers()
		c.mu.RUnlock()
		if !ok {
			return
		}
		out = make([]CipherInfo, len(ciphers))
		for i, c := range ciphers {
			out[i] = cipherInfo(c)
		}
	})
	return out
}

// Version returns the negotiated protocol version, such as "TLSv1.3"
// (Python's version(), from SSL_get_version); "" before the handshake.
func (t *tlsConn) Version() string {
	if !t.handshakeDone.Load() {
		return ""
	}
	var v string
	t.ssl(func(ssl *openssl.SSL) { v = ssl.Version() })
	return v
}

// SelectedALPNProtocol returns the application protocol agreed with ALPN
// (Python's selected_alpn_protocol(), from SSL_get0_alpn_selected), or "".
func (t *tlsConn) SelectedALPNProtocol() string {
	var p string
	t.ssl(func(ssl *openssl.SSL) { p = ssl.ALPNSelected() })
	return p
}

// Pending returns how many decrypted bytes are ready to be read without
// more of the peer's bytes (Python's pending(), from SSL_pending).
func (t *tlsConn) Pending() int {
	n := 0
	t.ssl(func(ssl *openssl.SSL) { n = ssl.Pending() })
	return n
}

// SessionReused reports whether the handshake resumed an earlier session
// (Python's session_reused, from SSL_session_reused).
func (t *tlsConn) SessionReused() bool {
	r := false
	t.ssl(func(ssl *openssl.SSL) { r = ssl.SessionReused() })
	return r
}

// Session returns the TLS session of this connection, to resume it in a
// later one with ResumeSession (Python's session). With TLS 1.3 the server
// sends its session tickets after the handshake: read first. It is nil
// before the handshake.
func (t *tlsConn) Session() *Session {
	var sess *openssl.Session
	t.ssl(func(ssl *openssl.SSL) { sess = ssl.Session() })
	if sess == nil {
		return nil
	}
	return &Session{s: sess, ctx: t.Context()}
}

// ServerSide reports whether this is the server end (Python's server_side).
func (t *tlsConn) ServerSide() bool { return t.serverSide }

// ServerHostname returns the name the client asked for, IDNA-encoded
// (Python's server_hostname); "" on a server or when none was given.
func (t *tlsConn) ServerHostname() string { return t.hostname }

// Context returns the Context the connection uses (Python's context): the
// one it was wrapped with, or the one Socket.SetContext gave it.
func (t *tlsConn) Context() *Context { return t.ctx.Load() }

// exportKeyingMaterial is SSL_export_keying_material with crypto/tls's
// rules: no export before the handshake, nor under TLS 1.2 and below
// without the extended master secret (RFC 7627), whose absence makes the
// exported values shareable with a man in the middle. OpenSSL refuses the
// labels TLS itself uses.
func (t *tlsConn) exportKeyingMaterial(complete bool, version uint16, ems bool, label string, context []byte, length int) ([]byte, error) {
	switch {
	case !complete:
		return nil, errors.New("ssl: ExportKeyingMaterial is unavailable before the handshake")
	case version < tls.VersionTLS13 && !ems:
		return nil, errors.New("ssl: ExportKeyingMaterial is unavailable when neither TLS 1.3 nor Extended Master Secret are negotiated")
	case length < 0 || length > math.MaxInt32:
		return nil, invalidArgument("ExportKeyingMaterial length %d out of range [0, %d]", length, math.MaxInt32)
	}
	var out []byte
	var err error
	if !t.ssl(func(ssl *openssl.SSL) { out, err = ssl.ExportKeyingMaterial(label, context, length) }) {
		return nil, ErrClosed
	}
	if err != nil {
		return nil, openSSLError(err)
	}
	return out, nil
}
