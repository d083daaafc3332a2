package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestDemo(t *testing.T) {
	code, out, stderr := runCLI("demo", "-testdata", "../../testdata")
	assert.Equal(t, 0, code, stderr)
	for _, want := range []string{"protocol:  TLSv1.3", "cipher:    TLS_", `"commonName","localhost"`,
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
	code, _, stderr = runCLI("demo", "-testdata", "/nonexistent")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "no such file or directory")
	assert.Equal(t, 1, bytes.Count([]byte(stderr), []byte("\n")), "errors take one line")
}
