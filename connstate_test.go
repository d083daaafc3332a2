package ssl

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/openssl"
)

// pemDER returns the DER of the certificate in a testdata PEM file.
func pemDER(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(td(name))
	require.NoError(t, err)
	blk, _ := pem.Decode(b)
	require.NotNil(t, blk, name)
	return blk.Bytes
}

// A client chain whose leaf crypto/x509 refuses (a negative serial) but
// OpenSSL verifies: every certificate keeps its position, so the leaf is
// never mistaken for its issuer, the intermediate CA.
func TestConnectionState_UnparsableCertificateKeepsItsSlot(t *testing.T) {
	leaf, inter, root := pemDER(t, "negserial/client.pem"), pemDER(t, "negserial/intermediate.pem"), pemDER(t, "ca.pem")
	_, err := x509.ParseCertificate(leaf)
	require.Error(t, err, "the test needs a leaf crypto/x509 refuses")

	sctx := testServerContext(t)
	require.NoError(t, sctx.SetVerifyMode(CertRequired))
	require.NoError(t, sctx.LoadVerifyLocations(td("ca.pem"), ""))
	cctx := testClientContext(t)
	require.NoError(t, cctx.LoadCertChain(td("negserial/client-chain.pem"), td("negserial/client.key")))
	_, server := connected(t, cctx, sctx)

	st := server.ConnectionState()
	raws := func(chain []*x509.Certificate) [][]byte {
		var out [][]byte
		for _, c := range chain {
			require.NotNil(t, c)
			out = append(out, c.Raw)
		}
		return out
	}
	assert.Equal(t, [][]byte{leaf, inter}, raws(st.PeerCertificates))
	require.Len(t, st.VerifiedChains, 1)
	assert.Equal(t, [][]byte{leaf, inter, root}, raws(st.VerifiedChains[0]))

	// The slot says what it can of the certificate.
	c := st.PeerCertificates[0]
	assert.Equal(t, "negative serial client", c.Subject.CommonName)
	assert.Equal(t, "sslctx Intermediate CA", c.Issuer.CommonName)
	assert.Equal(t, big.NewInt(-1234), c.SerialNumber)
	assert.Equal(t, 3, c.Version)
	assert.False(t, c.NotAfter.IsZero())
	assert.Equal(t, st.VerifiedChains[0][1].RawSubject, c.RawIssuer)
	assert.Nil(t, c.PublicKey)

	// A handler reading r.TLS through FillRequestTLS sees the same leaf.
	ctx := ConnContext(t.Context(), server)
	var got []byte
	h := FillRequestTLS(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.TLS.PeerCertificates[0].Raw
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil).WithContext(ctx))
	assert.Equal(t, leaf, got)
}

// cryptoTLSPeer runs a crypto/tls handshake on nc with conf (a server
// unless client is set) and returns its connection once the handshake is
// over, or the error.
func cryptoTLSPeer(nc net.Conn, conf *tls.Config, client bool) chan any {
	done := make(chan any, 1)
	go func() {
		var c *tls.Conn
		if client {
			c = tls.Client(nc, conf)
		} else {
			c = tls.Server(nc, conf)
		}
		if err := c.Handshake(); err != nil {
			done <- err
			return
		}
		done <- c
	}()
	return done
}

func cryptoTLSResult(t *testing.T, done chan any) *tls.Conn {
	t.Helper()
	select {
	case v := <-done:
		c, ok := v.(*tls.Conn)
		require.True(t, ok, "crypto/tls handshake: %v", v)
		t.Cleanup(func() { c.Close() })
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("crypto/tls handshake did not finish")
		return nil
	}
}

// ConnectionState's exporter and key-exchange group agree with an
// independent implementation: crypto/tls, on the other end of the same
// connection, in both roles, for TLS 1.2 and 1.3 and several groups.
func TestConnectionState_MatchesCryptoTLSPeer(t *testing.T) {
	pair, err := tls.LoadX509KeyPair(td("server-rsa.pem"), td("server-rsa.key"))
	require.NoError(t, err)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(mustRead(t, td("ca.pem")))
	for _, tc := range []struct {
		name    string
		version uint16
		curve   tls.CurveID
	}{
		{"TLSv1.3 X25519", tls.VersionTLS13, tls.X25519},
		{"TLSv1.3 P-256", tls.VersionTLS13, tls.CurveP256},
		{"TLSv1.3 P-384", tls.VersionTLS13, tls.CurveP384},
		{"TLSv1.2 X25519", tls.VersionTLS12, tls.X25519},
		{"TLSv1.2 P-521", tls.VersionTLS12, tls.CurveP521},
	} {
		for _, ourServer := range []bool{false, true} {
			name := tc.name + " our client"
			if ourServer {
				name = tc.name + " our server"
			}
			t.Run(name, func(t *testing.T) {
				conf := &tls.Config{
					MinVersion: tc.version, MaxVersion: tc.version,
					CurvePreferences: []tls.CurveID{tc.curve},
					Certificates:     []tls.Certificate{pair},
					RootCAs:          roots, ServerName: "localhost",
					NextProtos: []string{"h2"},
				}
				cn, sn := tcpPair(t)
				deadline := time.Now().Add(10 * time.Second)
				cn.SetDeadline(deadline)
				sn.SetDeadline(deadline)
				var ours *Socket
				var done chan any
				if ourServer {
					done = cryptoTLSPeer(cn, conf, true)
					sctx := testServerContext(t)
					require.NoError(t, sctx.SetALPNProtocols([]string{"h2"}))
					ours, err = sctx.WrapSocket(sn, ServerSide(true))
				} else {
					done = cryptoTLSPeer(sn, conf, false)
					cctx := testClientContext(t)
					require.NoError(t, cctx.SetALPNProtocols([]string{"h2"}))
					ours, err = cctx.WrapSocket(cn, ServerHostname("localhost"))
				}
				require.NoError(t, err)
				t.Cleanup(func() { ours.Close() })
				peer := cryptoTLSResult(t, done)

				st, pst := ours.ConnectionState(), peer.ConnectionState()
				assert.Equal(t, tc.version, st.Version)
				assert.Equal(t, tc.curve, pst.CurveID, "crypto/tls's own view")
				assert.Equal(t, pst.CurveID, st.CurveID)
				assert.Equal(t, "h2", st.NegotiatedProtocol)
				assert.True(t, st.NegotiatedProtocolIsMutual)
				for _, c := range []struct {
					label   string
					context []byte
					n       int
				}{
					{"EXPORTER-test", nil, 32},
					{"EXPORTER-test", []byte{}, 32},
					{"EXPORTER-test", []byte("context"), 64},
					{"EXPORTER-other", []byte("context"), 1},
				} {
					want, err := pst.ExportKeyingMaterial(c.label, c.context, c.n)
					require.NoError(t, err)
					got, err := st.ExportKeyingMaterial(c.label, c.context, c.n)
					require.NoError(t, err)
					assert.Equal(t, want, got, "%q %q %d", c.label, c.context, c.n)
				}
			})
		}
	}
}

// Both ends of a connection between two Sockets export the same keying
// material; bad arguments and a connection without a handshake give
// errors, never a panic.
func TestConnectionState_ExportKeyingMaterial(t *testing.T) {
	client, server := connected(t, testClientContext(t), testServerContext(t))
	cst, sst := client.ConnectionState(), server.ConnectionState()
	a, err := cst.ExportKeyingMaterial("EXPORTER-sslctx", []byte("ctx"), 48)
	require.NoError(t, err)
	b, err := sst.ExportKeyingMaterial("EXPORTER-sslctx", []byte("ctx"), 48)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.Len(t, a, 48)
	assert.NotEqual(t, make([]byte, 48), a)
	c, err := cst.ExportKeyingMaterial("EXPORTER-sslctx", nil, 48)
	require.NoError(t, err)
	assert.NotEqual(t, a, c, "a context is part of the seed")
	assert.Equal(t, sst.CurveID, cst.CurveID)
	assert.NotZero(t, cst.CurveID)

	for _, n := range []int{-1, 1 << 40} {
		_, err = cst.ExportKeyingMaterial("EXPORTER-sslctx", nil, n)
		assert.ErrorIs(t, err, ErrInvalidArgument, "length %d", n)
	}

	// TLS 1.2 without the extended master secret: refused, as crypto/tls
	// refuses it. Only OpenSSL 3.0 on can turn the extension off; 1.1.1
	// always negotiates it, so there a TLS 1.2 export must succeed.
	t.Run("TLS 1.2 without EMS", func(t *testing.T) {
		noEMS := testClientContext(t)
		require.NoError(t, noEMS.SetMaximumVersion(TLSv1_2))
		require.NoError(t, noEMS.SetOptions(noEMS.Options()|Options(openssl.OpNoExtendedMasterSecret)))
		client12, _ := connected(t, noEMS, testServerContext(t))
		st12 := client12.ConnectionState()
		require.Equal(t, uint16(tls.VersionTLS12), st12.Version)
		_, err := st12.ExportKeyingMaterial("EXPORTER-sslctx", nil, 16)
		if openssl.OpNoExtendedMasterSecret == 0 {
			assert.NoError(t, err, "%s negotiates Extended Master Secret always", OpenSSLVersion)
			return
		}
		assert.ErrorContains(t, err, "neither TLS 1.3 nor Extended Master Secret")
	})

	// Before the handshake: an error, as crypto/tls gives.
	cn, _ := tcpPair(t)
	s, err := testClientContext(t).WrapSocket(cn, DoHandshakeOnConnect(false), ServerHostname("localhost"))
	require.NoError(t, err)
	defer s.Close()
	st := s.ConnectionState()
	assert.NotPanics(t, func() {
		_, err = st.ExportKeyingMaterial("EXPORTER-sslctx", nil, 16)
	})
	assert.Error(t, err)
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
