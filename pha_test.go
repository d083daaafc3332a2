package ssl

import (
	"fmt"
	"net"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/golden"
	"github.com/sslctx/ssl/internal/testpeer"
)

// phaServerContext requires client certificates from the test CA, after
// the handshake when pha is on.
func phaServerContext(t *testing.T, pha bool, mode VerifyMode) *Context {
	t.Helper()
	c := testServerContext(t)
	require.NoError(t, c.LoadVerifyLocations(td("ca.pem"), ""))
	require.NoError(t, c.SetVerifyMode(mode))
	require.NoError(t, c.SetPostHandshakeAuth(pha))
	return c
}

// phaClientContext presents the test client certificate.
func phaClientContext(t *testing.T, pha bool) *Context {
	t.Helper()
	c := testClientContext(t)
	require.NoError(t, c.LoadCertChain(td("client.pem"), td("client.key")))
	require.NoError(t, c.SetPostHandshakeAuth(pha))
	return c
}

// assertClientCert checks that cert is testdata/client.pem's, by its
// subject as GetPeerCert gives it.
func assertClientCert(t *testing.T, cert *Cert) {
	t.Helper()
	require.NotNil(t, cert, "no client certificate")
	want := [][]Attr{{{"countryName", "XY"}}, {{"organizationName", "sslctx tests"}}, {{"commonName", "sslctx client"}}}
	assert.Equal(t, want, cert.Subject)
}

func TestPHA_Settings(t *testing.T) {
	c := testClientContext(t)
	assert.False(t, c.PostHandshakeAuth(), "off by default, as in CPython")
	require.NoError(t, c.SetPostHandshakeAuth(true))
	assert.True(t, c.PostHandshakeAuth())
	d, err := CreateDefaultContext(PurposeServerAuth)
	require.NoError(t, err)
	assert.False(t, d.PostHandshakeAuth())
	require.NoError(t, c.Close())
	assert.ErrorIs(t, c.SetPostHandshakeAuth(false), ErrClosed)
}

// Our server asks our client for its certificate after the handshake: none
// in the handshake, the client's after the Read that follows the request.
func TestPHA_OurClientAndServer(t *testing.T) {
	c, s := connected(t, phaClientContext(t, true), phaServerContext(t, true, CertRequired))
	require.Equal(t, "TLSv1.3", s.Version())
	cert, err := s.GetPeerCert()
	require.NoError(t, err)
	assert.Nil(t, cert, "no certificate asked for in the handshake")
	require.NoError(t, s.VerifyClientPostHandshake())
	_, err = s.Write([]byte("req"))
	require.NoError(t, err)
	assert.Equal(t, "req", string(readN(t, c, 3)))
	_, err = c.Write([]byte("ack"))
	require.NoError(t, err)
	assert.Equal(t, "ack", string(readN(t, s, 3)))
	cert, err = s.GetPeerCert()
	require.NoError(t, err)
	assertClientCert(t, cert)
}

// A client without a certificate answers the request with none: with
// CertRequired the server's Read fails, as OpenSSL decides.
func TestPHA_ClientWithoutCertificate(t *testing.T) {
	cctx := testClientContext(t)
	require.NoError(t, cctx.SetPostHandshakeAuth(true))
	c, s := connected(t, cctx, phaServerContext(t, true, CertRequired))
	require.NoError(t, s.VerifyClientPostHandshake())
	_, err := s.Write([]byte("req"))
	require.NoError(t, err)
	readN(t, c, 3)
	c.Write([]byte("ack"))
	_, err = s.Read(make([]byte, 3))
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "PEER_DID_NOT_RETURN_A_CERTIFICATE", e.Reason, err.Error())
}

// openssl s_client -enable_pha answers our server's request.
func TestPHA_OpenSSLClient(t *testing.T) {
	sctx := phaServerContext(t, true, CertRequired)
	l, addr := listenOne(t)
	p := testpeer.StartClient(t, addr, "-enable_pha", "-cert", td("client.pem"), "-key", td("client.key"),
		"-CAfile", td("ca.pem"), "-servername", "localhost")
	s := acceptAndRequestCert(t, sctx, l, "req\n")
	_, ok := p.WaitFor(regexp.MustCompile(`req`), 10*time.Second)
	require.True(t, ok, p.Output())
	require.NoError(t, p.Send("ping\n"))
	assert.Equal(t, "ping\n", string(readN(t, s, 5)))
	cert, err := s.GetPeerCert()
	require.NoError(t, err)
	assertClientCert(t, cert)
}

// Our client answers openssl s_server's "c" command, a post-handshake
// certificate request: with s_server trusting our CA its verify callback
// shows our certificate and the connection goes on; with s_server
// trusting another CA (and -verify_return_error) it ends with unknown_ca. The "k" command (a
// KeyUpdate) is answered too. s_server's -msg trace says when each
// command's message has gone out, so that the next line typed is not read
// with the command.
func TestPHA_OpenSSLServer(t *testing.T) {
	for _, tc := range []struct {
		name, ca string
		fails    string // our Read's reason after "c"; "" when it goes on
	}{
		{"trusted", "ca.pem", ""},
		{"untrusted", "ca2.pem", "TLSV1_ALERT_UNKNOWN_CA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := testpeer.StartServer(t, "-cert", golden.Path("server-rsa.pem"), "-key", golden.Path("server-rsa.key"),
				"-CAfile", td(tc.ca), "-verify_return_error", "-tls1_3", "-msg")
			c, err := Dial(t.Context(), "tcp", srv.Addr, phaClientContext(t, true))
			require.NoError(t, err)
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			commands := []struct{ send, sent string }{
				{"c", `>>> TLS 1.3, Handshake \[length [0-9a-f]+\], CertificateRequest`},
				{"k", `>>> TLS 1.3, Handshake \[length [0-9a-f]+\], KeyUpdate`},
			}
			for i, cmd := range commands {
				require.NoError(t, srv.Send(cmd.send+"\n"))
				_, ok := srv.WaitFor(regexp.MustCompile(cmd.sent), 10*time.Second)
				require.True(t, ok, srv.Output())
				msg := fmt.Sprintf("after %s %d\n", cmd.send, i)
				require.NoError(t, srv.Send(msg))
				if tc.fails != "" {
					// The line may come before s_server has read our
					// certificate; its verdict follows.
					var err error
					for err == nil {
						_, err = c.Read(make([]byte, 64))
					}
					var e *Error
					require.ErrorAs(t, err, &e, srv.Output())
					assert.Equal(t, tc.fails, e.Reason, err.Error())
					return
				}
				assert.Equal(t, msg, string(readN(t, c, len(msg))))
			}
			// Without -verify s_server asks for no certificate in the
			// handshake: its verify callback met ours after "c".
			_, ok := srv.WaitFor(regexp.MustCompile(`depth=0 .*CN ?= ?sslctx client`), 10*time.Second)
			assert.True(t, ok, "s_server verified our certificate:\n%s", srv.Output())
			_, err = c.Write([]byte("still talking\n"))
			require.NoError(t, err)
			_, ok = srv.WaitFor(regexp.MustCompile(`still talking`), 10*time.Second)
			assert.True(t, ok, srv.Output())
		})
	}
}

type pyPHA struct {
	Port    int               `json:"port"`
	Before  map[string]string `json:"before"`
	After   map[string]string `json:"after"`
	Got     string            `json:"got"`
	Version string            `json:"version"`
}

// Our client answers CPython's server, and our server asks CPython's
// client, in the same exchange (testdata/peers/pha.py).
func TestPHA_Python(t *testing.T) {
	t.Run("CPython server", func(t *testing.T) {
		py := startPy(t, "pha.py", "server")
		var hello pyPHA
		py.next(&hello)
		c, err := Dial(t.Context(), "tcp", fmt.Sprintf("127.0.0.1:%d", hello.Port), phaClientContext(t, true))
		require.NoError(t, err)
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		assert.Equal(t, "req", string(readN(t, c, 3)))
		_, err = c.Write([]byte("ack"))
		require.NoError(t, err)
		var res pyPHA
		py.next(&res)
		assert.Nil(t, res.Before)
		assert.Equal(t, "sslctx client", res.After["commonName"])
		assert.Equal(t, "ack", res.Got)
	})
	t.Run("CPython client", func(t *testing.T) {
		sctx := phaServerContext(t, true, CertRequired)
		l, addr := listenOne(t)
		_, port, _ := net.SplitHostPort(addr)
		py := startPy(t, "pha.py", "client", port)
		s := acceptAndRequestCert(t, sctx, l, "req")
		assert.Equal(t, "ack", string(readN(t, s, 3)))
		cert, err := s.GetPeerCert()
		require.NoError(t, err)
		assertClientCert(t, cert)
		var res pyPHA
		py.next(&res)
		assert.Equal(t, "req", res.Got)
		assert.Equal(t, "TLSv1.3", res.Version)
	})
}

type pyReason struct{ Library, Reason string }

// VerifyClientPostHandshake fails where CPython's does, with its library
// and reason: CPython against CPython over memory BIOs, on this OpenSSL,
// against our client and server (testdata/peers/pha.py errors).
func TestPHA_ErrorsAsCPython(t *testing.T) {
	var want map[string]*pyReason
	startPy(t, "pha.py", "errors").next(&want)
	require.NotEmpty(t, want)
	attempt := func(err error) *pyReason {
		if err == nil {
			return nil
		}
		var e *Error
		require.ErrorAs(t, err, &e)
		return &pyReason{e.Library, e.Reason}
	}
	got := map[string]*pyReason{}
	c, s := connected(t, phaClientContext(t, true), phaServerContext(t, true, CertRequired))
	got["ok"] = attempt(s.VerifyClientPostHandshake())
	got["twice"] = attempt(s.VerifyClientPostHandshake())
	got["client side"] = attempt(c.VerifyClientPostHandshake())
	_, s = connected(t, phaClientContext(t, false), phaServerContext(t, true, CertRequired))
	got["client without pha"] = attempt(s.VerifyClientPostHandshake())
	_, s = connected(t, phaClientContext(t, true), phaServerContext(t, false, CertOptional))
	got["server without pha"] = attempt(s.VerifyClientPostHandshake())
	_, s = connected(t, phaClientContext(t, true), phaServerContext(t, true, CertNone))
	got["server CERT_NONE"] = attempt(s.VerifyClientPostHandshake())
	cctx := phaClientContext(t, true)
	require.NoError(t, cctx.SetMaximumVersion(TLSv1_2))
	_, s = connected(t, cctx, phaServerContext(t, true, CertRequired))
	got["TLS 1.2"] = attempt(s.VerifyClientPostHandshake())
	_, sn := tcpPair(t)
	early, err := phaServerContext(t, true, CertRequired).WrapSocket(sn, ServerSide(true), DoHandshakeOnConnect(false))
	require.NoError(t, err)
	got["before the handshake"] = attempt(early.VerifyClientPostHandshake())
	assert.Equal(t, want, got)
	assert.Contains(t, want, "ok")
	assert.Nil(t, want["ok"])
}

// acceptAndRequestCert accepts the next client of l on a server socket of
// sctx, checks that the handshake brought no client certificate, asks for
// one after it and writes msg, which carries the request. The socket is
// closed when the test ends.
func acceptAndRequestCert(t *testing.T, sctx *Context, l net.Listener, msg string) *Socket {
	t.Helper()
	s, err := sctx.WrapSocket(acceptOne(t, l), ServerSide(true))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	cert, err := s.GetPeerCert()
	require.NoError(t, err)
	assert.Nil(t, cert)
	require.NoError(t, s.VerifyClientPostHandshake())
	_, err = s.Write([]byte(msg))
	require.NoError(t, err)
	return s
}
