package openssl

/*
#include "../cshim/alpn.h"
*/
import "C"

import "runtime"

// SetALPNProtos sets the protocols this client SSL offers, in wire format
// (SSL_set_alpn_protos), in place of those it took from its context.
func (s *SSL) SetALPNProtos(wire []byte) error {
	return check("SSL_set_alpn_protos", s, func(q *C.shim_errq) C.int {
		return C.shim_ssl_set_alpn(s.p, bytePtr(wire), C.size_t(len(wire)), q)
	})
}

// ContextHasALPN reports whether the context this SSL was made from had
// ALPN protocols set (Ctx.SetALPNProtos) at the time.
func (s *SSL) ContextHasALPN() bool {
	n := C.shim_ssl_ctx_alpn_len(s.p)
	runtime.KeepAlive(s)
	return n > 0
}
