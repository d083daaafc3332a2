package ssl_test

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl"
	"github.com/sslctx/ssl/internal/golden"
)

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
