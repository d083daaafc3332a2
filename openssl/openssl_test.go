package openssl

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
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

// The committed table of the installed headers' series must be what those
// headers define, and the process must use the table of the OpenSSL it runs.
// `make generate` must have nothing to change: a table from another patch
// release of the series passes when it names everything the installed
// headers define as they do (a later one may hold more), and fails when a
// mnemonic is missing or named otherwise.
func TestErrorNamesMatchInstalledHeaders(t *testing.T) {
	dir := t.TempDir()
	out, err := exec.Command("go", "run", "./internal/mkerrnames", "-dir", dir).Output()
	require.NoError(t, err, "%s", out)
	name := filepath.Base(strings.TrimSpace(string(out)))
	committed, err := os.ReadFile(name)
	require.NoError(t, err, "no table committed for the installed OpenSSL headers: run `make generate`")
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), committed, 0o644))
	out, err = exec.Command("go", "run", "./internal/mkerrnames", "-dir", dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	generated, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	assert.Equal(t, string(committed), string(generated),
		"the committed table disagrees with the installed OpenSSL headers: run `make generate`")
}

func TestErrorNames_TableOfTheRunningSeries(t *testing.T) {
	series, version := ErrorTableSeries()
	assert.Equal(t, seriesKey(VersionNumber()), seriesKey(errNames().number),
		"running %s with the table of %s (%s): run `make generate`", Version(), series, version)
}

func TestErrorNames(t *testing.T) {
	assert.Equal(t, "SSL", libName(LibSSL))
	assert.Equal(t, "CERTIFICATE_VERIFY_FAILED", reasonMnemonic(LibSSL, ReasonCertificateVerifyFailed))
	assert.Equal(t, "NO_START_LINE", reasonMnemonic(LibPEM, 108))
	assert.Equal(t, "KEY_VALUES_MISMATCH", reasonMnemonic(LibX509, 116))
	assert.Equal(t, "", reasonMnemonic(LibSSL, 1<<20))
	assert.Equal(t, "X509_V_ERR_CERT_HAS_EXPIRED", VerifyCodeName(10))
	assert.Equal(t, "X509_V_OK", VerifyCodeName(0))
	assert.Equal(t, "", VerifyCodeName(-1))
}

// Every embedded table reads, is the series its file's name says, and is
// sorted by code, as the lookups' binary searches need.
func TestErrorNames_EveryTableReads(t *testing.T) {
	require.Len(t, errNameTables(), 3)
	for _, tb := range errNameTables() {
		e := tb.read()
		assert.Equal(t, tb.series, e.series)
		assert.Equal(t, seriesKey(tb.number), seriesKey(e.number), "%s: %s", tb.series, e.version)
		assert.NotEmpty(t, e.libs, tb.series)
		assert.NotEmpty(t, e.reasons, tb.series)
		assert.NotEmpty(t, e.verify, tb.series)
		byCode := func(a, b codeName) int { return a.code - b.code }
		assert.True(t, slices.IsSortedFunc(e.libs, byCode), tb.series)
		assert.True(t, slices.IsSortedFunc(e.verify, byCode), tb.series)
		assert.True(t, slices.IsSortedFunc(e.reasons, func(a, b reasonName) int {
			if a.lib != b.lib {
				return a.lib - b.lib
			}
			return a.reason - b.reason
		}), tb.series)
	}
}

// A table file that is not what mkerrnames writes is a broken build: reading
// it panics with the file and line, never yields a table missing names.
func TestErrorNames_MalformedTablePanics(t *testing.T) {
	for _, entry := range []string{"lib one NONE", "reason 20 SSL", "verify 10", "verify 10 TWO NAMES", "libs 1 NONE", "number 3.0"} {
		got := func() (v any) {
			defer func() { v = recover() }()
			readErrNames("zerrnames_9_9.txt", "# header\n"+entry+"\n")
			return nil
		}()
		assert.Contains(t, fmt.Sprint(got), fmt.Sprintf("openssl: zerrnames_9_9.txt:2: %q: ", entry))
	}
}

// Each series has the reasons its own headers define: 3.2's record layer
// added RECORD_LAYER_FAILURE, which a 3.0 table lacks.
func TestErrorNames_PerSeries(t *testing.T) {
	bySeries := map[string]*errNameTable{}
	for _, tb := range errNameTables() {
		bySeries[tb.series] = tb
	}
	require.Contains(t, bySeries, "1.1.1")
	require.Contains(t, bySeries, "3.0")
	require.Contains(t, bySeries, "3.5")
	for series, want := range map[string]string{"1.1.1": "", "3.0": "", "3.5": "RECORD_LAYER_FAILURE"} {
		got := ""
		for _, r := range bySeries[series].read().reasons {
			if r.lib == LibSSL && r.name == "RECORD_LAYER_FAILURE" {
				got = r.name
			}
		}
		assert.Equal(t, want, got, "OpenSSL %s", series)
	}
	assert.Same(t, bySeries["3.5"], tableFor(0x30600000), "3.6 borrows 3.5's table")
	assert.Same(t, bySeries["3.0"], tableFor(0x30300010), "3.3 borrows 3.0's table")
	assert.Same(t, bySeries["1.1.1"], tableFor(0x1010117f))
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
