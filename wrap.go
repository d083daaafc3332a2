package ssl

import (
	"strings"

	"golang.org/x/net/idna"
)

// WrapOption configures WrapSocket: Python's keyword arguments of
// SSLContext.wrap_socket and ssl.wrap_socket.
type WrapOption func(*wrapConfig)

type wrapConfig struct {
	serverSide       bool
	handshakeOnWrap  bool
	suppressRagged   bool
	hostname         string
	hostnameSet      bool
	session          *Session
	legacy           string // the first module-level option given, for Context.WrapSocket to refuse
	socketOnly       string // the first option given that only a Socket takes, for WrapBIO to refuse
	keyFile          string
	certFile         string
	certReqs         VerifyMode
	sslVersion       Protocol
	caCerts, ciphers string
}

func defaultWrapConfig() wrapConfig {
	return wrapConfig{handshakeOnWrap: true, suppressRagged: true}
}

// ServerSide makes the socket the server end of the connection (Python's
// server_side). The default is false: a client.
func ServerSide(on bool) WrapOption { return func(c *wrapConfig) { c.serverSide = on } }

// DoHandshakeOnConnect says whether WrapSocket performs the handshake before
// it returns (Python's do_handshake_on_connect, default true). When false,
// the handshake runs on the first Read or Write, or on DoHandshake.
func DoHandshakeOnConnect(on bool) WrapOption {
	return func(c *wrapConfig) { c.handshakeOnWrap = on; c.forSocketOnly("DoHandshakeOnConnect") }
}

// SuppressRaggedEOFs says whether Read reports a connection that ended
// without TLS's close_notify as io.EOF (true, the default, as Python's
// suppress_ragged_eofs) or as an *Error with Code ErrorEOF.
func SuppressRaggedEOFs(on bool) WrapOption {
	return func(c *wrapConfig) { c.suppressRagged = on; c.forSocketOnly("SuppressRaggedEOFs") }
}

// ServerHostname names the server a client connects to (Python's
// server_hostname): it is sent as SNI unless it is an IP address, and, when
// the Context checks hostnames, the server's certificate must match it
// during the handshake (X509_VERIFY_PARAM_set1_host, or
// X509_VERIFY_PARAM_set1_ip for an address). Non-ASCII names are encoded
// with IDNA, as Python's idna codec does.
func ServerHostname(name string) WrapOption {
	return func(c *wrapConfig) { c.hostname, c.hostnameSet = name, true }
}

// ResumeSession offers a session from an earlier connection to the same
// server for resumption (Python's session argument). Whether it was
// resumed shows in Socket.SessionReused. Only a client may offer one, and
// only a session that came from a Socket of the same Context; the others
// wrap ErrInvalidArgument, as in Python.
func ResumeSession(s *Session) WrapOption { return func(c *wrapConfig) { c.session = s } }

// KeyFile is the private key file of the module-level WrapSocket (Python's
// keyfile); Context.WrapSocket refuses it.
func KeyFile(path string) WrapOption {
	return func(c *wrapConfig) { c.keyFile = path; c.moduleOnly("KeyFile") }
}

// CertFile is the certificate chain file of the module-level WrapSocket
// (Python's certfile); Context.WrapSocket refuses it.
func CertFile(path string) WrapOption {
	return func(c *wrapConfig) { c.certFile = path; c.moduleOnly("CertFile") }
}

// CertReqs is the verify mode of the module-level WrapSocket (Python's
// cert_reqs, default CertNone); Context.WrapSocket refuses it.
func CertReqs(m VerifyMode) WrapOption {
	return func(c *wrapConfig) { c.certReqs = m; c.moduleOnly("CertReqs") }
}

// SSLVersion is the protocol of the module-level WrapSocket (Python's
// ssl_version, default ProtocolTLS); Context.WrapSocket refuses it.
func SSLVersion(p Protocol) WrapOption {
	return func(c *wrapConfig) { c.sslVersion = p; c.moduleOnly("SSLVersion") }
}

// CACerts is the CA file of the module-level WrapSocket (Python's
// ca_certs); Context.WrapSocket refuses it.
func CACerts(path string) WrapOption {
	return func(c *wrapConfig) { c.caCerts = path; c.moduleOnly("CACerts") }
}

// Ciphers is the cipher string of the module-level WrapSocket (Python's
// ciphers); Context.WrapSocket refuses it.
func Ciphers(spec string) WrapOption {
	return func(c *wrapConfig) { c.ciphers = spec; c.moduleOnly("Ciphers") }
}

// idnaProfile approximates Python's idna codec (IDNA 2003): transitional
// mapping, without the IDNA 2008 rules Python does not apply.
var idnaProfile = idna.New(idna.MapForLookup(), idna.Transitional(true), idna.StrictDomainName(false))

// encodeHostname is Python's _encode_hostname, hostname.encode("idna"):
// ASCII labels are kept as they are (case included) and must be 1 to 63
// bytes long; other labels are mapped and Punycode-encoded.
func encodeHostname(name string) (string, error) {
	labels := strings.Split(name, ".")
	for i, l := range labels {
		ascii := true
		for j := 0; j < len(l); j++ {
			if l[j] >= 0x80 {
				ascii = false
				break
			}
		}
		if !ascii {
			a, err := idnaProfile.ToASCII(l)
			if err != nil {
				return "", invalidArgument("encoding with 'idna' codec failed (%v)", err)
			}
			labels[i] = a
			l = a
		}
		last := i == len(labels)-1
		if (len(l) == 0 && !(last && i > 0)) || len(l) > 63 {
			if name == "" {
				return "", nil
			}
			return "", invalidArgument("encoding with 'idna' codec failed (UnicodeError: label empty or too long)")
		}
	}
	return strings.Join(labels, "."), nil
}

// moduleOnly records that an option of the module-level WrapSocket alone
// was given, naming the first for Context.WrapSocket's refusal.
func (c *wrapConfig) moduleOnly(name string) {
	if c.legacy == "" {
		c.legacy = name
	}
}

// forSocketOnly records that an option WrapBIO does not take was given,
// naming the first for its refusal.
func (c *wrapConfig) forSocketOnly(name string) {
	if c.socketOnly == "" {
		c.socketOnly = name
	}
}
