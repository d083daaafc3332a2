package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/testpeer"
)

// serve -sni gives each name its certificate, and -cert to a client that
// sends no name or one serve does not know, as openssl s_client sees it.
func TestServeSNI(t *testing.T) {
	_, second, secondKey := issueFiles(t, t.TempDir(), "second", certSpec{cn: "second.example", dns: []string{"second.example"}}, nil)
	srv := startServe(t, serveArgs("-n", "4",
		"-sni", "other.example="+td("server-other.pem")+","+td("server-other.key"),
		"-sni", "Second.Example="+second+","+secondKey)...)
	for _, tc := range []struct {
		name    string
		args    []string
		subject string // the CN of the certificate served
		line    string // what serve prints
	}{
		{"other", []string{"-servername", "other.example"}, "other.example", " sni=other.example"},
		{"second", []string{"-servername", "second.example"}, "second.example", " sni=second.example"},
		{"no name", []string{"-noservername"}, "localhost", ""},
		{"unknown name", []string{"-servername", "unknown.example"}, "localhost", " sni=unknown.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := testpeer.RunClient(t, srv.addr, "", tc.args...)
			require.True(t, res.Connected, res.Output)
			m := regexp.MustCompile(`(?m)^subject=.*CN ?= ?([^,\n]+)`).FindStringSubmatch(res.Output)
			require.NotNil(t, m, res.Output)
			assert.Equal(t, tc.subject, strings.TrimSpace(m[1]))
			assert.Regexp(t, `^127\.0\.0\.1:\d+: TLSv1\.3 TLS_\S+`+regexp.QuoteMeta(tc.line)+`$`, srv.nextLine(t))
		})
	}
	assert.Equal(t, 0, srv.exitCode(t), srv.errs.String())
}

// A wrong -sni value is a configuration error (exit 2) naming the flag,
// and the file when one cannot be loaded.
func TestServeSNIErrors(t *testing.T) {
	for _, tc := range []struct {
		sni  string
		want string
	}{
		{"other.example", `invalid value "other.example" for flag -sni: want NAME=CERT,KEY`},
		{"other.example=" + td("server-other.pem"), "want NAME=CERT,KEY: the certificate file, a comma, the key file"},
		{"=" + td("server-other.pem") + "," + td("server-other.key"), "want NAME=CERT,KEY"},
		{"other.example=" + td("no-such.pem") + "," + td("server-other.key"),
			"-sni other.example=../../testdata/no-such.pem,../../testdata/server-other.key: ../../testdata/no-such.pem: no such file or directory"},
		{"other.example=" + td("server-other.pem") + "," + td("no-such.key"),
			"-sni other.example=../../testdata/server-other.pem,../../testdata/no-such.key: ../../testdata/no-such.key: no such file or directory"},
		{"other.example=" + td("server-other.pem") + "," + td("server-rsa.key"),
			"../../testdata/server-rsa.key is not the key of the certificate in ../../testdata/server-other.pem"},
		{"other.example=" + td("garbage.pem") + "," + td("server-other.key"),
			"want the PEM certificate chain in ../../testdata/garbage.pem and its private key in ../../testdata/server-other.key"},
	} {
		code, out, stderr := runCLI(append([]string{"serve"}, serveArgs("-sni", tc.sni)...)...)
		assert.Equal(t, 2, code, "%s: %s", tc.sni, stderr)
		assert.Empty(t, out)
		assert.True(t, strings.HasPrefix(stderr, "sslctx serve: "), stderr)
		assert.Contains(t, stderr, tc.want)
	}
	code, _, stderr := runCLI(append([]string{"serve"}, serveArgs("-sni", "a.example="+td("server-other.pem")+","+td("server-other.key"),
		"-sni", "A.example="+td("server-other.pem")+","+td("server-other.key"))...)...)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "a.example is given twice")
}

// A connection moved to a -sni certificate still selects ALPN protocols:
// SSL_set_SSL_CTX takes the selection from the new context.
func TestServeSNIKeepsALPN(t *testing.T) {
	srv := startServe(t, serveArgs("-n", "1", "-alpn", "x-echo",
		"-sni", "other.example="+td("server-other.pem")+","+td("server-other.key"))...)
	res := testpeer.RunClient(t, srv.addr, "", "-servername", "other.example", "-alpn", "x-echo")
	require.True(t, res.Connected, res.Output)
	assert.Equal(t, "x-echo", res.ALPN)
	assert.Regexp(t, `^127\.0\.0\.1:\d+: TLSv1\.3 TLS_\S+ alpn=x-echo sni=other.example$`, srv.nextLine(t))
	assert.Equal(t, 0, srv.exitCode(t), srv.errs.String())
}
