package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl"
	"github.com/sslctx/ssl/internal/golden"
)

// serve unlocks an encrypted key with -pass in openssl's three forms.
func TestServeKeyPassword(t *testing.T) {
	t.Setenv("SSLCTX_TEST_PASSWORD", "sslctx-password")
	for _, pass := range []string{"pass:sslctx-password", "file:" + td("PASSWORD"), "env:SSLCTX_TEST_PASSWORD"} {
		t.Run(pass, func(t *testing.T) {
			srv := startServe(t, "-listen", "127.0.0.1:0", "-cert", td("keycert-enc.pem"), "-pass", pass, "-n", "1")
			code, out, stderr := runCLI("connect", "-cafile", td("ca.pem"), srv.addr)
			require.Equal(t, 0, code, stderr)
			assert.Contains(t, out, "verify:    ok")
			srv.nextLine(t)
			assert.Equal(t, 0, srv.exitCode(t))
		})
	}
}

// Every file or value that cannot be used names its flag and file, says
// what to do and exits 2.
func TestLoadingErrorsNameFlagAndFile(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"serve", "-cert", td("server-rsa.pem")},
			[]string{"-cert ../../testdata/server-rsa.pem (no -key): [SSL] PEM lib", noKeyDetail(), "give the certificate's key with -key"}},
		{[]string{"serve", "-cert", td("keycert-enc.pem")},
			[]string{"-cert ../../testdata/keycert-enc.pem (no -key): ", "encrypted", "give the key's password with -pass"}},
		{[]string{"serve", "-cert", td("keycert-enc.pem"), "-pass", "pass:wrong"},
			append([]string{"-pass: ", "the password does not unlock the private key in ../../testdata/keycert-enc.pem"}, wrongPasswordDetail()...)},
		{[]string{"serve", "-cert", td("keycert-enc.pem"), "-pass", "env:SSLCTX_NO_SUCH_VARIABLE"},
			[]string{"-pass env:SSLCTX_NO_SUCH_VARIABLE: the variable is not set"}},
		{[]string{"serve", "-cert", td("no-such.pem"), "-key", td("server-rsa.key")},
			[]string{"-cert ../../testdata/no-such.pem: no such file or directory"}},
		{[]string{"serve", "-cert", td("garbage.pem"), "-key", td("server-rsa.key")},
			[]string{"-cert ../../testdata/garbage.pem: ", "the file holds no PEM certificate"}},
		{[]string{"serve", "-cert", td("server-rsa.pem"), "-key", td("server-rsa.key"), "-cafile", td("garbage.pem")},
			[]string{"-cafile ../../testdata/garbage.pem: ", "want a PEM file of CA certificates"}},
		{[]string{"connect", "-capath", td("no-such-dir"), "127.0.0.1:1"},
			[]string{"-capath ../../testdata/no-such-dir: no such file or directory"}},
		{[]string{"connect", "-capath", td("ca.pem"), "127.0.0.1:1"},
			[]string{"-capath ../../testdata/ca.pem: not a directory"}},
		{[]string{"connect", "-cert", td("client.pem"), "-key", td("server-rsa.key"), "127.0.0.1:1"},
			[]string{"-key ../../testdata/server-rsa.key: [X509: KEY_VALUES_MISMATCH]", "give the key that belongs to it"}},
		{[]string{"serve", "-cert", td("server-rsa.pem"), "-key", td("server-rsa.key"), "-pass", "sslctx-password"},
			[]string{`-pass "sslctx-password": want pass:PASSWORD, file:PATH or env:VARIABLE`}},
		{[]string{"serve", "-protocol", "TLS_CLIENT", "-cert", td("server-rsa.pem"), "-key", td("server-rsa.key")},
			[]string{`-protocol "TLS_CLIENT": want one of TLS, SSLv23, TLS_SERVER`}},
	} {
		code, out, stderr := runCLI(tc.args...)
		assert.Equal(t, 2, code, "%q: %s", tc.args, stderr)
		assert.Empty(t, out)
		assert.Equal(t, 1, strings.Count(stderr, "\n"), stderr)
		assert.True(t, strings.HasPrefix(stderr, "sslctx "+tc.args[0]+": "), stderr)
		for _, want := range tc.want {
			assert.Contains(t, stderr, want, "%q", tc.args)
		}
	}
}

// noKeyDetail is the detail OpenSSL gives for a PEM file with no private
// key, as `openssl pkey -in server-rsa.pem` prints it: 1.1.1's PEM reader
// expects a key and finds no start line, 3.x's decoders find nothing.
func noKeyDetail() string {
	if golden.Series() == "1.1.1" {
		return "Expecting: ANY PRIVATE KEY"
	}
	return "No supported data to decode"
}

// wrongPasswordDetail is the detail OpenSSL gives for a key a password does
// not unlock, as `openssl pkey -passin pass:wrong` prints it: 3.x adds
// "maybe wrong password"; 1.1.1's queue holds no detail at all.
func wrongPasswordDetail() []string {
	if golden.Series() == "1.1.1" {
		return nil
	}
	return []string{"maybe wrong password"}
}

// serve takes -protocol, -min and -max as connect does.
func TestServeVersions(t *testing.T) {
	for _, tc := range []struct {
		serve []string
		want  string
	}{
		{[]string{"-max", "TLSv1_2"}, "protocol:  TLSv1.2\n"},
		{[]string{"-protocol", "TLSv1_2"}, "protocol:  TLSv1.2\n"},
		{[]string{"-min", "TLSv1_3"}, "protocol:  TLSv1.3\n"},
	} {
		srv := startServe(t, serveArgs(append(tc.serve, "-n", "1")...)...)
		code, out, stderr := runCLI("connect", "-cafile", td("ca.pem"), srv.addr)
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, out, tc.want, "%q", tc.serve)
		srv.nextLine(t)
		assert.Equal(t, 0, srv.exitCode(t))
	}

	srv := startServe(t, serveArgs("-min", "TLSv1_3", "-n", "1")...)
	code, _, stderr := runCLI("connect", "-cafile", td("ca.pem"), "-max", "TLSv1_2", srv.addr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "PROTOCOL_VERSION")
	assert.Contains(t, srv.nextLine(t), "handshake failed: [SSL: UNSUPPORTED_PROTOCOL]")
	assert.Equal(t, 0, srv.exitCode(t))
}

// Flags that cannot take effect are warned about.
func TestFlagWarnings(t *testing.T) {
	code, _, stderr := runCLI("connect", "-max", "TLSv1", "127.0.0.1:1")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "sslctx connect: warning: -max TLSv1 alone leaves no version: the default minimum is TLS 1.2; give -min TLSv1 too")
	assert.Contains(t, stderr, "connection refused")
	for _, tc := range []struct {
		args []string
		want string // "" for no warning
	}{
		{[]string{"-ciphersuites", "TLS_AES_128_GCM_SHA256", "-max", "TLSv1_2"}, "warning: -ciphersuites has no effect: -max TLSv1_2 leaves out TLS 1.3\n"},
		{[]string{"-ciphers", "HIGH", "-min", "TLSv1_3"}, "warning: -ciphers has no effect: with -min TLSv1_3 only -ciphersuites choose\n"},
		{[]string{"-ciphersuites", "", "-max", "TLSv1_2"}, ""},
	} {
		_, _, stderr := runCLI(append(append([]string{"connect"}, tc.args...), "127.0.0.1:1")...)
		if tc.want == "" {
			assert.NotContains(t, stderr, "warning", "%q", tc.args)
		} else {
			assert.Contains(t, stderr, tc.want, "%q", tc.args)
		}
	}

	srv := startServe(t, serveArgs("-ciphersuites", "", "-cafile", td("ca.pem"), "-verify", "none", "-n", "1")...)
	assert.Contains(t, srv.errs.String(), "sslctx serve: warning: -ciphersuites \"\" leaves TLS 1.3 without suites, and OpenSSL then refuses every handshake: give -max TLSv1_2 too\n")
	assert.Contains(t, srv.errs.String(), "sslctx serve: warning: -cafile has no effect with -verify none: clients are not asked for a certificate\n")
	// The handshake fails as warned, and the line keeps OpenSSL's explanation.
	c := clientContext(t)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	_, err := ssl.Dial(ctx, "tcp", srv.addr, c)
	require.Error(t, err)
	assert.Contains(t, srv.nextLine(t), "handshake failed: [SSL: NO_CIPHERS_AVAILABLE] no ciphers available (OpenSSL: No ciphers enabled for max supported SSL/TLS version)")
	assert.Equal(t, 0, srv.exitCode(t))
}

// connect unlocks its client key with -pass too.
func TestConnectKeyPassword(t *testing.T) {
	addr := startServer(t, serverOpts{})
	code, _, stderr := runCLI("connect", "-cafile", td("ca.pem"), "-cert", td("keycert-enc.pem"), "-pass", "pass:sslctx-password", addr)
	assert.Equal(t, 0, code, stderr)
	code, _, stderr = runCLI("connect", "-cafile", td("ca.pem"), "-cert", td("keycert-enc.pem"), "-pass", "file:"+td("PASSWORD"), addr)
	assert.Equal(t, 0, code, stderr)
	code, _, stderr = runCLI("connect", "-cafile", td("ca.pem"), "-cert", td("keycert-enc.pem"), "-pass", "pass:wrong", addr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "sslctx connect: -pass: ")
	assert.Contains(t, stderr, "the password does not unlock the private key in ../../testdata/keycert-enc.pem")
	code, _, stderr = runCLI("connect", "-pass", "pass:x", addr)
	assert.Equal(t, 2, code)
	assert.Equal(t, "sslctx connect: -pass needs -cert\n", stderr)
}
