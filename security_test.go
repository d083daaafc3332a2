package ssl

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/testpeer"
)

// serverWith serves one handshake with the given certificate on loopback
// and returns its address.
func serverWith(t *testing.T, cert string) string {
	t.Helper()
	c, err := NewContext(ProtocolTLSServer)
	require.NoError(t, err)
	require.NoError(t, c.LoadCertChain(td(cert+".pem"), td(cert+".key")))
	l := listen(t, c)
	acceptEach(l, func(conn net.Conn) {
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		conn.(*Socket).DoHandshake()
		conn.Close()
	})
	return l.Addr().String()
}

func dialName(t *testing.T, c *Context, addr, name string) error {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	s, err := c.WrapSocket(conn, ServerHostname(name))
	if err == nil {
		s.Close()
	}
	return err
}

func verifyCode(t *testing.T, err error) int {
	t.Helper()
	var e *Error
	require.ErrorAs(t, err, &e)
	require.True(t, e.IsCertificateVerificationError(), "%v", err)
	return e.VerifyCode
}

// A NUL byte in a certificate name cannot stand in for the end of the
// name: "null.python.org\0example.org" is not null.python.org.
func TestSecurity_NULByteInNameCannotBypassHostnameCheck(t *testing.T) {
	addr := serverWith(t, "nul-server")
	for _, name := range []string{"null.python.org", "example.org"} {
		err := dialName(t, testClientContext(t), addr, name)
		assert.Equal(t, 62, verifyCode(t, err), "%s must not match", name)
	}
	// The certificate itself is fine: only the name check refuses it.
	c := testClientContext(t)
	require.NoError(t, c.SetCheckHostname(false))
	assert.NoError(t, dialName(t, c, addr, "null.python.org"))
	// And Python's MatchHostname agrees.
	cert, err := DecodeCertFile(td("nul-server.pem"))
	require.NoError(t, err)
	var ce *CertificateError
	assert.ErrorAs(t, MatchHostname(cert, "null.python.org"), &ce)
}

// An IP address matches only IP address entries, never a DNS name that
// spells the same address.
func TestSecurity_IPLiteralNeverMatchesDNSName(t *testing.T) {
	addr := serverWith(t, "dnsip-server")
	assert.Equal(t, 64, verifyCode(t, dialName(t, testClientContext(t), addr, "127.0.0.1")))
	cert, err := DecodeCertFile(td("dnsip-server.pem"))
	require.NoError(t, err)
	assert.Error(t, MatchHostname(cert, "127.0.0.1"))
}

// The secure defaults refuse a peer they cannot verify, with nothing
// configured but the protocol.
func TestSecurity_DefaultsRefuseUnverifiedPeers(t *testing.T) {
	addr := serverWith(t, "selfsigned")
	client, err := NewContext(ProtocolTLSClient)
	require.NoError(t, err)
	assert.Equal(t, 18, verifyCode(t, dialName(t, client, addr, "localhost")), "ProtocolTLSClient")

	addr = serverWith(t, "server-rsa")
	def, err := CreateDefaultContext(PurposeServerAuth)
	require.NoError(t, err)
	assert.Equal(t, 20, verifyCode(t, dialName(t, def, addr, "localhost")),
		"CreateDefaultContext trusts the system CAs, not the test CA")
	_, err = Dial(t.Context(), "tcp", addr, nil)
	assert.Equal(t, 20, verifyCode(t, err), "Dial with no context uses CreateDefaultContext")
	d := &Dialer{}
	_, err = d.DialContext(t.Context(), "tcp", addr)
	assert.Equal(t, 20, verifyCode(t, err), "a zero Dialer verifies too")
}

// Chains that must fail, with the verify code OpenSSL gives each.
func TestSecurity_BadChainsFailWithTheirCode(t *testing.T) {
	for cert, code := range map[string]int{"wrongca-server": 20, "expired": 10, "notyetvalid": 9, "selfsigned": 18} {
		addr := serverWith(t, cert)
		assert.Equal(t, code, verifyCode(t, dialName(t, testClientContext(t), addr, "localhost")), cert)
	}
}

// No error text carries a secret: neither the password nor any part of a
// key file's contents.
func TestSecurity_NoSecretInErrorText(t *testing.T) {
	const secret = "not-the-password-but-secret"
	check := func(name string, err error, secrets ...string) {
		t.Helper()
		require.Error(t, err, name)
		text := err.Error()
		var e *Error
		if errors.As(err, &e) {
			for _, q := range e.Queue {
				text += " " + q.Message + " " + q.Data + " " + q.File
			}
		}
		for _, s := range secrets {
			assert.NotContains(t, text, s, name)
		}
	}
	check("wrong password", serverCtx(t).LoadCertChainWithPassword(td("server-rsa.pem"), td("server-rsa-enc.key"),
		func() ([]byte, error) { return []byte(secret), nil }), secret)

	// Fragments of every key file the tests load, against the errors that
	// loading them the wrong way gives.
	keys := []string{"server-rsa.key", "server-ecdsa.key", "server-rsa-enc.key", "client.key", "keycert.pem"}
	var fragments []string
	for _, k := range keys {
		body := pemBody(readTD(t, k))
		for i := 0; i+16 <= len(body); i += 16 {
			fragments = append(fragments, body[i:i+16])
		}
	}
	require.NotEmpty(t, fragments)
	check("key as CA", clientCtx(t).LoadVerifyLocations(td("server-rsa.key"), ""), fragments...)
	check("key as certificate", clientCtx(t).LoadCertChain(td("server-rsa.key"), ""), fragments...)
	check("mismatched key", clientCtx(t).LoadCertChain(td("server-rsa.pem"), td("client.key")), fragments...)
	check("key as CA data", clientCtx(t).LoadVerifyData(readTD(t, "server-ecdsa.key")), fragments...)
	_, err := DecodeCertFile(td("server-rsa.key"))
	check("key as a certificate file", err, fragments...)
}

// pemBody is the base64 of a PEM file, without lines breaks and headers.
func pemBody(b []byte) string {
	var out strings.Builder
	for _, line := range bytes.Split(b, []byte("\n")) {
		if len(line) == 0 || bytes.HasPrefix(line, []byte("-----")) {
			continue
		}
		if _, err := base64.StdEncoding.DecodeString(string(line)); err == nil || len(line) == 64 {
			out.Write(line)
		}
	}
	return out.String()
}

// anonServer starts `openssl s_server` without a certificate, offering only
// anonymous suites (which TLS 1.3 has none of).
func anonServer(t *testing.T) *testpeer.Server {
	t.Helper()
	return testpeer.StartServer(t, "-nocert", "-cipher", "ADH:AECDH:@SECLEVEL=0", "-no_tls1_3")
}

// anonClient wraps a connection to addr with a ProtocolTLSClient context
// whose cipher string allows anonymous suites, verifying as mode says.
func anonClient(t *testing.T, addr string, mode VerifyMode) (*Socket, error) {
	t.Helper()
	c, err := NewContext(ProtocolTLSClient)
	require.NoError(t, err)
	require.NoError(t, c.SetCiphers("ALL:@SECLEVEL=0"))
	if mode != CertRequired {
		require.NoError(t, c.SetCheckHostname(false))
	}
	require.NoError(t, c.SetVerifyMode(mode))
	require.NoError(t, c.LoadVerifyLocations(td("ca.pem"), ""))
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	return c.WrapSocket(conn, ServerHostname("localhost"))
}

// A client that requires a certificate never completes a handshake with a
// server that sent none: anonymous suites would let anyone in the middle
// through. This is where we differ from CPython and OpenSSL, on purpose.
func TestAnonymousServerRefusedWhenCertRequired(t *testing.T) {
	srv := anonServer(t)
	s, err := anonClient(t, srv.Addr, CertRequired)
	if s != nil {
		s.Close()
	}
	require.Error(t, err, "a CERT_REQUIRED client completed a handshake with an anonymous server")
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "SSL", e.Library)
	assert.Equal(t, "PEER_DID_NOT_RETURN_A_CERTIFICATE", e.Reason)
	assert.Equal(t, "peer did not return a certificate", e.Message)
	assert.False(t, e.IsCertificateVerificationError())
	// The server hears why the handshake ended: a fatal alert, not a
	// dropped connection.
	_, ok := srv.WaitFor(regexp.MustCompile(`alert illegal parameter`), 5*time.Second)
	assert.True(t, ok, "s_server saw no alert:\n%s", srv.Output())
}

// CertOptional and CertNone keep CPython's behaviour: the handshake
// completes and there is no peer certificate.
func TestAnonymousServerAcceptedWithoutCertRequired(t *testing.T) {
	for _, mode := range []VerifyMode{CertOptional, CertNone} {
		t.Run(mode.String(), func(t *testing.T) {
			srv := anonServer(t)
			s, err := anonClient(t, srv.Addr, mode)
			require.NoError(t, err)
			defer s.Close()
			c, err := s.GetPeerCert()
			require.NoError(t, err)
			assert.Nil(t, c)
			ci, ok := s.Cipher()
			require.True(t, ok)
			assert.Regexp(t, `^(ADH|AECDH)-`, ci.Name)
		})
	}
}
