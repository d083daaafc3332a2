package ssl

import (
	"io"
	"net"
	"os/exec"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/loopback"
)

// tcpPair returns the two ends of a loopback TCP connection, closed when the
// test ends.
var tcpPair = loopback.Pair

// listen is a Listener on 127.0.0.1 with ctx, closed when the test ends.
func listen(t testing.TB, ctx *Context) net.Listener {
	t.Helper()
	l, err := Listen("tcp", "127.0.0.1:0", ctx)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l
}

// acceptEach runs handle, which must close the connection, on every
// connection l accepts until l is closed; wait blocks until all returned.
var acceptEach = loopback.AcceptEach

// echo sends back what conn receives until the peer closes or d passes,
// then closes conn.
func echo(conn net.Conn, d time.Duration) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(d))
	io.Copy(conn, conn)
}

// testServerContext is a ProtocolTLSServer context with the RSA test
// certificate.
func testServerContext(t testing.TB) *Context {
	t.Helper()
	c, err := NewContext(ProtocolTLSServer)
	require.NoError(t, err)
	require.NoError(t, c.LoadCertChain(td("server-rsa.pem"), td("server-rsa.key")))
	return c
}

// testClientContext is a ProtocolTLSClient context trusting the test CA.
func testClientContext(t testing.TB) *Context {
	t.Helper()
	c, err := NewContext(ProtocolTLSClient)
	require.NoError(t, err)
	require.NoError(t, c.LoadVerifyLocations(td("ca.pem"), ""))
	return c
}

// endResult is what happened to one end of a connection.
type endResult struct {
	sock *Socket
	err  error // from the wrap or the handshake
}

// handshakePair wraps both ends of a loopback connection and runs both
// handshakes at once, as two peers do. Deadlines bound every wait.
func handshakePair(t testing.TB, cctx, sctx *Context, copts, sopts []WrapOption) (client, server endResult) {
	t.Helper()
	cn, sn := tcpPair(t)
	deadline := time.Now().Add(10 * time.Second)
	cn.SetDeadline(deadline)
	sn.SetDeadline(deadline)
	var wg sync.WaitGroup
	wg.Add(2)
	run := func(ctx *Context, nc net.Conn, opts []WrapOption, out *endResult) {
		defer wg.Done()
		s, err := ctx.WrapSocket(nc, append(opts, DoHandshakeOnConnect(false))...)
		if err != nil {
			out.err = err
			return
		}
		out.sock = s
		out.err = s.DoHandshake()
		if out.err != nil {
			// An application gives up on a failed connection: after a
			// moment for the peer to read the alert, close it.
			time.AfterFunc(time.Second, func() { nc.Close() })
		}
	}
	go run(cctx, cn, copts, &client)
	go run(sctx, sn, append([]WrapOption{ServerSide(true)}, sopts...), &server)
	wg.Wait()
	for _, e := range []endResult{client, server} {
		if e.err == nil && e.sock != nil {
			e.sock.SetDeadline(time.Now().Add(10 * time.Second))
		}
	}
	return client, server
}

// connected returns a client and server Socket past their handshakes.
func connected(t testing.TB, cctx, sctx *Context, copts ...WrapOption) (client, server *Socket) {
	t.Helper()
	if len(copts) == 0 {
		copts = []WrapOption{ServerHostname("localhost")}
	}
	c, s := handshakePair(t, cctx, sctx, copts, nil)
	require.NoError(t, c.err, "client handshake")
	require.NoError(t, s.err, "server handshake")
	c.sock.SetDeadline(time.Time{})
	s.sock.SetDeadline(time.Time{})
	t.Cleanup(func() { c.sock.Close(); s.sock.Close() })
	return c.sock, s.sock
}

// raggedPair is a handshaken pair whose client reports a transport that
// ends without close_notify (SuppressRaggedEOFs(false)); both ends keep
// the handshake's deadline.
func raggedPair(t testing.TB) (client, server *Socket) {
	t.Helper()
	c, s := handshakePair(t, testClientContext(t), testServerContext(t),
		[]WrapOption{ServerHostname("localhost"), SuppressRaggedEOFs(false)}, nil)
	require.NoError(t, c.err)
	require.NoError(t, s.err)
	return c.sock, s.sock
}

// noGoroutineLeak fails the test if goroutines started during it are still
// running shortly after it ends.
func noGoroutineLeak(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<20)
			t.Errorf("%d goroutines left behind:\n%s", n-before, buf[:runtime.Stack(buf, true)])
		}
	})
}

// runJobs runs job(0) to job(n-1) on workers goroutines at once and
// returns how many failed and the first error.
func runJobs(workers, n int, job func(i int) error) (failures int, first error) {
	jobs := make(chan int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := job(i); err != nil {
					mu.Lock()
					if failures == 0 {
						first = err
					}
					failures++
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return failures, first
}

// readAll reads exactly n bytes.
func readN(t testing.TB, r io.Reader, n int) []byte {
	t.Helper()
	buf := make([]byte, n)
	_, err := io.ReadFull(r, buf)
	require.NoError(t, err)
	return buf
}

// failIfStuck fails the test and closes conns if the test is still running
// after d, so that a regression that blocks forever fails with a message
// naming the test rather than with the test binary's timeout.
func failIfStuck(t *testing.T, d time.Duration, conns ...io.Closer) {
	t.Helper()
	var mu sync.Mutex
	ended := false
	timer := time.AfterFunc(d, func() {
		mu.Lock()
		defer mu.Unlock()
		if ended {
			return
		}
		t.Errorf("still blocked after %v: closing the transports", d)
		for _, c := range conns {
			c.Close()
		}
	})
	t.Cleanup(func() {
		mu.Lock()
		ended = true
		mu.Unlock()
		timer.Stop()
	})
}

// requirePython fails the test when python3, the CPython these tests use as
// a live peer or oracle, is missing: .ci/install-deps and the Debian root
// filesystems provide it, and a missing oracle is a failure, not a pass.
func requirePython(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatal("python3 is not installed: these tests compare with CPython as a live peer")
	}
}
