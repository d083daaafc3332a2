package openssl

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An error names the function OpenSSL says failed, never a label the
// binding guessed: a PEM text that does not parse fails in the PEM reader,
// before any certificate reaches X509_STORE_add_cert.
func TestAddCAData_PEMParseFailureNamesThePEMReader(t *testing.T) {
	c := newTestCtx(t, MethodTLSClient)

	_, err := c.AddCAData([]byte("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"), true)
	var e *Error
	require.True(t, errors.As(err, &e), "got %v", err)
	last, ok := e.Last()
	require.True(t, ok, "the queue is empty: %v", e)
	assert.NotEqual(t, "X509_STORE_add_cert", e.Func)
	assert.Equal(t, last.Func, e.Func, "Func is not the newest entry's function")
	assert.True(t, strings.Contains(strings.ToLower(e.Func), "pem") || strings.Contains(e.Func, "b64") ||
		strings.Contains(strings.ToLower(e.Func), "decode"), "Func %q is no PEM reader function", e.Func)
}

// A server name too long for SNI is refused by OpenSSL's own control call,
// and the error says so rather than the binding's name for the step.
func TestSetHostname_TooLongNamesOpenSSLFunction(t *testing.T) {
	c := newTestCtx(t, MethodTLSClient)
	s, err := c.NewSSL(false)
	require.NoError(t, err)
	defer s.Free()

	_, err = s.SetHostname(strings.Repeat("a", 300)+".example", true)
	var e *Error
	require.True(t, errors.As(err, &e), "got %v", err)
	last, ok := e.Last()
	require.True(t, ok, "the queue is empty: %v", e)
	require.NotEmpty(t, last.Func)
	assert.Equal(t, last.Func, e.Func)
}
