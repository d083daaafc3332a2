package ssl_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"

	"github.com/sslctx/ssl"
	"github.com/sslctx/ssl/internal/golden"
	"github.com/sslctx/ssl/internal/lockedbuf"
)

// httpsServer is a ServeHTTPS running for a test.
type httpsServer struct {
	srv  *http.Server
	addr string            // 127.0.0.1:port
	port string            // the port alone
	done chan error        // ServeHTTPS's result
	errs *lockedbuf.Buffer // srv.ErrorLog's output
}

// serverContext is a server Context with cert/key from testdata offering
// alpn (none when empty).
func serverContext(t *testing.T, cert string, alpn ...string) *ssl.Context {
	t.Helper()
	c, err := ssl.NewContext(ssl.ProtocolTLSServer)
	require.NoError(t, err)
	require.NoError(t, c.LoadCertChain(golden.Path(cert+".pem"), golden.Path(cert+".key")))
	if len(alpn) > 0 {
		require.NoError(t, c.SetALPNProtocols(alpn))
	}
	return c
}

// startHTTPS runs ServeHTTPS with srv (its Handler set by the caller) on a
// loopback listener of c, until the test ends.
func startHTTPS(t *testing.T, c *ssl.Context, srv *http.Server) *httpsServer {
	t.Helper()
	ln, err := ssl.Listen("tcp", "127.0.0.1:0", c)
	require.NoError(t, err)
	errs := &lockedbuf.Buffer{}
	if srv.ErrorLog == nil {
		srv.ErrorLog = log.New(errs, "", 0)
	}
	s := &httpsServer{srv: srv, addr: ln.Addr().String(), done: make(chan error, 1), errs: errs}
	_, s.port, _ = net.SplitHostPort(s.addr)
	go func() { s.done <- ssl.ServeHTTPS(srv, ln) }()
	t.Cleanup(func() {
		srv.Close()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			t.Errorf("ServeHTTPS did not return after Close")
		}
	})
	return s
}

// tlsFacts is what the test handlers answer: the protocol and the TLS
// state the handler saw in r.TLS.
func tlsFacts(w http.ResponseWriter, r *http.Request) {
	if r.TLS == nil {
		http.Error(w, "r.TLS is nil", http.StatusInternalServerError)
		return
	}
	fmt.Fprintf(w, "%s %s %s complete=%v sni=%s", r.Proto, tls.VersionName(r.TLS.Version),
		r.TLS.NegotiatedProtocol, r.TLS.HandshakeComplete, r.TLS.ServerName)
}

func curlPath(t *testing.T) string {
	t.Helper()
	curl, err := exec.LookPath("curl")
	require.NoError(t, err, "the HTTPS tests need curl (apt-get install curl)")
	return curl
}

// curl, the HTTP/2 client of OpenSSL and nghttp2, against ServeHTTPS: it
// gets the protocol it asks for, and the handler sees the TLS state.
func TestServeHTTPS_Curl(t *testing.T) {
	curl := curlPath(t)
	s := startHTTPS(t, serverContext(t, "server-rsa", "h2", "http/1.1"),
		&http.Server{Handler: http.HandlerFunc(tlsFacts), ReadHeaderTimeout: 10 * time.Second})
	for _, tc := range []struct {
		flag, body, version string
	}{
		{"--http2", "HTTP/2.0 TLS 1.3 h2 complete=true sni=localhost", "2"},
		{"--http1.1", "HTTP/1.1 TLS 1.3 http/1.1 complete=true sni=localhost", "1.1"},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			out, err := exec.Command(curl, tc.flag, "--silent", "--show-error", "--max-time", "20",
				"--cacert", golden.Path("ca.pem"), "--resolve", "localhost:"+s.port+":127.0.0.1",
				"--write-out", "\n%{http_version}", "https://localhost:"+s.port+"/").CombinedOutput()
			require.NoError(t, err, "%s", out)
			assert.Equal(t, tc.body+"\n"+tc.version, string(out))
		})
	}
}

// A Context without ALPN protocols offers none, so even a client asking
// for HTTP/2 gets HTTP/1.1, as from a crypto/tls listener without NextProtos.
func TestServeHTTPS_ContextWithoutALPNServesHTTP1(t *testing.T) {
	curl := curlPath(t)
	s := startHTTPS(t, serverContext(t, "server-rsa"),
		&http.Server{Handler: http.HandlerFunc(tlsFacts), ReadHeaderTimeout: 10 * time.Second})
	out, err := exec.Command(curl, "--http2", "--silent", "--show-error", "--max-time", "20",
		"--cacert", golden.Path("ca.pem"), "--resolve", "localhost:"+s.port+":127.0.0.1",
		"--write-out", "\n%{http_version}", "https://localhost:"+s.port+"/").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "HTTP/1.1 TLS 1.3  complete=true sni=localhost\n1.1", string(out))
}

// caPool is the test CA for crypto/tls.
func caPool(t *testing.T) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(golden.Path("ca.pem"))
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem))
	return pool
}

// Go's own client over crypto/tls against ServeHTTPS: HTTP/2 when it
// offers h2, HTTP/1.1 when it does not.
func TestServeHTTPS_GoClientOverCryptoTLS(t *testing.T) {
	s := startHTTPS(t, serverContext(t, "server-rsa", "h2", "http/1.1"),
		&http.Server{Handler: http.HandlerFunc(tlsFacts), ReadHeaderTimeout: 10 * time.Second})
	for _, tc := range []struct {
		name string
		tr   *http.Transport
		want string
	}{
		{"h2", &http.Transport{TLSClientConfig: &tls.Config{RootCAs: caPool(t)}, ForceAttemptHTTP2: true},
			"HTTP/2.0 TLS 1.3 h2 complete=true sni=localhost"},
		{"http1", &http.Transport{TLSClientConfig: &tls.Config{RootCAs: caPool(t)},
			TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}},
			// Without TLSNextProto, net/http offers no ALPN at all.
			"HTTP/1.1 TLS 1.3  complete=true sni=localhost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer tc.tr.CloseIdleConnections()
			client := &http.Client{Transport: tc.tr, Timeout: 20 * time.Second}
			resp, err := client.Get("https://localhost:" + s.port + "/")
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(body))
			assert.Equal(t, strings.Fields(tc.want)[0], resp.Proto)
		})
	}
}

// h2Dial connects with ALPN h2 alone, to speak HTTP/2 by hand, so that the
// server's first frames can be read whatever they are. The server speaks
// first: a refusal needs nothing written, and a write could meet the
// connection already closed.
func h2Dial(t *testing.T, addr string, setup func(c *ssl.Context)) (*ssl.Socket, *http2.Framer) {
	t.Helper()
	c, err := ssl.NewContext(ssl.ProtocolTLSClient)
	require.NoError(t, err)
	require.NoError(t, c.LoadVerifyLocations(golden.Path("ca.pem"), ""))
	require.NoError(t, c.SetALPNProtocols([]string{"h2"}))
	setup(c)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := ssl.Dial(ctx, "tcp", addr, c)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.Equal(t, "h2", s.SelectedALPNProtocol())
	s.SetDeadline(time.Now().Add(10 * time.Second))
	return s, http2.NewFramer(s, s)
}

// firstGoAway reads frames until a GOAWAY or the end of the connection.
func firstGoAway(fr *http2.Framer) (*http2.GoAwayFrame, error) {
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return nil, err
		}
		if ga, ok := f.(*http2.GoAwayFrame); ok {
			return ga, nil
		}
	}
}

// RFC 7540 section 9.2: HTTP/2 over TLS below 1.2 or with a cipher suite
// of appendix A ends with INADEQUATE_SECURITY, as net/http ends it over
// crypto/tls; a good TLS 1.2 suite is served.
func TestServeHTTPS_HTTP2RefusesWeakTLS(t *testing.T) {
	sctx := serverContext(t, "server-rsa", "h2", "http/1.1")
	// Let the server accept what the client below proposes, so that the
	// HTTP/2 layer, not the handshake, is what refuses.
	require.NoError(t, sctx.SetMinimumVersion(ssl.TLSv1_1))
	require.NoError(t, sctx.SetCiphers("ALL:@SECLEVEL=0"))
	s := startHTTPS(t, sctx, &http.Server{Handler: http.HandlerFunc(tlsFacts), ReadHeaderTimeout: 10 * time.Second})
	for _, tc := range []struct {
		name      string
		version   ssl.TLSVersion
		ciphers   string
		wantDebug string // "" for no GOAWAY: the connection is served
	}{
		{"TLS1.2 CBC suite", ssl.TLSv1_2, "ECDHE-RSA-AES128-SHA", "Prohibited TLS 1.2 Cipher Suite: c013"},
		{"TLS1.1", ssl.TLSv1_1, "ECDHE-RSA-AES128-SHA:@SECLEVEL=0", "TLS version too low"},
		{"TLS1.2 GCM suite", ssl.TLSv1_2, "ECDHE-RSA-AES128-GCM-SHA256", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, fr := h2Dial(t, "localhost:"+s.port, func(c *ssl.Context) {
				require.NoError(t, c.SetMinimumVersion(tc.version))
				require.NoError(t, c.SetMaximumVersion(tc.version))
				require.NoError(t, c.SetCiphers(tc.ciphers))
			})
			if tc.wantDebug == "" {
				// A PING is answered only by a server that serves the
				// connection.
				_, err := io.WriteString(conn, http2.ClientPreface)
				require.NoError(t, err)
				require.NoError(t, fr.WriteSettings())
				require.NoError(t, fr.WritePing(false, [8]byte{1, 2, 3}))
				for {
					f, err := fr.ReadFrame()
					require.NoError(t, err)
					if _, ok := f.(*http2.GoAwayFrame); ok {
						t.Fatalf("GOAWAY for a good suite: %v", f)
					}
					if p, ok := f.(*http2.PingFrame); ok && p.IsAck() {
						return
					}
				}
			}
			ga, err := firstGoAway(fr)
			require.NoError(t, err, "over %s", conn.Version())
			assert.Equal(t, http2.ErrCodeInadequateSecurity, ga.ErrCode)
			assert.Equal(t, tc.wantDebug, string(ga.DebugData()))
		})
	}
}

// A client speaking plain HTTP to the TLS port gets net/http's answer
// (OpenSSL's HTTP_REQUEST), and the error log says what happened.
func TestServeHTTPS_PlainHTTPGets400(t *testing.T) {
	s := startHTTPS(t, serverContext(t, "server-rsa", "h2", "http/1.1"),
		&http.Server{Handler: http.HandlerFunc(tlsFacts), ReadHeaderTimeout: 10 * time.Second})
	conn := s.dialTCP(t)
	_, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
	require.NoError(t, err)
	got, err := io.ReadAll(conn)
	require.NoError(t, err)
	assert.Equal(t, "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n", string(got))
	assert.Contains(t, s.errs.String(), "http: TLS handshake error from 127.0.0.1:")
	assert.Contains(t, s.errs.String(), ": client sent an HTTP request to an HTTPS server")
}

// The handshake is bounded by the server's handshake timeout (here its
// ReadHeaderTimeout) as net/http bounds it: a client that never sends a
// ClientHello is dropped.
func TestServeHTTPS_HandshakeTimeout(t *testing.T) {
	s := startHTTPS(t, serverContext(t, "server-rsa", "h2", "http/1.1"),
		&http.Server{Handler: http.HandlerFunc(tlsFacts), ReadHeaderTimeout: 300 * time.Millisecond})
	conn := s.dialTCP(t)
	start := time.Now()
	_, err := conn.Read(make([]byte, 1))
	assert.Error(t, err, "the server closes the connection")
	var ne net.Error
	assert.False(t, errors.As(err, &ne) && ne.Timeout(), "the server, not our deadline, ended it: %v", err)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Eventually(t, func() bool { return strings.Contains(s.errs.String(), "no handshake within 300ms") },
		5*time.Second, 10*time.Millisecond, "error log: %s", s.errs.String())
}

// dialTCP opens a plain TCP connection to s, closed when the test ends,
// with its reads and writes bounded.
func (s *httpsServer) dialTCP(t *testing.T) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", s.addr, 10*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	return conn
}

// An idle connection of either protocol is closed after IdleTimeout.
func TestServeHTTPS_IdleTimeout(t *testing.T) {
	s := startHTTPS(t, serverContext(t, "server-rsa", "h2", "http/1.1"), &http.Server{
		Handler: http.HandlerFunc(tlsFacts), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 300 * time.Millisecond})
	for _, proto := range []string{"h2", "http/1.1"} {
		t.Run(proto, func(t *testing.T) {
			c, err := ssl.NewContext(ssl.ProtocolTLSClient)
			require.NoError(t, err)
			require.NoError(t, c.LoadVerifyLocations(golden.Path("ca.pem"), ""))
			require.NoError(t, c.SetALPNProtocols([]string{proto}))
			conn, err := ssl.Dial(context.Background(), "tcp", "localhost:"+s.port, c)
			require.NoError(t, err)
			defer conn.Close()
			if proto == "h2" {
				cc, err := (&http2.Transport{}).NewClientConn(conn)
				require.NoError(t, err)
				resp, err := cc.RoundTrip(mustRequest(t, "https://localhost:"+s.port+"/"))
				require.NoError(t, err)
				resp.Body.Close()
				assert.Eventually(t, func() bool { return cc.State().Closed || cc.State().Closing }, 5*time.Second, 10*time.Millisecond)
				return
			}
			_, err = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
			require.NoError(t, err)
			start := time.Now()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			_, err = io.ReadAll(conn)
			require.NoError(t, err, "the server closes the idle connection")
			assert.Less(t, time.Since(start), 5*time.Second)
		})
	}
}

func mustRequest(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	return req
}

// blockingHandler answers /slow once release is closed, and says when a
// request has arrived.
func blockingHandler(arrived chan<- string, release <-chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- r.Proto
		select {
		case <-release:
			io.WriteString(w, "done")
		case <-r.Context().Done():
		}
	})
}

// Shutdown lets requests in flight finish on both protocols: HTTP/2
// connections get a GOAWAY, and ServeHTTPS returns only after they end.
func TestServeHTTPS_ShutdownIsGraceful(t *testing.T) {
	arrived := make(chan string, 2)
	release := make(chan struct{})
	s := startHTTPS(t, serverContext(t, "server-rsa", "h2", "http/1.1"),
		&http.Server{Handler: blockingHandler(arrived, release), ReadHeaderTimeout: 10 * time.Second})

	type result struct {
		proto, body string
		err         error
	}
	results := make(chan result, 2)
	for _, proto := range []string{"h2", "http/1.1"} {
		c, err := ssl.NewContext(ssl.ProtocolTLSClient)
		require.NoError(t, err)
		require.NoError(t, c.LoadVerifyLocations(golden.Path("ca.pem"), ""))
		require.NoError(t, c.SetALPNProtocols([]string{proto}))
		client := &http.Client{Transport: ssl.NewHTTPTransport(c), Timeout: 20 * time.Second}
		go func() {
			resp, err := client.Get("https://localhost:" + s.port + "/slow")
			if err != nil {
				results <- result{err: err}
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			results <- result{resp.Proto, string(b), err}
		}()
	}
	got := map[string]bool{}
	for range 2 {
		select {
		case p := <-arrived:
			got[p] = true
		case <-time.After(10 * time.Second):
			t.Fatal("the requests did not arrive")
		}
	}
	require.Equal(t, map[string]bool{"HTTP/2.0": true, "HTTP/1.1": true}, got)

	shutdownDone := make(chan error, 1)
	go func() { shutdownDone <- s.srv.Shutdown(context.Background()) }()
	select {
	case err := <-s.done:
		t.Fatalf("ServeHTTPS returned (%v) with requests in flight", err)
	case <-time.After(300 * time.Millisecond):
	}
	// New connections are refused.
	_, err := net.DialTimeout("tcp", s.addr, time.Second)
	assert.Error(t, err)

	close(release)
	want := map[string]string{"HTTP/2.0": "done", "HTTP/1.1": "done"}
	have := map[string]string{}
	for range 2 {
		r := <-results
		require.NoError(t, r.err)
		have[r.proto] = r.body
	}
	assert.Equal(t, want, have)
	select {
	case err := <-s.done:
		assert.ErrorIs(t, err, http.ErrServerClosed)
	case <-time.After(10 * time.Second):
		t.Fatal("ServeHTTPS did not return after its connections ended")
	}
	require.NoError(t, <-shutdownDone)
	s.done <- http.ErrServerClosed // for the cleanup's wait
}

// Close ends HTTP/2 connections with requests in flight, as it ends
// HTTP/1.1 ones.
func TestServeHTTPS_CloseEndsHTTP2(t *testing.T) {
	arrived := make(chan string, 1)
	release := make(chan struct{})
	defer close(release)
	s := startHTTPS(t, serverContext(t, "server-rsa", "h2", "http/1.1"),
		&http.Server{Handler: blockingHandler(arrived, release), ReadHeaderTimeout: 10 * time.Second})
	c, err := ssl.NewContext(ssl.ProtocolTLSClient)
	require.NoError(t, err)
	require.NoError(t, c.LoadVerifyLocations(golden.Path("ca.pem"), ""))
	client := &http.Client{Transport: ssl.NewHTTPTransport(c), Timeout: 20 * time.Second}
	errc := make(chan error, 1)
	go func() {
		resp, err := client.Get("https://localhost:" + s.port + "/slow")
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		errc <- err
	}()
	select {
	case p := <-arrived:
		require.Equal(t, "HTTP/2.0", p)
	case <-time.After(10 * time.Second):
		t.Fatal("the request did not arrive")
	}
	start := time.Now()
	require.NoError(t, s.srv.Close())
	select {
	case err := <-s.done:
		assert.ErrorIs(t, err, http.ErrServerClosed)
	case <-time.After(10 * time.Second):
		t.Fatal("ServeHTTPS did not return after Close")
	}
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Error(t, <-errc, "the request in flight is cut")
	s.done <- http.ErrServerClosed
}

// http.Server over this library's listener, fetched by curl (OpenSSL-based)
// verifying the test CA; the handler sees the TLS state through
// FillRequestTLS.
func TestHTTP_ServerServesCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	require.NoError(t, err, "the HTTPS tests need curl (apt-get install curl)")
	l, err := ssl.Listen("tcp", "127.0.0.1:0", serverContext(t, "server-rsa"))
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			http.Error(w, "no TLS state", http.StatusInternalServerError)
			return
		}
		if _, ok := ssl.SocketFromContext(r.Context()); !ok || !r.TLS.HandshakeComplete {
			http.Error(w, "handshake state missing", http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "hello over %s with %s to %s\n", tls.VersionName(r.TLS.Version),
			tls.CipherSuiteName(r.TLS.CipherSuite), r.TLS.ServerName)
	})
	mux.HandleFunc("/state", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%p\n", r.TLS)
	})
	hs := &http.Server{Handler: ssl.FillRequestTLS(mux), ConnContext: ssl.ConnContext, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(l)
	defer hs.Shutdown(context.Background())

	_, port, _ := net.SplitHostPort(l.Addr().String())
	// get fetches paths from the server as "localhost" with curl trusting ca.
	get := func(ca string, args ...string) ([]byte, error) {
		args = append([]string{"--silent", "--show-error", "--max-time", "20", "--cacert", golden.Path(ca),
			"--resolve", "localhost:" + port + ":127.0.0.1"}, args...)
		return exec.Command(curl, args...).CombinedOutput()
	}
	out, err := get("ca.pem", "--write-out", "%{http_code} %{ssl_verify_result}", "https://localhost:"+port+"/hello")
	require.NoError(t, err, "%s", out)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, lines, 2, "%s", out)
	assert.Equal(t, "hello over TLS 1.3 with TLS_AES_256_GCM_SHA384 to localhost", lines[0])
	assert.Equal(t, "200 0", lines[1], "status and curl's verify result")

	// Two requests on one kept-alive connection share one state, as
	// net/http's for a *tls.Conn: it is computed once per connection.
	out, err = get("ca.pem", "https://localhost:"+port+"/state", "https://localhost:"+port+"/state")
	require.NoError(t, err, "%s", out)
	states := strings.Fields(string(out))
	require.Len(t, states, 2, "%s", out)
	assert.NotEqual(t, "%!p(<nil>)", states[0])
	assert.Equal(t, states[0], states[1], "one state per connection")

	out, err = get("ca2.pem", "https://localhost:"+port+"/hello")
	assert.Error(t, err, "curl refuses a server its CA did not sign: %s", out)
}
