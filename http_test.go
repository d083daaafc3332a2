package ssl_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl"
	"github.com/sslctx/ssl/internal/golden"
	"github.com/sslctx/ssl/internal/testpeer"
)

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
