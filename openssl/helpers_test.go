package openssl

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// newTestCtx is a Ctx on method m, freed when the test ends.
func newTestCtx(t *testing.T, m Method) *Ctx {
	t.Helper()
	c, err := NewCtx(m)
	require.NoError(t, err)
	t.Cleanup(c.Free)
	return c
}
