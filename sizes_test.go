package ssl

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Sizes that cannot be a C int are refused with CPython's message for
// ssl.RAND_bytes, before any allocation: never a panic in make.
func TestRANDBytesSizes(t *testing.T) {
	want := checkCases(t)
	for _, tc := range []struct {
		id string
		n  int
	}{
		{"rand_bytes_negative", -1},
		// On the old code this one allocated and filled 2 GiB.
		{"rand_bytes_int_max", math.MaxInt32 + 1},
		{"rand_bytes_huge", 1 << 62},
	} {
		t.Run(tc.id, func(t *testing.T) {
			var b []byte
			var err error
			require.NotPanics(t, func() { b, err = RANDBytes(tc.n) })
			assert.Nil(t, b)
			assertPythonRefusal(t, want, tc.id, err)
		})
	}
	b, err := RANDBytes(0)
	require.NoError(t, err)
	assert.Empty(t, b)
}
