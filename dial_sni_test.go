package ssl

import (
	"crypto/tls"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An IPv6 literal with a zone ("[::1%lo]:443") is an address: crypto/tls
// sends no SNI for it, and neither may Dial; the certificate is checked
// against the address (the leaf has IP:::1).
func TestDial_NoSNIForZonedIPv6(t *testing.T) {
	noGoroutineLeak(t)
	l, err := Listen("tcp", "[::1]:0", testServerContext(t))
	require.NoError(t, err, "the test needs the IPv6 loopback [::1]")
	defer l.Close()
	sni := serverNames(l)
	_, port, _ := net.SplitHostPort(l.Addr().String())
	zoned := net.JoinHostPort("::1%lo", port)

	// The reference: what crypto/tls sends to the same address.
	tc, err := tls.Dial("tcp", zoned, &tls.Config{InsecureSkipVerify: true})
	require.NoError(t, err)
	tc.Close()
	require.Equal(t, "", <-sni, "crypto/tls sends no SNI")

	// Without hostname checking, only the SNI decision is at stake.
	unchecked, err := NewContext(ProtocolTLSClient)
	require.NoError(t, err)
	defer unchecked.Close()
	require.NoError(t, unchecked.SetCheckHostname(false))
	require.NoError(t, unchecked.SetVerifyMode(CertNone))
	c, err := Dial(t.Context(), "tcp", zoned, unchecked)
	require.NoError(t, err)
	c.Close()
	assert.Equal(t, "", <-sni, "no SNI for a zoned IPv6 literal")

	c, err = Dial(t.Context(), "tcp", zoned, testClientContext(t))
	require.NoError(t, err, "the certificate has IP:::1")
	c.Close()
	assert.Equal(t, "", <-sni, "no SNI when checking the address either")
}
