package bio

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/loopback"
)

// handshake runs both handshakes at once, as two peers do.
func handshake(t *testing.T, a, b *Conn) {
	t.Helper()
	var wg sync.WaitGroup
	for _, c := range []*Conn{a, b} {
		wg.Add(1)
		go func(c *Conn) {
			defer wg.Done()
			r, err := c.Run(OpHandshake, nil, true)
			assert.NoError(t, err)
			assert.Equal(t, Done, r.Status)
		}(c)
	}
	wg.Wait()
}

func framePair(t *testing.T, ack bool) (*Conn, *Conn, *frameEngine, *frameEngine) {
	ea, eb := newFramePair(ack)
	na, nb := loopback.Pair(t)
	a, b := New(na, ea), New(nb, eb)
	handshake(t, a, b)
	return a, b, ea, eb
}

func read(t *testing.T, c *Conn, n int) []byte {
	t.Helper()
	var got []byte
	buf := make([]byte, 4096)
	for len(got) < n {
		r, err := c.Run(OpRead, buf, false)
		require.NoError(t, err)
		require.Equal(t, Done, r.Status)
		got = append(got, buf[:r.N]...)
	}
	return got
}

func TestRun_EchoBothWays(t *testing.T) {
	a, b, _, _ := framePair(t, false)
	msg := bytes.Repeat([]byte("0123456789"), 1000)
	r, err := a.Run(OpWrite, msg, true)
	require.NoError(t, err)
	assert.Equal(t, len(msg), r.N)
	assert.Equal(t, msg, read(t, b, len(msg)))
	_, err = b.Run(OpWrite, []byte("back"), true)
	require.NoError(t, err)
	assert.Equal(t, []byte("back"), read(t, a, 4))
}

// A Read waiting for the peer holds the reader's role only: a Write on the
// same Conn goes through meanwhile.
func TestRun_BlockedReadDoesNotBlockWrite(t *testing.T) {
	a, b, _, _ := framePair(t, false)
	readDone := make(chan []byte)
	go func() {
		buf := make([]byte, 100)
		r, err := a.Run(OpRead, buf, false)
		assert.NoError(t, err)
		readDone <- buf[:r.N]
	}()
	time.Sleep(20 * time.Millisecond) // let the read block on the network
	wrote := make(chan struct{})
	go func() {
		_, err := a.Run(OpWrite, []byte("ping"), true)
		assert.NoError(t, err)
		close(wrote)
	}()
	select {
	case <-wrote:
	case <-time.After(5 * time.Second):
		t.Fatal("Write waited for a Read blocked on the peer")
	}
	assert.Equal(t, []byte("ping"), read(t, b, 4))
	_, err := b.Run(OpWrite, []byte("pong"), true)
	require.NoError(t, err)
	assert.Equal(t, []byte("pong"), <-readDone)
}

// Output produced by reads (acknowledgements) and by writes, from two
// goroutines, reaches the peer in the order the engine produced it.
func TestRun_OutputKeepsProductionOrder(t *testing.T) {
	ea, eb := newFramePair(true)
	na, nb := loopback.Pair(t)
	a := New(na, ea)
	peer := &frameReader{r: nb}
	// The peer side is driven by hand: it sends data frames, which make a
	// acknowledge while a also writes; every frame arrives in order.
	go func() {
		_, _ = a.Run(OpHandshake, nil, true)
	}()
	typ, _, _, err := peer.next()
	require.NoError(t, err)
	require.Equal(t, byte('H'), typ)
	eb.emit('H', nil)
	for i := 0; i < 200; i++ {
		eb.emit('D', []byte("x"))
	}
	_, err = nb.Write(eb.out)
	require.NoError(t, err)

	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		got := 0
		buf := make([]byte, 1)
		for got < 200 {
			r, err := a.Run(OpRead, buf, false)
			if !assert.NoError(t, err) {
				return
			}
			got += r.N
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			_, err := a.Run(OpWrite, []byte("y"), true)
			assert.NoError(t, err)
		}
	}()
	acks, data := 0, 0
	for acks < 200 || data < 200 {
		typ, _, _, err := peer.next()
		require.NoError(t, err, "after %d acks and %d data frames", acks, data)
		switch typ {
		case 'A':
			acks++
		case 'D':
			data++
		}
	}
	wg.Wait()
}

// Output a read produces while a writer holds the network is sent by that
// writer, not left behind.
func TestRun_ReadOutputSentByBusyWriter(t *testing.T) {
	a, b, _, _ := framePair(t, true)
	_, err := b.Run(OpWrite, []byte("z"), true)
	require.NoError(t, err)
	require.True(t, a.TryWriter(), "take the writer's role as a blocked write would")
	buf := make([]byte, 1)
	r, err := a.Run(OpRead, buf, false)
	require.NoError(t, err)
	require.Equal(t, 1, r.N)
	assert.Positive(t, a.queued.Load(), "the acknowledgement waits for the writer")
	require.NoError(t, a.sendLocked())
	a.ReleaseWriter()
	assert.Zero(t, a.queued.Load())
}

// The transport's end is told to the engine, and a later operation fails
// without reading the network again.
func TestRun_TransportEOF(t *testing.T) {
	ea, eb := newFramePair(false)
	na, nb := loopback.Pair(t)
	counted := &countingConn{Conn: na}
	a, b := New(counted, ea), New(nb, eb)
	handshake(t, a, b)
	nb.Close()
	buf := make([]byte, 10)
	r, err := a.Run(OpRead, buf, false)
	require.NoError(t, err)
	assert.Equal(t, Failed, r.Status)
	assert.ErrorIs(t, r.Err, errPeerEOF)
	reads := counted.reads.Load()
	r, err = a.Run(OpRead, buf, false)
	require.NoError(t, err)
	assert.Equal(t, Failed, r.Status)
	assert.Equal(t, reads, counted.reads.Load(), "no read after the end of the transport")
	assert.True(t, ea.eof)
}

// countingConn counts the reads made on it.
type countingConn struct {
	net.Conn
	reads atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	c.reads.Add(1)
	return c.Conn.Read(p)
}

// A read deadline returns the transport's timeout and leaves the Conn
// usable.
func TestRun_ReadTimeoutKeepsState(t *testing.T) {
	a, b, _, _ := framePair(t, false)
	require.NoError(t, a.NetConn().SetReadDeadline(time.Now().Add(20*time.Millisecond)))
	_, err := a.Run(OpRead, make([]byte, 10), false)
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
	require.NoError(t, a.NetConn().SetReadDeadline(time.Time{}))
	_, err = b.Run(OpWrite, []byte("later"), true)
	require.NoError(t, err)
	assert.Equal(t, []byte("later"), read(t, a, 5))
}

// A write the peer does not take times out; what was not sent stays queued
// and goes out, in order, with the next flush.
func TestRun_WriteTimeoutKeepsUnsentBytes(t *testing.T) {
	a, b, _, _ := framePair(t, false)
	big, r := writeUntilTimeout(t, a)
	assert.Equal(t, len(big), r.N, "the engine took all of it")
	require.NoError(t, a.NetConn().SetWriteDeadline(time.Time{}))
	done := make(chan []byte)
	go func() { done <- read(t, b, len(big)+4) }()
	_, err := a.Run(OpWrite, []byte("tail"), true)
	require.NoError(t, err)
	got := <-done
	assert.True(t, bytes.Equal(append(big, "tail"...), got), "the stream arrived whole and in order")
}

// writeUntilTimeout writes 8 MiB on a, which its peer does not read, with
// a write deadline 50ms away: the write times out with ciphertext queued.
func writeUntilTimeout(t *testing.T, a *Conn) (big []byte, r Result) {
	t.Helper()
	big = bytes.Repeat([]byte{'w'}, 8<<20)
	require.NoError(t, a.NetConn().SetWriteDeadline(time.Now().Add(50*time.Millisecond)))
	r, err := a.Run(OpWrite, big, true)
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	require.Positive(t, a.queued.Load(), "ciphertext left unsent")
	return big, r
}

// Detach hands back the ciphertext that followed the close, untouched.
func TestDetach_ReturnsUnconsumedInput(t *testing.T) {
	a, b, _, eb := framePair(t, false)
	// b sends close, then plain bytes, in one write: a's shutdown reads both.
	eb.emit('C', nil)
	eb.sentC = true
	plain := []byte("PLAIN after close")
	_, err := b.NetConn().Write(append(eb.out, plain...))
	require.NoError(t, err)
	eb.out = nil
	for {
		r, err := a.Run(OpShutdown, nil, true)
		require.NoError(t, err)
		require.NotEqual(t, Failed, r.Status)
		if r.Ret == 1 {
			break
		}
	}
	rest, err := a.Detach()
	require.NoError(t, err)
	assert.Equal(t, plain, rest)
	_, err = a.Run(OpRead, make([]byte, 1), false)
	assert.ErrorIs(t, err, ErrReleased)
}

// Release from another goroutine ends a Run blocked on the network once the
// transport is closed, without touching the engine again.
func TestRelease_EndsBlockedRun(t *testing.T) {
	a, _, ea, _ := framePair(t, false)
	done := make(chan error)
	go func() {
		_, err := a.Run(OpRead, make([]byte, 10), false)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	a.NetConn().Close()
	a.Release()
	select {
	case err := <-done:
		assert.Error(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Run stayed blocked")
	}
	assert.True(t, ea.released)
	_, err := a.Run(OpWrite, []byte("x"), true)
	assert.ErrorIs(t, err, ErrReleased)
}

// The pump starts no goroutine of its own.
func TestRun_NoGoroutines(t *testing.T) {
	a, b, _, _ := framePair(t, false)
	before := runtime.NumGoroutine()
	for i := 0; i < 100; i++ {
		_, err := a.Run(OpWrite, []byte("abc"), true)
		require.NoError(t, err)
		read(t, b, 3)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before)
}

// A network error that arrives with data is reported after the data is fed.
func TestRun_DataThenError(t *testing.T) {
	e, peer := handshakenEngine(false)
	var frame bytes.Buffer
	peer.emit('D', []byte("last words"))
	frame.Write(peer.out)
	c := New(&errAfterData{data: frame.Bytes()}, e)
	buf := make([]byte, 64)
	r, err := c.Run(OpRead, buf, false)
	require.NoError(t, err)
	assert.Equal(t, "last words", string(buf[:r.N]))
	_, err = c.Run(OpRead, buf, false)
	assert.ErrorIs(t, err, errReset)
}

var errReset = errors.New("connection reset")

// errAfterData returns its data together with an error, as some transports do.
type errAfterData struct {
	net.Conn
	data []byte
}

func (c *errAfterData) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, errReset
	}
	n := copy(p, c.data)
	c.data = c.data[n:]
	return n, errReset
}

func (c *errAfterData) Write(p []byte) (int, error) { return len(p), nil }

var _ io.Reader = (*errAfterData)(nil)

// Output queued when the engine is released is dropped with it: a flush
// afterwards returns at once instead of waiting for bytes no one will send.
func TestRelease_WithQueuedOutputDoesNotSpin(t *testing.T) {
	a, _, _, _ := framePair(t, false)
	require.True(t, a.TryWriter(), "hold the writer's role so the output stays queued")
	_, err := a.Run(OpWrite, []byte("queued"), false)
	require.NoError(t, err)
	require.Positive(t, a.queued.Load())
	a.Release()
	a.ReleaseWriter()
	done := make(chan error, 1)
	go func() { done <- a.Flush() }()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Flush spins on output of a released engine")
	}
	assert.Zero(t, a.queued.Load())
}

// failingWriter delivers data but cannot send anything back.
type failingWriter struct {
	net.Conn
	data []byte
}

func (c *failingWriter) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.data)
	c.data = c.data[n:]
	return n, nil
}

func (c *failingWriter) Write(p []byte) (int, error) { return 0, errReset }

// A read whose side output (an acknowledgement, a KeyUpdate reply) cannot
// be sent still hands over what it read; the network error comes later.
func TestRun_ReadKeepsDataWhenItsOutputCannotBeSent(t *testing.T) {
	e, peer := handshakenEngine(true)
	peer.emit('D', []byte("precious"))
	c := New(&failingWriter{data: peer.out}, e)
	assertReadThenReset(t, c, "precious")
}

// assertReadThenReset checks that a read on c hands over want, and that
// the transport's reset surfaces on the next write.
func assertReadThenReset(t *testing.T, c *Conn, want string) {
	t.Helper()
	buf := make([]byte, 64)
	r, err := c.Run(OpRead, buf, false)
	require.NoError(t, err)
	assert.Equal(t, want, string(buf[:r.N]))
	_, err = c.Run(OpWrite, []byte("x"), true)
	assert.ErrorIs(t, err, errReset, "the network error surfaces on the next write")
}

// handshakenEngine is an engine past its handshake, and the engine of the
// peer whose frames it is fed (peer.emit, then peer.out).
func handshakenEngine(ack bool) (e, peer *frameEngine) {
	e = &frameEngine{mu: &sync.Mutex{}, seq: new(uint32), sentH: true, gotH: true, ack: ack}
	return e, &frameEngine{mu: e.mu, seq: e.seq}
}

// A write split into several engine calls that needs input half-way goes
// on from where it stopped once the input has come: the chunks already
// encrypted are not encrypted (and sent) again.
func TestRun_WriteResumesAfterWantRead(t *testing.T) {
	a, b, ea, _ := framePair(t, false)
	// Something for a to read when its engine asks for input.
	_, err := b.Run(OpWrite, []byte("poke"), true)
	require.NoError(t, err)
	msg := make([]byte, 2*opChunk+opChunk/2)
	for i := range msg {
		msg[i] = byte(i / 1000)
	}
	start := ea.writes
	ea.stallWrite = start + 2 // the second chunk
	r, err := a.Run(OpWrite, msg, true)
	require.NoError(t, err)
	require.Equal(t, Done, r.Status)
	assert.Equal(t, len(msg), r.N)
	assert.Equal(t, 4, ea.writes-start, "three chunks and one retry")
	got := read(t, b, len(msg))
	assert.True(t, bytes.Equal(msg, got), "the peer received each byte once, in order")
	_, err = a.Run(OpWrite, []byte("end"), true)
	require.NoError(t, err)
	got = read(t, b, 3)
	assert.True(t, bytes.Equal([]byte("end"), got), "nothing came between the write and the next: %d bytes", len(got))
}

// Output a read queues while the writer finishes, as much as the writer
// has just sent, is still sent: the writer looks at what is left, not at
// whether the count moved.
func TestFlush_SendsReadOutputQueuedWhileFinishing(t *testing.T) {
	a, b, _, _ := framePair(t, true)
	// Two data frames in one network write: reading them makes a queue
	// two acknowledgements, 2*frameHeader bytes.
	_, err := b.Run(OpWrite, make([]byte, 2000), true)
	require.NoError(t, err)
	payload := make([]byte, frameHeader) // a frame of 2*frameHeader bytes
	var readErr error
	testHookSent = func() {
		testHookSent = nil
		buf := make([]byte, 4000)
		for got := 0; got < 2000 && readErr == nil; {
			var r Result
			r, readErr = a.Run(OpRead, buf, false)
			got += r.N
		}
	}
	t.Cleanup(func() { testHookSent = nil })
	_, err = a.Run(OpWrite, payload, true)
	require.NoError(t, err)
	require.NoError(t, readErr)
	require.Nil(t, testHookSent, "the read ran inside the writer's flush")
	assert.Zero(t, a.queued.Load(), "the acknowledgements were left behind")
	assert.Equal(t, payload, read(t, b, len(payload)))
}

// After a write timed out with ciphertext left unsent, a read returns the
// peer's data: it neither fails with the write's timeout nor waits to send
// the backlog. Its own output (an acknowledgement) waits behind the
// backlog and goes out with it.
func TestRun_ReadAfterWriteTimeout(t *testing.T) {
	a, b, _, _ := framePair(t, true)
	big, _ := writeUntilTimeout(t, a)
	backlog := a.queued.Load()
	_, err := b.Run(OpWrite, []byte("hi"), true)
	require.NoError(t, err)
	require.NoError(t, a.NetConn().SetReadDeadline(time.Now().Add(5*time.Second)))
	buf := make([]byte, 10)
	r, err := a.Run(OpRead, buf, false)
	require.NoError(t, err, "the read failed on the write's backlog")
	assert.Equal(t, "hi", string(buf[:r.N]))
	assert.Equal(t, backlog+frameHeader, a.queued.Load(), "the acknowledgement waits behind the backlog")

	require.NoError(t, a.NetConn().SetDeadline(time.Time{}))
	done := make(chan []byte)
	go func() { done <- read(t, b, len(big)) }()
	require.NoError(t, a.Flush())
	assert.Zero(t, a.queued.Load())
	assert.True(t, bytes.Equal(big, <-done), "the stream arrived whole and in order")
}

// A peer that never reads and keeps sending records that need an answer
// cannot make the queue of answers grow without end: reads fail once
// maxReadOutput of answers wait, and go on once they are sent.
func TestRun_ReadOutputIsBounded(t *testing.T) {
	a, b, _, eb := framePair(t, true)
	// Enough one-byte data frames for twice the bound of acknowledgements.
	frames := 2*maxReadOutput/frameHeader + 1
	for i := 0; i < frames; i++ {
		eb.emit('D', []byte{'k'})
	}
	sent := make(chan error, 1)
	go func() { _, err := b.NetConn().Write(eb.out); sent <- err }()
	require.True(t, a.TryWriter(), "take the writer's role as a blocked write would")
	buf := make([]byte, 4096)
	got, most := 0, int64(0)
	var err error
	for got < frames {
		var r Result
		r, err = a.Run(OpRead, buf, false)
		require.NoError(t, err)
		most = max(most, a.queued.Load())
		if r.Status == Failed {
			err = r.Err
			break
		}
		got += r.N
	}
	assert.ErrorIs(t, err, ErrReadOutputBacklog, "after %d of %d frames", got, frames)
	assert.LessOrEqual(t, most, int64(maxReadOutput+readBufSize), "the queue outgrew its bound")

	// Once the answers are sent, reading goes on to the end.
	require.NoError(t, a.sendLocked())
	a.ReleaseWriter()
	for got < frames {
		r, err := a.Run(OpRead, buf, false)
		require.NoError(t, err)
		require.Equal(t, Done, r.Status, "after %d of %d frames", got, frames)
		got += r.N
	}
	require.NoError(t, <-sent)
}

// enteredConn marks when a Read reaches the transport.
type enteredConn struct {
	net.Conn
	once    sync.Once
	entered *sync.WaitGroup
}

func (c *enteredConn) Read(p []byte) (int, error) {
	c.once.Do(c.entered.Done)
	return c.Conn.Read(p)
}

// A read waiting for a peer that sends nothing holds no pooled read
// buffer: idle keep-alive connections would each pin one.
func TestRun_IdleReadHoldsNoReadBuffer(t *testing.T) {
	const n = 500
	var entered, ended sync.WaitGroup
	entered.Add(n)
	ended.Add(n)
	peers := make([]net.Conn, 0, n)
	before := heapAfterGC()
	for i := 0; i < n; i++ {
		local, peer := net.Pipe()
		peers = append(peers, peer)
		e, _ := handshakenEngine(false)
		c := New(&enteredConn{Conn: local, entered: &entered}, e)
		go func() {
			defer ended.Done()
			_, _ = c.Run(OpRead, make([]byte, 1), false)
		}()
	}
	entered.Wait()
	per := float64(heapAfterGC()-before) / n
	for _, p := range peers {
		p.Close()
	}
	ended.Wait()
	assert.Less(t, per, float64(readBufSize)/2, "bytes of heap per idle reader")
}

// heapAfterGC returns the live heap once two collections have emptied the
// pools, so that reads which follow allocate every buffer they take.
func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// chunkedConn delivers its chunks one per Read, then io.EOF, and can send
// nothing.
type chunkedConn struct {
	net.Conn
	chunks [][]byte
}

func (c *chunkedConn) Read(p []byte) (int, error) {
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	c.chunks = c.chunks[1:]
	return n, nil
}

func (c *chunkedConn) Write(p []byte) (int, error) { return 0, errReset }

// A read whose record produced output but no data yet (a KeyUpdate) goes
// on reading when that output cannot be sent: the write direction's error
// is the next write's to report.
func TestRun_ReadGoesOnWhenItsOutputCannotBeSent(t *testing.T) {
	e, peer := handshakenEngine(true)
	peer.emit('D', nil) // answered, and carries no data
	first := peer.out
	peer.out = nil
	peer.emit('D', []byte("data"))
	c := New(&chunkedConn{chunks: [][]byte{first, peer.out}}, e)
	assertReadThenReset(t, c, "data")
}

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
	before := heapAfterGC()
	for _, p := range pairs {
		e, _ := handshakenEngine(false)
		c := New(p[0], e)
		go func() {
			defer ended.Done()
			_, _ = c.Run(OpRead, make([]byte, 1), false)
		}()
	}
	waitReadersIdle(t, n)
	per := float64(heapAfterGC()-before) / n
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
