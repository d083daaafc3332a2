// Package bio pumps TLS ciphertext between an engine that never touches the
// network (an SSL object over memory BIOs) and a net.Conn.
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
	"io"
	"net"
	"sync"
	"sync/atomic"
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
	Ret     int   // the raw return value (SSL_shutdown: 0 sent, 1 both ways)
	N       int   // plaintext bytes read or written
	Out     int   // ciphertext bytes the engine put into out
	OutLeft int   // ciphertext the engine still holds for the peer
	Err     error // why the operation Failed
}

// Engine is the TLS state machine the pump drives. It is used by one
// goroutine at a time and must never block.
type Engine interface {
	// Do feeds in (all of it) and, when eof is set, the end of the peer's
	// data; runs op with buf (the plaintext to write, or the space to read
	// into); and copies up to len(out) bytes of ciphertext for the peer
	// into out.
	Do(op Op, in []byte, eof bool, buf []byte, out []byte) Result
	// TakeInput moves ciphertext the engine has been fed but not consumed
	// into buf, returning how much.
	TakeInput(buf []byte) int
	// InputPending returns how much ciphertext the engine holds unconsumed.
	InputPending() int
	// Release frees the engine; nothing is called on it afterwards.
	Release()
}

// ErrReleased is returned by operations after Release or Detach.
var ErrReleased = errors.New("bio: engine released")

// Sizes of the buffers: one TLS record with its header and the largest
// expansion a cipher adds, and the space a write chunk needs on top.
const (
	readBufSize  = 16*1024 + 5 + 2048
	outSlack     = 1024
	minOutBuffer = 4 * 1024
)

// Conn couples an Engine to a net.Conn.
type Conn struct {
	nc net.Conn

	mu       sync.Mutex
	eng      Engine
	released bool
	out      []byte // ciphertext produced and not yet taken by the writer
	fed      uint64 // counts feeds, so a waiting reader notices input that arrived
	eof      bool   // the transport has ended and the engine knows

	queued atomic.Int64 // len(out) plus len(unsent): zero means nothing to send

	readMu sync.Mutex
	in     []byte // network read buffer

	writeMu sync.Mutex
	sending []byte // the spare queue, swapped with out
	unsent  []byte // the rest of a send the network did not take yet
}

// New returns a Conn pumping between eng and nc.
func New(nc net.Conn, eng Engine) *Conn {
	return &Conn{nc: nc, eng: eng}
}

// NetConn returns the transport.
func (c *Conn) NetConn() net.Conn { return c.nc }

// Run performs op until it completes, fails, or the network fails. It reads
// from the network when the engine needs input and sends what the engine
// produced before returning. A network error (a deadline, a reset) is
// returned as err with the engine's last result; the engine keeps its state,
// so the operation can be run again once the cause is gone.
//
// Run flushes with flushWait set by waiting its turn as network writer; a
// Run without it leaves the sending to a writer already at work, so that a
// read never waits behind a blocked write.
func (c *Conn) Run(op Op, buf []byte, flushWait bool) (Result, error) {
	var (
		in      []byte
		eof     bool
		reading bool  // holding readMu
		pending error // a network error to report after feeding what came with it
	)
	for {
		c.mu.Lock()
		if c.released {
			c.mu.Unlock()
			if reading {
				c.readMu.Unlock()
			}
			return Result{Status: Failed, Err: ErrReleased}, ErrReleased
		}
		r := c.doLocked(op, in, eof, buf)
		if len(in) > 0 || eof {
			c.fed++
		}
		if eof {
			c.eof = true
		}
		seen, ended := c.fed, c.eof
		c.mu.Unlock()
		in, eof = nil, false
		if reading {
			c.readMu.Unlock()
			reading = false
		}
		if err := c.flush(flushWait); err != nil {
			return r, err
		}
		if r.Status != WantRead {
			return r, nil
		}
		if pending != nil {
			return r, pending
		}
		if ended {
			// A well-behaved engine fails at the end of input instead.
			return Result{Status: Failed, Err: io.ErrUnexpectedEOF}, nil
		}

		c.readMu.Lock()
		reading = true
		c.mu.Lock()
		moved := c.fed != seen
		c.mu.Unlock()
		if moved {
			// Another goroutine fed the engine while this one waited for
			// the reader's role: try again before reading more.
			continue
		}
		if c.in == nil {
			c.in = make([]byte, readBufSize)
		}
		n, err := c.nc.Read(c.in)
		if n > 0 {
			in = c.in[:n]
		}
		switch {
		case err == io.EOF:
			eof = true
		case err != nil && n > 0:
			pending = err
		case err != nil:
			c.readMu.Unlock()
			return r, err
		}
	}
}

// doLocked runs one operation and moves everything it produced to out.
func (c *Conn) doLocked(op Op, in []byte, eof bool, buf []byte) Result {
	need := minOutBuffer
	if op == OpWrite {
		need = len(buf) + len(buf)/64 + outSlack
	}
	c.reserveLocked(need)
	before := len(c.out)
	r := c.eng.Do(op, in, eof, buf, c.out[len(c.out):cap(c.out)])
	c.out = c.out[:len(c.out)+r.Out]
	for r.OutLeft > 0 {
		c.reserveLocked(r.OutLeft)
		more := c.eng.Do(OpNone, nil, false, nil, c.out[len(c.out):cap(c.out)])
		c.out = c.out[:len(c.out)+more.Out]
		r.OutLeft = more.OutLeft
		if more.Out == 0 {
			break
		}
	}
	c.queued.Add(int64(len(c.out) - before))
	return r
}

func (c *Conn) reserveLocked(n int) {
	if cap(c.out)-len(c.out) >= n {
		return
	}
	grown := make([]byte, len(c.out), len(c.out)+n)
	copy(grown, c.out)
	c.out = grown
}

// Flush sends what the engine has produced, waiting for its turn as network
// writer.
func (c *Conn) Flush() error { return c.flush(true) }

func (c *Conn) flush(wait bool) error {
	for c.queued.Load() > 0 {
		if wait {
			c.writeMu.Lock()
		} else if !c.writeMu.TryLock() {
			// The writer at work sends our output too: it loops until
			// nothing is queued, and looks again after letting go.
			return nil
		}
		err := c.sendLocked()
		c.writeMu.Unlock()
		if err != nil {
			return err
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
			c.out, c.sending = c.sending[:0], c.out
			c.mu.Unlock()
			c.unsent = c.sending
		}
		n, err := c.nc.Write(c.unsent)
		c.unsent = c.unsent[n:]
		c.queued.Add(-int64(n))
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
	r := c.doLocked(op, nil, false, nil)
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
	if !c.released {
		c.released = true
		c.eng.Release()
		c.eng = nil
	}
}

// Detach frees the engine and returns the ciphertext it was fed but never
// consumed: the bytes that followed the peer's close_notify, which belong
// to whatever the transport carries next. Detach waits for a reader at work
// to finish, so that none of those bytes are read past it.
func (c *Conn) Detach() ([]byte, error) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.released {
		return nil, ErrReleased
	}
	rest := make([]byte, c.eng.InputPending())
	rest = rest[:c.eng.TakeInput(rest)]
	c.released = true
	c.eng.Release()
	c.eng = nil
	return rest, nil
}
