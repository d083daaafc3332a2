package ssl

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stalledClient returns a client Socket whose peer reads nothing and whose
// send buffers are full: anything Close sends blocks until a deadline. The
// write that fills them times out on a deadline set on the transport
// directly, which the Socket never sees, and that deadline is cleared.
func stalledClient(t *testing.T) *Socket {
	t.Helper()
	c, s := connected(t, testClientContext(t), testServerContext(t))
	failIfStuck(t, 20*time.Second, c.NetConn())
	// Fixed buffers: the kernel would otherwise grow the peer's window
	// after the write gave up, and let what Close sends through.
	require.NoError(t, s.NetConn().(*net.TCPConn).SetReadBuffer(16<<10))
	require.NoError(t, c.NetConn().(*net.TCPConn).SetWriteBuffer(16<<10))
	require.NoError(t, c.NetConn().SetWriteDeadline(time.Now().Add(100*time.Millisecond)))
	_, err := c.Write(make([]byte, 4<<20))
	var ne net.Error
	require.ErrorAs(t, err, &ne, "the peer reads nothing: the write must time out")
	require.True(t, ne.Timeout())
	require.NoError(t, c.NetConn().SetWriteDeadline(time.Time{}))
	return c
}

// closeWithin runs Close and returns how long it took, failing the test if
// it has not returned after limit (it is still waited for).
func closeWithin(t *testing.T, c *Socket, limit time.Duration) time.Duration {
	t.Helper()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- c.Close() }()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(limit):
		t.Errorf("Close has not returned after %v", limit)
		<-done
	}
	return time.Since(start)
}

// Close bounds its wait to send close_notify with its own deadline, but a
// write deadline the caller set through the Socket that falls sooner wins:
// Close returns around it, not five seconds later.
func TestSocket_CloseKeepsASoonerDeadline(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*Socket) error
	}{
		{"write deadline ahead", func(c *Socket) error {
			return c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		}},
		{"deadline ahead", func(c *Socket) error {
			return c.SetDeadline(time.Now().Add(100 * time.Millisecond))
		}},
		{"write deadline passed", func(c *Socket) error {
			return c.SetWriteDeadline(time.Now().Add(-time.Second))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := stalledClient(t)
			require.NoError(t, tc.set(c))
			closeWithin(t, c, 2*time.Second)
		})
	}
}

// With no write deadline from the caller, or a later one, Close's own
// bound remains: it waits for close_notify to go, and gives up after it.
func TestSocket_CloseCapsItsWait(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*Socket) error
	}{
		{"none", func(*Socket) error { return nil }},
		{"cleared", func(c *Socket) error {
			if err := c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
				return err
			}
			return c.SetWriteDeadline(time.Time{})
		}},
		{"later", func(c *Socket) error { return c.SetDeadline(time.Now().Add(time.Hour)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := stalledClient(t)
			require.NoError(t, tc.set(c))
			took := closeWithin(t, c, 3*closeNotifyTimeout)
			assert.GreaterOrEqual(t, took, closeNotifyTimeout/2,
				"Close gave up long before its own bound")
		})
	}
}
