package ssl

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/golden"
	"github.com/sslctx/ssl/openssl"
)

// pythonClassSentinels maps each Python exception class recorded in the
// golden files to the sentinel errors.Is must match, or nil for a class
// that matches none of them.
var pythonClassSentinels = map[string]error{
	"SSLZeroReturnError":       ErrZeroReturn,
	"SSLWantReadError":         ErrWantRead,
	"SSLWantWriteError":        ErrWantWrite,
	"SSLSyscallError":          ErrSyscall,
	"SSLEOFError":              ErrEOF,
	"SSLCertVerificationError": ErrCertVerification,
	"CertificateError":         ErrCertVerification,
	"SSLError":                 nil,
}

var allClassSentinels = map[string]error{
	"ErrZeroReturn": ErrZeroReturn, "ErrWantRead": ErrWantRead, "ErrWantWrite": ErrWantWrite,
	"ErrSyscall": ErrSyscall, "ErrEOF": ErrEOF, "ErrCertVerification": ErrCertVerification,
}

// assertPythonClass checks that err matches, with errors.Is, exactly the
// sentinel of the Python class that CPython raised for the same failure,
// and none for a class outside the SSLError family or plain SSLError.
func assertPythonClass(t *testing.T, class string, err error) {
	t.Helper()
	want := pythonClassSentinels[class]
	for name, s := range allClassSentinels {
		assert.Equal(t, s == want, errors.Is(err, s), "Python raised %s; errors.Is(err, %s) for %T %v", class, name, err, err)
	}
}

// TestErrorClass_GoldenClassesKnown makes sure every exception class that
// CPython raised in any golden file of this series is one assertPythonClass
// knows: a new SSLError subclass in a recording must not pass unchecked.
func TestErrorClass_GoldenClassesKnown(t *testing.T) {
	nonSSL := map[string]bool{"FileNotFoundError": true, "IsADirectoryError": true, "TypeError": true,
		"ValueError": true, "UnicodeEncodeError": true, "UnicodeDecodeError": true, "UnicodeError": true,
		"ZeroDivisionError": true, "OverflowError": true, "AttributeError": true, "DidNotFinish": true}
	files, err := filepath.Glob(golden.Path("golden/" + golden.Series() + "/*.json"))
	require.NoError(t, err)
	shared, err := filepath.Glob(golden.Path("golden/*.json"))
	require.NoError(t, err)
	counts := map[string]int{}
	for _, f := range append(files, shared...) {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var v any
		require.NoError(t, json.Unmarshal(b, &v))
		collectClasses(v, counts)
	}
	for class, n := range counts {
		_, known := pythonClassSentinels[class]
		assert.True(t, known || nonSSL[class], "class %s (%d times) has no errors.Is rule", class, n)
	}
	assert.Positive(t, counts["SSLCertVerificationError"])
	assert.Positive(t, counts["SSLEOFError"]+counts["SSLSyscallError"])
	assert.Positive(t, counts["SSLZeroReturnError"])
}

func collectClasses(v any, counts map[string]int) {
	switch v := v.(type) {
	case map[string]any:
		if c, ok := v["class"].(string); ok {
			counts[c]++
		}
		for _, x := range v {
			collectClasses(x, counts)
		}
	case []any:
		for _, x := range v {
			collectClasses(x, counts)
		}
	}
}

// TestErrorClass_Kinds covers the kinds no Socket surfaces (a Socket waits
// instead of reporting SSL_ERROR_WANT_*), with CPython's PySSL_SetError
// rules: the kind decides the class, SSL_ERROR_SYSCALL with an error
// queued is plain SSLError, and SSL_ERROR_WANT_X509_LOOKUP is too.
func TestErrorClass_Kinds(t *testing.T) {
	queued := &openssl.Error{Entries: []openssl.ErrorEntry{{Lib: openssl.LibSSL, Library: "SSL", Reason: 1, ReasonName: "X"}}}
	for _, tc := range []struct {
		kind  int
		queue *openssl.Error
		class string
	}{
		{openssl.ErrorWantRead, nil, "SSLWantReadError"},
		{openssl.ErrorWantWrite, nil, "SSLWantWriteError"},
		{openssl.ErrorZeroReturn, nil, "SSLZeroReturnError"},
		{openssl.ErrorWantX509Lookup, nil, "SSLError"},
		{openssl.ErrorWantConnect, nil, "SSLError"},
		{openssl.ErrorSyscall, nil, "SSLEOFError"},
		{openssl.ErrorSyscall, queued, "SSLError"},
		{openssl.ErrorSSL, queued, "SSLError"},
		{openssl.ErrorSSL, nil, "SSLError"},
	} {
		t.Run(fmt.Sprintf("%d %v", tc.kind, tc.queue != nil), func(t *testing.T) {
			err := operationError(nil, openssl.Result{Ret: -1, SSLError: tc.kind, Err: tc.queue}, "")
			assertPythonClass(t, tc.class, err)
		})
	}
}

// A plain SSLError outside a connection (a failed load) matches no subclass,
// even when OpenSSL's reason code equals a SSL_ERROR_* number.
func TestErrorClass_LibraryErrorsArePlain(t *testing.T) {
	for _, reason := range []int{2, 3, 5, 6, 8} {
		err := libraryError(&openssl.Error{Entries: []openssl.ErrorEntry{{Lib: openssl.LibSSL, Library: "SSL", Reason: reason, ReasonName: "R"}}})
		assertPythonClass(t, "SSLError", err)
	}
}
