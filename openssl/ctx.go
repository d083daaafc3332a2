package openssl

/*
#include "../cshim/shim.h"
*/
import "C"

import (
	"math"
	"runtime"
	"unsafe"
)

// Method selects the SSL_METHOD a Ctx is built on.
type Method int

// The methods a Ctx can be built on.
const (
	MethodTLS       Method = C.SHIM_METHOD_TLS        // TLS_method
	MethodTLSClient Method = C.SHIM_METHOD_TLS_CLIENT // TLS_client_method
	MethodTLSServer Method = C.SHIM_METHOD_TLS_SERVER // TLS_server_method
	MethodTLSv1     Method = C.SHIM_METHOD_TLSv1      // TLSv1_method
	MethodTLSv1_1   Method = C.SHIM_METHOD_TLSv1_1    // TLSv1_1_method
	MethodTLSv1_2   Method = C.SHIM_METHOD_TLSv1_2    // TLSv1_2_method
)

// Verify modes for SetVerify (SSL_VERIFY_*).
const (
	VerifyNone             = int(C.SSL_VERIFY_NONE)
	VerifyPeer             = int(C.SSL_VERIFY_PEER)
	VerifyFailIfNoPeerCert = int(C.SSL_VERIFY_FAIL_IF_NO_PEER_CERT)
)

// Ctx owns an SSL_CTX. Its methods are not safe for concurrent use with
// each other: the caller serialises them (the root package's Context does).
type Ctx struct{ owned[*C.SSL_CTX] }

// NewCtx creates an SSL_CTX (SSL_CTX_new) with a session id context and
// SSL_MODE_RELEASE_BUFFERS, as Python's SSLContext does.
func NewCtx(m Method) (*Ctx, error) {
	p, err := checkPtr("SSL_CTX_new", nil, func(q *C.shim_errq) *C.SSL_CTX {
		return C.shim_ctx_new(C.int(m), q)
	})
	if err != nil {
		return nil, err
	}
	if err := initCallbacks(p); err != nil {
		C.shim_ctx_free(p)
		return nil, err
	}
	return newOwned[Ctx](p, func(p *C.SSL_CTX) { C.shim_ctx_free(p) }), nil
}

// Free drops this Ctx's reference to the SSL_CTX (SSL_CTX_free). SSL objects
// made from it hold their own references and keep working. Free is
// idempotent; the Ctx must not be used afterwards.
func (c *Ctx) Free() { c.release() }

// Options returns SSL_CTX_get_options.
func (c *Ctx) Options() uint64 {
	defer runtime.KeepAlive(c)
	return uint64(C.SSL_CTX_get_options(c.p))
}

// SetOptions sets bits with SSL_CTX_set_options and returns the new value.
func (c *Ctx) SetOptions(o uint64) uint64 {
	defer runtime.KeepAlive(c)
	return uint64(C.SSL_CTX_set_options(c.p, C.uint64_t(o)))
}

// ClearOptions clears bits with SSL_CTX_clear_options and returns the new value.
func (c *Ctx) ClearOptions(o uint64) uint64 {
	defer runtime.KeepAlive(c)
	return uint64(C.SSL_CTX_clear_options(c.p, C.uint64_t(o)))
}

// SetVerify sets the verify mode without a callback (SSL_CTX_set_verify).
func (c *Ctx) SetVerify(mode int) {
	C.SSL_CTX_set_verify(c.p, C.int(mode), nil)
	runtime.KeepAlive(c)
}

// VerifyMode returns SSL_CTX_get_verify_mode.
func (c *Ctx) VerifyMode() int {
	defer runtime.KeepAlive(c)
	return int(C.SSL_CTX_get_verify_mode(c.p))
}

// SetCipherList calls SSL_CTX_set_cipher_list (TLS 1.2 and below).
func (c *Ctx) SetCipherList(spec string) error {
	return checkString("SSL_CTX_set_cipher_list", c, spec, func(s *C.char, q *C.shim_errq) C.int {
		return C.shim_ctx_set_cipher_list(c.p, s, q)
	})
}

// SetCiphersuites calls SSL_CTX_set_ciphersuites (TLS 1.3).
func (c *Ctx) SetCiphersuites(spec string) error {
	return checkString("SSL_CTX_set_ciphersuites", c, spec, func(s *C.char, q *C.shim_errq) C.int {
		return C.shim_ctx_set_ciphersuites(c.p, s, q)
	})
}

// SetMinProtoVersion calls SSL_CTX_set_min_proto_version; 0 means the lowest
// version the library supports.
func (c *Ctx) SetMinProtoVersion(v int) error { return c.setProtoVersion(false, v) }

// SetMaxProtoVersion calls SSL_CTX_set_max_proto_version; 0 means the
// highest version the library supports.
func (c *Ctx) SetMaxProtoVersion(v int) error { return c.setProtoVersion(true, v) }

func (c *Ctx) setProtoVersion(max bool, v int) error {
	if v < math.MinInt32 || v > math.MaxInt32 {
		return ErrOutOfRange
	}
	fn := "SSL_CTX_set_min_proto_version"
	if max {
		fn = "SSL_CTX_set_max_proto_version"
	}
	return check(fn, c, func(q *C.shim_errq) C.int {
		return C.shim_ctx_set_proto_version(c.p, cBool(max), C.int(v), q)
	})
}

// MinProtoVersion returns SSL_CTX_get_min_proto_version (0: no bound).
func (c *Ctx) MinProtoVersion() int {
	defer runtime.KeepAlive(c)
	return int(C.shim_ctx_get_proto_version(c.p, 0))
}

// MaxProtoVersion returns SSL_CTX_get_max_proto_version (0: no bound).
func (c *Ctx) MaxProtoVersion() int {
	defer runtime.KeepAlive(c)
	return int(C.shim_ctx_get_proto_version(c.p, 1))
}

// UseCertificateChainFile calls SSL_CTX_use_certificate_chain_file. pw is
// consulted only if OpenSSL asks for a password; nil refuses such requests.
func (c *Ctx) UseCertificateChainFile(path string, pw PasswordFunc) error {
	return c.loadWithPassword("SSL_CTX_use_certificate_chain_file", path, pw,
		func(p *C.char, h C.uintptr_t, q *C.shim_errq) C.int {
			return C.shim_ctx_use_certificate_chain_file(c.p, p, h, q)
		})
}

// UsePrivateKeyFile calls SSL_CTX_use_PrivateKey_file for a PEM key of any
// type. pw is consulted only for an encrypted key; nil refuses to decrypt.
func (c *Ctx) UsePrivateKeyFile(path string, pw PasswordFunc) error {
	return c.loadWithPassword("SSL_CTX_use_PrivateKey_file", path, pw,
		func(p *C.char, h C.uintptr_t, q *C.shim_errq) C.int {
			return C.shim_ctx_use_private_key_file(c.p, p, h, q)
		})
}

// PasswordError is returned when the PasswordFunc failed or its password
// did not fit; Queue is what OpenSSL reported after the refusal.
type PasswordError struct {
	Err   error
	Queue *Error
}

// Error returns the PasswordFunc's error text.
func (e *PasswordError) Error() string { return e.Err.Error() }

// Unwrap returns the PasswordFunc's error.
func (e *PasswordError) Unwrap() error { return e.Err }

func (c *Ctx) loadWithPassword(fn, path string, pw PasswordFunc,
	call func(*C.char, C.uintptr_t, *C.shim_errq) C.int) error {
	p, err := cString(path)
	if err != nil {
		return err
	}
	q := getErrq()
	defer putErrq(q)
	var r C.int
	req := &passwordRequest{fn: pw}
	req.with(func(h C.uintptr_t) { r = call(charPtr(p), h, q) })
	runtime.KeepAlive(c)
	if r == 1 {
		return nil
	}
	if req.err != nil {
		return &PasswordError{Err: req.err, Queue: newError(fn, q)}
	}
	return newError(fn, q)
}

// CertKey is a certificate, its chain and a private key read from PEM
// files apart from any Ctx, so that a PasswordFunc runs while the caller
// holds no lock of its own: Ctx.UseCertKey installs it later.
type CertKey struct{ owned[*C.shim_cert_key] }

// CertKeyStage tells which half of a certificate and key failed.
type CertKeyStage int

// The stages of LoadCertKey and UseCertKey.
const (
	StageCert CertKeyStage = 1 // the certificate chain (SSL_CTX_use_certificate_chain_file)
	StageKey  CertKeyStage = 2 // the private key (SSL_CTX_use_PrivateKey_file)
)

// LoadCertKey reads the PEM certificate chain certfile and the PEM private
// key keyfile with OpenSSL's own loaders on a private SSL_CTX at security
// level level, so errors are those of loading them into a Ctx. pw is
// consulted only for encrypted PEM blocks; nil refuses them. A panic in pw
// is raised again once OpenSSL has returned and freed what it opened.
func LoadCertKey(certfile, keyfile string, level int, pw PasswordFunc) (*CertKey, CertKeyStage, error) {
	cp, err := cString(certfile)
	if err != nil {
		return nil, StageCert, err
	}
	kp, err := cString(keyfile)
	if err != nil {
		return nil, StageKey, err
	}
	if level < math.MinInt32 || level > math.MaxInt32 {
		return nil, StageCert, ErrOutOfRange
	}
	q := getErrq()
	defer putErrq(q)
	var p *C.shim_cert_key
	var stage C.int
	req := &passwordRequest{fn: pw}
	req.with(func(h C.uintptr_t) {
		p = C.shim_cert_key_load(charPtr(cp), charPtr(kp), C.int(level), h, &stage, q)
	})
	if p == nil {
		fn := "SSL_CTX_use_certificate_chain_file"
		if CertKeyStage(stage) == StageKey {
			fn = "SSL_CTX_use_PrivateKey_file"
		}
		if req.err != nil {
			return nil, CertKeyStage(stage), &PasswordError{Err: req.err, Queue: newError(fn, q)}
		}
		return nil, CertKeyStage(stage), newError(fn, q)
	}
	return newOwned[CertKey](p, func(p *C.shim_cert_key) { C.shim_cert_key_free(p) }), 0, nil
}

// Free releases the certificate and key; idempotent.
func (ck *CertKey) Free() { ck.release() }

// UseCertKey installs ck as the Ctx's certificate, chain and key
// (SSL_CTX_use_certificate, SSL_CTX_set1_chain, SSL_CTX_use_PrivateKey),
// which take their own references.
func (c *Ctx) UseCertKey(ck *CertKey) (CertKeyStage, error) {
	var stage C.int
	err := check("", []any{c, ck}, func(q *C.shim_errq) C.int {
		return C.shim_ctx_use_cert_key(c.p, ck.p, &stage, q)
	})
	if err == nil {
		return 0, nil
	}
	if e := err.(*Error); e.Func == "" {
		e.Func = "SSL_CTX_use_certificate"
		if CertKeyStage(stage) == StageKey {
			e.Func = "SSL_CTX_use_PrivateKey"
		}
	}
	return CertKeyStage(stage), err
}

// CheckPrivateKey calls SSL_CTX_check_private_key.
func (c *Ctx) CheckPrivateKey() error {
	return check("SSL_CTX_check_private_key", c, func(q *C.shim_errq) C.int {
		return C.shim_ctx_check_private_key(c.p, q)
	})
}

// LoadVerifyLocations calls SSL_CTX_load_verify_locations; "" stands for NULL.
func (c *Ctx) LoadVerifyLocations(file, dir string) error {
	f, err := cOptString(file)
	if err != nil {
		return err
	}
	d, err := cOptString(dir)
	if err != nil {
		return err
	}
	return check("SSL_CTX_load_verify_locations", c, func(q *C.shim_errq) C.int {
		return C.shim_ctx_load_verify_locations(c.p, charPtr(f), charPtr(d), q)
	})
}

// AddCAData adds every certificate of data (PEM_read_bio_X509 or d2i_X509_bio
// in a loop, then X509_STORE_add_cert) to the context's store, as Python's
// cadata does. It returns how many were read; the end of the input is not an
// error, but nothing read is.
func (c *Ctx) AddCAData(data []byte, pem bool) (int, error) {
	var loaded C.int
	call := "d2i_X509_bio"
	if pem {
		call = "PEM_read_bio_X509"
	}
	err := check(call, []any{c, data}, func(q *C.shim_errq) C.int {
		return C.shim_ctx_add_ca_data(c.p, unsafe.Pointer(bytePtr(data)), C.size_t(len(data)), cBool(pem), &loaded, q)
	})
	return int(loaded), err
}

// SetDefaultVerifyPaths calls SSL_CTX_set_default_verify_paths.
func (c *Ctx) SetDefaultVerifyPaths() error {
	return check("SSL_CTX_set_default_verify_paths", c, func(q *C.shim_errq) C.int {
		return C.shim_ctx_set_default_verify_paths(c.p, q)
	})
}

// LoadDHParams reads PEM Diffie-Hellman parameters (PEM_read_DHparams) and
// makes them the server's for DHE suites (SSL_CTX_set_tmp_dh). opened is
// false when the file could not be opened; the error then carries errno.
func (c *Ctx) LoadDHParams(path string) (opened bool, err error) {
	var op C.int
	err = checkString("PEM_read_DHparams", c, path, func(p *C.char, q *C.shim_errq) C.int {
		return C.shim_ctx_load_dh_params(c.p, p, &op, q)
	})
	return err == nil || op != 0, err
}

// SetECDHCurve limits the key-exchange groups to the curve with OpenSSL's
// short name name (OBJ_sn2nid, then SSL_CTX_set1_groups). known is false
// when OpenSSL has no such curve.
func (c *Ctx) SetECDHCurve(name string) (known bool, err error) {
	var k C.int
	err = checkString("SSL_CTX_set1_groups", c, name, func(n *C.char, q *C.shim_errq) C.int {
		return C.shim_ctx_set_ecdh_curve(c.p, n, &k, q)
	})
	return err == nil || k != 0, err
}

// SetALPNProtos sets the protocols offered as a client (SSL_CTX_set_alpn_protos,
// wire format) and accepted as a server (a selection callback preferring the
// order of wire). SSL objects created later get a copy.
func (c *Ctx) SetALPNProtos(wire []byte) error {
	return check("SSL_CTX_set_alpn_protos", c, func(q *C.shim_errq) C.int {
		return C.shim_ctx_set_alpn(c.p, bytePtr(wire), C.size_t(len(wire)), q)
	})
}

// SessionStatNames are the SSL_CTX_sess_* counters, in SessionStats order.
var SessionStatNames = [...]string{"number", "connect", "connect_good", "connect_renegotiate",
	"accept", "accept_good", "accept_renegotiate", "hits", "misses", "timeouts", "cache_full"}

// SessionStats returns the SSL_CTX_sess_* counters in SessionStatNames order.
func (c *Ctx) SessionStats() [len(SessionStatNames)]int64 {
	var s [len(SessionStatNames)]int64
	for i := range s {
		s[i] = int64(C.shim_ctx_sess_stat(c.p, C.int(i)))
	}
	runtime.KeepAlive(c)
	return s
}

// VerifyFlags returns X509_VERIFY_PARAM_get_flags of the context's parameters.
func (c *Ctx) VerifyFlags() uint64 {
	defer runtime.KeepAlive(c)
	return uint64(C.shim_ctx_get_verify_flags(c.p))
}

// SetVerifyFlags sets and clears X509_V_FLAG_* bits (X509_VERIFY_PARAM_set_flags/clear_flags).
func (c *Ctx) SetVerifyFlags(set, clear uint64) error {
	return check("X509_VERIFY_PARAM_set_flags", c, func(q *C.shim_errq) C.int {
		return C.shim_ctx_set_verify_flags(c.p, C.ulong(set), C.ulong(clear), q)
	})
}

// SetHostFlags calls X509_VERIFY_PARAM_set_hostflags on the context's parameters.
func (c *Ctx) SetHostFlags(flags uint) {
	C.shim_ctx_set_hostflags(c.p, C.uint(flags))
	runtime.KeepAlive(c)
}

// Host-check flags for SetHostFlags.
const (
	HostFlagNoPartialWildcards  = uint(C.X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS)
	HostFlagNeverCheckSubject   = uint(C.X509_CHECK_FLAG_NEVER_CHECK_SUBJECT)
	HostFlagMultiLabelWildcards = uint(C.X509_CHECK_FLAG_MULTI_LABEL_WILDCARDS)
)

// StoreCerts returns the certificates in the context's X509_STORE, in the
// store's order, and how many CRLs it holds, read under the store's lock.
func (c *Ctx) StoreCerts() ([]*X509, int, error) {
	var crls C.int
	sk, err := checkPtr("X509_STORE_get0_objects", c, func(q *C.shim_errq) *C.struct_stack_st_X509 {
		return C.shim_ctx_store_certs(c.p, &crls, q)
	})
	if err != nil {
		return nil, 0, err
	}
	return takeX509Stack(sk), int(crls), nil
}

// Ciphers returns the cipher list an SSL made from this context would use
// (SSL_get_ciphers), the list Python's get_ciphers describes.
func (c *Ctx) Ciphers() ([]Cipher, error) {
	ssl, err := checkPtr("SSL_new", c, func(q *C.shim_errq) *C.SSL {
		return C.shim_ctx_cipher_probe(c.p, q)
	})
	if err != nil {
		return nil, err
	}
	defer C.shim_ssl_free(ssl)
	n := int(C.shim_cipher_count(ssl))
	out := make([]Cipher, n)
	for i := range out {
		out[i] = Cipher{p: C.shim_cipher_at(ssl, C.int(i))}
	}
	return out, nil
}

// SecurityLevel returns SSL_CTX_get_security_level.
func (c *Ctx) SecurityLevel() int {
	defer runtime.KeepAlive(c)
	return int(C.shim_ctx_security_level(c.p))
}

// SetNumTickets calls SSL_CTX_set_num_tickets (TLS 1.3 tickets a server
// sends). A negative n is ErrOutOfRange.
func (c *Ctx) SetNumTickets(n int) error {
	if n < 0 {
		return ErrOutOfRange
	}
	return check("SSL_CTX_set_num_tickets", c, func(q *C.shim_errq) C.int {
		return C.shim_ctx_set_num_tickets(c.p, C.size_t(n), q)
	})
}

// NumTickets returns SSL_CTX_get_num_tickets.
func (c *Ctx) NumTickets() int {
	defer runtime.KeepAlive(c)
	return int(C.shim_ctx_get_num_tickets(c.p))
}

func cBool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
