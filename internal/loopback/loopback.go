// Package loopback gives tests real TCP connections on 127.0.0.1, where
// what is under test must meet the kernel's socket behaviour (resets,
// half-closes, buffer limits) that an in-memory pipe does not have.
package loopback

import (
	"net"
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
