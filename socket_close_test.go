package ssl

import (
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stallConn is a transport whose writes, once stalled, take nothing and
// block until the write deadline set on it passes: a peer that reads
// nothing, with every buffer on the way full. The kernel would not hold
// that state reliably (it grows a window, or drains a buffer, as it sees
// fit), so the test makes it.
type stallConn struct {
	net.Conn
	mu       sync.Mutex
	stalled  bool
	deadline time.Time
}

func (c *stallConn) stall() { c.mu.Lock(); c.stalled = true; c.mu.Unlock() }

func (c *stallConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return c.Conn.SetWriteDeadline(t)
}

func (c *stallConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return c.Conn.SetDeadline(t)
}

func (c *stallConn) Write(p []byte) (int, error) {
	for {
		c.mu.Lock()
		stalled, deadline := c.stalled, c.deadline
		c.mu.Unlock()
		if !stalled {
			return c.Conn.Write(p)
		}
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			return 0, os.ErrDeadlineExceeded
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stalledClient returns a client Socket past its handshake whose transport
// then takes nothing more: anything Close sends blocks until a deadline.
func stalledClient(t *testing.T) *Socket {
	t.Helper()
	cn, sn := tcpPair(t)
	sc := &stallConn{Conn: cn}
	served := make(chan error, 1)
	go func() {
		s, err := testServerContext(t).WrapSocket(sn, ServerSide(true))
		if err == nil {
			t.Cleanup(func() { s.Close() })
		}
		served <- err
	}()
	c, err := testClientContext(t).WrapSocket(sc, ServerHostname("localhost"))
	require.NoError(t, err, "client handshake")
	select {
	case err := <-served:
		require.NoError(t, err, "server handshake")
	case <-time.After(10 * time.Second):
		t.Fatal("server handshake did not end")
	}
	sc.stall()
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
