package ssl

import (
	"github.com/sslctx/ssl/internal/bio"
	"github.com/sslctx/ssl/openssl"
)

// sslEngine drives an SSL object for the pump, and words its failures as
// Python does.
type sslEngine struct {
	ssl *openssl.SSL
	// failure turns a failed operation into the error Python would raise;
	// it runs under the pump's engine lock, so it may ask the SSL more.
	failure func(*openssl.SSL, openssl.Result) error
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
	r := e.ssl.Do(engineOps[op], in, eof, buf, out)
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
		res.Err = e.failure(e.ssl, r)
	}
	return res
}

func (e *sslEngine) Release() { e.ssl.Free() }
