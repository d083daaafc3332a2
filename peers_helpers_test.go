package ssl

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// pyPeer is a CPython peer script of testdata/peers that prints one JSON
// line per event.
type pyPeer struct {
	t     *testing.T
	lines chan json.RawMessage
}

// startPy runs python3 testdata/peers/script with args. It is killed after
// 30 seconds or when the test ends; what it wrote to stderr is logged.
func startPy(t *testing.T, script string, args ...string) *pyPeer {
	t.Helper()
	requirePython(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	cmd := exec.CommandContext(ctx, "python3", append([]string{td("peers/" + script)}, args...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr := &bytes.Buffer{} // read only after the process has exited
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	p := &pyPeer{t: t, lines: make(chan json.RawMessage, 16)}
	done := make(chan struct{})
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- json.RawMessage(append([]byte(nil), sc.Bytes()...))
		}
	}()
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
		}
		cancel()
		<-done
		if s := stderr.String(); s != "" {
			t.Logf("%s stderr:\n%s", script, s)
		}
	})
	return p
}

// next decodes the peer's next line into v, failing the test after 20
// seconds or if the peer ended.
func (p *pyPeer) next(v any) {
	p.t.Helper()
	select {
	case line, ok := <-p.lines:
		require.True(p.t, ok, "the python peer ended early")
		require.NoError(p.t, json.Unmarshal(line, v), string(line))
	case <-time.After(20 * time.Second):
		p.t.Fatal("no answer from the python peer within 20s")
	}
}

// listenOne listens on a loopback port picked by the system, closed when
// the test ends.
func listenOne(t *testing.T) (net.Listener, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l, l.Addr().String()
}

// acceptOne accepts one connection within 10 seconds; the connection's
// deadline is 20 seconds away, and it is closed when the test ends.
func acceptOne(t *testing.T, l net.Listener) net.Conn {
	t.Helper()
	require.NoError(t, l.(*net.TCPListener).SetDeadline(time.Now().Add(10*time.Second)))
	conn, err := l.Accept()
	require.NoError(t, err)
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { conn.Close() })
	return conn
}
