package ssl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sync"

	"github.com/sslctx/ssl/openssl"
)

// pythonDefaultCiphers is the cipher string modern CPython gives
// PROTOCOL_TLS_CLIENT and PROTOCOL_TLS_SERVER contexts
// (PY_SSL_DEFAULT_CIPHER_STRING): forward-secret AEAD and CBC suites only.
const pythonDefaultCiphers = "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM"

// Context holds the settings shared by many TLS connections: certificates,
// trusted CAs, ciphers, protocol versions and verification. It is Python's
// SSLContext over an OpenSSL SSL_CTX.
//
// A Context is safe for concurrent use: any number of goroutines may wrap
// sockets from it while others change its settings, as in Python. Most
// settings apply to sockets wrapped after they changed; the cipher lists,
// which OpenSSL shares between an SSL_CTX and its SSL objects, also reach
// sockets whose handshake has not run yet, as in Python. A setter waits for
// the TLS operations under way on the Context's sockets. A Context is freed
// by a cleanup when it becomes unreachable; Close frees it at once.
type Context struct {
	// mu orders setters (write lock) against wraps, reads and the sockets'
	// TLS operations (read lock): OpenSSL copies most of an SSL_CTX's
	// settings into each SSL_new, and must not see them change half-way,
	// and reads its cipher lists in place during every handshake.
	mu            sync.RWMutex
	ctx           *openssl.Ctx // nil once closed
	protocol      Protocol
	checkHostname bool
	verifyMode    VerifyMode
	cb            callbackSettings // the callbacks and switches of callbacks.go
}

// NewContext creates a Context for protocol p (Python's
// SSLContext(protocol), over SSL_CTX_new with the matching method).
//
// Defaults follow Python's rule: ProtocolTLSClient verifies certificates
// (CertRequired) and hostnames, ProtocolTLSClient and ProtocolTLSServer
// require TLS 1.2 and use CPython's cipher string; the other protocols start
// with CertNone, no minimum version and OpenSSL's default ciphers. Every
// context gets the option bits CPython sets (Options reports the same value
// Python's SSLContext.options does on this OpenSSL). A protocol this OpenSSL
// lacks (SSLv2, SSLv3) returns ErrUnsupportedProtocol.
func NewContext(p Protocol) (*Context, error) {
	m, ok := p.method()
	if !ok {
		return nil, &protocolError{p}
	}
	oc, err := openssl.NewCtx(m)
	if err != nil {
		var oe *openssl.Error
		if errors.As(err, &oe) {
			return nil, messageError("failed to allocate SSL context", oe)
		}
		return nil, err
	}
	c := &Context{ctx: oc, protocol: p}
	oc.SetOptions(uint64(defaultOptions))
	// Python: no partial wildcards ("f*.example.com") in hostname checks,
	// and trusted certificates first when building chains.
	oc.SetHostFlags(openssl.HostFlagNoPartialWildcards)
	if err := oc.SetVerifyFlags(openssl.VFlagTrustedFirst, 0); err != nil {
		oc.Free()
		return nil, openSSLError(err)
	}
	if p == ProtocolTLSClient || p == ProtocolTLSServer {
		if err := oc.SetCipherList(pythonDefaultCiphers); err != nil {
			oc.Free()
			return nil, messageError("No cipher can be selected.", asOpenSSL(err))
		}
		if err := oc.SetMinProtoVersion(int(TLSv1_2)); err != nil {
			oc.Free()
			return nil, openSSLError(err)
		}
	}
	if p == ProtocolTLSClient {
		c.setVerifyModeLocked(CertRequired)
		c.checkHostname = true
	} else {
		c.setVerifyModeLocked(CertNone)
	}
	return c, nil
}

type protocolError struct{ p Protocol }

func (e *protocolError) Error() string {
	return "ssl: invalid or unsupported protocol version " + e.p.String()
}

func (e *protocolError) Is(target error) bool {
	return target == ErrUnsupportedProtocol || target == ErrInvalidArgument
}

func asOpenSSL(err error) *openssl.Error {
	var oe *openssl.Error
	errors.As(err, &oe)
	return oe
}

// CreateDefaultContext returns a Context with secure defaults for purpose,
// as Python's create_default_context. PurposeServerAuth gives a client
// context (ProtocolTLSClient) that verifies servers against the system's CA
// certificates (SSL_CTX_set_default_verify_paths) and checks hostnames.
// PurposeClientAuth gives a server context (ProtocolTLSServer) that does not
// ask for client certificates until SetVerifyMode says so. Both verify with
// VerifyX509TrustedFirst, VerifyX509Strict and VerifyX509PartialChain, as
// CPython 3.13 does.
func CreateDefaultContext(purpose Purpose) (*Context, error) {
	var c *Context
	var err error
	switch purpose {
	case PurposeServerAuth:
		if c, err = NewContext(ProtocolTLSClient); err != nil {
			return nil, err
		}
		// Python's load_default_certs: missing system paths are not an error.
		if err := c.SetDefaultVerifyPaths(); err != nil {
			return nil, err
		}
	case PurposeClientAuth:
		if c, err = NewContext(ProtocolTLSServer); err != nil {
			return nil, err
		}
	default:
		return nil, invalidArgument("unknown purpose %d", int(purpose))
	}
	// CPython 3.13: certificates that break RFC 5280 are refused, and a
	// trusted intermediate may end a chain, for both purposes.
	if err := c.SetVerifyFlags(c.VerifyFlags() | VerifyX509Strict | VerifyX509PartialChain); err != nil {
		return nil, err
	}
	if err := keylogFromEnvironment(c); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// read runs fn with the SSL_CTX under the read lock, or returns ErrClosed.
func (c *Context) read(fn func(*openssl.Ctx) error) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.ctx == nil {
		return ErrClosed
	}
	return fn(c.ctx)
}

// ctxValue returns get of the SSL_CTX, read under the read lock: the
// getters of Context's attributes kept by OpenSSL. After Close it is T's
// zero value.
func ctxValue[T any](c *Context, get func(*openssl.Ctx) T) T {
	var v T
	c.read(func(oc *openssl.Ctx) error { v = get(oc); return nil })
	return v
}

// lockedField returns *field, a field of c, read under c's read lock: the
// getters of what the Context keeps on the Go side, which still answer
// after Close.
func lockedField[T any](c *Context, field *T) T {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return *field
}

// write runs fn with the SSL_CTX under the write lock, or returns ErrClosed.
func (c *Context) write(fn func(*openssl.Ctx) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx == nil {
		return ErrClosed
	}
	return fn(c.ctx)
}

// Protocol returns the protocol the Context was created for (Python's
// SSLContext.protocol).
func (c *Context) Protocol() Protocol { return c.protocol }

// VerifyMode returns how peers' certificates are verified (Python's
// SSLContext.verify_mode): the mode last given to SSL_CTX_set_verify, kept
// on the Go side so that sockets still read it after Close.
func (c *Context) VerifyMode() VerifyMode { return lockedField(c, &c.verifyMode) }

// SetVerifyMode sets how peers' certificates are verified (Python's
// SSLContext.verify_mode, through SSL_CTX_set_verify). An unknown mode, or
// CertNone while CheckHostname is on, is an error wrapping
// ErrInvalidArgument with Python's message.
func (c *Context) SetVerifyMode(m VerifyMode) error {
	return c.write(func(*openssl.Ctx) error {
		if m == CertNone && c.checkHostname {
			return invalidArgument("Cannot set verify_mode to CERT_NONE when check_hostname is enabled.")
		}
		if _, ok := m.openssl(); !ok {
			return invalidArgument("invalid value for verify_mode")
		}
		c.setVerifyModeLocked(m)
		return nil
	})
}

func (c *Context) setVerifyModeLocked(m VerifyMode) {
	mode, _ := m.openssl()
	c.ctx.SetVerify(mode)
	c.verifyMode = m
}

// CheckHostname reports whether client sockets match the server's
// certificate against ServerHostname during the handshake (Python's
// SSLContext.check_hostname).
func (c *Context) CheckHostname() bool { return lockedField(c, &c.checkHostname) }

// SetCheckHostname turns hostname checking on or off (Python's
// SSLContext.check_hostname). Turning it on while the verify mode is
// CertNone switches the mode to CertRequired, as Python does.
func (c *Context) SetCheckHostname(on bool) error {
	return c.write(func(*openssl.Ctx) error {
		if on && c.verifyMode == CertNone {
			c.setVerifyModeLocked(CertRequired)
		}
		c.checkHostname = on
		return nil
	})
}

// Options returns the option bits (Python's SSLContext.options, from
// SSL_CTX_get_options), or 0 after Close.
func (c *Context) Options() Options {
	return Options(ctxValue(c, (*openssl.Ctx).Options))
}

// SetOptions makes o the option bits (Python's `ctx.options = o`): bits set
// in o and not yet set are added with SSL_CTX_set_options, bits no longer in
// o are removed with SSL_CTX_clear_options.
func (c *Context) SetOptions(o Options) error {
	return c.write(func(oc *openssl.Ctx) error {
		old := Options(oc.Options())
		if clear := old &^ o; clear != 0 {
			oc.ClearOptions(uint64(clear))
		}
		if set := o &^ old; set != 0 {
			oc.SetOptions(uint64(set))
		}
		return nil
	})
}

// MinimumVersion returns the lowest protocol version allowed (Python's
// SSLContext.minimum_version, from SSL_CTX_get_min_proto_version):
// TLSVersionMinimumSupported when there is no bound.
func (c *Context) MinimumVersion() TLSVersion {
	v := ctxValue(c, (*openssl.Ctx).MinProtoVersion)
	if v == 0 {
		return TLSVersionMinimumSupported
	}
	return TLSVersion(v)
}

// MaximumVersion returns the highest protocol version allowed (Python's
// SSLContext.maximum_version, from SSL_CTX_get_max_proto_version):
// TLSVersionMaximumSupported when there is no bound.
func (c *Context) MaximumVersion() TLSVersion {
	v := ctxValue(c, (*openssl.Ctx).MaxProtoVersion)
	if v == 0 {
		return TLSVersionMaximumSupported
	}
	return TLSVersion(v)
}

// SetMinimumVersion sets the lowest protocol version allowed (Python's
// SSLContext.minimum_version, through SSL_CTX_set_min_proto_version). Only
// ProtocolTLS, ProtocolTLSClient and ProtocolTLSServer contexts take it.
func (c *Context) SetMinimumVersion(v TLSVersion) error { return c.setVersionBound(false, v) }

// SetMaximumVersion sets the highest protocol version allowed (Python's
// SSLContext.maximum_version, through SSL_CTX_set_max_proto_version). Only
// ProtocolTLS, ProtocolTLSClient and ProtocolTLSServer contexts take it.
func (c *Context) SetMaximumVersion(v TLSVersion) error { return c.setVersionBound(true, v) }

func (c *Context) setVersionBound(max bool, v TLSVersion) error {
	if !c.protocol.flexible() {
		return invalidArgument("The context's protocol doesn't support modification of highest and lowest version.")
	}
	switch v {
	case TLSVersionMinimumSupported, TLSVersionMaximumSupported, SSLv3, TLSv1_0, TLSv1_1, TLSv1_2, TLSv1_3:
	default:
		return invalidArgument("Unsupported TLS/SSL version 0x%x", int(v))
	}
	// OpenSSL's 0 means "no bound"; the far end of the range emulates the
	// other sentinel, as Python does.
	wire := int(v)
	switch {
	case v == TLSVersionMinimumSupported && !max, v == TLSVersionMaximumSupported && max:
		wire = 0
	case v == TLSVersionMaximumSupported:
		wire = int(TLSv1_3)
	case v == TLSVersionMinimumSupported:
		wire = int(SSLv3)
	}
	return c.write(func(oc *openssl.Ctx) error {
		var err error
		if max {
			err = oc.SetMaxProtoVersion(wire)
		} else {
			err = oc.SetMinProtoVersion(wire)
		}
		if err != nil {
			return invalidArgument("Unsupported protocol version 0x%x", wire)
		}
		return nil
	})
}

// VerifyFlags returns the X509 verification flags (Python's
// SSLContext.verify_flags, from X509_VERIFY_PARAM_get_flags).
func (c *Context) VerifyFlags() VerifyFlags {
	return VerifyFlags(ctxValue(c, (*openssl.Ctx).VerifyFlags))
}

// SetVerifyFlags makes f the X509 verification flags (Python's
// `ctx.verify_flags = f`, through X509_VERIFY_PARAM_set_flags and
// X509_VERIFY_PARAM_clear_flags).
func (c *Context) SetVerifyFlags(f VerifyFlags) error {
	return c.write(func(oc *openssl.Ctx) error {
		old := VerifyFlags(oc.VerifyFlags())
		if err := oc.SetVerifyFlags(uint64(f&^old), uint64(old&^f)); err != nil {
			return openSSLError(err)
		}
		return nil
	})
}

// SecurityLevel returns OpenSSL's security level (Python's
// SSLContext.security_level, from SSL_CTX_get_security_level).
func (c *Context) SecurityLevel() int {
	return ctxValue(c, (*openssl.Ctx).SecurityLevel)
}

// LoadCertChain loads the certificate this side presents, followed by any
// intermediate certificates, from the PEM file certfile, and its private
// key (RSA, ECDSA, Ed25519, ...) from keyfile, or from certfile when keyfile
// is "" (Python's load_cert_chain, through
// SSL_CTX_use_certificate_chain_file, SSL_CTX_use_PrivateKey_file and
// SSL_CTX_check_private_key). An encrypted key needs
// LoadCertChainWithPassword: this method never prompts for a password.
//
// A file that cannot be read is an *fs.PathError (errors.Is(err,
// fs.ErrNotExist) for a missing file); a NUL byte in a path wraps
// ErrInvalidArgument; what OpenSSL rejects is an *Error.
func (c *Context) LoadCertChain(certfile, keyfile string) error {
	return c.LoadCertChainWithPassword(certfile, keyfile, nil)
}

// LoadCertChainWithPassword is LoadCertChain for an encrypted private key:
// password is called, only if the key is encrypted, for the password that
// decrypts it (Python's load_cert_chain(password=callable)). The slice it
// returns is zeroed once OpenSSL has copied it. An error from password is
// returned as is; a password longer than OpenSSL's 1024-byte buffer wraps
// ErrInvalidArgument; a wrong password is an *Error.
func (c *Context) LoadCertChainWithPassword(certfile, keyfile string, password func() ([]byte, error)) error {
	if keyfile == "" {
		keyfile = certfile
	}
	// The files are read, and password called, with no lock held: password
	// may use this Context, and its sockets go on while it runs, as in
	// Python. Only the installation takes the write lock.
	level := 0
	if err := c.read(func(oc *openssl.Ctx) error { level = oc.SecurityLevel(); return nil }); err != nil {
		return err
	}
	ck, stage, err := openssl.LoadCertKey(certfile, keyfile, level, password)
	if err != nil {
		return chainError(err, stagePath(stage, certfile, keyfile), password != nil)
	}
	defer ck.Free()
	return c.write(func(oc *openssl.Ctx) error {
		if stage, err := oc.UseCertKey(ck); err != nil {
			return chainError(err, stagePath(stage, certfile, keyfile), password != nil)
		}
		if err := oc.CheckPrivateKey(); err != nil {
			return openSSLError(err)
		}
		return nil
	})
}

func stagePath(stage openssl.CertKeyStage, certfile, keyfile string) string {
	if stage == openssl.StageKey {
		return keyfile
	}
	return certfile
}

func chainError(err error, path string, hadPassword bool) error {
	var pe *openssl.PasswordError
	if errors.As(err, &pe) {
		var tl *openssl.PasswordTooLongError
		if errors.As(pe.Err, &tl) {
			return invalidArgument("password cannot be longer than %d bytes", tl.Max)
		}
		return pe.Err
	}
	var oe *openssl.Error
	noPassword := !hadPassword && errors.As(err, &oe) && oe.Has(openssl.LibPEM, openssl.ReasonBadPasswordRead)
	err = loadError(err, path)
	var e *Error
	if noPassword && errors.As(err, &e) {
		// Python would prompt on the terminal here; a library must not.
		e.cause = fmt.Errorf("the private key in %s is encrypted and no password was given", path)
	}
	return err
}

// LoadVerifyLocations loads the CA certificates that verify peers (Python's
// load_verify_locations, through SSL_CTX_load_verify_locations): cafile is a
// PEM file of certificates, capath a directory laid out by `openssl rehash`
// (<subject hash>.0 names). "" omits either; omitting both wraps
// ErrInvalidArgument. As in OpenSSL, capath is read lazily, at verification
// time: a CA added to the directory later is found, and a missing
// directory is not an error here.
func (c *Context) LoadVerifyLocations(cafile, capath string) error {
	if cafile == "" && capath == "" {
		return invalidArgument("cafile and capath cannot both be omitted")
	}
	return c.write(func(oc *openssl.Ctx) error {
		if err := oc.LoadVerifyLocations(cafile, capath); err != nil {
			path := cafile
			if path == "" {
				path = capath
			}
			return loadError(err, path)
		}
		return nil
	})
}

// LoadVerifyData adds the CA certificates in cadata, one or more PEM blocks
// or concatenated DER certificates (Python's load_verify_locations(cadata=),
// with PEM told apart by its "-----BEGIN" line). Empty data, or data holding
// no certificate, is an error as in Python.
func (c *Context) LoadVerifyData(cadata []byte) error {
	if len(cadata) == 0 {
		return invalidArgument("Empty certificate data")
	}
	pem := bytes.Contains(cadata, []byte("-----BEGIN"))
	return c.write(func(oc *openssl.Ctx) error {
		n, err := oc.AddCAData(cadata, pem)
		if err == nil {
			return nil
		}
		oe := asOpenSSL(err)
		if n == 0 {
			msg := "not enough data: cadata does not contain a certificate"
			if pem {
				msg = "no start line: cadata does not contain a certificate"
			}
			return messageError(msg, oe)
		}
		return libraryError(oe)
	})
}

// SetDefaultVerifyPaths loads the system's CA certificates, from the
// locations OpenSSL was built with or the SSL_CERT_FILE and SSL_CERT_DIR
// environment variables (Python's set_default_verify_paths, through
// SSL_CTX_set_default_verify_paths). Missing locations are not an error.
func (c *Context) SetDefaultVerifyPaths() error {
	return c.write(func(oc *openssl.Ctx) error {
		if err := oc.SetDefaultVerifyPaths(); err != nil {
			return openSSLError(err)
		}
		return nil
	})
}

// LoadDHParams loads Diffie-Hellman parameters from the PEM file path, which
// a server needs to use DHE cipher suites (Python's load_dh_params, through
// PEM_read_DHparams and SSL_CTX_set_tmp_dh). Without them, as in Python,
// DHE suites are never chosen. A file that cannot be opened is an
// *fs.PathError; one without parameters is an *Error.
func (c *Context) LoadDHParams(path string) error {
	return c.write(func(oc *openssl.Ctx) error {
		opened, err := oc.LoadDHParams(path)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, openssl.ErrNULByte):
			return nulInPath(path)
		case !opened:
			return &fs.PathError{Op: "open", Path: path, Err: asOpenSSL(err).Errno}
		}
		return openSSLError(err)
	})
}

// SetECDHCurve limits elliptic-curve key exchange to one curve, named as
// OpenSSL names it ("prime256v1", "secp384r1", "X25519") (Python's
// set_ecdh_curve, through SSL_CTX_set1_groups). An unknown name wraps
// ErrInvalidArgument.
func (c *Context) SetECDHCurve(name string) error {
	return c.write(func(oc *openssl.Ctx) error {
		known, err := oc.SetECDHCurve(name)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, openssl.ErrNULByte) || !known:
			return invalidArgument("unknown elliptic curve name %s", pyRepr(name))
		}
		return openSSLError(err)
	})
}

// SetCiphers selects the TLS 1.2-and-below ciphers from an OpenSSL
// cipher-list string such as "HIGH:!aNULL:!MD5" or "ALL:@SECLEVEL=0"
// (Python's set_ciphers, through SSL_CTX_set_cipher_list). As in OpenSSL,
// the string is accepted if it selects any cipher; one that selects none is
// an *Error "No cipher can be selected.". TLS 1.3 suites are set with
// SetCipherSuites.
func (c *Context) SetCiphers(spec string) error {
	return c.write(func(oc *openssl.Ctx) error {
		if err := oc.SetCipherList(spec); err != nil {
			if errors.Is(err, openssl.ErrNULByte) {
				return invalidArgument("embedded null character in cipher string")
			}
			return messageError("No cipher can be selected.", asOpenSSL(err))
		}
		return nil
	})
}

// SetCipherSuites selects the TLS 1.3 cipher suites from a colon-separated
// list such as "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"
// (SSL_CTX_set_ciphersuites). An empty string disables TLS 1.3 suites.
func (c *Context) SetCipherSuites(spec string) error {
	return c.write(func(oc *openssl.Ctx) error {
		if err := oc.SetCiphersuites(spec); err != nil {
			if errors.Is(err, openssl.ErrNULByte) {
				return invalidArgument("embedded null character in cipher suites")
			}
			return openSSLError(err)
		}
		return nil
	})
}

// SetALPNProtocols sets the application protocols offered in the handshake
// (Python's set_alpn_protocols): a client offers them in this order
// (SSL_CTX_set_alpn_protos); a server picks the first of them the client
// also offered. Each name must be 1 to 255 ASCII bytes.
func (c *Context) SetALPNProtocols(protos []string) error {
	var wire []byte
	for _, p := range protos {
		for i := 0; i < len(p); i++ {
			if p[i] >= 0x80 {
				return invalidArgument("ALPN protocol %q is not ASCII", p)
			}
		}
		if len(p) == 0 || len(p) > 255 {
			return messageError("ALPN protocols must be 1 to 255 in length", nil)
		}
		wire = append(wire, byte(len(p)))
		wire = append(wire, p...)
	}
	return c.write(func(oc *openssl.Ctx) error {
		if err := oc.SetALPNProtos(wire); err != nil {
			return openSSLError(err)
		}
		return nil
	})
}

// SetNumTickets sets how many TLS 1.3 session tickets a server sends after
// each handshake (Python's SSLContext.num_tickets, through
// SSL_CTX_set_num_tickets); only server contexts take it.
func (c *Context) SetNumTickets(n int) error {
	if n < 0 {
		return invalidArgument("value must be non-negative")
	}
	if c.protocol == ProtocolTLSClient {
		return invalidArgument("SSLContext is not a server context.")
	}
	return c.write(func(oc *openssl.Ctx) error {
		if err := oc.SetNumTickets(n); err != nil {
			return openSSLError(err)
		}
		return nil
	})
}

// NumTickets returns how many TLS 1.3 session tickets a server sends
// (SSL_CTX_get_num_tickets).
func (c *Context) NumTickets() int {
	return ctxValue(c, (*openssl.Ctx).NumTickets)
}

// CipherDescription describes one cipher as Python's get_ciphers() does;
// its JSON form has the keys and values of Python's dicts.
type CipherDescription struct {
	ID           uint32 `json:"id"`
	Name         string `json:"name"`
	Protocol     string `json:"protocol"`
	Description  string `json:"description"`
	StrengthBits int    `json:"strength_bits"`
	AlgBits      int    `json:"alg_bits"`
	AEAD         bool   `json:"aead"`
	// Symmetric, Digest, KEA and Auth are OpenSSL's long names of the
	// algorithms; "" (JSON null) where OpenSSL names none, such as the
	// digest of an AEAD cipher.
	Symmetric string `json:"symmetric"`
	Digest    string `json:"digest"`
	KEA       string `json:"kea"`
	Auth      string `json:"auth"`
}

// GetCiphers describes the ciphers the Context enables, TLS 1.3 suites
// first, in OpenSSL's order of preference (Python's get_ciphers, from
// SSL_get_ciphers of a throwaway SSL). It returns nil after Close.
func (c *Context) GetCiphers() []CipherDescription {
	var out []CipherDescription
	c.read(func(oc *openssl.Ctx) error {
		ciphers, err := oc.Ciphers()
		if err != nil {
			return err
		}
		out = make([]CipherDescription, len(ciphers))
		for i, ci := range ciphers {
			out[i] = describeCipher(ci)
		}
		return nil
	})
	return out
}

// MarshalJSON writes Python's get_ciphers() dict, with null where Python has
// None.
func (d CipherDescription) MarshalJSON() ([]byte, error) {
	type plain CipherDescription
	return json.Marshal(struct {
		plain
		Symmetric *string `json:"symmetric"`
		Digest    *string `json:"digest"`
		KEA       *string `json:"kea"`
		Auth      *string `json:"auth"`
	}{plain(d), nullable(d.Symmetric), nullable(d.Digest), nullable(d.KEA), nullable(d.Auth)})
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func describeCipher(ci openssl.Cipher) CipherDescription {
	strength, alg := ci.Bits()
	return CipherDescription{
		ID: ci.ID(), Name: ci.Name(), Protocol: ci.Version(), Description: ci.Description(),
		StrengthBits: strength, AlgBits: alg, AEAD: ci.AEAD(),
		Symmetric: ci.Symmetric(), Digest: ci.Digest(), KEA: ci.KeyExchange(), Auth: ci.Auth(),
	}
}

// GetCACerts returns the CA certificates loaded into the Context, in the
// order of OpenSSL's store (Python's get_ca_certs). Certificates of a capath
// directory appear only once a verification has looked them up, as in
// OpenSSL. It returns nil after Close.
func (c *Context) GetCACerts() []*Cert {
	var out []*Cert
	c.read(func(oc *openssl.Ctx) error {
		certs, _, err := oc.StoreCerts()
		if err != nil {
			return err
		}
		for _, x := range certs {
			if x.IsCA() {
				if cert, err := certFromX509(x); err == nil {
					out = append(out, cert)
				}
			}
			x.Free()
		}
		return nil
	})
	return out
}

// CertStoreStats counts the Context's X509 store: Python's
// cert_store_stats() dict.
type CertStoreStats struct {
	X509   int `json:"x509"`    // certificates
	CRL    int `json:"crl"`     // certificate revocation lists
	X509CA int `json:"x509_ca"` // certificates that are CAs
}

// CertStoreStats counts the certificates and CRLs loaded into the Context
// (Python's cert_store_stats). As with GetCACerts, capath certificates count
// only once looked up.
func (c *Context) CertStoreStats() CertStoreStats {
	var s CertStoreStats
	c.read(func(oc *openssl.Ctx) error {
		certs, crls, err := oc.StoreCerts()
		if err != nil {
			return err
		}
		s.CRL = crls
		for _, x := range certs {
			s.X509++
			if x.IsCA() {
				s.X509CA++
			}
			x.Free()
		}
		return nil
	})
	return s
}

// SessionStats returns OpenSSL's session counters (Python's session_stats,
// from the SSL_CTX_sess_* calls): number, connect, connect_good,
// connect_renegotiate, accept, accept_good, accept_renegotiate, hits,
// misses, timeouts and cache_full.
func (c *Context) SessionStats() map[string]int {
	stats := make(map[string]int, len(openssl.SessionStatNames))
	c.read(func(oc *openssl.Ctx) error {
		for i, v := range oc.SessionStats() {
			stats[openssl.SessionStatNames[i]] = int(v)
		}
		return nil
	})
	return stats
}

// Close frees the SSL_CTX now rather than when the Context is collected.
// Sockets already wrapped keep working: each holds its own reference.
// Afterwards setters and WrapSocket return ErrClosed and getters of
// OpenSSL's state return zero values; Protocol, VerifyMode and
// CheckHostname, kept on the Go side, still answer. Close is idempotent.
func (c *Context) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx != nil {
		c.ctx.Free()
		c.ctx = nil
	}
	return nil
}
