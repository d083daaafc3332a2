//go:build linux

package ssl

import (
	"bytes"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bigBuffer maps n bytes outside the Go heap: the race detector ignores
// them, so a buffer past 2 GiB costs no shadow memory.
func bigBuffer(t *testing.T, n int) []byte {
	t.Helper()
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	require.NoError(t, err)
	// Huge pages: a million 4 KiB page faults would take most of the test.
	_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE)
	t.Cleanup(func() { syscall.Munmap(b) })
	return b
}

// Buffers longer than an int32 go through Write and Read whole: lengths are
// never cut to C's int.
func TestSocket_BuffersOver2GiB(t *testing.T) {
	const size = 1<<31 + 3<<20 + 7
	src, dst := bigBuffer(t, size), bigBuffer(t, size)
	pattern := []byte("0123456789abcdefghijklmnopqrstuvwxyz!")
	n := copy(src, pattern)
	for n < len(src) {
		n += copy(src[n:], src[:n])
	}
	c, s := connected(t, testClientContext(t), testServerContext(t))
	written := make(chan error, 1)
	go func() {
		n, err := c.Write(src)
		if err == nil && n != len(src) {
			err = assert.AnError
		}
		written <- err
	}()
	require.NoError(t, s.SetReadDeadline(time.Now().Add(5*time.Minute)))
	off := 0
	for off < len(dst) {
		n, err := s.Read(dst[off:])
		require.NoError(t, err, "at %d", off)
		off += n
	}
	require.NoError(t, <-written)
	assert.True(t, bytes.Equal(src, dst), "2 GiB arrived intact")
}
