package ssl

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/testpeer"
	"github.com/sslctx/ssl/openssl"
)

// sniServer is one server that presents three certificates by name: the
// ECDSA "localhost" certificate for "localhost", server-other's for
// "other.example", and the default Context's RSA certificate for a client
// that sends no name. Any other name gets unrecognized_name. It counts the
// callback's calls and remembers the last name.
type sniServer struct {
	ctx      *Context
	byName   map[string]*Context
	calls    atomic.Int64
	lastName atomic.Value
}

func newSNIServer(t testing.TB) *sniServer {
	t.Helper()
	srv := &sniServer{ctx: testServerContext(t), byName: map[string]*Context{}}
	for name, files := range map[string][2]string{
		"localhost":     {"server-ecdsa.pem", "server-ecdsa.key"},
		"other.example": {"server-other.pem", "server-other.key"},
	} {
		c, err := NewContext(ProtocolTLSServer)
		require.NoError(t, err)
		require.NoError(t, c.LoadCertChain(td(files[0]), td(files[1])))
		srv.byName[name] = c
	}
	require.NoError(t, srv.ctx.SetSNICallback(func(s *Socket, name string, c *Context) error {
		srv.calls.Add(1)
		srv.lastName.Store(name)
		if name == "" {
			return nil
		}
		other, ok := srv.byName[name]
		if !ok {
			return AlertError{Description: AlertDescriptionUnrecognizedName}
		}
		return s.SetContext(other)
	}))
	return srv
}

// certDER is the DER of the first certificate of a PEM file of testdata.
func certDER(t *testing.T, name string) []byte {
	t.Helper()
	b, _ := pem.Decode(readTD(t, name))
	require.NotNil(t, b, name)
	return b.Bytes
}

func TestSNI_ThreeCertificatesByName(t *testing.T) {
	noGoroutineLeak(t)
	srv := newSNIServer(t)
	for _, tc := range []struct {
		name     string // "" sends none
		hostname string // what the client verifies
		cert     string
	}{
		{"localhost", "localhost", "server-ecdsa.pem"},
		{"other.example", "other.example", "server-other.pem"},
		{"", "127.0.0.1", "server-rsa.pem"}, // an IP address: no SNI
	} {
		t.Run(tc.cert, func(t *testing.T) {
			cctx := testClientContext(t)
			c, s := connected(t, cctx, srv.ctx, ServerHostname(tc.hostname))
			der, err := c.GetPeerCertDER()
			require.NoError(t, err)
			assert.Equal(t, certDER(t, tc.cert), der)
			assert.Equal(t, tc.name, srv.lastName.Load())
			if tc.name != "" {
				assert.Same(t, srv.byName[tc.name], s.Context())
			} else {
				assert.Same(t, srv.ctx, s.Context())
			}
			_, err = x509.ParseCertificate(der)
			require.NoError(t, err)
		})
	}
}

func TestSNI_UnknownNameAlert(t *testing.T) {
	srv := newSNIServer(t)
	c, s := handshakePair(t, testClientContext(t), srv.ctx, []WrapOption{ServerHostname("nobody.example")}, nil)
	require.Error(t, s.err)
	var e *Error
	require.ErrorAs(t, s.err, &e)
	assert.Equal(t, "CALLBACK_FAILED", e.Reason, s.err.Error())
	var ae AlertError
	require.True(t, errors.As(s.err, &ae), s.err.Error())
	assert.Equal(t, AlertDescriptionUnrecognizedName, ae.Description)
	require.Error(t, c.err)
	require.ErrorAs(t, c.err, &e)
	assert.Equal(t, "TLSV1_UNRECOGNIZED_NAME", e.Reason, c.err.Error())
}

// serveSNI accepts connections for srv until the test ends: each is
// handshaken, sent "x", and closed. Handshake errors go to errs.
func serveSNI(t *testing.T, srv *sniServer) (addr string, errs <-chan error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ch := make(chan error, 16)
	wait := acceptEach(l, func(conn net.Conn) {
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		s, err := srv.ctx.WrapSocket(conn, ServerSide(true))
		if err != nil {
			ch <- err
			return
		}
		ch <- nil
		s.Write([]byte("x"))
		s.Close()
	})
	t.Cleanup(func() { l.Close(); wait() })
	return l.Addr().String(), ch
}

func nextErr(t *testing.T, errs <-chan error) error {
	t.Helper()
	select {
	case err := <-errs:
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("no handshake within 20s")
	}
	return nil
}

// firstPEMCert is the DER of the first certificate s_client printed.
func firstPEMCert(t *testing.T, out string) []byte {
	t.Helper()
	b, _ := pem.Decode([]byte(out[strings.Index(out, "-----BEGIN CERTIFICATE-----"):]))
	require.NotNil(t, b, out)
	return b.Bytes
}

var sniCases = []struct {
	name string // "" sends none
	cert string
}{
	{"localhost", "server-ecdsa.pem"},
	{"other.example", "server-other.pem"},
	{"", "server-rsa.pem"},
}

// openssl s_client with -servername (or -noservername) gets the
// certificate of its name from our server.
func TestSNI_OpenSSLClient(t *testing.T) {
	srv := newSNIServer(t)
	addr, errs := serveSNI(t, srv)
	for _, tc := range sniCases {
		t.Run(tc.cert, func(t *testing.T) {
			args := []string{"-showcerts", "-CAfile", td("ca.pem")}
			if tc.name == "" {
				args = append(args, "-noservername")
			} else {
				args = append(args, "-servername", tc.name)
			}
			r := testpeer.RunClient(t, addr, "", args...)
			require.True(t, r.Connected, r.Output)
			require.NoError(t, nextErr(t, errs))
			assert.Equal(t, certDER(t, tc.cert), firstPEMCert(t, r.Output))
			assert.Equal(t, 0, r.VerifyCode, r.VerifyMessage)
			assert.Equal(t, tc.name, srv.lastName.Load())
		})
	}
}

type pySNIClient struct {
	Cert    string `json:"cert"`
	Version string `json:"version"`
	Error   *struct {
		Library, Reason, Str string
	} `json:"error"`
}

// CPython's client, with server_hostname or without, gets the certificate
// of its name from our server.
func TestSNI_PythonClient(t *testing.T) {
	srv := newSNIServer(t)
	addr, errs := serveSNI(t, srv)
	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	for _, tc := range sniCases {
		t.Run(tc.cert, func(t *testing.T) {
			name := tc.name
			if name == "" {
				name = "-"
			}
			var got pySNIClient
			startPy(t, "sni.py", "client", port, name).next(&got)
			require.Nil(t, got.Error)
			require.NoError(t, nextErr(t, errs))
			assert.Equal(t, hex.EncodeToString(certDER(t, tc.cert)), got.Cert)
			assert.Equal(t, tc.name, srv.lastName.Load())
		})
	}
}

type pySNIServer struct {
	Port  int       `json:"port"`
	Names []*string `json:"names"`
	Error *struct {
		Library, Reason, Str string
	} `json:"error"`
}

// The alerts our SNI callback's errors send, as s_client reports them,
// against CPython's server with the same callback: an AlertError sends its
// alert as CPython's returned ALERT_DESCRIPTION_* does; a name that is not
// ASCII gets internal_error from both, and neither calls the callback. A
// plain error sends internal_error too, where CPython's exception sends
// handshake_failure: API.md fixes internal_error.
func TestSNI_AlertsAsCPython(t *testing.T) {
	type run struct {
		errors []string // s_client's reason texts
		calls  int
	}
	cases := []struct{ name, servername, mode string }{
		{"unknown name", "nobody.example", "alert"},
		{"not ASCII", "\u00e9t\u00e9.example", "alert"},
		{"callback error", "nobody.example", "raise"},
	}
	ours, theirs := map[string]run{}, map[string]run{}
	for _, tc := range cases {
		srv := newSNIServer(t)
		if tc.mode == "raise" {
			require.NoError(t, srv.ctx.SetSNICallback(func(*Socket, string, *Context) error {
				srv.calls.Add(1)
				return errors.New("no such name")
			}))
		}
		addr, errs := serveSNI(t, srv)
		r := testpeer.RunClient(t, addr, "", "-servername", tc.servername)
		require.False(t, r.Connected, r.Output)
		require.NotEmpty(t, r.Errors, r.Output)
		serverErr := nextErr(t, errs)
		var e *Error
		require.ErrorAs(t, serverErr, &e, tc.name)
		assert.Equal(t, "CALLBACK_FAILED", e.Reason, serverErr.Error())
		ours[tc.name] = run{r.Errors, int(srv.calls.Load())}

		py := startPy(t, "sni.py", "server", tc.mode)
		var hello, res pySNIServer
		py.next(&hello)
		r = testpeer.RunClient(t, fmt.Sprintf("127.0.0.1:%d", hello.Port), "", "-servername", tc.servername)
		py.next(&res)
		require.False(t, r.Connected, r.Output)
		require.NotNil(t, res.Error, tc.name)
		assert.Equal(t, "CALLBACK_FAILED", res.Error.Reason, tc.name)
		theirs[tc.name] = run{r.Errors, len(res.Names)}
	}
	assert.Equal(t, theirs["unknown name"], ours["unknown name"], "unrecognized_name")
	assert.Equal(t, theirs["not ASCII"], ours["not ASCII"], "internal_error, no call")
	assert.Zero(t, ours["not ASCII"].calls)
	assert.Equal(t, theirs["not ASCII"].errors, ours["callback error"].errors, "our error sends internal_error")
	assert.NotEqual(t, theirs["not ASCII"].errors, theirs["callback error"].errors, "CPython's exception sends handshake_failure")
	assert.Equal(t, 1, ours["callback error"].calls)
	assert.Equal(t, 1, theirs["callback error"].calls)
}

// A panic in the callback ends that handshake with internal_error; the
// server goes on serving the next one.
func TestSNI_PanicAbortsOnlyThatHandshake(t *testing.T) {
	noGoroutineLeak(t)
	srv := newSNIServer(t)
	require.NoError(t, srv.ctx.SetSNICallback(func(s *Socket, name string, c *Context) error {
		if name == "other.example" {
			panic("boom")
		}
		return nil
	}))
	c, s := handshakePair(t, testClientContext(t), srv.ctx, []WrapOption{ServerHostname("other.example")}, nil)
	require.Error(t, s.err)
	assert.Contains(t, s.err.Error(), "SNI callback panicked: boom")
	var e *Error
	require.ErrorAs(t, c.err, &e)
	assert.Equal(t, "TLSV1_ALERT_INTERNAL_ERROR", e.Reason, c.err.Error())

	c2, s2 := connected(t, testClientContext(t), srv.ctx)
	_, err := c2.Write([]byte("still serving"))
	require.NoError(t, err)
	assert.Equal(t, "still serving", string(readN(t, s2, 13)))
}

// The callback's error is wrapped by the server's handshake error, and
// AlertError works as a value and as a pointer.
func TestSNI_ErrorsMapToAlerts(t *testing.T) {
	sentinel := errors.New("not served here")
	for _, tc := range []struct {
		name   string
		err    error
		reason string // the client's
	}{
		{"plain error", sentinel, "TLSV1_ALERT_INTERNAL_ERROR"},
		{"wrapped AlertError", fmt.Errorf("refused: %w", AlertError{AlertDescriptionAccessDenied}), "TLSV1_ALERT_ACCESS_DENIED"},
		{"*AlertError", &AlertError{AlertDescriptionHandshakeFailure}, "SSLV3_ALERT_HANDSHAKE_FAILURE"},
		{"nil *AlertError", (*AlertError)(nil), "TLSV1_ALERT_INTERNAL_ERROR"},
		{"no such alert", AlertError{300}, "TLSV1_ALERT_INTERNAL_ERROR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sctx := testServerContext(t)
			require.NoError(t, sctx.SetSNICallback(func(*Socket, string, *Context) error { return tc.err }))
			c, s := handshakePair(t, testClientContext(t), sctx, []WrapOption{ServerHostname("localhost")}, nil)
			require.Error(t, s.err)
			assert.ErrorIs(t, s.err, tc.err)
			var e *Error
			require.ErrorAs(t, c.err, &e)
			assert.Equal(t, tc.reason, e.Reason, c.err.Error())
		})
	}
}

// The callback runs with none of the library's locks held: it may use
// the socket, change the Context it is given and others, and wrap more
// sockets, without deadlock.
func TestSNI_CallbackHoldsNoLock(t *testing.T) {
	srv := newSNIServer(t)
	other := srv.byName["other.example"]
	var inside struct {
		serverSide bool
		version    string
		peerErr    error
		ctxSame    bool
	}
	require.NoError(t, srv.ctx.SetSNICallback(func(s *Socket, name string, c *Context) error {
		inside.serverSide = s.ServerSide()
		inside.version = s.Version()
		_, inside.peerErr = s.GetPeerCert()
		inside.ctxSame = s.Context() == c
		s.Cipher()
		s.ConnectionState()
		// A setter takes the Context's write lock.
		if err := c.SetCiphers(pythonDefaultCiphers); err != nil {
			return err
		}
		if err := other.SetALPNProtocols([]string{"x"}); err != nil {
			return err
		}
		c.SessionStats()
		return s.SetContext(other)
	}))
	failIfStuck(t, 20*time.Second)
	c, _ := connected(t, testClientContext(t), srv.ctx, ServerHostname("other.example"))
	der, err := c.GetPeerCertDER()
	require.NoError(t, err)
	assert.Equal(t, certDER(t, "server-other.pem"), der)
	assert.True(t, inside.serverSide)
	assert.Equal(t, "", inside.version, "before the handshake")
	assert.ErrorIs(t, inside.peerErr, ErrInvalidArgument)
	assert.True(t, inside.ctxSame)
}

// A HelloRetryRequest makes the client send a second ClientHello. CPython
// 3.13 calls its callback for each, the second time with the Context the
// callback was set on although the first call moved the socket to one
// without a callback (OpenSSL falls back on the socket's first context):
// measured, two calls, both given the original context. So do we.
func TestSNI_CalledForEachClientHello(t *testing.T) {
	srv := newSNIServer(t)
	// The client offers an X25519 key share first; a server that only
	// takes P-256 asks again.
	require.NoError(t, srv.ctx.SetECDHCurve("prime256v1"))
	require.NoError(t, srv.byName["localhost"].SetECDHCurve("prime256v1"))
	var given []*Context
	require.NoError(t, srv.ctx.SetSNICallback(func(s *Socket, name string, c *Context) error {
		given = append(given, c)
		return s.SetContext(srv.byName[name])
	}))
	c, s := connected(t, testClientContext(t), srv.ctx, ServerHostname("localhost"))
	assert.Equal(t, "TLSv1.3", c.Version())
	assert.Equal(t, tls.CurveP256, c.ConnectionState().CurveID, "a HelloRetryRequest happened")
	assert.Equal(t, []*Context{srv.ctx, srv.ctx}, given)
	assert.Same(t, srv.byName["localhost"], s.Context())
	der, err := c.GetPeerCertDER()
	require.NoError(t, err)
	assert.Equal(t, certDER(t, "server-ecdsa.pem"), der)
}

// Only server contexts take a callback, and nil removes it.
func TestSNI_SetSNICallback(t *testing.T) {
	cctx := testClientContext(t)
	assert.ErrorIs(t, cctx.SetSNICallback(func(*Socket, string, *Context) error { return nil }), ErrInvalidArgument)
	srv := newSNIServer(t)
	require.NoError(t, srv.ctx.SetSNICallback(nil))
	c, _ := connected(t, testClientContext(t), srv.ctx, ServerHostname("localhost"))
	der, err := c.GetPeerCertDER()
	require.NoError(t, err)
	assert.Equal(t, certDER(t, "server-rsa.pem"), der)
	assert.Zero(t, srv.calls.Load())
	closed := testServerContext(t)
	require.NoError(t, closed.Close())
	assert.ErrorIs(t, closed.SetSNICallback(nil), ErrClosed)
}

// What a switch changes, as measured with CPython 3.13 on the same
// OpenSSL: the certificate, and the ALPN protocols the server selects from
// (the new context's, none when it has none); not the verify mode.
func TestSNI_SwitchChangesWhatSSLSetSSLCTXChanges(t *testing.T) {
	for _, tc := range []struct {
		name  string
		alpnB []string
		want  string
	}{
		{"new context's ALPN", []string{"http/1.1"}, "http/1.1"},
		{"new context without ALPN", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := testServerContext(t)
			require.NoError(t, a.SetALPNProtocols([]string{"h2"}))
			b, err := NewContext(ProtocolTLSServer)
			require.NoError(t, err)
			require.NoError(t, b.LoadCertChain(td("server-ecdsa.pem"), td("server-ecdsa.key")))
			if tc.alpnB != nil {
				require.NoError(t, b.SetALPNProtocols(tc.alpnB))
			}
			require.NoError(t, b.SetVerifyMode(CertRequired))
			require.NoError(t, a.SetSNICallback(func(s *Socket, _ string, _ *Context) error { return s.SetContext(b) }))
			cctx := testClientContext(t)
			require.NoError(t, cctx.SetALPNProtocols([]string{"h2", "http/1.1"}))
			c, s := connected(t, cctx, a)
			assert.Equal(t, tc.want, c.SelectedALPNProtocol())
			assert.Equal(t, tc.want, s.SelectedALPNProtocol())
			der, err := c.GetPeerCertDER()
			require.NoError(t, err)
			assert.Equal(t, certDER(t, "server-ecdsa.pem"), der)
			// b's CertRequired was not applied: no client certificate
			// was asked for.
			peer, err := s.GetPeerCertDER()
			require.NoError(t, err)
			assert.Nil(t, peer)
			assert.Same(t, b, s.Context())
		})
	}
}

// SetContext refuses nil and closed contexts and works on a closed socket
// with ErrClosed.
func TestSNI_SetContextArguments(t *testing.T) {
	c, s := connected(t, testClientContext(t), testServerContext(t))
	assert.ErrorIs(t, s.SetContext(nil), ErrInvalidArgument)
	closed := testServerContext(t)
	require.NoError(t, closed.Close())
	assert.ErrorIs(t, s.SetContext(closed), ErrClosed)
	other := testServerContext(t)
	require.NoError(t, s.SetContext(other))
	assert.Same(t, other, s.Context())
	require.NoError(t, c.Close())
	require.NoError(t, s.Close())
	assert.ErrorIs(t, s.SetContext(other), ErrClosed)
}

// A client's renegotiation (TLS 1.2) sends another ClientHello, which
// reaches the server inside a Read: the callback runs there too, as
// CPython's does (measured with CPython 3.13 and s_client's "R": two
// calls).
func TestSNI_CalledAgainOnRenegotiation(t *testing.T) {
	srv := newSNIServer(t)
	// OpenSSL 3 refuses a client's renegotiation unless asked; 1.1.1
	// allows it (and has no such option: the bit is 0).
	require.NoError(t, srv.ctx.SetOptions(srv.ctx.Options()|Options(openssl.OpAllowClientRenegotiation)))
	require.NoError(t, srv.byName["localhost"].SetOptions(srv.byName["localhost"].Options()|Options(openssl.OpAllowClientRenegotiation)))
	l, addr := listenOne(t)
	p := testpeer.StartClient(t, addr, "-tls1_2", "-servername", "localhost", "-CAfile", td("ca.pem"))
	s, err := srv.ctx.WrapSocket(acceptOne(t, l), ServerSide(true))
	require.NoError(t, err)
	defer s.Close()
	require.EqualValues(t, 1, srv.calls.Load())
	require.NoError(t, p.Send("R\n"))
	_, ok := p.WaitFor(regexp.MustCompile(`RENEGOTIATING`), 10*time.Second)
	require.True(t, ok, p.Output())
	require.NoError(t, p.Send("after renegotiation\n"))
	assert.Equal(t, "after renegotiation\n", string(readN(t, s, 20)))
	assert.EqualValues(t, 2, srv.calls.Load())
	assert.Same(t, srv.byName["localhost"], s.Context())
}

// An SSLObject server cannot run an SNI callback (it takes a *Socket): its
// handshake fails with internal_error and says why, rather than go on as if
// the callback were not there. Without a callback, SNI is simply accepted.
func TestSNI_SSLObjectServerRefusesTheCallback(t *testing.T) {
	sctx := testServerContext(t)
	called := false
	require.NoError(t, sctx.SetSNICallback(func(*Socket, string, *Context) error {
		called = true
		return nil
	}))
	p := newObjPair(t, testClientContext(t), sctx)
	require.ErrorIs(t, p.client.obj.DoHandshake(), ErrWantRead)
	p.carry()
	err := p.server.obj.DoHandshake()
	require.ErrorIs(t, err, errSNIObject)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "CALLBACK_FAILED", e.Reason)
	assert.False(t, called)
	p.carry()
	err = p.client.obj.DoHandshake()
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "TLSV1_ALERT_INTERNAL_ERROR", e.Reason)

	require.NoError(t, sctx.SetSNICallback(nil))
	newObjPair(t, testClientContext(t), sctx).handshake(t)
}
