package ssl

import (
	"cmp"
	"errors"
	"io"
	"sync"

	"github.com/sslctx/ssl/internal/bio"
	"github.com/sslctx/ssl/openssl"
)

// SSLObject is a TLS connection that does no I/O of its own: Python's
// SSLObject, made by Context.WrapBIO. It reads the peer's ciphertext from
// an incoming MemoryBIO and writes its own into an outgoing one; the caller
// carries the bytes between those and the peer, however it likes (an event
// loop, TLS inside another protocol, a test with both ends in one
// goroutine).
//
// An operation that needs more of the peer's bytes than incoming holds
// fails with an error that errors.Is ErrWantRead (Python's
// SSLWantReadError): send the peer what outgoing holds, write its answer
// into incoming, and call the operation again. Whatever an operation wrote
// into outgoing, failed or not, is for the peer: send it after every call.
// Writing into outgoing never waits, so ErrWantWrite does not occur.
//
// It is Socket's engine with the caller as the transport: the same
// OpenSSL object, operations and errors. What differs is Python's
// SSLObject's own: no handshake on wrap, every operation asks OpenSSL
// anew (an error is not remembered for the next call), a ragged EOF is
// always ErrEOF, and Unwrap leaves the object usable.
//
// An SSLObject is safe for concurrent use; operations run one at a time.
// Its OpenSSL object is freed once the SSLObject is unreachable.
type SSLObject struct {
	tlsConn
	mu sync.Mutex // one operation at a time, with the state read after it
}

// WrapBIO makes an SSLObject that reads the peer's bytes from incoming and
// writes its own into outgoing, with this Context's settings (Python's
// SSLContext.wrap_bio). It takes ServerSide, ServerHostname and
// ResumeSession, checked as WrapSocket checks them; no handshake runs until
// DoHandshake, Read or Write.
//
// Where CPython's wrap_bio lacks two of wrap_socket's checks, WrapBIO
// makes them: a client of a Context that checks hostnames needs
// ServerHostname (without one CPython verifies the certificate chain but
// not the name, and so trusts any certificate the CAs signed), and a server
// takes none.
func (c *Context) WrapBIO(incoming, outgoing *MemoryBIO, opts ...WrapOption) (*SSLObject, error) {
	if incoming == nil || outgoing == nil {
		return nil, invalidArgument("WrapBIO needs an incoming and an outgoing MemoryBIO, not nil")
	}
	cfg := defaultWrapConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if name := cmp.Or(cfg.socketOnly, cfg.legacy); name != "" {
		return nil, invalidArgument("%s is not an option of WrapBIO: an SSLObject does no I/O of its own", name)
	}
	hostname, eng, err := c.prepareWrap(cfg)
	if err != nil {
		return nil, err
	}
	o := &SSLObject{tlsConn: tlsConn{serverSide: cfg.serverSide, hostname: hostname, sni: refuseSNI}}
	o.ctx.Store(c)
	o.drv = bio.NewMem(eng, &incoming.q, &outgoing.q)
	return o, nil
}

// step runs op, then reads whether the handshake has completed as Python
// asks it each time (SSL_is_init_finished): a read may complete it, and a
// fatal error undo it. Needing input is ErrWantRead.
func (o *SSLObject) step(op bio.Op, buf []byte) opResult {
	r := o.run(op, buf, true)
	o.ssl(func(ssl *openssl.SSL) { o.handshakeDone.Store(ssl.InitFinished()) })
	if r.wait != nil {
		r.err = r.wait
		if errors.Is(r.wait, bio.ErrWouldBlock) {
			r.err = wantReadError()
		}
	}
	return r
}

// wantReadError is Python's SSLWantReadError.
func wantReadError() *Error {
	w := wantErrors[openssl.ErrorWantRead]
	return &Error{Code: w.code, Message: w.message, class: classWantRead}
}

// DoHandshake performs the TLS handshake (Python's do_handshake, over
// SSL_do_handshake) as far as incoming allows: ErrWantRead until the
// peer's bytes complete it, nil once it has completed. A failed
// certificate verification is an *Error whose Reason is
// "CERTIFICATE_VERIFY_FAILED", with VerifyCode and VerifyMessage.
func (o *SSLObject) DoHandshake() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.step(bio.OpHandshake, nil).err
}

// Read decrypts what incoming holds into p (Python's read, over
// SSL_read_ex), performing the handshake first if it has not completed.
// With no whole record in incoming it returns ErrWantRead. It returns
// io.EOF (Python's b"") once the peer has closed TLS with close_notify,
// and, as in Python, SSLZeroReturnError instead once Unwrap has sent ours
// too. A transport that ended (incoming.WriteEOF) without close_notify is
// an *Error that errors.Is ErrEOF: there is no SuppressRaggedEOFs here.
//
// An empty p reads nothing and returns 0 and nil, touching nothing. One
// Read returns the data of every whole record incoming holds, as far as p
// has room, where Python's returns one record's at a time.
func (o *SSLObject) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	r := o.step(bio.OpRead, p)
	if r.closed {
		state := 0
		o.ssl(func(ssl *openssl.SSL) { state = ssl.ShutdownState() })
		if state == openssl.ReceivedShutdown {
			return 0, io.EOF
		}
	}
	return r.n, r.err
}

// Write encrypts p into outgoing (Python's write, over SSL_write_ex),
// performing the handshake first if it has not completed, and returns how
// much of p it took: all of it, or, with an error, what it took before.
// Until the handshake has completed that is nothing, with ErrWantRead (even
// for an empty p, as in Python): after feeding incoming, call Write again
// with the rest, p[n:]. An empty p after the handshake writes nothing.
func (o *SSLObject) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	r := o.step(bio.OpWrite, p)
	return r.n, r.err
}

// Unwrap closes TLS (Python's unwrap, over SSL_shutdown): it writes our
// close_notify into outgoing, and returns nil once the peer's has been
// read too, ErrWantRead until then. What the peer sent after its
// close_notify stays in incoming, for whatever the transport carries
// next. The SSLObject remains, as in Python: Read then returns
// SSLZeroReturnError, and Write fails.
func (o *SSLObject) Unwrap() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	// As CPython: SSL_shutdown's 0 (ours sent, the peer's not yet read)
	// earns one more call, which looks for the peer's.
	for sent := false; ; sent = true {
		r := o.step(bio.OpShutdown, nil)
		if r.err != nil {
			return r.err
		}
		if r.ret == 1 || sent {
			return nil
		}
	}
}
