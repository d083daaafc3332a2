package ssl

import (
	"bytes"
	"errors"
	"io"
	"math/rand"
	"net"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sslctx/ssl/internal/bio"
	"github.com/sslctx/ssl/internal/golden"
	"github.com/sslctx/ssl/internal/testpeer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reset aborts a TCP connection with RST instead of FIN.
func reset(t *testing.T, c net.Conn) {
	t.Helper()
	require.NoError(t, c.(*net.TCPConn).SetLinger(0))
	c.Close()
}

// isReset reports whether err is the transport's "connection reset".
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func TestFault_PeerResetsMidHandshake(t *testing.T) {
	noGoroutineLeak(t)
	cn, sn := tcpPair(t)
	go func() {
		skipRecord(sn)
		reset(t, sn)
	}()
	require.NoError(t, cn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err := testClientContext(t).WrapSocket(cn, ServerHostname("localhost"))
	require.Error(t, err)
	var e *Error
	assert.True(t, isReset(err) || (errors.As(err, &e) && e.Code == ErrorEOF), "a reset or an EOF, got %v", err)
}

// cutConn writes only the first limit bytes, then resets the connection.
type cutConn struct {
	net.Conn
	limit int
	t     *testing.T
}

func (c *cutConn) Write(p []byte) (int, error) {
	if len(p) > c.limit {
		n, _ := c.Conn.Write(p[:c.limit])
		reset(c.t, c.Conn)
		return n, syscall.ECONNRESET
	}
	c.limit -= len(p)
	return c.Conn.Write(p)
}

func TestFault_PeerResetsMidRecord(t *testing.T) {
	noGoroutineLeak(t)
	cn, sn := tcpPair(t)
	go func() {
		// Past the handshake, the server's transport cuts a record short.
		s, err := testServerContext(t).WrapSocket(&cutConn{Conn: sn, limit: 4096 + 100, t: t}, ServerSide(true))
		if err == nil {
			s.Write(make([]byte, 16<<10))
		}
	}()
	c, err := testClientContext(t).WrapSocket(cn, ServerHostname("localhost"))
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, cn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.ReadAll(c)
	require.Error(t, err, "a record cut short by a reset is not a clean end")
	assert.True(t, isReset(err), "the transport's reset, got %v", err)
}

// A record header that promises more than arrives, then the end of the
// transport: with ragged EOFs reported, Python's SSLEOFError.
func TestFault_TruncatedRecord(t *testing.T) {
	c, s := raggedPair(t)
	_, err := s.Write([]byte("x"))
	require.NoError(t, err)
	readN(t, c, 1)
	raw := s.NetConn()
	_, err = raw.Write([]byte{0x17, 0x03, 0x03, 0x40, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	require.NoError(t, err)
	raw.Close()
	_, err = c.Read(make([]byte, 100))
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, ErrorEOF, e.Code)
}

// A record longer than TLS allows is refused by OpenSSL's record layer.
func TestFault_OversizedRecord(t *testing.T) {
	c, s := connected(t, testClientContext(t), testServerContext(t))
	_, err := s.Write([]byte("x"))
	require.NoError(t, err)
	readN(t, c, 1)
	oversized := append([]byte{0x17, 0x03, 0x03, 0xff, 0xff}, make([]byte, 0xffff)...)
	go s.NetConn().Write(oversized)
	_, err = c.Read(make([]byte, 100))
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, ErrorSSL, e.Code)
	assert.NotEmpty(t, e.Reason, "OpenSSL names what is wrong: %v", e)
	_, err = c.Read(make([]byte, 100))
	assert.Error(t, err, "the connection stays failed")
}

// byteConn reads and writes one byte per call.
type byteConn struct{ net.Conn }

func (c byteConn) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return c.Conn.Read(p)
}

func (c byteConn) Write(p []byte) (int, error) {
	for i := range p {
		if _, err := c.Conn.Write(p[i : i+1]); err != nil {
			return i, err
		}
	}
	return len(p), nil
}

// A peer that moves one byte per system call still completes the
// handshake and the exchange, both ways.
func TestFault_ByteAtATimePeer(t *testing.T) {
	noGoroutineLeak(t)
	cn, sn := tcpPair(t)
	deadline := time.Now().Add(30 * time.Second)
	cn.SetDeadline(deadline)
	sn.SetDeadline(deadline)
	msg := bytes.Repeat([]byte("byte by byte "), 3000)
	served := make(chan error, 1)
	go func() {
		s, err := testServerContext(t).WrapSocket(byteConn{sn}, ServerSide(true))
		if err != nil {
			served <- err
			return
		}
		defer s.Close()
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(s, got); err != nil {
			served <- err
			return
		}
		_, err = s.Write(got)
		served <- err
	}()
	c, err := testClientContext(t).WrapSocket(byteConn{cn}, ServerHostname("localhost"))
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write(msg)
	require.NoError(t, err)
	got := make([]byte, len(msg))
	_, err = io.ReadFull(c, got)
	require.NoError(t, err)
	require.NoError(t, <-served)
	assert.Equal(t, msg, got)
}

// A peer that stops reading: the write deadline ends the write, and no
// goroutine is left waiting.
func TestFault_PeerStopsReading(t *testing.T) {
	noGoroutineLeak(t)
	c, _ := connected(t, testClientContext(t), testServerContext(t))
	failIfStuck(t, 10*time.Second, c.NetConn())
	require.NoError(t, c.SetWriteDeadline(time.Now().Add(100*time.Millisecond)))
	start := time.Now()
	_, err := c.Write(make([]byte, 64<<20))
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
	assert.Less(t, time.Since(start), 10*time.Second)
	c.Close()
}

// Half-close both ways: each side's close_notify ends the other's reading,
// and writing goes on until its own CloseWrite.
func TestFault_HalfClose(t *testing.T) {
	c, s := connected(t, testClientContext(t), testServerContext(t))
	failIfStuck(t, 10*time.Second, c.NetConn(), s.NetConn())
	require.NoError(t, c.CloseWrite())
	_, err := s.Read(make([]byte, 1))
	assert.Equal(t, io.EOF, err)
	_, err = s.Write([]byte("after your close"))
	require.NoError(t, err)
	assert.Equal(t, "after your close", string(readN(t, c, 16)))
	require.NoError(t, s.CloseWrite())
	_, err = c.Read(make([]byte, 1))
	assert.Equal(t, io.EOF, err)
	_, err = c.Write([]byte("x"))
	var e *Error
	require.ErrorAs(t, err, &e, "nothing is written after our own close_notify")
	assert.Equal(t, "PROTOCOL_IS_SHUTDOWN", e.Reason)
}

// Zero-byte Writes and Reads return at once: a zero-byte Read must not wait
// for a record.
func TestFault_ZeroLengthReadsAndWrites(t *testing.T) {
	c, s := connected(t, testClientContext(t), testServerContext(t))
	failIfStuck(t, 10*time.Second, c.NetConn(), s.NetConn())
	for i := 0; i < 3; i++ {
		n, err := c.Write([]byte{})
		assert.Zero(t, n)
		assert.NoError(t, err)
		n, err = s.Read([]byte{})
		assert.Zero(t, n)
		assert.NoError(t, err)
	}
	_, err := c.Write([]byte("after zeros"))
	require.NoError(t, err)
	assert.Equal(t, "after zeros", string(readN(t, s, 11)))
}

// Close from another goroutine at any moment of a handshake, a Read or a
// Write: no panic, no race, no goroutine left, and every blocked call
// returns promptly. Unsynchronised Closes show up as data races, so this
// test needs -race (as make test runs it) to catch them.
func TestFault_CloseRacesEverything(t *testing.T) {
	noGoroutineLeak(t)
	sctx, cctx := testServerContext(t), testClientContext(t)
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 60; i++ {
		cn, sn := tcpPair(t)
		deadline := time.Now().Add(10 * time.Second)
		cn.SetDeadline(deadline)
		sn.SetDeadline(deadline)
		s, err := sctx.WrapSocket(sn, ServerSide(true), DoHandshakeOnConnect(false))
		require.NoError(t, err)
		c, err := cctx.WrapSocket(cn, ServerHostname("localhost"), DoHandshakeOnConnect(false))
		require.NoError(t, err)
		var wg sync.WaitGroup
		for _, f := range []func(){
			func() { c.DoHandshake() },
			func() { s.DoHandshake() },
			func() { c.Write(make([]byte, 256<<10)) },
			func() { io.Copy(io.Discard, s) },
			func() { c.Read(make([]byte, 10)) },
			func() { s.Write([]byte("x")) },
		} {
			wg.Add(1)
			go func() { defer wg.Done(); f() }()
		}
		time.Sleep(time.Duration(rng.Intn(3000)) * time.Microsecond)
		var closes sync.WaitGroup
		for _, sock := range []*Socket{c, s, c} {
			closes.Add(1)
			go func() { defer closes.Done(); sock.Close() }()
		}
		closes.Wait()
		// Within seconds, not at the transports' 10 s deadline: Close
		// itself must unblock them.
		finished := make(chan struct{})
		go func() { wg.Wait(); close(finished) }()
		select {
		case <-finished:
		case <-time.After(5 * time.Second):
			t.Fatalf("round %d: Close left a handshake, Read or Write blocked", i)
		}
	}
}

// One Context changed all the while 100 goroutines wrap sockets from it:
// every handshake succeeds with one of the settings, and nothing races.
func TestFault_ContextMutatedWhileWrapping(t *testing.T) {
	noGoroutineLeak(t)
	sctx := testServerContext(t)
	l := listen(t, sctx)
	acceptEach(l, func(conn net.Conn) { echo(conn, 20*time.Second) })
	cctx := testClientContext(t)
	var stop atomic.Bool
	mutated := make(chan int)
	go func() {
		n := 0
		for !stop.Load() {
			switch n % 5 {
			case 0:
				sctx.SetCiphers("ECDHE+AESGCM")
				cctx.SetCiphers("HIGH:!aNULL")
			case 1:
				sctx.SetCipherSuites("TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384")
			case 2:
				cctx.SetOptions(cctx.Options() ^ OpNoTicket)
			case 3:
				sctx.SetALPNProtocols([]string{"h2", "http/1.1"})
				cctx.SetALPNProtocols([]string{"http/1.1"})
			case 4:
				cctx.LoadVerifyLocations(td("ca.pem"), "")
				cctx.SetMaximumVersion([]TLSVersion{TLSv1_2, TLSv1_3}[n%2])
			}
			n++
		}
		mutated <- n
	}()
	failures, first := runJobs(100, 100, func(int) error {
		s, err := Dial(t.Context(), "tcp", l.Addr().String(), cctx)
		if err != nil {
			return err
		}
		defer s.Close()
		s.Write([]byte("ping"))
		buf := make([]byte, 4)
		if _, err := io.ReadFull(s, buf); err != nil {
			return err
		}
		if string(buf) != "ping" {
			return errors.New("the echo is not ping: " + string(buf))
		}
		return nil
	})
	stop.Store(true)
	assert.Positive(t, <-mutated)
	assert.Zero(t, failures, "first failure: %v", first)
}

// capturingConn keeps what is written to it instead of sending it while
// capture is on.
type capturingConn struct {
	net.Conn
	capture  bool
	captured []byte
}

func (c *capturingConn) Write(p []byte) (int, error) {
	if c.capture {
		c.captured = append(c.captured, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// clientWithForgedRecordQueued returns a client Socket past its handshake
// to whose transport the server sent a valid record saying "hello" and,
// in the same segment, a copy of it with its last byte flipped.
func clientWithForgedRecordQueued(t *testing.T) *Socket {
	t.Helper()
	cn, sn := tcpPair(t)
	deadline := time.Now().Add(10 * time.Second)
	cn.SetDeadline(deadline)
	sn.SetDeadline(deadline)
	capt := &capturingConn{Conn: sn}
	served := make(chan *Socket, 1)
	go func() {
		s, err := testServerContext(t).WrapSocket(capt, ServerSide(true))
		assert.NoError(t, err)
		served <- s
	}()
	c, err := testClientContext(t).WrapSocket(cn, ServerHostname("localhost"))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	s := <-served
	require.NotNil(t, s)
	t.Cleanup(func() { s.Close() })

	capt.capture = true
	_, err = s.Write([]byte("hello"))
	require.NoError(t, err)
	capt.capture = false
	good := capt.captured
	forged := bytes.Clone(good)
	forged[len(forged)-1] ^= 1
	_, err = sn.Write(append(bytes.Clone(good), forged...))
	require.NoError(t, err)
	return c
}

// A good record and a forged one arrive together: the Read returns the
// good one's data, and the forged one's failure, with OpenSSL's reason,
// is what the next call on the connection reports, whether it reads or
// writes.
func TestFault_ForgedRecordAfterAGoodOne(t *testing.T) {
	for _, next := range []string{"read", "write"} {
		t.Run(next, func(t *testing.T) {
			c := clientWithForgedRecordQueued(t)

			buf := make([]byte, 100)
			n, err := c.Read(buf)
			require.NoError(t, err)
			assert.Equal(t, "hello", string(buf[:n]))
			if next == "read" {
				_, err = c.Read(buf)
			} else {
				_, err = c.Write([]byte("x"))
			}
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, ErrorSSL, e.Code, "%v", e)
			// Python's second read meets the forged record as this one does.
			assertErrorLikePython(t, "client", forgedRecordError(t), err)
		})
	}
}

// forgedRecordError is what CPython's read raises, on the running OpenSSL
// series, for the forged record of sockets.json's forged_record_after_good
// (3.2's record layer gives another reason than 3.0's).
func forgedRecordError(t *testing.T) golden.Exception {
	t.Helper()
	_, steps, _ := loadCase(t, "forged_record_after_good")
	read := lastStep(t, steps, "client", "read")
	require.NotNil(t, read.Error, "Python's second read failed")
	require.NotEmpty(t, golden.Str(read.Error.Reason))
	return *read.Error
}

// Unwrap and Close at once: exactly one of them gets the connection. A
// Close that lost must not close the transport Unwrap handed out.
func TestFault_CloseRacesUnwrap(t *testing.T) {
	noGoroutineLeak(t)
	sctx, cctx := testServerContext(t), testClientContext(t)
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 100; i++ {
		c, s := connected(t, cctx, sctx)
		c.SetDeadline(time.Now().Add(10 * time.Second))
		s.SetDeadline(time.Now().Add(10 * time.Second))
		go s.Unwrap()
		var unwrapped net.Conn
		var unwrapErr, closeErr error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); unwrapped, unwrapErr = c.Unwrap() }()
		time.Sleep(time.Duration(rng.Intn(400)) * time.Microsecond)
		go func() { defer wg.Done(); closeErr = c.Close() }()
		wg.Wait()
		if unwrapErr == nil {
			require.ErrorIs(t, closeErr, ErrClosed, "round %d: Close after a successful Unwrap", i)
			_, err := unwrapped.Write([]byte("plain"))
			require.NoError(t, err, "round %d: the unwrapped transport is open", i)
			unwrapped.Close()
		} else {
			require.NoError(t, closeErr, "round %d: Close won, so Unwrap failed: %v", i, unwrapErr)
		}
	}
}

// OpenSSL's SSL objects read their context's cipher lists in place during
// the handshake, and SetCipherSuites rewrites the list in place (the TLS
// 1.3 suites leave it and come back): handshakes running while the same
// suites are set over and over must all succeed.
func TestFault_HandshakesWhileCipherSuitesAreSet(t *testing.T) {
	sctx, cctx := testServerContext(t), testClientContext(t)
	var stop atomic.Bool
	var sets sync.WaitGroup
	sets.Add(1)
	go func() {
		defer sets.Done()
		for !stop.Load() {
			sctx.SetCipherSuites("TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384")
			sctx.SetCiphers("ECDHE+AESGCM")
		}
	}()
	defer func() { stop.Store(true); sets.Wait() }()
	for i := 0; i < 200; i++ {
		c, s := handshakePair(t, cctx, sctx, []WrapOption{ServerHostname("localhost")}, nil)
		require.NoError(t, s.err, "server handshake %d", i)
		require.NoError(t, c.err, "client handshake %d", i)
		c.sock.Close()
		s.sock.Close()
	}
}

// A forged record read in the same call as a good one breaks the SSL before
// the Read that returns the good data has returned; the reason is kept for
// the next Read. A Write, CloseWrite or Unwrap that runs first cannot go on
// over the broken SSL and fails with the same reason, but must not take it
// from the Read, which reports OpenSSL's reason as CPython's read does
// (a read there meets the forged record itself), not the generic failure
// OpenSSL gives for an SSL already in its error state.
func TestFault_ForgedRecordReasonReachesTheRead(t *testing.T) {
	for _, between := range []struct {
		name string
		run  func(*Socket) error
	}{
		{"write", func(c *Socket) error { _, err := c.Write([]byte("x")); return err }},
		{"closewrite", func(c *Socket) error { return c.CloseWrite() }},
		{"unwrap", func(c *Socket) error { _, err := c.Unwrap(); return err }},
	} {
		t.Run(between.name, func(t *testing.T) {
			c := clientWithForgedRecordQueued(t)

			buf := make([]byte, 100)
			n, err := c.Read(buf)
			require.NoError(t, err)
			require.Equal(t, "hello", string(buf[:n]))

			reason := golden.Str(forgedRecordError(t).Reason)
			var e *Error
			err = between.run(c)
			require.ErrorAs(t, err, &e, "%s over a broken SSL", between.name)
			assert.Equal(t, reason, e.Reason, "%s: %v", between.name, e)

			_, err = c.Read(buf)
			require.ErrorAs(t, err, &e, "the Read after %s", between.name)
			assert.Equal(t, ErrorSSL, e.Code, "%v", e)
			assert.Equal(t, reason, e.Reason, "the Read after %s: %v", between.name, e)
		})
	}
}

// writeWatch counts the transport writes made while watching is set.
type writeWatch struct {
	net.Conn
	watching atomic.Bool
	writes   atomic.Int64
}

func (w *writeWatch) Write(p []byte) (int, error) {
	if w.watching.Load() {
		w.writes.Add(1)
	}
	return w.Conn.Write(p)
}

// A Write that timed out leaves ciphertext queued for a peer that does not
// read; a Read afterwards returns the peer's data without waiting on, or
// failing with, that backlog, whether the write deadline is still past or
// was cleared: it does not write at all. The backlog goes out with the
// next Write once the peer reads.
func TestFault_ReadAfterWriteTimeout(t *testing.T) {
	for _, tc := range []struct {
		name       string
		clearWrite bool
	}{
		{"write deadline left in the past", false},
		{"write deadline cleared", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cn, sn := tcpPair(t)
			watch := &writeWatch{Conn: cn}
			failIfStuck(t, 20*time.Second, cn, sn)
			c, err := testClientContext(t).WrapSocket(watch, ServerHostname("localhost"), DoHandshakeOnConnect(false))
			require.NoError(t, err)
			s, err := testServerContext(t).WrapSocket(sn, ServerSide(true), DoHandshakeOnConnect(false))
			require.NoError(t, err)
			t.Cleanup(func() { c.Close(); s.Close() })
			serverDone := make(chan error, 1)
			go func() { serverDone <- s.DoHandshake() }()
			require.NoError(t, c.DoHandshake())
			require.NoError(t, <-serverDone)

			require.NoError(t, c.SetWriteDeadline(time.Now().Add(100*time.Millisecond)))
			big := make([]byte, 64<<20)
			n, err := c.Write(big)
			var ne net.Error
			require.ErrorAs(t, err, &ne, "the server reads nothing: the write must time out")
			require.True(t, ne.Timeout())
			if tc.clearWrite {
				require.NoError(t, c.SetWriteDeadline(time.Time{}))
			}
			_, err = s.Write([]byte("hi"))
			require.NoError(t, err)
			require.NoError(t, c.SetReadDeadline(time.Now().Add(3*time.Second)))
			buf := make([]byte, 10)
			watch.watching.Store(true)
			k, err := c.Read(buf)
			watch.watching.Store(false)
			require.NoError(t, err, "the Read failed on the write's backlog")
			assert.Equal(t, "hi", string(buf[:k]))
			assert.Zero(t, watch.writes.Load(), "the Read wrote the write's backlog")

			// The stream the server then reads is whole.
			require.NoError(t, c.SetDeadline(time.Time{}))
			got := make(chan []byte)
			go func() { got <- readN(t, s, len(big)) }()
			_, err = c.Write(big[n:])
			require.NoError(t, err)
			assert.True(t, bytes.Equal(big, <-got))
		})
	}
}

// gatedConn holds every Write while closed is set, as a transport to a peer
// that does not read, until open is closed.
type gatedConn struct {
	net.Conn
	closed atomic.Bool
	open   chan struct{}
}

func (g *gatedConn) Write(p []byte) (int, error) {
	if g.closed.Load() {
		<-g.open
	}
	return g.Conn.Write(p)
}

// A peer that reads nothing and keeps asking for TLS 1.3 KeyUpdates
// (openssl s_server's "K") while our Write is blocked cannot make us queue
// answers without end: once 64 KiB of them wait (a KeyUpdate answer is 27
// bytes), Read fails, and everything queued goes out when the peer reads.
func TestFault_PeerRequestsKeyUpdatesWithoutReading(t *testing.T) {
	srv := testpeer.StartServer(t, "-cert", golden.Path("server-rsa.pem"), "-key", golden.Path("server-rsa.key"), "-tls1_3")
	nc, err := net.Dial("tcp", srv.Addr)
	require.NoError(t, err)
	gate := &gatedConn{Conn: nc, open: make(chan struct{})}
	opened := sync.OnceFunc(func() { close(gate.open) })
	defer opened()
	c, err := testClientContext(t).WrapSocket(gate, ServerHostname("localhost"))
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(testpeer.RunTimeout)))
	buf := make([]byte, 64)
	// s_server takes stdin once the handshake is behind it.
	require.NoError(t, srv.Send("ready\n"))
	require.Equal(t, "ready\n", string(readN(t, c, 6)))

	gate.closed.Store(true)
	wrote := make(chan error, 1)
	go func() { _, err := c.Write([]byte("blocked\n")); wrote <- err }()

	readDone := make(chan error, 1)
	var data strings.Builder // the answers come with no data
	go func() {
		for {
			n, err := c.Read(buf)
			data.Write(buf[:n])
			if err != nil {
				readDone <- err
				return
			}
		}
	}()
	var readErr error
	requests := 0
	for readErr == nil && requests < 5000 {
		select {
		case readErr = <-readDone:
			continue
		default:
		}
		// s_server takes a command only when it comes alone; and OpenSSL
		// refuses more than 32 KeyUpdates in a row with no data between.
		require.NoError(t, srv.Send("K\n"))
		requests++
		time.Sleep(time.Millisecond)
		if requests%16 == 0 {
			require.NoError(t, srv.Send("d\n"))
			time.Sleep(time.Millisecond)
		}
	}
	if readErr == nil {
		require.NoError(t, srv.Send("d\n"))
		select {
		case readErr = <-readDone:
		case <-time.After(5 * time.Second):
		}
	}
	require.ErrorIs(t, readErr, bio.ErrReadOutputBacklog, "after %d KeyUpdate requests", requests)
	t.Logf("Read failed after %d KeyUpdate requests (%d sent as data when s_server read two at once)",
		requests, strings.Count(data.String(), "K"))

	// The peer reads again: the Write and the answers go out.
	opened()
	require.NoError(t, <-wrote)
	_, ok := srv.WaitFor(regexp.MustCompile(`blocked`), testpeer.RunTimeout)
	assert.True(t, ok, "the blocked Write reached the server")
}
