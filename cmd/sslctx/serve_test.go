package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sslctx/ssl"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var serverKeyArgs = []string{"-listen", "127.0.0.1:0", "-cert", td("server-rsa.pem"), "-key", td("server-rsa.key")}

func serveArgs(more ...string) []string { return append(append([]string{}, serverKeyArgs...), more...) }

func TestServeEcho(t *testing.T) {
	srv := startServe(t, serveArgs("-n", "2")...)

	// A client that does not trust the server fails its handshake, and the
	// server goes on.
	untrusting, err := ssl.NewContext(ssl.ProtocolTLSClient)
	require.NoError(t, err)
	defer untrusting.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	_, err = ssl.Dial(ctx, "tcp", srv.addr, untrusting)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CERTIFICATE_VERIFY_FAILED")
	line := srv.nextLine(t)
	assert.Regexp(t, `^127\.0\.0\.1:\d+: handshake failed: \[SSL: TLSV1_ALERT_UNKNOWN_CA\] tlsv1 alert unknown ca$`, line)

	s, err := ssl.Dial(ctx, "tcp", srv.addr, clientContext(t))
	require.NoError(t, err)
	defer s.Close()
	s.SetDeadline(time.Now().Add(waitTimeout))
	_, err = io.WriteString(s, "hello, echo\n")
	require.NoError(t, err)
	echo, err := bufio.NewReader(s).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "hello, echo\n", echo)
	assert.Regexp(t, `^127\.0\.0\.1:\d+: TLSv1\.3 TLS_\S+$`, srv.nextLine(t), "no SNI for an address")

	// The second connection was the last: serve ends when it closes.
	require.NoError(t, s.Close())
	assert.Equal(t, 0, srv.exitCode(t), srv.errs.String())
}

func TestServeClientCertificates(t *testing.T) {
	fastReplies(t)
	srv := startServe(t, serveArgs("-cafile", td("ca.pem"), "-alpn", "h2,x-echo", "-n", "2")...)
	code, out, stderr := runCLI("connect", "-cafile", td("ca.pem"), "-servername", "localhost", "-alpn", "x-echo",
		"-cert", td("client.pem"), "-key", td("client.key"), "-send", "sslctx", srv.addr)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "alpn:      x-echo\n")
	assert.True(t, strings.HasSuffix(out, "received:\nsslctx\n"), out)
	assert.Regexp(t, `^127\.0\.0\.1:\d+: TLSv1\.3 TLS_\S+ alpn=x-echo sni=localhost client="sslctx client"$`, srv.nextLine(t))

	// -cafile means -verify required.
	code, _, _ = runCLI("connect", "-cafile", td("ca.pem"), "-send", "x", srv.addr)
	assert.Equal(t, 1, code)
	assert.Regexp(t, `: handshake failed: \[SSL: PEER_DID_NOT_RETURN_A_CERTIFICATE\] peer did not return a certificate$`, srv.nextLine(t))
	assert.Equal(t, 0, srv.exitCode(t))
}

func TestServeHTTPS(t *testing.T) {
	srv := startServe(t, serveArgs("-mode", "https", "-n", "1")...)
	c := clientContext(t)
	require.NoError(t, c.SetALPNProtocols([]string{"http/1.1"}))
	tr := &http.Transport{DialTLSContext: (&ssl.Dialer{Context: c}).DialContext}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: waitTimeout}

	resp, err := client.Get("https://" + srv.addr + "/")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
	for _, want := range []string{"protocol:  TLSv1.3\n", "cipher:    TLS_", "alpn:      http/1.1\n", "client:    127.0.0.1:"} {
		assert.Contains(t, string(body), want)
	}
	// The same connection, kept alive, answers the other paths too.
	resp, err = client.Get("https://" + srv.addr + "/elsewhere")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	assert.Regexp(t, `^127\.0\.0\.1:\d+: TLSv1\.3 TLS_\S+ alpn=http/1\.1$`, srv.nextLine(t))
	tr.CloseIdleConnections()
	assert.Equal(t, 0, srv.exitCode(t), srv.errs.String())
}

// -mode https serves HTTP/2 and HTTP/1.1 as ALPN selects: curl gets the
// version it asks for, and the page and the connection line say which.
func TestServeHTTPSBothVersions(t *testing.T) {
	curl, err := exec.LookPath("curl")
	require.NoError(t, err, "the HTTPS tests need curl (apt-get install curl)")
	srv := startServe(t, serveArgs("-mode", "https", "-n", "2")...)
	_, port, err := net.SplitHostPort(srv.addr)
	require.NoError(t, err)
	for _, tc := range []struct{ flag, version, page, alpn string }{
		{"--http2", "2", "http:      HTTP/2.0\n", "h2"},
		{"--http1.1", "1.1", "http:      HTTP/1.1\n", "http/1.1"},
	} {
		out, err := exec.Command(curl, tc.flag, "--silent", "--show-error", "--max-time", "10",
			"--cacert", td("ca.pem"), "--resolve", "localhost:"+port+":127.0.0.1",
			"--write-out", "%{http_version}", "https://localhost:"+port+"/").CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Contains(t, string(out), tc.page)
		assert.True(t, strings.HasSuffix(string(out), "\n"+tc.version), "%s", out)
		assert.Regexp(t, `^127\.0\.0\.1:\d+: TLSv1\.3 TLS_\S+ alpn=`+regexp.QuoteMeta(tc.alpn)+` sni=localhost$`, srv.nextLine(t))
	}
	assert.Equal(t, 0, srv.exitCode(t), srv.errs.String())
}

func TestServeSignal(t *testing.T) {
	for _, mode := range []string{"echo", "https"} {
		t.Run(mode, func(t *testing.T) {
			srv := startServe(t, serveArgs("-mode", mode)...)
			// A client is connected when the signal comes.
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			s, err := ssl.Dial(ctx, "tcp", srv.addr, clientContext(t))
			require.NoError(t, err)
			defer s.Close()
			_, err = io.WriteString(s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			require.NoError(t, err)
			assert.Contains(t, srv.nextLine(t), "TLSv1.3")

			require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGINT))
			assert.Equal(t, "stopping: interrupt", srv.nextLine(t))
			assert.Equal(t, 0, srv.exitCode(t))
		})
	}
}

func TestServeUsage(t *testing.T) {
	for _, args := range [][]string{
		{"serve"},
		{"serve", "-key", td("server-rsa.key")},
		{"serve", "-cert", td("server-rsa.pem"), "extra"},
		{"serve", "-cert", td("server-rsa.pem"), "-mode", "gopher"},
		{"serve", "-cert", td("server-rsa.pem"), "-verify", "required"},
		{"serve", "-cert", td("server-rsa.pem"), "-verify", "maybe", "-cafile", td("ca.pem")},
		{"serve", "-cert", td("server-rsa.pem"), "-mode", "https", "-alpn", "h2,x-echo"},
		{"serve", "-cert", td("server-rsa.pem"), "-n", "-1"},
	} {
		code, _, stderr := runCLI(args...)
		assert.Equal(t, 2, code, "%q", args)
		assert.True(t, strings.HasPrefix(stderr, "sslctx serve: "), "%q: %s", args, stderr)
	}

	// What cannot be loaded or bound fails before serving.
	code, out, stderr := runCLI("serve", "-cert", td("server-rsa.pem"), "-key", td("server-other.key"))
	assert.Equal(t, 2, code)
	assert.Empty(t, out)
	assert.Equal(t, "sslctx serve: -key ../../testdata/server-other.key: [X509: KEY_VALUES_MISMATCH] key values mismatch:"+
		" the key is not the key of the certificate in -cert ../../testdata/server-rsa.pem; give the key that belongs to it\n", stderr)
	code, _, stderr = runCLI("serve", "-cert", td("server-rsa.pem"), "-key", td("server-rsa.key"), "-listen", "127.0.0.1:-1")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "invalid port")
}
