package ssl

import (
	"bytes"
	"io"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// resetPeakRSS starts the peak resident set (VmHWM) afresh, so that what the
// load test reports is its own and not that of a test run before it (the
// 2 GiB buffer tests, or an earlier round under -count).
func resetPeakRSS(t *testing.T) {
	t.Helper()
	debug.FreeOSMemory()
	// "5" resets the peak RSS of the process (proc(5), Linux 4.0 and later).
	require.NoError(t, os.WriteFile("/proc/self/clear_refs", []byte("5"), 0),
		"resetting the peak RSS to measure this test alone")
}

// peakRSS returns the process's peak resident set (VmHWM) in bytes.
func peakRSS(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// One Context serving many concurrent connections, each a handshake and a
// round of data, with no error and bounded memory. make load runs the full
// form (1,000 at once, 100,000 in all); make test a shorter one under the
// race detector.
func TestLoad_ConcurrentConnections(t *testing.T) {
	concurrent, total, payload := 100, 2000, 16<<10
	if os.Getenv("SSLCTX_LOAD") == "full" {
		concurrent, total = 1000, 100000
	}
	resetPeakRSS(t)
	sctx := testServerContext(t)
	cctx := testClientContext(t)
	l := listen(t, sctx)
	served := acceptEach(l, func(conn net.Conn) { echo(conn, 2*time.Minute) })

	msg := bytes.Repeat([]byte("load "), payload/5)
	start := time.Now()
	failed, firstErr := runJobs(concurrent, total, func(int) error {
		conn, err := net.DialTimeout("tcp", l.Addr().String(), time.Minute)
		if err != nil {
			return err
		}
		conn.SetDeadline(time.Now().Add(2 * time.Minute))
		s, err := cctx.WrapSocket(conn, ServerHostname("localhost"))
		if err != nil {
			conn.Close()
			return err
		}
		defer s.Close()
		if _, err := s.Write(msg); err != nil {
			return err
		}
		buf := make([]byte, len(msg))
		if _, err := io.ReadFull(s, buf); err != nil {
			return err
		}
		if !bytes.Equal(buf, msg) {
			return io.ErrUnexpectedEOF
		}
		return nil
	})
	elapsed := time.Since(start)
	l.Close()
	served()
	rss := peakRSS(t)
	t.Logf("%d connections, %d at once: %.0f handshakes/s, %.1f MiB of data each way, peak RSS %.0f MiB",
		total, concurrent, float64(total)/elapsed.Seconds(), float64(total*len(msg))/(1<<20), float64(rss)/(1<<20))
	assert.Zero(t, failed, "first failure: %v", firstErr)
	assert.Less(t, rss, int64(2<<30), "memory stays bounded")
}
