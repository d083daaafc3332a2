package ssl

import (
	"sync"

	"github.com/sslctx/ssl/internal/bio"
	"github.com/sslctx/ssl/openssl"
)

// sslEngine drives an SSL object for the pump, and words its failures as
// Python does.
type sslEngine struct {
	ssl      *openssl.SSL
	hostname string // what a failed hostname check names
	// settings is the Context's lock. An SSL reads its SSL_CTX's cipher
	// lists in place whenever it handshakes (renegotiation too, inside a
	// read or write), and the setters replace or rewrite them in place:
	// every operation but a plain flush holds it for reading.
	settings *sync.RWMutex
	// psk answers the SSL's PSK callbacks (nil without them); cause is a
	// callback's error for the failure it caused. Both are used under the
	// pump's lock, as the SSL is.
	psk   *pskConn
	cause error
	// origin is the Context the SSL was made from, whose SNI callback
	// runs for a ClientHello that meets a Context without one.
	origin *Context
}

// engineOps maps the pump's operations to the shim's.
var engineOps = [...]openssl.Op{
	bio.OpNone:      openssl.OpNone,
	bio.OpHandshake: openssl.OpHandshake,
	bio.OpRead:      openssl.OpRead,
	bio.OpWrite:     openssl.OpWrite,
	bio.OpShutdown:  openssl.OpShutdown,
}

func (e *sslEngine) Do(op bio.Op, in []byte, eof bool, buf, out []byte) bio.Result {
	if op != bio.OpNone {
		e.settings.RLock()
	}
	r := e.ssl.Do(engineOps[op], in, eof, buf, out)
	if op != bio.OpNone {
		e.settings.RUnlock()
	}
	res := bio.Result{Ret: r.Ret, N: r.N, In: r.In, Out: r.Out, OutLeft: r.OutLeft,
		// A read can go on without input if something is held inside, or
		// if the peer's close_notify has been read.
		Holding: r.Buffered || r.Shutdown&openssl.ReceivedShutdown != 0}
	switch r.SSLError {
	case openssl.ErrorNone:
		res.Status = bio.Done
	case openssl.ErrorWantRead:
		res.Status = bio.WantRead
	case openssl.ErrorZeroReturn:
		res.Status = bio.Closed
	case openssl.ErrorWantClientHello:
		// A server stopped at a ClientHello for the SNI callback, which the
		// Socket runs with no lock held before it goes on.
		res.Status = bio.Failed
		res.Err = errSNIPending
	default:
		res.Status = bio.Failed
		err := operationError(e.ssl, r, e.hostname)
		if cause := e.takeCause(); cause != nil {
			err.cause = cause
		}
		res.Err = err
	}
	if op != bio.OpNone {
		// A callback's error outlives no operation: a handshake that went
		// on without what the callback refused owes nothing to it later.
		e.takeCause()
	}
	return res
}

func (e *sslEngine) Release() { e.ssl.Free() }

// takeCause returns and forgets the error of the callbacks that ran in, or
// before, the last operation.
func (e *sslEngine) takeCause() error {
	cause := e.cause
	if e.psk != nil && e.psk.err != nil {
		cause, e.psk.err = e.psk.err, nil
	}
	e.cause = nil
	return cause
}
