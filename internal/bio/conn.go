// Package bio pumps TLS ciphertext between an engine that never touches the
// network (an SSL object over memory BIOs) and a net.Conn (Conn), or two
// byte queues that the caller fills and drains itself (Mem).
//
// Whoever runs an engine operation (a handshake, a read, a write, a
// shutdown) feeds it the ciphertext it needs and sends what it produced,
// synchronously and in order: there is no goroutine per connection or per
// operation.
//
// Lock order. mu guards the engine and the queue of produced ciphertext and
// is never held during network I/O. readMu gives one goroutine at a time the
// role of network reader; writeMu gives one goroutine at a time the role of
// network writer. A goroutine takes mu only while holding at most one of
// readMu and writeMu, and never holds readMu and writeMu together, so a Read
// blocked on the peer never holds up a Write, nor the other way round.
package bio

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
)

// Op is an engine operation.
type Op int

// The engine operations.
const (
	OpNone      Op = iota // only feed input and collect output
	OpHandshake           // SSL_do_handshake
	OpRead                // SSL_read_ex
	OpWrite               // SSL_write_ex
	OpShutdown            // SSL_shutdown
)

// Status is how an engine operation ended.
type Status int

// The outcomes of an engine operation.
const (
	Done     Status = iota // the operation completed
	WantRead               // the engine needs more ciphertext from the peer
	Closed                 // the peer closed TLS with close_notify
	Failed                 // the operation failed: Result.Err says why
)

// Result is the outcome of one engine operation.
type Result struct {
	Status  Status
	Ret     int // the raw return value (SSL_shutdown: 0 sent, 1 both ways)
	N       int // plaintext bytes read or written
	In      int // bytes of the input the engine took
	Out     int // ciphertext bytes the engine put into out
	OutLeft int // ciphertext the engine still holds for the peer
	// Holding says a read could make progress without more input: the
	// engine holds part of a record or plaintext not yet read, or knows the
	// peer has closed.
	Holding bool
	Err     error // why the operation Failed
}

// Engine is the TLS state machine the pump drives. It is used by one
// goroutine at a time and must never block.
type Engine interface {
	// Do runs op with buf (the plaintext to write, or the space to read
	// into), taking what it needs of in (ciphertext from the peer; eof
	// once the transport has ended) and writing ciphertext for the peer
	// into out, up to len(out). It keeps neither buffer. It reports
	// WantRead only once it has taken all of in.
	Do(op Op, in []byte, eof bool, buf []byte, out []byte) Result
	// Release frees the engine; nothing is called on it afterwards.
	Release()
}

// ErrReleased is returned by operations after Release or Detach.
var ErrReleased = errors.New("bio: engine released")

// maxReadOutput bounds the answers reads may queue for a writer that is
// blocked or gone (a write that timed out): a TLS 1.3 KeyUpdate answer is
// 27 bytes, so a peer reaches it only by asking for thousands of them
// while it reads nothing we send.
const maxReadOutput = 64 << 10

// ErrReadOutputBacklog fails reads while the answers earlier reads queued
// (KeyUpdate answers, renegotiation, alerts) cannot be sent: the peer asks
// for more of them than it reads. Reading can go on once they are sent.
// Its text names the library, as Socket.Read returns it as is.
var ErrReadOutputBacklog = fmt.Errorf("ssl: the peer keeps sending records that need an answer (KeyUpdate requests, renegotiation) but does not read the answers: %d KiB of them wait to be sent; reading resumes once they are", maxReadOutput>>10)

// Buffers come from process-wide pools and go back as soon as they are
// empty: an idle connection holds none. A read buffer holds four full
// records with their headers, so that one system call takes what a peer
// streaming data has sent meanwhile (a buffer of one record took 1.2 reads
// per 16 KiB record); a small output buffer a handshake flight, a large one
// what a 64 KiB write (four full records) turns into.
const (
	readBufSize  = 4 * (16<<10 + 5 + 256)
	smallOutSize = 4 << 10
	largeOutSize = 64<<10 + 2<<10
)

// peekSize holds a small record whole (a request of a keep-alive protocol,
// a 1 KiB message with its 22 bytes of TLS 1.3 overhead) in one read.
const peekSize = 2 << 10

var (
	readBufs     = sync.Pool{New: func() any { b := make([]byte, readBufSize); return &b }}
	smallOutBufs = sync.Pool{New: func() any { b := make([]byte, 0, smallOutSize); return &b }}
	largeOutBufs = sync.Pool{New: func() any { b := make([]byte, 0, largeOutSize); return &b }}
)

// putOut gives an output buffer back to the pool of its size.
func putOut(b *[]byte) {
	*b = (*b)[:0]
	switch cap(*b) {
	case smallOutSize:
		smallOutBufs.Put(b)
	case largeOutSize:
		largeOutBufs.Put(b)
	}
}

// Conn couples an Engine to a net.Conn.
type Conn struct {
	nc net.Conn

	mu       sync.Mutex
	eng      Engine
	released bool
	rx       []byte  // ciphertext read from the network, not yet taken by the engine
	rxBuf    *[]byte // the pooled buffer rx lies in
	out      []byte  // ciphertext produced and not yet taken by the writer
	outBuf   *[]byte // the pooled buffer out lies in
	readOut  int     // how much of out reads produced
	fed      uint64  // counts network reads, so a waiting reader notices input that arrived
	eof      bool    // the transport has ended
	// starved says the engine has taken all input and holds nothing a
	// read could return: a read goes to the network before asking it.
	starved bool

	queued atomic.Int64 // len(out) plus len(unsent): zero means nothing to send

	readMu sync.Mutex
	// raw is nc's descriptor when nc is a TCP or Unix connection of the
	// net package: the reader waits on it for input holding no buffer,
	// then reads all there is into a pooled one (rawRead).
	raw    syscall.RawConn
	rawFn  func(fd uintptr) bool // rawRead's step, made once: no allocation per read
	rawBuf *[]byte               // what the step read into, n bytes, or the error it met
	rawN   int
	rawErr error
	// Over any other net.Conn, peek takes a network read that is likely
	// to wait (the last one emptied the transport), so that a connection
	// idle between requests pins no pooled buffer; a read that fills it,
	// or a pooled one, says more is coming, and the next read takes a
	// pooled buffer. Only the reader writes it, and only while rx is
	// empty; it is made on first use, never for raw.
	peek    *[peekSize]byte
	drained bool // the last network read did not fill its buffer

	writeMu sync.Mutex
	unsent  []byte  // what the writer is sending, in order
	sendBuf *[]byte // the pooled buffer unsent lies in
}

// New returns a Conn pumping between eng and nc.
func New(nc net.Conn, eng Engine) *Conn {
	// The first read waits for the peer's first flight: it peeks.
	c := &Conn{nc: nc, eng: eng, drained: true}
	// Only the net package's own types: a caller's type that embeds one
	// has SyscallConn too, but reading the descriptor would go around
	// its Read.
	var sc syscall.Conn
	switch t := nc.(type) {
	case *net.TCPConn:
		sc = t
	case *net.UnixConn:
		sc = t
	}
	if sc != nil {
		if raw, err := sc.SyscallConn(); err == nil {
			c.raw, c.rawFn = raw, c.rawStep
		}
	}
	return c
}

// NetConn returns the transport.
func (c *Conn) NetConn() net.Conn { return c.nc }

// Run performs op until it completes, fails, or the network fails. It reads
// from the network when the engine needs input and sends what the engine
// produced before returning. A network error (a deadline, a reset) is
// returned as err with the engine's last result; the engine keeps its state,
// so the operation can be run again once the cause is gone.
//
// Run flushes with flushWait set by waiting its turn as network writer. A
// Run without it (a read) never waits on, nor fails with, the write
// direction: it sends only what its own operation produced (an alert, a
// KeyUpdate answer) and only when nothing else is queued; it leaves the
// sending to a writer already at work; and output queued behind a backlog
// (what a write that timed out could not send) goes out after that backlog,
// with the next flush that waits.
func (c *Conn) Run(op Op, buf []byte, flushWait bool) (Result, error) {
	var pending error // a network error to report once what came with it is used
	written := 0      // plaintext of buf a write has encrypted in earlier rounds
	for {
		c.mu.Lock()
		if c.released {
			c.mu.Unlock()
			return Result{Status: Failed, Err: ErrReleased, N: written}, ErrReleased
		}
		// Output queued before this operation (what a write that timed
		// out could not send, or what waits for a writer at work) is the
		// write direction's backlog.
		backlog := c.queued.Load() > 0
		queuedBefore := len(c.out)
		if op == OpRead && c.readOut >= maxReadOutput {
			// A peer that never reads could otherwise make us queue
			// answers without end. crypto/tls blocks the read there;
			// with no writer at work (a write timed out) nothing would
			// end that wait, not even the read deadline: we fail it.
			c.mu.Unlock()
			return Result{Status: Failed, Err: ErrReadOutputBacklog}, nil
		}
		var r Result
		if op == OpRead && c.starved && len(c.rx) == 0 && !c.eof {
			// Asking the engine would only hear it wants input.
			r = Result{Status: WantRead}
		} else {
			r = c.doLocked(op, buf)
		}
		produced := len(c.out) != queuedBefore
		if op == OpWrite {
			// A write split into chunks may need input after some of
			// them: it goes on after those, never encrypting them twice.
			buf = buf[r.N:]
			written += r.N
			r.N = written
		}
		seen, ended := c.fed, c.eof
		c.mu.Unlock()
		var err error
		if flushWait || produced && !backlog {
			err = c.flush(flushWait)
		}
		if err != nil {
			switch {
			case r.Status == Failed:
				// The TLS failure says more than the alert that could
				// not be sent about it.
				return r, nil
			case !flushWait:
				// A read does not fail with the write direction's error
				// (a write deadline, a peer that stopped reading): its
				// output stays queued, the error comes back with the
				// next write, and a broken transport shows in the read.
			default:
				return r, err
			}
		}
		if r.Status != WantRead {
			return r, nil
		}
		if pending != nil {
			return r, pending
		}
		if ended {
			// A well-behaved engine fails at the end of input instead.
			return Result{Status: Failed, Err: io.ErrUnexpectedEOF, N: r.N}, nil
		}
		if err := c.fill(seen); err != nil {
			if !errors.Is(err, errFilledWithError) {
				return r, err
			}
			pending = errors.Unwrap(err)
		}
	}
}

// errFilledWithError wraps a network error that came with data.
var errFilledWithError = errors.New("bio: data with an error")

// fill reads from the network once, as the one reader, unless input arrived
// since the engine last asked (fed moved past seen).
func (c *Conn) fill(seen uint64) error {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	c.mu.Lock()
	moved, released := c.fed != seen, c.released
	// peek is written only while rx is empty, as rx may lie in it. (It
	// nearly always is: fill runs once the engine took all of rx, and only
	// the reader adds to it.)
	usePeek := c.drained && len(c.rx) == 0
	c.mu.Unlock()
	if moved || released {
		return nil
	}
	var bp *[]byte
	var p []byte
	var n int
	var err error
	if c.raw != nil {
		bp, n, err = c.rawRead()
		if bp != nil {
			p = *bp
		}
	} else {
		if usePeek {
			if c.peek == nil {
				c.peek = new([peekSize]byte)
			}
			p = c.peek[:]
		} else {
			bp = readBufs.Get().(*[]byte)
			p = *bp
		}
		n, err = c.nc.Read(p)
		c.drained = n < len(p)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.released {
		if bp != nil {
			readBufs.Put(bp)
		}
		return ErrReleased
	}
	if n > 0 || err == io.EOF {
		c.starved = false
	}
	switch {
	case n > 0 && len(c.rx) == 0:
		c.dropRxLocked()
		c.rx, c.rxBuf = p[:n], bp
	case n > 0:
		c.rx = append(c.rx, p[:n]...)
		if bp != nil {
			readBufs.Put(bp)
		}
	case bp != nil:
		readBufs.Put(bp)
	}
	if err == io.EOF {
		c.eof = true
	}
	if n > 0 || err == io.EOF {
		c.fed++
	}
	switch {
	case err == nil || err == io.EOF:
		return nil
	case n > 0:
		return fmt.Errorf("%w: %w", errFilledWithError, err)
	}
	return err
}

// rawRead waits until the transport has input, holding no buffer, then
// reads what there is into a pooled buffer, which it returns with the
// count unless it read nothing. Its errors are those the transport's Read
// returns.
func (c *Conn) rawRead() (*[]byte, int, error) {
	c.rawBuf, c.rawN, c.rawErr = nil, 0, nil
	err := c.raw.Read(c.rawFn)
	bp, n := c.rawBuf, c.rawN
	c.rawBuf = nil
	if err == nil {
		err = c.rawErr
	}
	if err == nil && n == 0 {
		err = io.EOF
	}
	if err != nil {
		// The descriptor's own errors (a deadline, a closed connection)
		// come as "raw-read" on the local address: say them as Read
		// does.
		if oe, ok := err.(*net.OpError); ok && oe.Op == "raw-read" {
			err = oe.Err
		}
		if _, ok := err.(*net.OpError); !ok && err != io.EOF {
			err = &net.OpError{Op: "read", Net: c.nc.LocalAddr().Network(),
				Source: c.nc.LocalAddr(), Addr: c.nc.RemoteAddr(), Err: err}
		}
	}
	if n == 0 && bp != nil {
		readBufs.Put(bp)
		bp = nil
	}
	return bp, n, err
}

// rawStep is one try of rawRead on the descriptor: false asks the runtime
// to wait until it is readable (or its read deadline passes) and try again.
func (c *Conn) rawStep(fd uintptr) bool {
	bp := readBufs.Get().(*[]byte)
	for {
		n, err := syscall.Read(int(fd), *bp)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			readBufs.Put(bp)
			return false
		case err != nil:
			readBufs.Put(bp)
			c.rawErr = os.NewSyscallError("read", err)
			return true
		}
		c.rawBuf, c.rawN = bp, n
		return true
	}
}

func (c *Conn) dropRxLocked() {
	if c.rxBuf != nil {
		readBufs.Put(c.rxBuf)
	}
	c.rx, c.rxBuf = nil, nil
}

// opChunk bounds the plaintext one engine call encrypts. A C call that runs
// past a scheduler tick makes Go hand the thread's processor to another
// thread and take it back afterwards, two futex wake-ups; a record's worth
// of work stays well under it. Larger writes are split under one lock and
// leave in one network write.
const opChunk = 16 << 10

// doLocked runs one operation and queues everything it produced.
func (c *Conn) doLocked(op Op, buf []byte) Result {
	if op != OpWrite || len(buf) <= opChunk {
		return c.doOneLocked(op, buf)
	}
	n := 0
	for len(buf) > 0 {
		r := c.doOneLocked(op, buf[:min(len(buf), opChunk)])
		n += r.N
		if r.Status != Done {
			r.N = n
			return r
		}
		buf = buf[r.N:]
	}
	return Result{Status: Done, Ret: 1, N: n}
}

func (c *Conn) doOneLocked(op Op, buf []byte) Result {
	switch op {
	case OpWrite:
		c.reserveLocked(len(buf) + len(buf)/64 + 1024)
	case OpHandshake, OpShutdown:
		c.reserveLocked(4 << 10)
	}
	// A read rarely writes: it gets the spare room of a queue already
	// there, and what does not fit waits in the engine for the drain below.
	before := len(c.out)
	r := c.eng.Do(op, c.rx, c.eof, buf, c.out[len(c.out):cap(c.out)])
	c.out = c.out[:len(c.out)+r.Out]
	if c.rx = c.rx[r.In:]; len(c.rx) == 0 {
		c.dropRxLocked()
	}
	c.starved = (r.Status == Done || r.Status == WantRead) && len(c.rx) == 0 && !r.Holding
	for r.OutLeft > 0 {
		c.reserveLocked(r.OutLeft)
		more := c.eng.Do(OpNone, nil, c.eof, nil, c.out[len(c.out):cap(c.out)])
		c.out = c.out[:len(c.out)+more.Out]
		r.OutLeft = more.OutLeft
		if more.Out == 0 {
			break
		}
	}
	if d := len(c.out) - before; d != 0 {
		// Most reads produce nothing: spare them the atomic write.
		c.queued.Add(int64(d))
		if op == OpRead {
			c.readOut += d
		}
	}
	return r
}

// reserveLocked makes room for n more bytes of output.
func (c *Conn) reserveLocked(n int) {
	if c.out == nil {
		if n <= smallOutSize {
			c.outBuf = smallOutBufs.Get().(*[]byte)
		} else {
			c.outBuf = largeOutBufs.Get().(*[]byte)
		}
		c.out = (*c.outBuf)[:0]
	}
	if cap(c.out)-len(c.out) >= n {
		return
	}
	// Geometric growth: a queue the network does not drain (a write
	// timed out) may grow large, and must not be copied at every step.
	grown := make([]byte, len(c.out), max(len(c.out)+n, 2*cap(c.out)))
	copy(grown, c.out)
	if c.outBuf != nil {
		putOut(c.outBuf)
		c.outBuf = nil
	}
	c.out = grown
}

// testHookSent, when set by a test, runs in flush right after the writer
// has sent the queue, while it still holds the writer's role.
var testHookSent func()

// Flush sends what the engine has produced, waiting for its turn as network
// writer.
func (c *Conn) Flush() error { return c.flush(true) }

func (c *Conn) flush(wait bool) error {
	for c.queued.Load() > 0 {
		if wait {
			c.writeMu.Lock()
		} else if !c.writeMu.TryLock() {
			// The writer at work sends our output too: it loops until
			// nothing is left, and looks again after letting go.
			return nil
		}
		err := c.sendLocked()
		if testHookSent != nil {
			testHookSent()
		}
		c.writeMu.Unlock()
		if err != nil {
			return err
		}
		// What a read queued while we still held the writer's role is
		// ours to send: its flush found the role taken. Only the queue
		// tells; the count may have moved back to where it was.
		c.mu.Lock()
		left := len(c.out)
		c.mu.Unlock()
		if left == 0 {
			return nil
		}
	}
	return nil
}

// sendLocked writes the queue to the network in the order it was produced.
func (c *Conn) sendLocked() error {
	for {
		if len(c.unsent) == 0 {
			c.mu.Lock()
			if len(c.out) == 0 {
				c.mu.Unlock()
				return nil
			}
			// The writer takes the whole queue; the engine starts a new one.
			c.unsent, c.sendBuf = c.out, c.outBuf
			c.out, c.outBuf = nil, nil
			c.readOut = 0
			c.mu.Unlock()
		}
		n, err := c.nc.Write(c.unsent)
		c.unsent = c.unsent[n:]
		c.queued.Add(-int64(n))
		if len(c.unsent) == 0 && c.sendBuf != nil {
			putOut(c.sendBuf)
			c.sendBuf = nil
		}
		if err != nil {
			return err
		}
	}
}

// TryWriter takes the network writer's role if no one holds it, for a
// caller that must not wait behind a blocked write (Close). The caller
// gives it back with ReleaseWriter.
func (c *Conn) TryWriter() bool { return c.writeMu.TryLock() }

// ReleaseWriter gives back the role TryWriter took.
func (c *Conn) ReleaseWriter() { c.writeMu.Unlock() }

// RunAsWriter runs op once, without reading, and sends what it produced,
// for a caller holding the writer's role from TryWriter.
func (c *Conn) RunAsWriter(op Op) (Result, error) {
	c.mu.Lock()
	if c.released {
		c.mu.Unlock()
		return Result{Status: Failed, Err: ErrReleased}, ErrReleased
	}
	r := c.doLocked(op, nil)
	c.mu.Unlock()
	return r, c.sendLocked()
}

// Locked runs fn with the engine under the engine lock, for calls that only
// inspect it (the peer's certificate, the cipher); it returns ErrReleased
// when the engine is gone.
func (c *Conn) Locked(fn func(Engine)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.released {
		return ErrReleased
	}
	fn(c.eng)
	return nil
}

// Release frees the engine. Operations that follow, or that are waiting on
// the network, fail with ErrReleased. The transport is left alone.
func (c *Conn) Release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.releaseLocked()
}

func (c *Conn) releaseLocked() {
	if c.released {
		return
	}
	c.released = true
	c.eng.Release()
	c.eng = nil
	c.dropRxLocked()
	// Unsent output dies with the engine; the writer may still hold its
	// own buffer and gives it back when it ends.
	c.queued.Add(-int64(len(c.out)))
	if c.outBuf != nil {
		putOut(c.outBuf)
	}
	c.out, c.outBuf = nil, nil
	c.readOut = 0
}

// Detach frees the engine and returns the ciphertext read from the network
// that it never took: the bytes that followed the peer's close_notify,
// which belong to whatever the transport carries next. Detach waits for a
// reader at work to finish, so that none of those bytes are read past it.
func (c *Conn) Detach() ([]byte, error) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.released {
		return nil, ErrReleased
	}
	rest := append([]byte(nil), c.rx...)
	c.releaseLocked()
	return rest, nil
}
