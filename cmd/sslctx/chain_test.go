package main

import (
	"encoding/json"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/testpeer"
)

// -servername asks openssl s_server for its second certificate, and
// -chain prints what was verified.
func TestConnectServername(t *testing.T) {
	srv := testpeer.StartServer(t, "-cert", td("server-rsa.pem"), "-key", td("server-rsa.key"),
		"-servername", "other.example", "-cert2", td("server-other.pem"), "-key2", td("server-other.key"))
	code, out, stderr := runCLI("connect", "-cafile", td("ca.pem"), "-servername", "other.example", "-chain", srv.Addr)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, `hostname "other.example" matched`)
	assert.Contains(t, out, "verified chain:\n"+
		"  0 subject: CN=other.example,O=Python Software Foundation,L=Castle Anthrax,C=XY\n"+
		"    issuer:  CN=sslctx Test CA,O=sslctx tests,C=XY\n"+
		"  1 subject: CN=sslctx Test CA,O=sslctx tests,C=XY\n"+
		"    issuer:  CN=sslctx Test CA,O=sslctx tests,C=XY\n")
	_, ok := srv.WaitFor(regexp.MustCompile(`Hostname in TLS extension: "other.example"`), waitTimeout)
	assert.True(t, ok, srv.Output())
}

// -keylog logs the secrets openssl s_server -keylogfile logs for the same
// connection: the same labels for the same client random.
// (s_server logs nothing for a connection it moved to -cert2's context,
// so the connection here stays on the first.)
func TestConnectKeylog(t *testing.T) {
	for _, tc := range []struct {
		max    string
		labels []string
	}{
		{"TLSv1_3", tls13Labels},
		{"TLSv1_2", []string{"CLIENT_RANDOM"}},
	} {
		t.Run(tc.max, func(t *testing.T) {
			dir := t.TempDir()
			ours, theirs := filepath.Join(dir, "ours.log"), filepath.Join(dir, "theirs.log")
			srv := testpeer.StartServer(t, "-cert", td("server-rsa.pem"), "-key", td("server-rsa.key"), "-keylogfile", theirs)
			code, _, stderr := runCLI("connect", "-cafile", td("ca.pem"), "-servername", "localhost", "-max", tc.max, "-keylog", ours, srv.Addr)
			require.Equal(t, 0, code, stderr)
			got := keylogRandoms(t, ours)
			assert.Equal(t, tc.labels, slices.Sorted(maps.Keys(got)))
			require.Eventually(t, func() bool { return len(keylogRandoms(t, theirs)) == len(tc.labels) }, waitTimeout, 20*time.Millisecond)
			assert.Equal(t, keylogRandoms(t, theirs), got)
		})
	}
}

// -chain prints the whole chain OpenSSL built, through an intermediate
// the server sent, and as JSON; with -verify none nothing was verified.
func TestConnectChain(t *testing.T) {
	root, inter, leaf, key := intermediateChain(t)
	srv := testpeer.StartServer(t, "-cert", leaf, "-key", key, "-cert_chain", inter, "-naccept", "3")
	code, out, stderr := runCLI("connect", "-cafile", root, "-servername", "localhost", "-chain", srv.Addr)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "verified chain:\n"+
		"  0 subject: CN=localhost,O=sslctx demo\n    issuer:  CN=Chain Test Intermediate,O=sslctx demo\n"+
		"  1 subject: CN=Chain Test Intermediate,O=sslctx demo\n    issuer:  CN=Chain Test Root,O=sslctx demo\n"+
		"  2 subject: CN=Chain Test Root,O=sslctx demo\n    issuer:  CN=Chain Test Root,O=sslctx demo\n")

	code, out, stderr = runCLI("connect", "-cafile", root, "-servername", "localhost", "-chain", "-json", srv.Addr)
	require.Equal(t, 0, code, stderr)
	var res struct {
		Chain []chainLink `json:"verified_chain"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res), out)
	assert.Equal(t, []chainLink{{"CN=localhost,O=sslctx demo", "CN=Chain Test Intermediate,O=sslctx demo"},
		{"CN=Chain Test Intermediate,O=sslctx demo", "CN=Chain Test Root,O=sslctx demo"}, {"CN=Chain Test Root,O=sslctx demo", "CN=Chain Test Root,O=sslctx demo"}}, res.Chain)

	code, out, stderr = runCLI("connect", "-verify", "none", "-chain", "-wait", "0s", srv.Addr)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "verified chain: none (the server's certificate was not verified)\n")
}

// A -keylog file that cannot be opened is a configuration error.
func TestConnectKeylogError(t *testing.T) {
	code, out, stderr := runCLI("connect", "-keylog", filepath.Join(t.TempDir(), "no", "keys.log"), "127.0.0.1:1")
	assert.Equal(t, 2, code)
	assert.Empty(t, out)
	assert.Regexp(t, `^sslctx connect: -keylog \S+/no/keys.log: no such file or directory\n$`, stderr)
}
