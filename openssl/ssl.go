package openssl

/*
#include "../cshim/shim.h"
*/
import "C"

import (
	"crypto/tls"
	"reflect"
	"runtime"
	"unsafe"
)

// Op is an SSL operation run by SSL.Do.
type Op int

// The operations of SSL.Do.
const (
	OpNone      Op = C.SHIM_OP_NONE      // only feed input and collect output
	OpHandshake Op = C.SHIM_OP_HANDSHAKE // SSL_do_handshake
	OpRead      Op = C.SHIM_OP_READ      // SSL_read_ex
	OpWrite     Op = C.SHIM_OP_WRITE     // SSL_write_ex
	OpShutdown  Op = C.SHIM_OP_SHUTDOWN  // SSL_shutdown
)

// SSL owns an SSL object whose reads and writes go through a memory BIO of
// the shim's (a "pipe") that works on the caller's buffers during each Do:
// it never touches a file descriptor, and holds no buffer while idle. Its methods are not safe for concurrent
// use; the caller serialises them.
type SSL struct {
	owned[*C.SSL]
	io C.shim_io // written by every Do; kept here so Do allocates nothing
}

// NewSSL creates an SSL from c (SSL_new) with a pipe BIO, in client
// (SSL_set_connect_state) or server (SSL_set_accept_state) mode.
func (c *Ctx) NewSSL(server bool) (*SSL, error) {
	p, err := checkPtr("SSL_new", c, func(q *C.shim_errq) *C.SSL {
		return C.shim_ssl_new(c.p, cBool(server), q)
	})
	if err != nil {
		return nil, err
	}
	return newOwned[SSL](p, func(p *C.SSL) { C.shim_ssl_free(p) }), nil
}

// Free frees the SSL and its BIOs (SSL_free); idempotent.
func (s *SSL) Free() { s.release() }

// SetHostname sets SNI (unless name is an IP literal) and, with check, the
// name or address the peer's certificate must match (X509_VERIFY_PARAM_set1_host
// or X509_VERIFY_PARAM_set1_ip), as Python's _ssl_configure_hostname.
func (s *SSL) SetHostname(name string, checkHost bool) (isIP bool, err error) {
	n, err := cString(name)
	if err != nil {
		return false, err
	}
	var ip, failed C.int
	err = check("", s, func(q *C.shim_errq) C.int {
		return C.shim_ssl_set_hostname(s.p, charPtr(n), cBool(checkHost), &ip, &failed, q)
	})
	if e, ok := err.(*Error); ok && e.Func == "" {
		e.Func = hostnameCalls[failed]
	}
	return ip != 0, err
}

// hostnameCalls names the call shim_ssl_set_hostname says failed: the
// verify parameters' setters leave no error queue to name themselves.
var hostnameCalls = map[C.int]string{
	C.SHIM_HOSTNAME_SNI:  "SSL_set_tlsext_host_name",
	C.SHIM_HOSTNAME_HOST: "X509_VERIFY_PARAM_set1_host",
	C.SHIM_HOSTNAME_IP:   "X509_VERIFY_PARAM_set1_ip",
}

// Result is the outcome of one Do.
type Result struct {
	Ret      int    // return value of the operation
	SSLError int    // SSL_get_error, or ErrorNone
	N        int    // plaintext bytes read or written
	In       int    // bytes of in the SSL took; the rest is still the caller's
	Out      int    // ciphertext bytes placed in out
	OutLeft  int    // ciphertext waiting in the BIO for a later out
	Shutdown int    // SSL_get_shutdown bits
	Buffered bool   // SSL_has_pending, or a failure held for the next operation
	Err      *Error // the error queue when the operation left one
}

// Do runs op with buf (the plaintext to write, or the space to read into),
// letting the SSL read the peer's ciphertext from in (eof once the
// transport has ended) and write ciphertext for the peer into out — one C
// call. Result.In says how much of in was taken; what is left must be
// offered again, first, to the next Do. Nothing is allocated unless the
// error queue holds something.
func (s *SSL) Do(op Op, in []byte, eof bool, buf []byte, out []byte) Result {
	C.shim_ssl_io(s.p, C.int(op), bytePtr(in), C.size_t(len(in)), cBool(eof),
		bytePtr(buf), C.size_t(len(buf)), bytePtr(out), C.size_t(len(out)), &s.io)
	runtime.KeepAlive(s)
	r := Result{
		Ret:      int(s.io.ret),
		SSLError: int(s.io.ssl_error),
		N:        int(s.io.n),
		In:       int(s.io.in_used),
		Out:      int(s.io.out_len),
		OutLeft:  int(s.io.out_left),
		Shutdown: int(s.io.shutdown),
		Buffered: s.io.buffered != 0,
	}
	if s.io.errq != 0 {
		q := C.shim_io_take_errq(&s.io)
		r.Err = newError(opName(op), q)
		C.shim_free(unsafe.Pointer(q))
	} else if r.SSLError == ErrorSyscall || r.SSLError == ErrorSSL {
		r.Err = &Error{Func: opName(op)}
	}
	return r
}

func opName(op Op) string {
	switch op {
	case OpHandshake:
		return "SSL_do_handshake"
	case OpRead:
		return "SSL_read_ex"
	case OpWrite:
		return "SSL_write_ex"
	case OpShutdown:
		return "SSL_shutdown"
	}
	return "BIO_write"
}

// VerifyResult returns SSL_get_verify_result.
func (s *SSL) VerifyResult() int {
	defer runtime.KeepAlive(s)
	return int(C.shim_ssl_get_verify_result(s.p))
}

// VerifyMode returns SSL_get_verify_mode.
func (s *SSL) VerifyMode() int {
	defer runtime.KeepAlive(s)
	return int(C.SSL_get_verify_mode(s.p))
}

// PeerCertificate returns SSL_get1_peer_certificate, or nil.
func (s *SSL) PeerCertificate() *X509 {
	p := C.SSL_get1_peer_certificate(s.p)
	runtime.KeepAlive(s)
	if p == nil {
		return nil
	}
	return newX509(p)
}

// PeerCertChain returns SSL_get_peer_cert_chain with its own references: on
// a client it starts with the peer's certificate, on a server it does not.
func (s *SSL) PeerCertChain() []*X509 {
	sk := C.shim_ssl_peer_chain(s.p)
	runtime.KeepAlive(s)
	if sk == nil {
		return nil
	}
	return takeX509Stack(sk)
}

// VerifiedChain returns SSL_get0_verified_chain with its own references: the
// chain from the peer's certificate to a trusted root that verification
// built, or nil when no verification succeeded.
func (s *SSL) VerifiedChain() []*X509 {
	sk := C.shim_ssl_verified_chain(s.p)
	runtime.KeepAlive(s)
	if sk == nil {
		return nil
	}
	return takeX509Stack(sk)
}

// CurrentCipher returns SSL_get_current_cipher; Valid is false before a handshake.
func (s *SSL) CurrentCipher() Cipher {
	defer runtime.KeepAlive(s)
	return Cipher{p: C.SSL_get_current_cipher(s.p)}
}

// SharedCiphers returns Python's shared_ciphers list: the server's ciphers
// that the client offered; ok is false on a client.
func (s *SSL) SharedCiphers() (ciphers []Cipher, ok bool) {
	n := int(C.shim_ssl_shared_ciphers(s.p, nil, 0))
	if n < 0 {
		runtime.KeepAlive(s)
		return nil, false
	}
	ptrs := make([]*C.SSL_CIPHER, n)
	if n > 0 {
		n = int(C.shim_ssl_shared_ciphers(s.p, &ptrs[0], C.int(n)))
	}
	runtime.KeepAlive(s)
	ciphers = make([]Cipher, 0, n)
	for _, p := range ptrs[:min(n, len(ptrs))] {
		ciphers = append(ciphers, Cipher{p: p})
	}
	return ciphers, true
}

// Version returns SSL_get_version: "TLSv1.3".
func (s *SSL) Version() string {
	defer runtime.KeepAlive(s)
	return goStringOrEmpty(C.SSL_get_version(s.p))
}

// InitFinished returns SSL_is_init_finished: the handshake has completed
// and no other is under way.
func (s *SSL) InitFinished() bool {
	defer runtime.KeepAlive(s)
	return C.SSL_is_init_finished(s.p) == 1
}

// ShutdownState returns SSL_get_shutdown: SentShutdown and ReceivedShutdown bits.
func (s *SSL) ShutdownState() int {
	defer runtime.KeepAlive(s)
	return int(C.SSL_get_shutdown(s.p))
}

// ProtocolVersion returns SSL_version: the wire value of the negotiated version.
func (s *SSL) ProtocolVersion() int {
	defer runtime.KeepAlive(s)
	return int(C.SSL_version(s.p))
}

// ALPNSelected returns SSL_get0_alpn_selected, or "".
func (s *SSL) ALPNSelected() string {
	var data *C.uchar
	var n C.uint
	C.shim_ssl_alpn_selected(s.p, &data, &n)
	defer runtime.KeepAlive(s)
	if data == nil || n == 0 {
		return ""
	}
	return C.GoStringN((*C.char)(unsafe.Pointer(data)), C.int(n))
}

// ServerName returns SSL_get_servername: the SNI name sent or received.
func (s *SSL) ServerName() string {
	defer runtime.KeepAlive(s)
	return goStringOrEmpty(C.shim_ssl_servername(s.p))
}

// Pending returns SSL_pending: decrypted bytes ready to be read.
func (s *SSL) Pending() int {
	defer runtime.KeepAlive(s)
	return int(C.SSL_pending(s.p))
}

// SessionReused returns SSL_session_reused.
func (s *SSL) SessionReused() bool {
	defer runtime.KeepAlive(s)
	return C.SSL_session_reused(s.p) == 1
}

// IsServer returns SSL_is_server.
func (s *SSL) IsServer() bool {
	defer runtime.KeepAlive(s)
	return C.SSL_is_server(s.p) == 1
}

// Session returns SSL_get1_session, or nil when there is none.
func (s *SSL) Session() *Session {
	p := C.SSL_get1_session(s.p)
	runtime.KeepAlive(s)
	if p == nil {
		return nil
	}
	return newSession(p)
}

// SetSession offers sess for resumption (SSL_set_session), before the handshake.
func (s *SSL) SetSession(sess *Session) error {
	return check("SSL_set_session", []any{s, sess}, func(q *C.shim_errq) C.int {
		return C.shim_ssl_set_session(s.p, sess.p, q)
	})
}

// ExportKeyingMaterial returns length bytes from SSL_export_keying_material
// (RFC 5705; RFC 8446 section 7.5 under TLS 1.3), with context used only
// when it is not nil, as crypto/tls does.
func (s *SSL) ExportKeyingMaterial(label string, context []byte, length int) ([]byte, error) {
	out := make([]byte, length)
	lb := []byte(label)
	use := C.int(0)
	if context != nil {
		use = 1
	}
	err := check("SSL_export_keying_material", s, func(q *C.shim_errq) C.int {
		return C.shim_ssl_export_keying_material(s.p, bytePtr(out), C.size_t(len(out)),
			bytePtr(lb), C.size_t(len(lb)), bytePtr(context), C.size_t(len(context)), use, q)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ExtendedMasterSecret reports SSL_get_extms_support: whether the
// connection uses the extended master secret of RFC 7627.
func (s *SSL) ExtendedMasterSecret() bool {
	defer runtime.KeepAlive(s)
	return C.shim_ssl_extms(s.p) == 1
}

// GroupID returns the key exchange group as its TLS code point, the value
// of crypto/tls's CurveID (SSL_get_negotiated_group, mapped from OpenSSL's
// NID); 0 when there is none or OpenSSL cannot tell.
func (s *SSL) GroupID() uint16 {
	defer runtime.KeepAlive(s)
	return uint16(C.shim_ssl_group_id(s.p))
}

// exporterFunc is the type of tls.ConnectionState's keying material exporter.
type exporterFunc = func(label string, context []byte, length int) ([]byte, error)

// SetExporter makes st.ExportKeyingMaterial call f. crypto/tls keeps that
// function in an unexported field, set only by its own connections, and
// its ExportKeyingMaterial calls it unchecked: a ConnectionState built
// anywhere else panics there. It reports false, leaving st as it is, when
// this Go's crypto/tls has no such field of that type.
func SetExporter(st *tls.ConnectionState, f exporterFunc) bool {
	v := reflect.ValueOf(st).Elem().FieldByName("ekm")
	if !v.IsValid() || v.Type() != reflect.TypeFor[exporterFunc]() {
		return false
	}
	reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem().Set(reflect.ValueOf(f))
	return true
}
