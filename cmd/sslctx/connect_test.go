package main

import (
	"encoding/json"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl"
	"github.com/sslctx/ssl/internal/testpeer"
)

func TestConnectCAFile(t *testing.T) {
	addr := startServer(t, serverOpts{})
	code, out, stderr := runCLI("connect", "-cafile", td("ca.pem"), addr)
	require.Equal(t, 0, code, stderr)
	for _, want := range []string{
		"protocol:  TLSv1.3\n",
		"cipher:    TLS_",
		"verify:    ok (CERT_REQUIRED; hostname \"127.0.0.1\" matched; chain: localhost, issued by sslctx Test CA)\n",
		`"commonName","localhost"`,
		`"subjectAltName": [["DNS","localhost"]`,
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "alpn:")

	// A name instead of the address, flags after the argument, TLS 1.2.
	_, port, _ := net.SplitHostPort(addr)
	code, out, stderr = runCLI("connect", "127.0.0.1:"+port, "-servername", "localhost", "-cafile", td("ca.pem"), "-max", "TLSv1_2")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "protocol:  TLSv1.2\n")
	assert.Contains(t, out, `hostname "localhost" matched`)
	assert.Regexp(t, `cipher:    ECDHE-RSA-\S+ \(TLSv1.2, \d+ secret bits\)`, out)

	// The capath layout works as the CA file does.
	code, _, stderr = runCLI("connect", "-capath", td("capath"), addr)
	assert.Equal(t, 0, code, stderr)
}

func TestConnectVerifyFailure(t *testing.T) {
	for _, tc := range []struct {
		name, cert, key string
		args            []string
		want            string
	}{
		{"self-signed", "selfsigned.pem", "selfsigned.key", nil,
			"sslctx connect: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate"},
		{"address", "server-other.pem", "server-other.key", nil,
			"sslctx connect: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: IP address mismatch, certificate is not valid for '127.0.0.1'."},
		{"hostname", "server-other.pem", "server-other.key", []string{"-cafile", td("ca.pem"), "-servername", "localhost"},
			"sslctx connect: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not valid for 'localhost'."},
		{"unknown CA", "server-rsa.pem", "server-rsa.key", []string{"-cafile", td("ca2.pem")},
			"sslctx connect: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := startServer(t, serverOpts{cert: td(tc.cert), key: td(tc.key)})
			args := tc.args
			if args == nil {
				args = []string{"-cafile", td("ca.pem")}
			}
			code, out, stderr := runCLI(append(append([]string{"connect"}, args...), addr)...)
			assert.Equal(t, 1, code)
			assert.Contains(t, out, "verify:    failed at depth 0: X509_V_ERR_")
			assert.True(t, strings.HasPrefix(stderr, tc.want), stderr)
			assert.Equal(t, 1, strings.Count(stderr, "\n"))
		})
	}

	// Without a hostname check the other server's certificate is fine.
	addr := startServer(t, serverOpts{cert: td("server-other.pem"), key: td("server-other.key")})
	code, out, stderr := runCLI("connect", "-cafile", td("ca.pem"), "-no-check-hostname", addr)
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "verify:    ok (CERT_REQUIRED; hostname not checked;")
}

func TestConnectVerifyNone(t *testing.T) {
	addr := startServer(t, serverOpts{cert: td("selfsigned.pem"), key: td("selfsigned.key")})
	code, out, stderr := runCLI("connect", "-verify", "none", addr)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "verify:    none (CERT_NONE: the certificate was not validated)\n")
	assert.Contains(t, out, "peer cert: {}\n", "Python's getpeercert() of an unvalidated certificate")

	// PROTOCOL_TLS starts with CERT_NONE, as in Python.
	code, out, stderr = runCLI("connect", "-protocol", "TLS", addr)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "verify:    none")
}

func TestConnectJSON(t *testing.T) {
	fastReplies(t)
	addr := startServer(t, serverOpts{clientCA: td("ca.pem")})
	code, out, stderr := runCLI("connect", "-json", "-cafile", td("ca.pem"),
		"-cert", td("client.pem"), "-key", td("client.key"), "-send", `ping\r\n\x41`, addr)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, 1, strings.Count(out, "\n"), "one JSON object on one line")
	var res struct {
		Protocol string
		Cipher   []any
		ALPN     *string
		Verify   string
		PeerCert map[string]json.RawMessage `json:"peer_cert"`
		Received *string
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res), out)
	assert.Equal(t, "TLSv1.3", res.Protocol)
	require.Len(t, res.Cipher, 3)
	assert.Contains(t, res.Cipher[0], "TLS_")
	assert.Equal(t, "TLSv1.3", res.Cipher[1])
	assert.IsType(t, float64(0), res.Cipher[2])
	assert.Nil(t, res.ALPN)
	assert.Equal(t, "ok", res.Verify)
	assert.Contains(t, string(res.PeerCert["subject"]), `["commonName","localhost"]`)
	require.NotNil(t, res.Received)
	assert.Equal(t, "ping\r\nA", *res.Received, "the echo server sends it back")

	var raw map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &raw))
	assert.Contains(t, raw, "alpn", "alpn is null, not left out")
}

func TestConnectSend(t *testing.T) {
	fastReplies(t)
	addr := startServer(t, serverOpts{})
	code, out, stderr := runCLI("connect", "-cafile", td("ca.pem"), "-send", `hello\n`, addr)
	require.Equal(t, 0, code, stderr)
	assert.True(t, strings.HasSuffix(out, "sent:      6 bytes\nreceived:\nhello\n"), out)

	// Without the client certificate the server ends the connection:
	// with TLS 1.3 the client learns it only when it reads, which connect
	// does before it sends.
	addr = startServer(t, serverOpts{clientCA: td("ca.pem")})
	code, _, stderr = runCLI("connect", "-cafile", td("ca.pem"), "-wait", "5s", "-send", "x", addr)
	assert.Equal(t, 1, code)
	assert.Equal(t, "sslctx connect: after the handshake: [SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert certificate required; the server requires a client certificate: pass -cert/-key\n", stderr)
}

func TestConnectALPN(t *testing.T) {
	addr := startServer(t, serverOpts{alpn: []string{"h2", "http/1.1"}})
	code, out, stderr := runCLI("connect", "-cafile", td("ca.pem"), "-alpn", "spdy/1,http/1.1", addr)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "alpn:      http/1.1\n")

	code, out, stderr = runCLI("connect", "-json", "-cafile", td("ca.pem"), "-alpn", "h2", addr)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, `"alpn":"h2"`)
}

func TestConnectCiphers(t *testing.T) {
	addr := startServer(t, serverOpts{})
	code, out, stderr := runCLI("connect", "-cafile", td("ca.pem"), "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256", addr)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "cipher:    TLS_CHACHA20_POLY1305_SHA256 (TLSv1.3, 256 secret bits)\n")

	// As in OpenSSL, a client without TLS 1.3 suites must not offer TLS 1.3.
	code, _, stderr = runCLI("connect", "-cafile", td("ca.pem"), "-ciphersuites", "", addr)
	assert.Equal(t, 1, code)
	assert.Equal(t, "sslctx connect: warning: -ciphersuites \"\" leaves TLS 1.3 without suites, and OpenSSL then refuses every handshake: give -max TLSv1_2 too\n"+
		"sslctx connect: [SSL: NO_CIPHERS_AVAILABLE] no ciphers available (OpenSSL: No ciphers enabled for max supported SSL/TLS version)\n", stderr)
	code, out, stderr = runCLI("connect", "-cafile", td("ca.pem"), "-ciphersuites", "", "-max", "TLSv1_2",
		"-ciphers", "ECDHE-RSA-AES128-GCM-SHA256", addr)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "protocol:  TLSv1.2\n")
	assert.Contains(t, out, "cipher:    ECDHE-RSA-AES128-GCM-SHA256 (TLSv1.2, 128 secret bits)\n")

	code, _, stderr = runCLI("connect", "-ciphers", "NOTHING-AT-ALL", addr)
	assert.Equal(t, 2, code, "a flag OpenSSL refuses is a wrong command line")
	assert.Equal(t, "sslctx connect: -ciphers \"NOTHING-AT-ALL\": No cipher can be selected. (see sslctx ciphers)\n", stderr)
}

func TestConnectFailures(t *testing.T) {
	silent := startSilent(t)
	code, _, stderr := runCLI("connect", "-timeout", "300ms", silent)
	assert.Equal(t, 1, code)
	assert.Equal(t, "sslctx connect: connecting to "+silent+": no TLS connection within -timeout 300ms\n", stderr)

	// A port nobody listens on: take one and free it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := l.Addr().String()
	l.Close()
	code, _, stderr = runCLI("connect", closed)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "connection refused")
	assert.Equal(t, 1, strings.Count(stderr, "\n"))

	addr := startServer(t, serverOpts{})
	// Python refuses a hostname check without a hostname.
	code, _, stderr = runCLI("connect", "-cafile", td("ca.pem"), "-servername", "", addr)
	assert.Equal(t, 1, code)
	assert.Equal(t, "sslctx connect: ssl: check_hostname requires server_hostname\n", stderr)
	code, _, stderr = runCLI("connect", "-cafile", td("ca.pem"), "-servername", "", "-no-check-hostname", addr)
	assert.Equal(t, 0, code, stderr)
	// Fixed-version protocols take no version bounds.
	code, _, stderr = runCLI("connect", "-protocol", "TLSv1_2", "-min", "TLSv1_2", addr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "sslctx connect: -min: ")
	assert.Contains(t, stderr, "doesn't support modification of highest and lowest version")
	code, _, stderr = runCLI("connect", "-cafile", td("no-such-file.pem"), addr)
	assert.Equal(t, 2, code)
	assert.Equal(t, "sslctx connect: -cafile ../../testdata/no-such-file.pem: no such file or directory\n", stderr)
}

func TestConnectUsage(t *testing.T) {
	for _, args := range [][]string{
		{"connect"},
		{"connect", "localhost"},
		{"connect", "a:1", "b:2"},
		{"connect", "-protocol", "TLS_SERVER", "a:1"},
		{"connect", "-verify", "sometimes", "a:1"},
		{"connect", "-min", "SSLv3", "a:1"},
		{"connect", "-key", td("client.key"), "a:1"},
		{"connect", "-timeout", "0s", "a:1"},
		{"connect", "-timeout", "soon", "a:1"},
	} {
		code, _, stderr := runCLI(args...)
		assert.Equal(t, 2, code, "%q", args)
		assert.True(t, strings.HasPrefix(stderr, "sslctx connect: "), "%q: %s", args, stderr)
	}
}

// A verifying client refuses a server that sends no certificate (anonymous
// suites); an optional one connects and says the server sent none.
func TestConnectAnonymousServer(t *testing.T) {
	srv := testpeer.StartServer(t, "-nocert", "-cipher", "ADH:AECDH:@SECLEVEL=0", "-no_tls1_3")
	code, out, stderr := runCLI("connect", "-cafile", td("ca.pem"), "-ciphers", "ALL:@SECLEVEL=0", srv.Addr)
	assert.Equal(t, 1, code, out)
	assert.Empty(t, out)
	assert.Equal(t, "sslctx connect: [SSL: PEER_DID_NOT_RETURN_A_CERTIFICATE] peer did not return a certificate"+
		" (OpenSSL: the server chose ADH-AES256-GCM-SHA384, which sends no certificate; certificates are required)\n", stderr)

	code, out, stderr = runCLI("connect", "-cafile", td("ca.pem"), "-ciphers", "ALL:@SECLEVEL=0",
		"-verify", "optional", "-no-check-hostname", srv.Addr)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "verify:    no certificate (CERT_OPTIONAL, and the server sent none)\n")
}

// What a server sends first (a banner) arrives while connect waits for
// its verdict; connect prints it rather than dropping it.
func TestConnectShowsGreeting(t *testing.T) {
	c, err := ssl.NewContext(ssl.ProtocolTLSServer)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.LoadCertChain(td("server-rsa.pem"), td("server-rsa.key")))
	l, err := ssl.Listen("tcp", "127.0.0.1:0", c)
	require.NoError(t, err)
	serve(t, l, func(conn net.Conn) {
		conn.SetDeadline(time.Now().Add(waitTimeout))
		io.WriteString(conn, "220 hello\r\n")
		io.Copy(conn, conn)
	})
	code, out, stderr := runCLI("connect", "-cafile", td("ca.pem"), "-wait", "2s", l.Addr().String())
	require.Equal(t, 0, code, stderr)
	assert.True(t, strings.HasSuffix(out, "received:\n220 hello\r\n"), out)

	fastReplies(t)
	code, out, stderr = runCLI("connect", "-cafile", td("ca.pem"), "-wait", "2s", "-send", `ping\n`, l.Addr().String())
	require.Equal(t, 0, code, stderr)
	assert.True(t, strings.HasSuffix(out, "received:\n220 hello\r\nping\n"), out)
}
