package openssl

/*
#include "../cshim/callbacks.h"
*/
import "C"

import (
	"runtime"
	"runtime/cgo"
	"syscall"
	"unsafe"
)

func init() {
	if C.shim_cb_init() == 0 {
		panic("openssl: cannot allocate ex_data indices for callbacks")
	}
}

// initCallbacks gives a new SSL_CTX the shim's callback state.
func initCallbacks(p *C.SSL_CTX) error {
	return check("SSL_CTX_set_ex_data", nil, func(q *C.shim_errq) C.int {
		return C.shim_cb_ctx_init(p, q)
	})
}

// HasPSK reports whether OpenSSL was built with pre-shared key support.
var HasPSK = C.shim_cb_has_psk() == 1

// LiveCallbackObjects reports the per-SSL callback records and open key log
// files not yet freed, for leak tests.
func LiveCallbackObjects() (records, keylogs int64) {
	return int64(C.shim_live_cb_ssl()), int64(C.shim_live_keylog())
}

// SetSNI switches server name indication on or off: with it on, a server
// handshake stops at each ClientHello (SSL_ERROR_WANT_CLIENT_HELLO_CB) until
// SSL.DecideSNI gives a verdict.
func (c *Ctx) SetSNI(on bool) {
	C.shim_cb_ctx_set_sni(c.p, cBool(on))
	runtime.KeepAlive(c)
}

// maxHostName is TLSEXT_MAXLEN_host_name.
const maxHostName = 255

// SNIPending returns the server name of a handshake stopped for the SNI
// verdict ("" when the client sent none); ok is false when none is. origin
// says the verdict is for the callback of the context the SSL was created
// from: its current one has SNI off, and OpenSSL falls back on the first.
func (s *SSL) SNIPending() (name string, origin, ok bool) {
	var buf [maxHostName + 1]byte
	var o C.int
	n := C.shim_cb_sni_pending(s.p, (*C.char)(unsafe.Pointer(&buf[0])), C.int(len(buf)), &o)
	runtime.KeepAlive(s)
	if n < 0 {
		return "", false, false
	}
	return string(buf[:n]), o != 0, true
}

// DecideSNI records the verdict on a pending server name: fail ends the
// handshake with the fatal alert alert when it resumes.
func (s *SSL) DecideSNI(fail bool, alert int) {
	if alert < 0 || alert > 255 {
		alert = AlertInternalError
	}
	C.shim_cb_sni_decide(s.p, cBool(fail), C.int(alert))
	runtime.KeepAlive(s)
}

// SetCtx moves the SSL to another SSL_CTX (SSL_set_SSL_CTX): its
// certificate and key, session id context and, for a server's selection,
// ALPN protocols.
func (s *SSL) SetCtx(c *Ctx) error {
	return check("SSL_set_SSL_CTX", []any{s, c}, func(q *C.shim_errq) C.int {
		return C.shim_cb_ssl_set_ctx(s.p, c.p, q)
	})
}

// SetKeylogFile appends NSS key log lines for the handshakes of this
// context's SSL objects to path ("" stops). The file is opened before the
// old one is replaced; on failure logging is off and errno says why.
func (c *Ctx) SetKeylogFile(path string) (syscall.Errno, error) {
	p, err := cOptString(path)
	if err != nil {
		return 0, err
	}
	var e C.int
	r := C.shim_cb_ctx_set_keylog(c.p, charPtr(p), &e)
	runtime.KeepAlive(c)
	if r != 1 {
		return syscall.Errno(e), syscall.Errno(e)
	}
	return 0, nil
}

// EnablePostHandshakeAuth turns on TLS 1.3 post-handshake authentication
// for this SSL, as Python does for a context with post_handshake_auth: a
// client offers it (SSL_set_post_handshake_auth); a server that verifies
// peers asks for certificates only after the handshake
// (SSL_VERIFY_POST_HANDSHAKE).
func (s *SSL) EnablePostHandshakeAuth(server bool) {
	C.shim_cb_ssl_enable_pha(s.p, cBool(server))
	runtime.KeepAlive(s)
}

// VerifyClientPostHandshake calls SSL_verify_client_post_handshake: the
// next operation sends the client a CertificateRequest.
func (s *SSL) VerifyClientPostHandshake() error {
	return check("SSL_verify_client_post_handshake", s, func(q *C.shim_errq) C.int {
		return C.shim_cb_verify_client_post_handshake(s.p, q)
	})
}

// SetPSKClient installs or removes the client PSK callback
// (SSL_CTX_set_psk_client_callback); SSL objects created later copy it.
func (c *Ctx) SetPSKClient(on bool) {
	C.shim_cb_ctx_set_psk_client(c.p, cBool(on))
	runtime.KeepAlive(c)
}

// SetPSKServer sets the identity hint ("" for none,
// SSL_CTX_use_psk_identity_hint) and installs or removes the server PSK
// callback (SSL_CTX_set_psk_server_callback).
func (c *Ctx) SetPSKServer(on bool, hint string) error {
	h, err := cOptString(hint)
	if err != nil {
		return err
	}
	return check("SSL_CTX_use_psk_identity_hint", c, func(q *C.shim_errq) C.int {
		return C.shim_cb_ctx_set_psk_server(c.p, cBool(on), charPtr(h), q)
	})
}

// PSKCallbacks answers OpenSSL's PSK callbacks for one SSL. The methods run
// inside the SSL operation, on its goroutine. A nil psk refuses the
// connection. Results longer than the limits are refused too.
type PSKCallbacks interface {
	// ClientPSK is asked by a client for the identity and key to use; hint
	// is the server's identity hint (nil when there is none, and always
	// under TLS 1.3).
	ClientPSK(hint []byte, maxIdentity, maxPSK int) (identity string, psk []byte)
	// ServerPSK is asked by a server for the key of identity.
	ServerPSK(identity []byte, maxPSK int) (psk []byte)
}

// SetPSKCallbacks makes cb answer this SSL's PSK callbacks until the SSL is
// freed.
func (s *SSL) SetPSKCallbacks(cb PSKCallbacks) error {
	h := cgo.NewHandle(cb)
	err := check("SSL_set_ex_data", s, func(q *C.shim_errq) C.int {
		return C.shim_cb_ssl_set_handle(s.p, C.uintptr_t(h), q)
	})
	if err != nil {
		h.Delete()
	}
	return err
}

// ClearSessionIDContext empties the SSL's session id context
// (SSL_set_session_id_context with none), which only a server uses.
func (s *SSL) ClearSessionIDContext() {
	C.SSL_set_session_id_context(s.p, nil, 0)
	runtime.KeepAlive(s)
}
