package bio

import (
	"bytes"
	"errors"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/loopback"
)

// Over TCP, a read waiting for a peer that sends nothing holds no buffer
// at all: it waits on the descriptor and reads only once there is input.
func TestRun_IdleTCPReadHoldsNoBuffer(t *testing.T) {
	const n = 300
	pairs := make([][2]net.Conn, n)
	for i := range pairs {
		pairs[i][0], pairs[i][1] = loopback.Pair(t)
	}
	var ended sync.WaitGroup
	ended.Add(n)
	before := heap()
	for _, p := range pairs {
		e, _ := handshakenEngine(false)
		c := New(p[0], e)
		go func() {
			defer ended.Done()
			_, _ = c.Run(OpRead, make([]byte, 1), false)
		}()
	}
	waitReadersIdle(t, n)
	per := float64(heap()-before) / n
	for _, p := range pairs {
		p[1].Close()
	}
	ended.Wait()
	assert.Less(t, per, float64(peekSize), "bytes of heap per idle reader (a Conn, its engine, a goroutine's 1-byte buffer)")
}

// waitReadersIdle waits until n goroutines wait for input in fill.
func waitReadersIdle(t *testing.T, n int) {
	t.Helper()
	buf := make([]byte, 8<<20)
	deadline := time.Now().Add(10 * time.Second)
	for {
		dump := string(buf[:runtime.Stack(buf, true)])
		idle := 0
		for _, g := range strings.Split(dump, "\n\n") {
			if strings.Contains(g, "[IO wait") && strings.Contains(g, "bio.(*Conn).fill") {
				idle++
			}
		}
		if idle >= n {
			return
		}
		require.True(t, time.Now().Before(deadline), "%d of %d readers waiting for input", idle, n)
		time.Sleep(10 * time.Millisecond)
	}
}

// What a streaming peer sent while the reader was busy comes in with one
// read, not a record's worth at a time.
func TestRun_TCPReadTakesAllThatArrived(t *testing.T) {
	a, b, _, eb := framePair(t, false)
	msg := bytes.Repeat([]byte("x"), 8<<10)
	for i := 0; i < 6; i++ {
		_, err := a.Run(OpWrite, msg, true)
		require.NoError(t, err)
	}
	// The frames are in b's socket once they are all read below; the
	// first read must find most of them there already.
	time.Sleep(50 * time.Millisecond)
	got := read(t, b, 6*len(msg))
	assert.Len(t, got, 6*len(msg))
	assert.GreaterOrEqual(t, eb.maxIn, 6*(len(msg)+frameHeader), "bytes one engine call was offered after one network read")
}

// The errors of a TCP read are those net.Conn.Read gives in the same
// state of the connection, text included.
func TestRun_TCPReadErrorsAreThoseOfRead(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(local, peer net.Conn)
		is    error
	}{
		{"deadline passed", func(local, _ net.Conn) { local.SetReadDeadline(time.Now().Add(-time.Second)) }, os.ErrDeadlineExceeded},
		{"closed", func(local, _ net.Conn) { local.Close() }, net.ErrClosed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			local, peer := loopback.Pair(t)
			tc.setup(local, peer)
			_, want := local.Read(make([]byte, 1))
			require.Error(t, want)
			c := New(local, &frameEngine{mu: &sync.Mutex{}, seq: new(uint32), sentH: true, gotH: true})
			_, err := c.Run(OpRead, make([]byte, 1), false)
			assert.ErrorIs(t, err, tc.is)
			assert.Equal(t, want.Error(), err.Error())
			var oe *net.OpError
			assert.True(t, errors.As(err, &oe))
		})
	}
	t.Run("reset", func(t *testing.T) {
		// A reset is met once: the plain Read sees it on one pair, the
		// pump on another, and the texts differ only by the addresses.
		reset := func() (net.Conn, string) {
			local, peer := loopback.Pair(t)
			require.NoError(t, peer.(*net.TCPConn).SetLinger(0))
			peer.Close()
			time.Sleep(20 * time.Millisecond)
			return local, local.LocalAddr().String() + "->" + local.RemoteAddr().String()
		}
		local, addrs := reset()
		_, want := local.Read(make([]byte, 1))
		require.ErrorContains(t, want, "connection reset by peer")
		local2, addrs2 := reset()
		c := New(local2, &frameEngine{mu: &sync.Mutex{}, seq: new(uint32), sentH: true, gotH: true})
		_, err := c.Run(OpRead, make([]byte, 1), false)
		require.Error(t, err)
		assert.Equal(t, strings.Replace(want.Error(), addrs, addrs2, 1), err.Error())
	})
}
