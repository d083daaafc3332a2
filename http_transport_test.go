package ssl_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl"
	"github.com/sslctx/ssl/internal/golden"
	"github.com/sslctx/ssl/internal/testpeer"
)

// clientContext is a client Context trusting ca (a testdata name).
func clientContext(t *testing.T, ca string) *ssl.Context {
	t.Helper()
	c, err := ssl.NewContext(ssl.ProtocolTLSClient)
	require.NoError(t, err)
	require.NoError(t, c.LoadVerifyLocations(golden.Path(ca), ""))
	return c
}

// cryptoTLSServer is Go's own HTTPS server over crypto/tls with the RSA
// test certificate, counting the connections it accepts.
func cryptoTLSServer(t *testing.T, h2 bool) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(golden.Path("server-rsa.pem"), golden.Path("server-rsa.key"))
	require.NoError(t, err)
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", r.Proto, r.TLS.NegotiatedProtocol)
	}))
	srv.EnableHTTP2 = h2
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, &conns
}

// get fetches url with client and returns the response with its body read.
func get(t *testing.T, client *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, err := client.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

// NewHTTPTransport against Go's server over crypto/tls speaks the protocol
// the server selects, pools its connections (HTTP/2: one for concurrent
// requests; HTTP/1.1: one reused by sequential ones) and fills
// Response.TLS.
func TestNewHTTPTransport_AgainstCryptoTLSServer(t *testing.T) {
	for _, tc := range []struct {
		name      string
		h2        bool
		proto     string
		body      string
		alpn      string
		wantConns int32
	}{
		{"h2", true, "HTTP/2.0", "HTTP/2.0 h2", "h2", 1},
		{"http1", false, "HTTP/1.1", "HTTP/1.1 http/1.1", "http/1.1", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, conns := cryptoTLSServer(t, tc.h2)
			tr := ssl.NewHTTPTransport(clientContext(t, "ca.pem"))
			client := &http.Client{Transport: tr, Timeout: 20 * time.Second}
			defer client.CloseIdleConnections()
			port := srv.Listener.Addr().(*net.TCPAddr).Port
			url := fmt.Sprintf("https://localhost:%d/", port)

			resp, body := get(t, client, url)
			assert.Equal(t, tc.proto, resp.Proto)
			assert.Equal(t, tc.body, body)
			require.NotNil(t, resp.TLS)
			assert.Equal(t, tc.alpn, resp.TLS.NegotiatedProtocol)
			assert.True(t, resp.TLS.HandshakeComplete)
			assert.Equal(t, "localhost", resp.TLS.PeerCertificates[0].Subject.CommonName)

			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					resp, err := client.Get(url)
					if err == nil {
						_, err = io.ReadAll(resp.Body)
						resp.Body.Close()
					}
					errs <- err
				}()
				if !tc.h2 {
					wg.Wait() // sequential, so one connection can serve all
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.wantConns, conns.Load(), "connections the server accepted")
		})
	}
}

// NewHTTPTransport against ServeHTTPS: both protocols, as the server's
// Context offers them.
func TestNewHTTPTransport_AgainstServeHTTPS(t *testing.T) {
	for _, tc := range []struct {
		alpn []string
		want string
	}{
		{[]string{"h2", "http/1.1"}, "HTTP/2.0 TLS 1.3 h2 complete=true sni=localhost"},
		{[]string{"http/1.1"}, "HTTP/1.1 TLS 1.3 http/1.1 complete=true sni=localhost"},
		{nil, "HTTP/1.1 TLS 1.3  complete=true sni=localhost"},
	} {
		t.Run(strings.Join(tc.alpn, ","), func(t *testing.T) {
			s := startHTTPS(t, serverContext(t, "server-rsa", tc.alpn...),
				&http.Server{Handler: http.HandlerFunc(tlsFacts), ReadHeaderTimeout: 10 * time.Second})
			client := &http.Client{Transport: ssl.NewHTTPTransport(clientContext(t, "ca.pem")), Timeout: 20 * time.Second}
			defer client.CloseIdleConnections()
			for range 2 {
				resp, body := get(t, client, "https://localhost:"+s.port+"/")
				assert.Equal(t, tc.want, body)
				assert.Equal(t, strings.Fields(tc.want)[0], resp.Proto)
			}
		})
	}
}

// The protocols a Context was given are offered instead of h2 and
// http/1.1: a Context offering http/1.1 alone gets HTTP/1.1 from a server
// that prefers HTTP/2.
func TestNewHTTPTransport_ContextALPNIsOffered(t *testing.T) {
	srv, _ := cryptoTLSServer(t, true)
	c := clientContext(t, "ca.pem")
	require.NoError(t, c.SetALPNProtocols([]string{"http/1.1"}))
	client := &http.Client{Transport: ssl.NewHTTPTransport(c), Timeout: 20 * time.Second}
	defer client.CloseIdleConnections()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	resp, body := get(t, client, fmt.Sprintf("https://localhost:%d/", port))
	assert.Equal(t, "HTTP/1.1", resp.Proto)
	// httptest's server offers h2 alone; crypto/tls answers a client
	// offering only http/1.1 as if it had offered no ALPN.
	assert.Equal(t, "HTTP/1.1 ", body)
}

// Verification is the Context's, by OpenSSL: a server its CAs did not sign
// fails with *ssl.Error CERTIFICATE_VERIFY_FAILED, and so does a
// certificate for another name than the URL's host.
func TestNewHTTPTransport_VerifiesAsTheContextSays(t *testing.T) {
	for _, tc := range []struct {
		name, cert, ca, verifyMessage string
	}{
		{"wrong CA", "server-rsa", "ca2.pem", "unable to get local issuer certificate"},
		{"hostname", "server-other", "ca.pem", "mismatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startHTTPS(t, serverContext(t, tc.cert, "h2", "http/1.1"),
				&http.Server{Handler: http.HandlerFunc(tlsFacts), ReadHeaderTimeout: 10 * time.Second})
			client := &http.Client{Transport: ssl.NewHTTPTransport(clientContext(t, tc.ca)), Timeout: 20 * time.Second}
			_, err := client.Get("https://localhost:" + s.port + "/")
			var se *ssl.Error
			require.True(t, errors.As(err, &se), "want *ssl.Error, got %T: %v", err, err)
			assert.Equal(t, "CERTIFICATE_VERIFY_FAILED", se.Reason)
			assert.Contains(t, se.VerifyMessage, tc.verifyMessage)
		})
	}
}

// http.Client.Timeout bounds a handshake the server never answers.
func TestNewHTTPTransport_ClientTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c) // accepted, never answered
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	}()
	client := &http.Client{Transport: ssl.NewHTTPTransport(clientContext(t, "ca.pem")), Timeout: 300 * time.Millisecond}
	start := time.Now()
	_, err = client.Get("https://" + l.Addr().String() + "/")
	require.Error(t, err)
	var ne net.Error
	assert.True(t, errors.As(err, &ne) && ne.Timeout(), "a timeout: %v", err)
	assert.Less(t, time.Since(start), 5*time.Second)

	// A canceled context stops it as well.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+l.Addr().String()+"/", nil)
	require.NoError(t, err)
	start = time.Now()
	_, err = (&http.Client{Transport: ssl.NewHTTPTransport(clientContext(t, "ca.pem"))}).Do(req)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 5*time.Second)
}

// connectProxy is an HTTP proxy that serves CONNECT alone, tunneling to
// port P of 127.0.0.1 whatever host it is asked for ("other.example:P"),
// and remembers what it was asked.
type connectProxy struct {
	refuse bool // answer 407 instead

	mu      sync.Mutex
	targets []string // CONNECT targets, in order
	auth    []string // their Proxy-Authorization headers
}

func (p *connectProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
		return
	}
	p.mu.Lock()
	p.targets = append(p.targets, r.Host)
	p.auth = append(p.auth, r.Header.Get("Proxy-Authorization"))
	p.mu.Unlock()
	if p.refuse {
		w.Header().Set("Proxy-Authenticate", `Basic realm="test"`)
		w.WriteHeader(http.StatusProxyAuthRequired)
		return
	}
	_, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	upstream, err := net.DialTimeout("tcp", "127.0.0.1:"+port, 10*time.Second)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer upstream.Close()
	client, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer client.Close()
	io.WriteString(client, "HTTP/1.1 200 Connection established\r\n\r\n")
	done := make(chan struct{}, 2)
	go func() { io.Copy(upstream, buf); upstream.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
	go func() { io.Copy(client, upstream); done <- struct{}{} }()
	<-done
	<-done
}

func (p *connectProxy) seen() (targets, auth []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.targets...), append([]string(nil), p.auth...)
}

// startProxy serves p on loopback, over TLS with the RSA test certificate
// when overTLS, and returns the proxy's URL host.
func startProxy(t *testing.T, p *connectProxy, overTLS bool) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	if overTLS {
		cert, err := tls.LoadX509KeyPair(golden.Path("server-rsa.pem"), golden.Path("server-rsa.key"))
		require.NoError(t, err)
		l = tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{cert}})
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

// With HTTPS_PROXY set, NewHTTPTransport sends CONNECT itself and runs the
// TLS with the origin through the tunnel on OpenSSL, verified against the
// Context's CAs: the origin's name resolves nowhere but in the proxy, and a
// wrong CA fails with OpenSSL's verify error, not crypto/tls's.
func TestNewHTTPTransport_ThroughConnectProxy(t *testing.T) {
	origin := startHTTPS(t, serverContext(t, "server-other", "h2", "http/1.1"),
		&http.Server{Handler: http.HandlerFunc(tlsFacts), ReadHeaderTimeout: 10 * time.Second})
	target := "other.example:" + origin.port
	for _, tc := range []struct {
		name     string
		scheme   string // of the proxy
		userinfo string
		refuse   bool
		ca       string
		wantBody string // "" when the request fails
		wantErr  string
		wantAuth string
	}{
		{name: "http proxy", scheme: "http", ca: "ca.pem",
			wantBody: "HTTP/2.0 TLS 1.3 h2 complete=true sni=other.example"},
		{name: "https proxy", scheme: "https", ca: "ca.pem",
			wantBody: "HTTP/2.0 TLS 1.3 h2 complete=true sni=other.example"},
		{name: "credentials", scheme: "http", userinfo: "user:secret@", ca: "ca.pem",
			wantBody: "HTTP/2.0 TLS 1.3 h2 complete=true sni=other.example", wantAuth: "Basic dXNlcjpzZWNyZXQ="},
		{name: "wrong CA", scheme: "http", ca: "ca2.pem", wantErr: "CERTIFICATE_VERIFY_FAILED"},
		{name: "refused", scheme: "http", refuse: true, ca: "ca.pem", wantErr: "407 Proxy Authentication Required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &connectProxy{refuse: tc.refuse}
			proxyAddr := startProxy(t, p, tc.scheme == "https")
			for _, k := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "REQUEST_METHOD"} {
				t.Setenv(k, "")
			}
			t.Setenv("HTTPS_PROXY", tc.scheme+"://"+tc.userinfo+proxyAddr)
			client := &http.Client{Transport: ssl.NewHTTPTransport(clientContext(t, tc.ca)), Timeout: 20 * time.Second}
			defer client.CloseIdleConnections()

			resp, err := client.Get("https://" + target + "/")
			targets, auth := p.seen()
			require.NotEmpty(t, targets, "the request went through the proxy")
			assert.Equal(t, target, targets[0])
			assert.Equal(t, tc.wantAuth, auth[0])
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				if tc.refuse {
					var op *net.OpError
					assert.True(t, errors.As(err, &op) && op.Op == "proxyconnect", "a proxyconnect *net.OpError: %v", err)
				} else {
					var se *ssl.Error
					require.True(t, errors.As(err, &se), "OpenSSL verified the origin: %v", err)
					assert.Equal(t, "unable to get local issuer certificate", se.VerifyMessage)
				}
				return
			}
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tc.wantBody, string(body))
			require.NotNil(t, resp.TLS)
			assert.Equal(t, "other.example", resp.TLS.PeerCertificates[0].DNSNames[0])
		})
	}
}

// net/http's client over this library: Dialer.DialContext as
// DialTLSContext, against OpenSSL's own HTTPS server (s_server -www).
func TestHTTP_ClientGetsFromSServer(t *testing.T) {
	srv := testpeer.StartServer(t, "-cert", golden.Path("server-rsa.pem"), "-key", golden.Path("server-rsa.key"), "-www")
	d := &ssl.Dialer{Context: clientContext(t, "ca.pem"), NetDialer: &net.Dialer{Timeout: 10 * time.Second}}
	client := &http.Client{Transport: &http.Transport{DialTLSContext: d.DialContext}, Timeout: 20 * time.Second}
	resp, err := client.Get("https://" + srv.Addr + "/")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "Ciphers supported in s_server binary")
	assert.Contains(t, string(body), "TLSv1.3")
}
