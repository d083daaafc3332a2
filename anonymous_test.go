package ssl

import (
	"net"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/testpeer"
)

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
