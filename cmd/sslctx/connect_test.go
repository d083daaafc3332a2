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
	"github.com/sslctx/ssl/openssl"
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

// selfSignedText is how the running OpenSSL words a self-signed leaf
// (X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, 18): 1.1.1 writes
// "self signed certificate", 3.0 "self-signed certificate".
var selfSignedText = openssl.VerifyErrorString(18)

func TestConnectVerifyFailure(t *testing.T) {
	for _, tc := range []struct {
		name, cert, key string
		args            []string
		want            string
	}{
		{"self-signed", "selfsigned.pem", "selfsigned.key", nil,
			"sslctx connect: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: " + selfSignedText},
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
	l := listenServer(t, serverOpts{})
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

// Each way a connection fails against OpenSSL's own server says what
// failed, why, and what to do; verification failures show the chain.
func TestConnectFailureNamesTheCause(t *testing.T) {
	root, inter, leaf, leafKey := intermediateChain(t)
	for _, tc := range []struct {
		name   string
		server []string // s_server flags
		args   []string // connect flags
		stderr []string // what the one-line error says
		stdout []string
	}{
		{"wrong CA", []string{"-cert", td("wrongca-server.pem"), "-key", td("wrongca-server.key")},
			[]string{"-cafile", td("ca.pem"), "-servername", "localhost"},
			[]string{"unable to get local issuer certificate", `the issuer "CN=sslctx Other CA,O=sslctx tests,C=XY"`, "not among the trusted CAs (sslctx Test CA)"},
			[]string{"verify:    failed at depth 0: X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY (20)", "the chain the server sent (1):", "issuer:    CN=sslctx Other CA"}},
		{"missing intermediate", []string{"-cert", leaf, "-key", leafKey},
			[]string{"-cafile", root, "-servername", "localhost"},
			[]string{"unable to get local issuer certificate", `the issuer "CN=Chain Test Intermediate,O=sslctx demo"`, "the server must send it"},
			[]string{"failed at depth 0: X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY (20)", "the chain the server sent (1):"}},
		{"expired", []string{"-cert", td("expired.pem"), "-key", td("expired.key")},
			[]string{"-cafile", td("ca.pem"), "-servername", "localhost"},
			[]string{"certificate has expired", "valid from 2000-01-01T00:00:00Z to 2001-01-01T00:00:00Z and now is ", "it expired "},
			[]string{"failed at depth 0: X509_V_ERR_CERT_HAS_EXPIRED (10)", "(expired 2001-01-01T00:00:00Z, "}},
		{"hostname mismatch", []string{"-cert", td("server-other.pem"), "-key", td("server-other.key")},
			[]string{"-cafile", td("ca.pem"), "-servername", "localhost"},
			[]string{"Hostname mismatch", `the certificate is for DNS:other.example, not "localhost"`},
			[]string{"failed at depth 0: X509_V_ERR_HOSTNAME_MISMATCH (62)", "names:     DNS:other.example"}},
		{"client certificate required, TLS 1.3", []string{"-Verify", "1", "-CAfile", td("ca.pem"), "-tls1_3",
			"-cert", td("server-rsa.pem"), "-key", td("server-rsa.key")},
			// The alert ends the wait as it comes: a long one only keeps a
			// loaded machine from reporting success before it.
			[]string{"-cafile", td("ca.pem"), "-wait", "5s"},
			[]string{"TLSV13_ALERT_CERTIFICATE_REQUIRED", "pass -cert/-key"}, nil},
		{"client certificate required, TLS 1.2", []string{"-Verify", "1", "-CAfile", td("ca.pem"), "-tls1_2",
			"-cert", td("server-rsa.pem"), "-key", td("server-rsa.key")},
			[]string{"-cafile", td("ca.pem")},
			[]string{"SSLV3_ALERT_HANDSHAKE_FAILURE", "it may require a client certificate (pass -cert/-key)"}, nil},
		{"version mismatch", []string{"-tls1_3", "-cert", td("server-rsa.pem"), "-key", td("server-rsa.key")},
			[]string{"-cafile", td("ca.pem"), "-max", "TLSv1_2"},
			[]string{"PROTOCOL_VERSION", "the server accepts TLSv1.3 with TLS_"}, nil},
		{"no shared cipher", []string{"-no_tls1_3", "-cipher", "AES128-SHA", "-cert", td("server-rsa.pem"), "-key", td("server-rsa.key")},
			[]string{"-cafile", td("ca.pem"), "-max", "TLSv1_2", "-ciphers", "ECDHE+AESGCM"},
			[]string{"SSLV3_ALERT_HANDSHAKE_FAILURE", "the server accepts TLSv1.2 with AES128-SHA"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := testpeer.StartServer(t, tc.server...)
			code, out, stderr := runCLI(append(append([]string{"connect"}, tc.args...), srv.Addr)...)
			assert.Equal(t, 1, code, out)
			assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %s", stderr)
			assert.True(t, strings.HasPrefix(stderr, "sslctx connect: "), stderr)
			for _, want := range tc.stderr {
				assert.Contains(t, stderr, want)
			}
			for _, want := range tc.stdout {
				assert.Contains(t, out, want)
			}
			assert.NotContains(t, out, "protocol:", "nothing reports a connection")
		})
	}

	// The same servers accept the connection done right.
	srv := testpeer.StartServer(t, "-cert", leaf, "-key", leafKey, "-cert_chain", inter)
	code, out, stderr := runCLI("connect", "-cafile", root, "-servername", "localhost", srv.Addr)
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "chain: localhost, issued by Chain Test Intermediate, issued by Chain Test Root")
	srv = testpeer.StartServer(t, "-Verify", "1", "-CAfile", td("ca.pem"), "-tls1_3",
		"-cert", td("server-rsa.pem"), "-key", td("server-rsa.key"))
	code, _, stderr = runCLI("connect", "-cafile", td("ca.pem"), "-cert", td("client.pem"), "-key", td("client.key"), srv.Addr)
	assert.Equal(t, 0, code, stderr)
}

func TestConnectFailureJSON(t *testing.T) {
	srv := testpeer.StartServer(t, "-cert", td("expired.pem"), "-key", td("expired.key"))
	code, out, stderr := runCLI("connect", "-json", "-cafile", td("ca.pem"), "-servername", "localhost", srv.Addr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "certificate has expired")
	var res struct {
		Error struct {
			Message        string
			Reason         string
			VerifyCode     int    `json:"verify_code"`
			VerifyCodeName string `json:"verify_code_name"`
			Depth          *int
			Chain          []struct {
				Subject  string
				NotAfter string `json:"not_after"`
				SHA256   string
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res), out)
	assert.Equal(t, "CERTIFICATE_VERIFY_FAILED", res.Error.Reason)
	assert.Equal(t, 10, res.Error.VerifyCode)
	assert.Equal(t, "X509_V_ERR_CERT_HAS_EXPIRED", res.Error.VerifyCodeName)
	require.NotNil(t, res.Error.Depth)
	assert.Equal(t, 0, *res.Error.Depth)
	require.Len(t, res.Error.Chain, 1)
	assert.Equal(t, "2001-01-01T00:00:00Z", res.Error.Chain[0].NotAfter)
	assert.Len(t, res.Error.Chain[0].SHA256, 95)
}

// -verify none shows the certificate it did not verify and what verifying
// would have said; -showcerts shows a verified chain.
func TestConnectShowsUnverifiedCertificate(t *testing.T) {
	srv := testpeer.StartServer(t, "-cert", td("selfsigned.pem"), "-key", td("selfsigned.key"))
	code, out, stderr := runCLI("connect", "-verify", "none", "-cafile", td("ca.pem"), srv.Addr)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "peer cert: {}\n")
	assert.Contains(t, out, "verifying would have answered: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "+selfSignedText)
	assert.Contains(t, out, "the chain the server sent, unverified (1):\n  depth 0\n    subject:   CN=localhost")

	srv = testpeer.StartServer(t, "-cert", td("server-rsa.pem"), "-key", td("server-rsa.key"), "-cert_chain", td("ca.pem"))
	code, out, stderr = runCLI("connect", "-showcerts", "-cafile", td("ca.pem"), srv.Addr)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "the chain the server sent (2):")
	assert.Contains(t, out, "  depth 1\n    subject:   CN=sslctx Test CA")
	assert.NotContains(t, out, "would have")
}

// With -json every failure is {"error": {...}} on stdout, not only a
// failed verification.
func TestConnectJSONErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-cafile", td("no-such-file.pem"), "127.0.0.1:1"}, 2, "-cafile ../../testdata/no-such-file.pem: no such file or directory"},
		{[]string{"127.0.0.1:1"}, 1, "connection refused"},
	} {
		code, out, _ := runCLI(append([]string{"connect", "-json"}, tc.args...)...)
		assert.Equal(t, tc.code, code, "%q", tc.args)
		var res struct{ Error struct{ Message string } }
		require.NoError(t, json.Unmarshal([]byte(out), &res), out)
		assert.Contains(t, res.Error.Message, tc.want)
	}
}

// When the second connection that would show the chain fails too, connect
// says so instead of printing an empty chain.
func TestConnectFailureChainNotSeen(t *testing.T) {
	l := listenServer(t, serverOpts{cert: td("selfsigned.pem"), key: td("selfsigned.key")})
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := l.Accept()
		l.Close() // one connection only
		if err == nil {
			conn.SetDeadline(time.Now().Add(waitTimeout))
			conn.(*ssl.Socket).DoHandshake()
			conn.Close()
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	code, out, stderr := runCLI("connect", "-cafile", td("ca.pem"), l.Addr().String())
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, selfSignedText)
	assert.Contains(t, out, "verify:    failed at depth 0: X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT (18): "+selfSignedText+"\n")
	assert.Contains(t, out, "chain:     not seen: a second connection, not verifying, to see the chain failed too: ")
	assert.Contains(t, out, "connection refused")
}

// -verify none's verdict costs one more connection, not two: the chain of
// the first explains the verdict.
func TestConnectVerifyNoneVerdictExplained(t *testing.T) {
	srv := testpeer.StartServer(t, "-cert", td("expired.pem"), "-key", td("expired.key"), "-naccept", "2")
	code, out, stderr := runCLI("connect", "-verify", "none", "-cafile", td("ca.pem"), "-servername", "localhost", srv.Addr)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "verifying would have answered: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired;"+
		" the certificate at depth 0 (CN=localhost,O=Python Software Foundation,L=Castle Anthrax,C=XY) is valid from 2000-01-01T00:00:00Z to 2001-01-01T00:00:00Z")
}
