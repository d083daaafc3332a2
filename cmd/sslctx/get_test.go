package main

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// get against serve -mode https: the protocol the server selects, the
// status and the TLS facts, then the body.
func TestGet(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		facts string
		page  string
	}{
		{"h2", nil, "protocol: HTTP/2.0\nstatus:   200 OK\ntls:      TLSv1.3 TLS_AES_256_GCM_SHA384\nalpn:     h2\n",
			"http:      HTTP/2.0\n"},
		{"http1.1", []string{"-alpn", "http/1.1"},
			"protocol: HTTP/1.1\nstatus:   200 OK\ntls:      TLSv1.3 TLS_AES_256_GCM_SHA384\nalpn:     http/1.1\n",
			"http:      HTTP/1.1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServe(t, serveArgs("-mode", "https", "-n", "1")...)
			args := append([]string{"get", "-cafile", td("ca.pem")}, tc.args...)
			code, out, stderr := runCLI(append(args, "https://localhost:"+port(t, srv.addr)+"/")...)
			require.Equal(t, 0, code, stderr)
			assert.True(t, strings.HasPrefix(out, tc.facts), out)
			assert.Contains(t, out, "server:   CN=localhost,O=Python Software Foundation,L=Castle Anthrax,C=XY, issued by CN=sslctx Test CA,O=sslctx tests,C=XY\n\nHello from sslctx serve")
			assert.Contains(t, out, tc.page)
			srv.nextLine(t)
			assert.Equal(t, 0, srv.exitCode(t), srv.errs.String())
		})
	}
}

func port(t *testing.T, addr string) string {
	t.Helper()
	i := strings.LastIndexByte(addr, ':')
	require.Positive(t, i, addr)
	return addr[i+1:]
}

// -o writes the body to a file and -v adds the headers.
func TestGetOutputAndVerbose(t *testing.T) {
	srv := startServe(t, serveArgs("-mode", "https", "-n", "1")...)
	file := filepath.Join(t.TempDir(), "page.txt")
	code, out, stderr := runCLI("get", "-cafile", td("ca.pem"), "-o", file, "-v", "https://localhost:"+port(t, srv.addr)+"/")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "header:   Content-Type: text/plain; charset=utf-8\n")
	assert.NotContains(t, out, "Hello from sslctx serve")
	body, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(body), "Hello from sslctx serve"), "%s", body)
	srv.nextLine(t)
	assert.Equal(t, 0, srv.exitCode(t), srv.errs.String())
}

// Failures: exit 1 with the library's error; a wrong command line exit 2.
func TestGetErrors(t *testing.T) {
	srv := startServe(t, serveArgs("-mode", "https", "-n", "1")...)
	code, out, stderr := runCLI("get", "-cafile", td("ca2.pem"), "https://localhost:"+port(t, srv.addr)+"/")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.True(t, strings.HasPrefix(stderr, "sslctx get: "), stderr)
	assert.Contains(t, stderr, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate")
	assert.Contains(t, srv.nextLine(t), "handshake failed")
	assert.Equal(t, 0, srv.exitCode(t), srv.errs.String())

	code, _, stderr = runCLI("get", "-timeout", "300ms", "-cafile", td("ca.pem"), "https://"+startSilent(t)+"/")
	assert.Equal(t, 1, code)
	assert.Equal(t, "sslctx get: no answer within -timeout 300ms\n", stderr)

	for _, args := range [][]string{
		{"get"},
		{"get", "http://localhost/"},
		{"get", "localhost:443"},
		{"get", "-alpn", "", "https://localhost/"},
		{"get", "-timeout", "0s", "https://localhost/"},
		{"get", "https://a/", "https://b/"},
	} {
		code, _, stderr := runCLI(args...)
		assert.Equal(t, 2, code, "%q", args)
		assert.True(t, strings.HasPrefix(stderr, "sslctx get: "), "%q: %s", args, stderr)
	}
}

// -keylog appends the connection's secrets in the NSS key log format; a
// file that cannot be opened is a configuration error naming it.
func TestGetKeylog(t *testing.T) {
	srv := startServe(t, serveArgs("-mode", "https", "-n", "1")...)
	file := filepath.Join(t.TempDir(), "keys.log")
	code, _, stderr := runCLI("get", "-cafile", td("ca.pem"), "-keylog", file, "https://localhost:"+port(t, srv.addr)+"/")
	require.Equal(t, 0, code, stderr)
	randoms := keylogRandoms(t, file)
	assert.Equal(t, tls13Labels, slices.Sorted(maps.Keys(randoms)))
	srv.nextLine(t)
	assert.Equal(t, 0, srv.exitCode(t), srv.errs.String())

	code, _, stderr = runCLI("get", "-keylog", filepath.Join(t.TempDir(), "missing", "keys.log"), "https://localhost:1/")
	assert.Equal(t, 2, code)
	assert.Regexp(t, `^sslctx get: -keylog \S+/missing/keys.log: no such file or directory\n$`, stderr)
}
