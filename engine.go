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
	default:
		res.Status = bio.Failed
		res.Err = operationError(e.ssl, r, e.hostname)
	}
	return res
}

func (e *sslEngine) Release() { e.ssl.Free() }
