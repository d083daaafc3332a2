package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// demo makes its certificates at start: it runs outside the repository.
func TestDemo(t *testing.T) {
	t.Chdir(t.TempDir())
	code, out, stderr := runCLI("demo")
	assert.Equal(t, 0, code, stderr)
	for _, want := range []string{"protocol:  TLSv1.3", "cipher:    TLS_", `"commonName","localhost"`, `"commonName","sslctx demo CA"`,
		`echoed:    "Hello from sslctx"`, "client certificate CN=sslctx client, verified"} {
		assert.Contains(t, out, want)
	}
}

func TestUsage(t *testing.T) {
	code, out, _ := runCLI("--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "demo")
	code, _, _ = runCLI()
	assert.Equal(t, 2, code)
	code, _, stderr := runCLI("no-such-command")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "unknown command")
	code, _, stderr = runCLI("demo", "-no-such-flag")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "flag provided but not defined")
}

func TestVersion(t *testing.T) {
	code, out, stderr := runCLI("--version")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "sslctx (devel) (github.com/sslctx/ssl), on "+ssl.OpenSSLVersion+"\n", out,
		"a test binary's build info has the main module as (devel)")
	assert.Contains(t, out, "OpenSSL 3.")
}

func TestHelpCommand(t *testing.T) {
	code, out, stderr := runCLI("help", "connect")
	require.Equal(t, 0, code, stderr)
	_, want, _ := runCLI("connect", "--help")
	assert.Equal(t, want, out)
	assert.True(t, strings.HasPrefix(out, "usage: sslctx connect"), out)

	code, _, stderr = runCLI("help", "no-such-command")
	assert.Equal(t, 2, code)
	assert.Equal(t, "sslctx help: unknown command \"no-such-command\" (see sslctx --help)\n", stderr)
}
