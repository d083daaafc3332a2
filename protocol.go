package ssl

import (
	"strconv"

	"github.com/sslctx/ssl/openssl"
)

// Protocol selects the protocol versions a Context speaks: Python's
// PROTOCOL_* constants. The zero value is ProtocolTLS.
type Protocol int

// The protocols of Python's ssl module.
const (
	// ProtocolTLS (Python PROTOCOL_TLS, PROTOCOL_SSLv23) negotiates the highest
	// version both sides support, over OpenSSL's TLS_method.
	ProtocolTLS Protocol = iota
	// ProtocolSSLv2 (PROTOCOL_SSLv2): no OpenSSL since 1.1 has it, so
	// NewContext returns ErrUnsupportedProtocol.
	ProtocolSSLv2
	// ProtocolSSLv3 (PROTOCOL_SSLv3): NewContext returns
	// ErrUnsupportedProtocol where the build lacks SSLv3 (every OpenSSL 3 build).
	ProtocolSSLv3
	// ProtocolTLSv1 (PROTOCOL_TLSv1) speaks only TLS 1.0 (TLSv1_method).
	ProtocolTLSv1
	// ProtocolTLSv1_1 (PROTOCOL_TLSv1_1) speaks only TLS 1.1 (TLSv1_1_method).
	ProtocolTLSv1_1
	// ProtocolTLSv1_2 (PROTOCOL_TLSv1_2) speaks only TLS 1.2 (TLSv1_2_method).
	ProtocolTLSv1_2
	// ProtocolTLSClient (PROTOCOL_TLS_CLIENT) is client-only
	// (TLS_client_method), with CertRequired and hostname checking by default.
	ProtocolTLSClient
	// ProtocolTLSServer (PROTOCOL_TLS_SERVER) is server-only (TLS_server_method).
	ProtocolTLSServer
)

// ProtocolSSLv23 is Python's PROTOCOL_SSLv23, an alias of ProtocolTLS.
const ProtocolSSLv23 = ProtocolTLS

var protocolNames = map[Protocol]string{
	ProtocolTLS:       "PROTOCOL_TLS",
	ProtocolSSLv2:     "PROTOCOL_SSLv2",
	ProtocolSSLv3:     "PROTOCOL_SSLv3",
	ProtocolTLSv1:     "PROTOCOL_TLSv1",
	ProtocolTLSv1_1:   "PROTOCOL_TLSv1_1",
	ProtocolTLSv1_2:   "PROTOCOL_TLSv1_2",
	ProtocolTLSClient: "PROTOCOL_TLS_CLIENT",
	ProtocolTLSServer: "PROTOCOL_TLS_SERVER",
}

// String returns Python's name for p ("PROTOCOL_TLS"), or "Protocol(N)".
func (p Protocol) String() string { return enumName("Protocol", protocolNames, p) }

// method returns the OpenSSL method p is built on; ok is false when this
// OpenSSL cannot build it.
func (p Protocol) method() (m openssl.Method, ok bool) {
	switch p {
	case ProtocolTLS:
		return openssl.MethodTLS, true
	case ProtocolTLSClient:
		return openssl.MethodTLSClient, true
	case ProtocolTLSServer:
		return openssl.MethodTLSServer, true
	case ProtocolTLSv1:
		return openssl.MethodTLSv1, openssl.HasTLSv1
	case ProtocolTLSv1_1:
		return openssl.MethodTLSv1_1, openssl.HasTLSv1_1
	case ProtocolTLSv1_2:
		return openssl.MethodTLSv1_2, openssl.HasTLSv1_2
	}
	return 0, false
}

// flexible reports whether p negotiates among versions, so that minimum and
// maximum versions apply (Python allows them only for these).
func (p Protocol) flexible() bool {
	return p == ProtocolTLS || p == ProtocolTLSClient || p == ProtocolTLSServer
}

// TLSVersion is a protocol version, Python's ssl.TLSVersion; the values are
// the wire values (0x0303 for TLS 1.2) plus two sentinels.
type TLSVersion int

// The versions of Python's ssl.TLSVersion.
const (
	// TLSVersionMinimumSupported is the lowest version this OpenSSL supports.
	TLSVersionMinimumSupported TLSVersion = -2
	// TLSVersionMaximumSupported is the highest version this OpenSSL supports.
	TLSVersionMaximumSupported TLSVersion = -1
	// SSLv3 is SSL 3.0, which OpenSSL 3 builds refuse to negotiate.
	SSLv3   TLSVersion = 0x0300
	TLSv1_0 TLSVersion = 0x0301 // TLS 1.0
	TLSv1_1 TLSVersion = 0x0302 // TLS 1.1
	TLSv1_2 TLSVersion = 0x0303 // TLS 1.2
	TLSv1_3 TLSVersion = 0x0304 // TLS 1.3
)

// String returns Python's member name: "TLSv1_2", "MINIMUM_SUPPORTED".
func (v TLSVersion) String() string {
	switch v {
	case TLSVersionMinimumSupported:
		return "MINIMUM_SUPPORTED"
	case TLSVersionMaximumSupported:
		return "MAXIMUM_SUPPORTED"
	case SSLv3:
		return "SSLv3"
	case TLSv1_0:
		return "TLSv1"
	case TLSv1_1:
		return "TLSv1_1"
	case TLSv1_2:
		return "TLSv1_2"
	case TLSv1_3:
		return "TLSv1_3"
	}
	return "TLSVersion(0x" + strconv.FormatInt(int64(v), 16) + ")"
}

// VerifyMode says whether and how the peer's certificate is verified:
// Python's CERT_* constants. The zero value is CertNone.
type VerifyMode int

// The verify modes of Python's ssl module.
const (
	// CertNone (CERT_NONE) asks for no certificate and does not validate one
	// that arrives (SSL_VERIFY_NONE).
	CertNone VerifyMode = iota
	// CertOptional (CERT_OPTIONAL) validates a certificate if the peer sends
	// one (SSL_VERIFY_PEER); a server asks clients for one.
	CertOptional
	// CertRequired (CERT_REQUIRED) demands a valid certificate
	// (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT).
	//
	// Unlike CPython and OpenSSL, a client with CertRequired also refuses a
	// server that chooses a suite sending no certificate at all (anonymous
	// ADH/AECDH suites, which "ALL:@SECLEVEL=0" offers; PSK or SRP alone),
	// which would otherwise complete the handshake verifying nothing. The
	// client still offers what the cipher string allows; when the server
	// picks such a suite, OpenSSL ends the handshake with a fatal
	// illegal_parameter alert and the handshake fails with an *Error whose
	// Library is "SSL", Reason "PEER_DID_NOT_RETURN_A_CERTIFICATE" and
	// Message "peer did not return a certificate"; the last Queue entry's
	// Data names the suite. It is not a certificate verification error.
	// CertOptional and CertNone clients complete such handshakes, as in
	// CPython, with no peer certificate.
	CertRequired
)

// String returns Python's name: "CERT_NONE", "CERT_OPTIONAL", "CERT_REQUIRED".
func (m VerifyMode) String() string { return enumName("VerifyMode", verifyModeNames, m) }

var verifyModeNames = map[VerifyMode]string{
	CertNone:     "CERT_NONE",
	CertOptional: "CERT_OPTIONAL",
	CertRequired: "CERT_REQUIRED",
}

func (m VerifyMode) openssl() (int, bool) {
	switch m {
	case CertNone:
		return openssl.VerifyNone, true
	case CertOptional:
		return openssl.VerifyPeer, true
	case CertRequired:
		return openssl.VerifyPeer | openssl.VerifyFailIfNoPeerCert, true
	}
	return 0, false
}

// Purpose says what a CreateDefaultContext context is for: Python's
// Purpose.SERVER_AUTH and Purpose.CLIENT_AUTH.
type Purpose int

// The purposes of Python's ssl.Purpose.
const (
	// PurposeServerAuth makes a client context that authenticates servers.
	PurposeServerAuth Purpose = iota
	// PurposeClientAuth makes a server context that may authenticate clients.
	PurposeClientAuth
)
