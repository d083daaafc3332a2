package ssl

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pyBinding is one line of testdata/peers/channel_binding.py.
type pyBinding struct {
	Port          int     `json:"port"`
	Version       string  `json:"version"`
	SessionReused bool    `json:"session_reused"`
	TLSUnique     *string `json:"tls_unique"`
	UnknownError  string  `json:"unknown_error"`
}

// startPyPeer runs the CPython channel binding peer.
func startPyPeer(t *testing.T, args ...string) *pyPeer {
	t.Helper()
	return startPy(t, "channel_binding.py", args...)
}

// nextPy returns the peer's next line, failing the test after 20 seconds.
func nextPy(t *testing.T, p *pyPeer) pyBinding {
	t.Helper()
	var b pyBinding
	p.next(&b)
	return b
}

func mustBinding(t *testing.T, s *Socket, cbType string) []byte {
	t.Helper()
	b, err := s.GetChannelBinding(cbType)
	require.NoError(t, err, cbType)
	require.NotEmpty(t, b, cbType)
	return b
}

var bindingVersions = []struct {
	name    string
	py      string
	max     TLSVersion
	version string
	length  int // of tls-unique
}{
	{"TLSv1.2", "TLSv1_2", TLSv1_2, "TLSv1.2", 12},
	{"TLSv1.3", "TLSv1_3", TLSv1_3, "TLSv1.3", 48}, // SHA-384 of TLS_AES_256_GCM_SHA384
}

// TestChannelBinding_PythonServer: our client's tls-unique equals what
// CPython's server computes for the same connection.
func TestChannelBinding_PythonServer(t *testing.T) {
	for _, v := range bindingVersions {
		t.Run(v.name, func(t *testing.T) {
			lines := startPyPeer(t, "server", v.py)
			port := nextPy(t, lines).Port
			require.NotZero(t, port)
			cctx := testClientContext(t)
			require.NoError(t, cctx.SetMaximumVersion(v.max))
			raw, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 10*time.Second)
			require.NoError(t, err)
			raw.SetDeadline(time.Now().Add(10 * time.Second))
			c, err := cctx.WrapSocket(raw, ServerHostname("localhost"))
			require.NoError(t, err)
			defer c.Close()
			readN(t, c, 1)
			py := nextPy(t, lines)
			require.Equal(t, v.version, py.Version)
			require.NotNil(t, py.TLSUnique)
			got := mustBinding(t, c, "tls-unique")
			assert.Equal(t, *py.TLSUnique, hex.EncodeToString(got))
			assert.Len(t, got, v.length)
			_, err = c.GetChannelBinding("tls-server-end-point")
			assert.ErrorIs(t, err, ErrInvalidArgument)
			assert.Equal(t, "ssl: "+py.UnknownError, err.Error())
		})
	}
}

// TestChannelBinding_PythonClient: our server's tls-unique equals what
// CPython's client computes, for a full and a resumed handshake (where the
// first Finished is the server's).
func TestChannelBinding_PythonClient(t *testing.T) {
	for _, v := range bindingVersions {
		t.Run(v.name, func(t *testing.T) {
			sctx := testServerContext(t)
			require.NoError(t, sctx.SetMaximumVersion(v.max))
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			defer ln.Close()
			lines := startPyPeer(t, "client", v.py, fmt.Sprint(ln.Addr().(*net.TCPAddr).Port), "resume")
			var prev []byte
			for i, reused := range []bool{false, true} {
				ln.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Second))
				raw, err := ln.Accept()
				require.NoError(t, err)
				raw.SetDeadline(time.Now().Add(10 * time.Second))
				s, err := sctx.WrapSocket(raw, ServerSide(true))
				require.NoError(t, err)
				_, err = s.Write([]byte("x"))
				require.NoError(t, err)
				py := nextPy(t, lines)
				require.Equal(t, reused, py.SessionReused, "connection %d", i)
				require.Equal(t, reused, s.SessionReused(), "connection %d", i)
				require.NotNil(t, py.TLSUnique)
				got := mustBinding(t, s, "tls-unique")
				assert.Equal(t, *py.TLSUnique, hex.EncodeToString(got), "connection %d", i)
				assert.NotEqual(t, prev, got, "each connection has its own binding")
				prev = got
				s.Close()
			}
		})
	}
}

// TestChannelBinding_BothEndsAgree: both ends of our own connection give
// the same data for each type, in full and resumed handshakes.
func TestChannelBinding_BothEndsAgree(t *testing.T) {
	for _, v := range bindingVersions {
		t.Run(v.name, func(t *testing.T) {
			cctx, sctx := testClientContext(t), testServerContext(t)
			require.NoError(t, cctx.SetMaximumVersion(v.max))
			c, s := connected(t, cctx, sctx)
			_, err := s.Write([]byte("x"))
			require.NoError(t, err)
			readN(t, c, 1)
			c2, s2 := connected(t, cctx, sctx, ServerHostname("localhost"), ResumeSession(c.Session()))
			require.True(t, c2.SessionReused())
			seen := map[string]bool{}
			for _, pair := range [][2]*Socket{{c, s}, {c2, s2}} {
				for _, cb := range []string{"tls-unique", "tls-exporter"} {
					a, b := mustBinding(t, pair[0], cb), mustBinding(t, pair[1], cb)
					assert.Equal(t, a, b, cb)
					assert.False(t, seen[string(a)], "%s repeats across connections", cb)
					seen[string(a)] = true
				}
				assert.Len(t, mustBinding(t, pair[0], "tls-exporter"), 32)
			}
		})
	}
}

// TestChannelBinding_GoPeer checks both types against crypto/tls, an
// independent implementation: its TLSUnique (TLS 1.2 only) and RFC 9266's
// exporter computed by its ExportKeyingMaterial.
func TestChannelBinding_GoPeer(t *testing.T) {
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(readTD(t, "ca.pem")))
	for _, v := range bindingVersions {
		t.Run(v.name, func(t *testing.T) {
			cn, sn := tcpPair(t)
			deadline := time.Now().Add(10 * time.Second)
			cn.SetDeadline(deadline)
			sn.SetDeadline(deadline)
			goVersion := uint16(tls.VersionTLS12)
			if v.max == TLSv1_3 {
				goVersion = tls.VersionTLS13
			}
			goSide := tls.Server(sn, &tls.Config{
				Certificates: []tls.Certificate{mustKeyPair(t)}, MaxVersion: goVersion,
			})
			errc := make(chan error, 1)
			go func() { errc <- goSide.Handshake() }()
			c, err := testClientContext(t).WrapSocket(cn, ServerHostname("localhost"))
			require.NoError(t, err)
			defer c.Close()
			require.NoError(t, <-errc)
			st := goSide.ConnectionState()
			want, err := st.ExportKeyingMaterial("EXPORTER-Channel-Binding", []byte{}, 32)
			require.NoError(t, err)
			assert.Equal(t, want, mustBinding(t, c, "tls-exporter"))
			if v.max == TLSv1_2 {
				assert.Equal(t, st.TLSUnique, mustBinding(t, c, "tls-unique"))
			}
		})
	}
}

func mustKeyPair(t *testing.T) tls.Certificate {
	t.Helper()
	kp, err := tls.LoadX509KeyPair(td("server-rsa.pem"), td("server-rsa.key"))
	require.NoError(t, err)
	return kp
}

// Before the handshake there is nothing to bind to: nil, as Python's None.
// After Close the socket is gone. An unknown type is Python's ValueError.
func TestChannelBinding_States(t *testing.T) {
	cn, _ := tcpPair(t)
	c, err := testClientContext(t).WrapSocket(cn, ServerHostname("localhost"), DoHandshakeOnConnect(false))
	require.NoError(t, err)
	for _, cb := range []string{"tls-unique", "tls-exporter"} {
		b, err := c.GetChannelBinding(cb)
		assert.NoError(t, err, cb)
		assert.Nil(t, b, cb)
	}
	_, err = c.GetChannelBinding("")
	assert.ErrorIs(t, err, ErrInvalidArgument)
	assert.EqualError(t, err, "ssl: '' channel binding type not implemented")
	require.NoError(t, c.Close())
	_, err = c.GetChannelBinding("tls-unique")
	assert.ErrorIs(t, err, ErrClosed)
}
