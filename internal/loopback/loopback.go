// Package loopback gives tests real TCP connections on 127.0.0.1, where
// what is under test must meet the kernel's socket behaviour (resets,
// half-closes, buffer limits) that an in-memory pipe does not have, and the
// accept loops of the servers they run.
package loopback

import (
	"net"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// Pair returns the two ends of a loopback TCP connection, both closed when
// the test ends.
func Pair(t testing.TB) (client, server net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	server = <-accepted
	require.NotNil(t, server)
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// AcceptEach runs handle, which must close the connection, on every
// connection l accepts, each in a goroutine of its own, until l is closed.
// The wait it returns blocks until the accept loop and every handle have
// returned.
func AcceptEach(l net.Listener, handle func(net.Conn)) (wait func()) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				handle(conn)
			}()
		}
	}()
	return wg.Wait
}

// Serve hands every connection l accepts to handle in a goroutine of its
// own, and closes it when handle returns; a nil handle keeps each
// connection open unanswered. When the test ends, Serve closes the
// listener and every connection and waits for the goroutines.
func Serve(t testing.TB, l net.Listener, handle func(net.Conn)) {
	var (
		mu     sync.Mutex
		conns  []net.Conn
		closed bool
	)
	wait := AcceptEach(l, func(conn net.Conn) {
		mu.Lock()
		if closed { // accepted as the test ended
			mu.Unlock()
			conn.Close()
			return
		}
		conns = append(conns, conn)
		mu.Unlock()
		if handle != nil {
			defer conn.Close()
			handle(conn)
		}
	})
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		closed = true
		for _, conn := range conns {
			conn.Close()
		}
		mu.Unlock()
		wait()
	})
}
