package openssl

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// regenerate runs a generator into a temporary file and returns what it wrote.
func regenerate(t *testing.T, generator string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.go")
	cmd := exec.Command("go", "run", generator, "-o", out)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", b)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	return string(got)
}

// The committed digest must describe the committed shim, or the build cache
// could link an object compiled from an older shim.c.
func TestShimDigestIsCurrent(t *testing.T) {
	committed, err := os.ReadFile("zshimdigest.go")
	require.NoError(t, err)
	assert.Equal(t, regenerate(t, "./internal/mkshimdigest"), string(committed),
		"cshim changed: run `make generate` (go generate ./openssl)")
}

// The mnemonic tables must be those of the headers this package builds with.
func TestErrorNamesMatchInstalledHeaders(t *testing.T) {
	committed, err := os.ReadFile("zerrnames.go")
	require.NoError(t, err)
	assert.Equal(t, regenerate(t, "./internal/mkerrnames"), string(committed),
		"the OpenSSL headers changed: run `make generate`")
}

func TestErrorNames(t *testing.T) {
	assert.Equal(t, "SSL", libNames[LibSSL])
	assert.Equal(t, "CERTIFICATE_VERIFY_FAILED", reasonNames()[libReason{LibSSL, ReasonCertificateVerifyFailed}])
	assert.Equal(t, "NO_START_LINE", reasonNames()[libReason{LibPEM, 108}])
	assert.Equal(t, "KEY_VALUES_MISMATCH", reasonNames()[libReason{LibX509, 116}])
}

// Each call reports its own errors, never those of a call another goroutine
// made on the same OS thread: the queue is cleared and read inside one C call.
func TestErrorQueue_BelongsToTheCallThatFailed(t *testing.T) {
	ctx, err := NewCtx(MethodTLS)
	require.NoError(t, err)
	defer ctx.Free()
	garbage := filepath.Join("..", "testdata", "garbage.pem")
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			// Each goroutine works on its own context: Ctx is not safe for
			// concurrent use, the error queue is what is under test.
			c, err := NewCtx(MethodTLS)
			if !assert.NoError(t, err) {
				return
			}
			defer c.Free()
			for i := 0; i < 200; i++ {
				if g%2 == 0 {
					err := c.SetCipherList("nonsense")
					var oe *Error
					if assert.ErrorAs(t, err, &oe) {
						for _, e := range oe.Entries {
							assert.Equal(t, "SSL", e.Library, "%+v", oe.Entries)
						}
					}
				} else {
					err := c.LoadVerifyLocations(garbage, "")
					var oe *Error
					if assert.ErrorAs(t, err, &oe) {
						for _, e := range oe.Entries {
							assert.Contains(t, []string{"X509", "PEM"}, e.Library, "%+v", oe.Entries)
						}
					}
					// A success right after a failure reports nothing.
					assert.NoError(t, c.SetCipherList("ALL"))
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestCString_RejectsNUL(t *testing.T) {
	_, err := cString("a\x00b")
	assert.ErrorIs(t, err, ErrNULByte)
	b, err := cString("ab")
	require.NoError(t, err)
	assert.Equal(t, []byte("ab\x00"), b)
}

func TestLiveObjects_CountFrees(t *testing.T) {
	c0, s0, b0 := LiveObjects()
	ctx, err := NewCtx(MethodTLS)
	require.NoError(t, err)
	ssl, err := ctx.NewSSL(false)
	require.NoError(t, err)
	c1, s1, b1 := LiveObjects()
	assert.Equal(t, [3]int64{c0 + 1, s0 + 1, b0 + 1}, [3]int64{c1, s1, b1}, "one pipe BIO serves both directions")
	ctx.Free()
	c2, _, _ := LiveObjects()
	assert.Equal(t, c0+1, c2, "the SSL keeps its SSL_CTX alive")
	ssl.Free()
	c3, s3, b3 := LiveObjects()
	assert.Equal(t, [3]int64{c0, s0, b0}, [3]int64{c3, s3, b3})
}
