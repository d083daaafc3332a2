package openssl

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Values that do not fit the C types OpenSSL takes are refused, not
// truncated or wrapped into another valid value.
func TestCtxOutOfRange(t *testing.T) {
	c := newTestCtx(t, MethodTLS)

	require.NoError(t, c.SetNumTickets(3))
	assert.ErrorIs(t, c.SetNumTickets(-1), ErrOutOfRange, "a negative count would wrap to SIZE_MAX")
	assert.Equal(t, 3, c.NumTickets())

	// 1<<32 | TLS 1.2 would be cut to TLS 1.2 by C.int. A new context's
	// own bounds come from the system's openssl.cnf (Debian 11 sets
	// MinProtocol = TLSv1.2): the refused calls must leave them as they were.
	minVersion, maxVersion := c.MinProtoVersion(), c.MaxProtoVersion()
	assert.ErrorIs(t, c.SetMinProtoVersion(1<<32|0x0303), ErrOutOfRange)
	assert.ErrorIs(t, c.SetMaxProtoVersion(math.MinInt64), ErrOutOfRange)
	assert.Equal(t, minVersion, c.MinProtoVersion())
	assert.Equal(t, maxVersion, c.MaxProtoVersion())
}
