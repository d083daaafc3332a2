package ssl

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sslctx/ssl/internal/bio"
	"github.com/sslctx/ssl/openssl"
)

// Lock order. A goroutine takes these locks only in this order, and
// never holds one across a wait for the peer except as noted:
//
//	Socket.handshakeMu → Socket.readMu | Socket.writeMu → bio's locks → Context.mu (read)
//
// handshakeMu is released before Read or Write takes readMu or writeMu, and
// readMu and writeMu are never held together, so a Read blocked on the peer
// never holds up a Write. The bio.Conn's readMu, writeMu and mu are ordered
// as internal/bio/conn.go says. Context.mu is taken, for reading only, inside
// an engine operation (sslEngine) under bio's mu, and by SharedCiphers
// under the same; no Context setter takes a Socket's or bio's lock, so a
// setter waits at most for TLS operations in C, never for the network.

// writeChunk is the plaintext one Write hands the pump at once: four full
// records, encrypted under one lock (a C call per record, see bio's
// opChunk) and sent in one network write. bio's large output buffer is
// sized for it.
const writeChunk = 4 * 16 * 1024

// closeNotifyTimeout bounds how long Close waits to send close_notify to a
// peer that does not read, as crypto/tls does, unless the caller's own
// write deadline comes sooner.
const closeNotifyTimeout = 5 * time.Second

// Socket is a TLS connection over a net.Conn: Python's SSLSocket, an
// OpenSSL SSL object whose ciphertext goes through memory BIOs, so OpenSSL
// never touches a file descriptor.
//
// Socket implements net.Conn. Read and Write may be called at the same time
// from two goroutines; a Read waiting for the peer never holds up a Write,
// and Close from a third goroutine unblocks both. Deadlines are those of the
// underlying connection: a timeout is the net.Error it returns, with
// Timeout() true, and leaves the Socket usable for the next call.
type Socket struct {
	tlsConn // the engine, driven by conn, and the questions asked of it

	nc       net.Conn
	conn     *bio.Conn
	suppress bool

	handshakeMu  sync.Mutex
	handshakeErr error // sticky once the handshake failed for good

	readMu  sync.Mutex // one Read at a time
	readEnd error      // io.EOF once the peer closed, then returned forever
	writeMu sync.Mutex // one Write at a time, so writes never interleave

	closed atomic.Bool // Close or Unwrap was called
	// writeDeadline is the write deadline last set through the Socket (nil
	// for none): net.Conn cannot tell it, and Close must not push it back.
	writeDeadline atomic.Pointer[time.Time]
}

// WrapSocket wraps conn in TLS with this Context's settings (Python's
// SSLContext.wrap_socket, over SSL_new with two memory BIOs). Unless
// DoHandshakeOnConnect(false) is given, the handshake runs before
// WrapSocket returns; if it fails, conn is closed and the error returned.
//
// As in Python: ServerHostname is for clients only; a Context that checks
// hostnames needs one; a ProtocolTLSServer context makes only servers and a
// ProtocolTLSClient context only clients. The options of the module-level
// WrapSocket (KeyFile, CertFile, ...) are refused.
func (c *Context) WrapSocket(conn net.Conn, opts ...WrapOption) (*Socket, error) {
	cfg := defaultWrapConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.legacy != "" {
		return nil, invalidArgument("%s is an option of the module-level WrapSocket only", cfg.legacy)
	}
	return c.wrap(conn, cfg)
}

// wrap runs Python's wrap_socket in phases: validate the arguments, build
// the SSL, then run the handshake when asked to.
func (c *Context) wrap(conn net.Conn, cfg wrapConfig) (*Socket, error) {
	if conn == nil {
		return nil, invalidArgument("nil connection")
	}
	hostname, eng, err := c.prepareWrap(cfg)
	if err != nil {
		return nil, err
	}
	s := &Socket{tlsConn: tlsConn{serverSide: cfg.serverSide, hostname: hostname},
		nc: conn, suppress: cfg.suppressRagged}
	s.ctx.Store(c)
	s.conn = bio.New(conn, eng)
	s.drv = s.conn
	s.sni = s.callSNI
	if cfg.handshakeOnWrap {
		if err := s.DoHandshake(); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// prepareWrap is what Socket and SSLObject are built from: the arguments
// checked, the server hostname as it goes on the wire, and the engine.
func (c *Context) prepareWrap(cfg wrapConfig) (hostname string, eng *sslEngine, err error) {
	if hostname, err = c.validateWrap(cfg); err != nil {
		return "", nil, err
	}
	if eng, err = c.newEngine(cfg, hostname); err != nil {
		return "", nil, err
	}
	return hostname, eng, nil
}

// validateWrap makes Python's checks of wrap_socket's arguments, in its
// order, and returns the server hostname as it goes on the wire.
func (c *Context) validateWrap(cfg wrapConfig) (string, error) {
	if cfg.serverSide && cfg.hostnameSet {
		return "", invalidArgument("server_hostname can only be specified in client mode")
	}
	// wrap_socket's own session check, then the session setter's: a
	// session is bound to the SSL_CTX that made it.
	if cfg.session != nil && cfg.serverSide {
		return "", invalidArgument("session can only be specified in client mode")
	}
	if cfg.session != nil && cfg.session.ctx != c {
		return "", invalidArgument("Session refers to a different SSLContext.")
	}
	switch {
	case c.protocol == ProtocolTLSServer && !cfg.serverSide:
		return "", messageError("Cannot create a client socket with a PROTOCOL_TLS_SERVER context", nil)
	case c.protocol == ProtocolTLSClient && cfg.serverSide:
		return "", messageError("Cannot create a server socket with a PROTOCOL_TLS_CLIENT context", nil)
	}
	if !cfg.hostnameSet {
		return "", nil
	}
	hostname, err := encodeHostname(cfg.hostname)
	if err != nil {
		return "", err
	}
	if hostname == "" || hostname[0] == '.' {
		return "", invalidArgument("server_hostname cannot be an empty string or start with a leading dot.")
	}
	return hostname, nil
}

// newEngine makes the SSL from the context's current settings (under its
// read lock), with its hostname, session and callbacks, and the engine
// that drives it.
func (c *Context) newEngine(cfg wrapConfig, hostname string) (*sslEngine, error) {
	var ssl *openssl.SSL
	var psk *pskConn
	err := c.read(func(oc *openssl.Ctx) error {
		if c.checkHostname && !cfg.serverSide && hostname == "" {
			return invalidArgument("check_hostname requires server_hostname")
		}
		var err error
		if ssl, err = oc.NewSSL(cfg.serverSide); err != nil {
			return openSSLError(err)
		}
		if err := setHostname(ssl, hostname, c.checkHostname); err != nil {
			ssl.Free()
			return err
		}
		if psk, err = c.cb.configure(c, ssl, cfg.serverSide); err != nil {
			ssl.Free()
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if cfg.session != nil {
		if err := ssl.SetSession(cfg.session.s); err != nil {
			ssl.Free()
			return nil, openSSLError(err)
		}
	}
	return &sslEngine{ssl: ssl, hostname: hostname, settings: &c.mu, psk: psk, origin: c}, nil
}

// setHostname gives ssl its SNI and, with check, the name to verify; ""
// sets neither.
func setHostname(ssl *openssl.SSL, hostname string, check bool) error {
	if hostname == "" {
		return nil
	}
	_, err := ssl.SetHostname(hostname, check)
	if errors.Is(err, openssl.ErrNULByte) {
		return invalidArgument("server_hostname must not contain a NUL byte")
	}
	if err != nil {
		return openSSLError(err)
	}
	return nil
}

// DoHandshake performs the TLS handshake now (Python's do_handshake, over
// SSL_do_handshake). It is idempotent: after success it returns nil, after a
// TLS failure the same error. A network error such as a timeout leaves the
// handshake where it was, to be resumed by the next call.
//
// A failed certificate verification is an *Error whose Reason is
// "CERTIFICATE_VERIFY_FAILED", with VerifyCode and VerifyMessage.
func (s *Socket) DoHandshake() error {
	if s.handshakeDone.Load() {
		return nil
	}
	s.handshakeMu.Lock()
	defer s.handshakeMu.Unlock()
	if s.handshakeDone.Load() {
		return nil
	}
	if s.handshakeErr != nil {
		return s.handshakeErr
	}
	if s.closed.Load() {
		return ErrClosed
	}
	r := s.run(bio.OpHandshake, nil, true)
	if r.wait != nil {
		return s.transportError(r.wait)
	}
	s.handshakeErr = r.err
	return s.handshakeErr
}

// HandshakeContext is DoHandshake bounded by ctx: if ctx is done before
// the handshake completes, the connection is closed and ctx.Err() returned.
// Once the handshake has completed, ctx no longer matters.
func (s *Socket) HandshakeContext(ctx context.Context) error {
	if ctx.Done() == nil || s.handshakeDone.Load() {
		return s.DoHandshake()
	}
	if err := ctx.Err(); err != nil {
		s.Close()
		return err
	}
	// Closing the transport is the one way to stop a blocked read without
	// touching the caller's deadlines.
	stop := context.AfterFunc(ctx, func() { s.nc.Close() })
	err := s.DoHandshake()
	if !stop() {
		s.Close()
		return ctx.Err()
	}
	return err
}

// Read reads decrypted data (Python's read/recv, over SSL_read_ex),
// performing the handshake first if it has not run. It returns io.EOF once
// the peer has closed TLS with close_notify; our side may still write. A
// connection that ends without close_notify also gives io.EOF unless
// SuppressRaggedEOFs(false) was given, in which case it is an *Error with
// Code ErrorEOF ("EOF occurred in violation of protocol").
//
// Read never waits on the write direction: what a timed-out Write left
// unsent, and the answers Read itself produces behind it (TLS 1.3 KeyUpdate
// answers, alerts), go out with the next Write or Close. A peer that asks
// for such answers while reading none of them gets 64 KiB of them at most:
// Read then fails, harmlessly, until they are sent.
func (s *Socket) Read(p []byte) (int, error) {
	if err := s.DoHandshake(); err != nil {
		return 0, err
	}
	s.readMu.Lock()
	defer s.readMu.Unlock()
	if s.closed.Load() {
		return 0, ErrClosed
	}
	if s.readEnd != nil {
		return 0, s.readEnd
	}
	if len(p) == 0 {
		return 0, nil
	}
	r := s.run(bio.OpRead, p, false)
	switch {
	case r.wait != nil:
		return 0, s.transportError(r.wait)
	case r.err == nil:
		return r.n, nil
	case r.closed:
		s.readEnd = io.EOF
		return 0, io.EOF
	case s.closed.Load():
		// Whatever OpenSSL made of the SSL being shut under it.
		return 0, ErrClosed
	case s.suppress && isRaggedEOF(r.err):
		s.readEnd = io.EOF
		return 0, io.EOF
	}
	return 0, r.err
}

// Write encrypts and sends all of p (Python's sendall, over SSL_write_ex),
// performing the handshake first if it has not run. It returns len(p) and
// nil, or the error that stopped it and how many bytes of p were taken:
// bytes taken are already encrypted and queued, and go out with the next
// Write (or Close) even if this one timed out.
func (s *Socket) Write(p []byte) (int, error) {
	if err := s.DoHandshake(); err != nil {
		return 0, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.closed.Load() {
		return 0, ErrClosed
	}
	total := 0
	for len(p) > 0 {
		chunk := p[:min(len(p), writeChunk)]
		r := s.run(bio.OpWrite, chunk, true)
		total += r.n
		switch {
		case r.wait != nil:
			return total, s.transportError(r.wait)
		case r.err != nil && !r.closed && s.closed.Load():
			// Whatever OpenSSL made of the SSL being shut under it.
			return total, ErrClosed
		case r.err != nil:
			return total, r.err
		}
		p = p[r.n:]
	}
	return total, nil
}

// Close sends close_notify (best effort: not when a Write is under way, and
// for at most five seconds, or until the write deadline set with
// SetDeadline or SetWriteDeadline if that is sooner), then closes the
// underlying connection and frees the SSL object. A deadline set on the
// underlying connection directly is not known to the Socket. Reads and Writes blocked in other goroutines return
// ErrClosed. A second Close returns ErrClosed.
func (s *Socket) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return ErrClosed
	}
	// A Write under way holds writeMu for all its chunks, and the pump's
	// writer role only while one is sent: asking for the pump's role alone
	// would slip close_notify in between two chunks of the caller's data.
	if s.handshakeDone.Load() && s.writeMu.TryLock() {
		if s.conn.TryWriter() {
			d := time.Now().Add(closeNotifyTimeout)
			if w := s.writeDeadline.Load(); w != nil && w.Before(d) {
				d = *w
			}
			s.nc.SetWriteDeadline(d)
			s.conn.RunAsWriter(bio.OpShutdown)
			s.conn.ReleaseWriter()
		}
		s.writeMu.Unlock()
	}
	err := s.nc.Close()
	s.conn.Release()
	return err
}

// CloseWrite sends close_notify and nothing more can be written; reading
// goes on until the peer closes too (SSL_shutdown once). It needs a
// completed handshake. The underlying connection is not half-closed.
func (s *Socket) CloseWrite() error {
	if !s.handshakeDone.Load() {
		return invalidArgument("CloseWrite called before the handshake completed")
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	r := s.run(bio.OpShutdown, nil, true)
	if r.wait != nil {
		return s.transportError(r.wait)
	}
	if r.err != nil && !r.closed {
		return r.err
	}
	return nil
}

// Unwrap ends TLS in both directions (SSL_shutdown until the peer's
// close_notify has arrived) and returns the underlying connection for plain
// use (Python's unwrap). Bytes the peer sent after its close_notify, which
// arrived with the TLS data, are read first from the returned net.Conn:
// nothing is lost. The Socket is unusable afterwards.
func (s *Socket) Unwrap() (net.Conn, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	for {
		r := s.run(bio.OpShutdown, nil, true)
		if r.wait != nil {
			return nil, s.transportError(r.wait)
		}
		if r.err != nil && !r.closed {
			return nil, r.err
		}
		if r.ret == 1 {
			break
		}
	}
	// Claimed before the SSL goes, so that a Close in between cannot shut
	// the transport this hands out.
	if !s.closed.CompareAndSwap(false, true) {
		return nil, ErrClosed
	}
	rest, err := s.conn.Detach()
	if err != nil {
		return nil, ErrClosed
	}
	if len(rest) == 0 {
		return s.nc, nil
	}
	return &prefixConn{Conn: s.nc, prefix: rest}, nil
}

// prefixConn is a net.Conn whose first bytes were already read from it.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// transportError reports a network error as is (a timeout stays a
// net.Error with Timeout() true), and any error after Close as ErrClosed.
func (s *Socket) transportError(err error) error {
	if s.closed.Load() || errors.Is(err, bio.ErrReleased) {
		return ErrClosed
	}
	return err
}

// PeerCertificate returns the peer's certificate parsed by crypto/x509, or
// nil if there is none (or Go cannot parse it).
func (s *Socket) PeerCertificate() *x509.Certificate {
	der, err := s.GetPeerCertDER()
	if err != nil || der == nil {
		return nil
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil
	}
	return c
}

// NetConn returns the underlying connection. Reading from or writing to it
// directly corrupts the TLS session.
func (s *Socket) NetConn() net.Conn { return s.nc }

// LocalAddr returns the local address of the underlying connection.
func (s *Socket) LocalAddr() net.Addr { return s.nc.LocalAddr() }

// RemoteAddr returns the remote address of the underlying connection.
func (s *Socket) RemoteAddr() net.Addr { return s.nc.RemoteAddr() }

// SetDeadline sets the read and write deadlines of the underlying
// connection. Close keeps the write deadline if it is sooner than its own.
func (s *Socket) SetDeadline(t time.Time) error {
	if err := s.nc.SetDeadline(t); err != nil {
		return err
	}
	s.rememberWriteDeadline(t)
	return nil
}

// SetReadDeadline sets the read deadline of the underlying connection.
func (s *Socket) SetReadDeadline(t time.Time) error { return s.nc.SetReadDeadline(t) }

// SetWriteDeadline sets the write deadline of the underlying connection.
// Close keeps it if it is sooner than its own.
func (s *Socket) SetWriteDeadline(t time.Time) error {
	if err := s.nc.SetWriteDeadline(t); err != nil {
		return err
	}
	s.rememberWriteDeadline(t)
	return nil
}

func (s *Socket) rememberWriteDeadline(t time.Time) {
	if t.IsZero() {
		s.writeDeadline.Store(nil)
	} else {
		s.writeDeadline.Store(&t)
	}
}

// ConnectionState describes the connection in crypto/tls's terms, as far as
// OpenSSL tells: Version, HandshakeComplete, DidResume, CipherSuite (the
// IANA value), NegotiatedProtocol, ServerName (sent by a client, received
// by a server), PeerCertificates and, when the peer's chain was verified,
// VerifiedChains. Libraries that duck-type *tls.Conn (x/net/http2) read it.
//
// PeerCertificates and VerifiedChains hold every certificate OpenSSL has,
// in OpenSSL's order: one that crypto/x509 refuses to parse although
// OpenSSL accepted it (a negative serial number, some odd encodings) keeps
// its position as a partial *x509.Certificate: Raw, the Raw* fields,
// Version, SerialNumber, Subject, Issuer, NotBefore, NotAfter and the
// unparsed Extensions are set as far as they decode, PublicKey is nil and
// everything crypto/x509 derives from extensions is zero. Element 0 is so
// always the peer's own certificate, never its issuer.
//
// CurveID is the key exchange group OpenSSL negotiated (0 for RSA key
// exchange, as crypto/tls reports it, and for a group OpenSSL cannot name).
// ExportKeyingMaterial calls SSL_export_keying_material with crypto/tls's
// rules: an error before the handshake, and under TLS 1.2 without the
// extended master secret; a length outside [0, 2^31) is ErrInvalidArgument.
// NegotiatedProtocolIsMutual is true, as crypto/tls always sets it.
// OCSPResponse, SignedCertificateTimestamps, TLSUnique and the ECH and
// HelloRetryRequest flags stay unset.
func (s *Socket) ConnectionState() tls.ConnectionState {
	var st tls.ConnectionState
	st.HandshakeComplete = s.handshakeDone.Load()
	// crypto/tls has always set it so since NPN was removed.
	st.NegotiatedProtocolIsMutual = true
	var chain, verified []*openssl.X509
	var ems bool
	s.ssl(func(ssl *openssl.SSL) {
		if st.HandshakeComplete {
			st.Version = uint16(ssl.ProtocolVersion())
			if c := ssl.CurrentCipher(); c.Valid() {
				st.CipherSuite = c.ProtocolID()
			}
			st.DidResume = ssl.SessionReused()
			st.NegotiatedProtocol = ssl.ALPNSelected()
			st.CurveID = tls.CurveID(ssl.GroupID())
			ems = ssl.ExtendedMasterSecret()
			chain = ssl.PeerCertChain()
			if s.serverSide {
				// OpenSSL leaves the client's own certificate out of the
				// chain a server sees.
				if x := ssl.PeerCertificate(); x != nil {
					chain = append([]*openssl.X509{x}, chain...)
				}
			}
			if ssl.VerifyMode() != openssl.VerifyNone && ssl.VerifyResult() == openssl.VerifyOK {
				verified = ssl.VerifiedChain()
			}
		}
		st.ServerName = ssl.ServerName()
	})
	st.PeerCertificates = parseChain(chain)
	if v := parseChain(verified); len(v) > 0 {
		st.VerifiedChains = [][]*x509.Certificate{v}
	}
	complete, version := st.HandshakeComplete, st.Version
	openssl.SetExporter(&st, func(label string, context []byte, length int) ([]byte, error) {
		return s.exportKeyingMaterial(complete, version, ems, label, context, length)
	})
	return st
}

// Session is a TLS session that a later connection to the same server can
// resume: Python's SSLSession, kept as OpenSSL's own SSL_SESSION.
type Session struct {
	s   *openssl.Session
	ctx *Context // the Context whose connection made it, the only one that may resume it
}

// ID returns the session id (Python's SSLSession.id).
func (s *Session) ID() []byte { return s.s.ID() }

// Time returns when the session was established (Python's SSLSession.time).
func (s *Session) Time() time.Time { return s.s.Info().Time }

// Timeout returns how long the session stays valid (Python's SSLSession.timeout).
func (s *Session) Timeout() time.Duration { return s.s.Info().Timeout }

// HasTicket reports whether the server sent a session ticket (Python's
// SSLSession.has_ticket).
func (s *Session) HasTicket() bool { return s.s.Info().HasTicket }

// TicketLifetimeHint returns the ticket's lifetime as the server advised it
// (Python's SSLSession.ticket_lifetime_hint).
func (s *Session) TicketLifetimeHint() time.Duration { return s.s.Info().TicketLifetimeHint }

// Resumable reports whether the session can be offered for resumption
// (SSL_SESSION_is_resumable).
func (s *Session) Resumable() bool { return s.s.Info().Resumable }
