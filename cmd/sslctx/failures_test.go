package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl"
	"github.com/sslctx/ssl/internal/testpeer"
)

// writeFile writes data to name in dir and returns its path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}

// intermediateChain issues root → intermediate → leaf (localhost) and
// writes them; it returns the paths of the root, the intermediate, the
// leaf and the leaf's key.
func intermediateChain(t *testing.T) (root, inter, leaf, key string) {
	t.Helper()
	dir := t.TempDir()
	r, err := issue(certSpec{cn: "Chain Test Root", isCA: true}, nil)
	require.NoError(t, err)
	i, err := issue(certSpec{cn: "Chain Test Intermediate", isCA: true}, r)
	require.NoError(t, err)
	l, err := issue(certSpec{cn: "localhost", dns: []string{"localhost"}}, i)
	require.NoError(t, err)
	k, err := l.keyPEM()
	require.NoError(t, err)
	return writeFile(t, dir, "root.pem", r.certPEM()), writeFile(t, dir, "inter.pem", i.certPEM()),
		writeFile(t, dir, "leaf.pem", l.certPEM()), writeFile(t, dir, "leaf.key", k)
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
	assert.Contains(t, out, "verifying would have answered: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate")
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
	c, err := ssl.NewContext(ssl.ProtocolTLSServer)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.LoadCertChain(td("selfsigned.pem"), td("selfsigned.key")))
	l, err := ssl.Listen("tcp", "127.0.0.1:0", c)
	require.NoError(t, err)
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
	assert.Contains(t, stderr, "self-signed certificate")
	assert.Contains(t, out, "verify:    failed at depth 0: X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT (18): self-signed certificate\n")
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
