package bio

import (
	"errors"
	"io"
	"sync"
)

// Queue is one direction of a memory BIO: bytes the caller writes and an
// engine takes (the peer's ciphertext), or bytes an engine produces and the
// caller reads (ciphertext for the peer). It is safe for concurrent use.
// The zero value is an empty queue.
type Queue struct {
	mu  sync.Mutex
	buf []byte // buf[off:] is unread
	off int
	eof bool
}

// ErrQueueEOF is returned by Queue.Write after WriteEOF.
var ErrQueueEOF = errors.New("bio: write after the end of the stream")

// keepCap bounds the capacity an empty queue keeps for its next bytes: a
// large write that has been read leaves no large buffer behind.
const keepCap = 64 << 10

// Write appends p. After WriteEOF it appends nothing and returns
// ErrQueueEOF, even for an empty p.
func (q *Queue) Write(p []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.eof {
		return 0, ErrQueueEOF
	}
	q.appendLocked(p)
	return len(p), nil
}

func (q *Queue) appendLocked(p []byte) {
	if len(p) == 0 {
		return
	}
	if q.off > 0 && len(q.buf)+len(p) > cap(q.buf) {
		// Reuse the room already read before growing.
		n := copy(q.buf, q.buf[q.off:])
		q.buf, q.off = q.buf[:n], 0
	}
	q.buf = append(q.buf, p...)
}

// Read removes and returns up to n bytes, or all of them when n < 0; nil
// when there are none.
func (q *Queue) Read(n int) []byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	avail := len(q.buf) - q.off
	if n < 0 || n > avail {
		n = avail
	}
	if n == 0 {
		return nil
	}
	out := make([]byte, n)
	copy(out, q.buf[q.off:])
	q.consumeLocked(n)
	return out
}

func (q *Queue) consumeLocked(n int) {
	q.off += n
	if q.off < len(q.buf) {
		return
	}
	q.off = 0
	if cap(q.buf) > keepCap {
		q.buf = nil
	} else {
		q.buf = q.buf[:0]
	}
}

// WriteEOF marks the end of the stream: once what it holds has been taken,
// a reader learns that no more will come, and Write fails from now on.
func (q *Queue) WriteEOF() {
	q.mu.Lock()
	q.eof = true
	q.mu.Unlock()
}

// EOF reports whether WriteEOF was called and nothing is left to read.
func (q *Queue) EOF() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.eof && q.off == len(q.buf)
}

// Pending returns how many bytes wait to be read.
func (q *Queue) Pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.buf) - q.off
}

// ErrWouldBlock is returned by Mem.Run when the engine needs more of the
// peer's bytes than the incoming queue holds: Conn would read the network
// there. The engine keeps its state; the operation goes on when it is run
// again with more input.
var ErrWouldBlock = errors.New("bio: the engine needs more input")

// Mem couples an Engine to two Queues, for a caller that moves the bytes
// itself (Python's SSLObject over MemoryBIOs): Run gives the engine what
// waits in the incoming queue, in place, and appends what it produced to
// the outgoing one. It never waits: where Conn reads the network, Run
// returns ErrWouldBlock.
//
// Lock order: mu, then one Queue's lock at a time (the incoming queue's
// during an engine call, the outgoing queue's while output is appended), so
// that one Queue may serve as both, or as queues of two Mems, in any
// arrangement.
type Mem struct {
	mu       sync.Mutex
	eng      Engine
	in, out  *Queue
	released bool
}

// NewMem returns a Mem running eng over in and out.
func NewMem(eng Engine, in, out *Queue) *Mem { return &Mem{eng: eng, in: in, out: out} }

// Run performs op once with the bytes at hand. Its result is the engine's,
// except that a write larger than one engine call takes is split into
// several, as Conn does, and N counts them all. When the engine needs more
// input, Run returns the result (Status WantRead) with ErrWouldBlock; when
// it needs more after the incoming queue ended, the operation has Failed
// with io.ErrUnexpectedEOF (a well-behaved engine fails by itself first).
// flushWait is Conn.Run's, and means nothing here: output is always queued
// at once.
func (m *Mem) Run(op Op, buf []byte, flushWait bool) (Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.released {
		return Result{Status: Failed, Err: ErrReleased}, ErrReleased
	}
	written := 0
	for {
		chunk := buf
		if op == OpWrite {
			chunk = buf[:min(len(buf), opChunk)]
		}
		r, ended := m.doOne(op, chunk)
		if op == OpWrite {
			buf = buf[r.N:]
			written += r.N
			r.N = written
			if r.Status == Done && len(buf) > 0 {
				continue
			}
		}
		if r.Status != WantRead {
			return r, nil
		}
		if ended {
			return Result{Status: Failed, Err: io.ErrUnexpectedEOF, N: r.N}, nil
		}
		return r, ErrWouldBlock
	}
}

// doOne runs one engine call over the incoming queue's bytes and appends
// its output to the outgoing queue; ended says the incoming queue had
// ended, all of it taken.
func (m *Mem) doOne(op Op, buf []byte) (r Result, ended bool) {
	bp := outBuffer(op, len(buf))
	defer putOut(bp)
	out := (*bp)[:cap(*bp)]
	m.in.mu.Lock()
	in := m.in.buf[m.in.off:]
	r = m.eng.Do(op, in, m.in.eof, buf, out)
	m.in.consumeLocked(r.In)
	ended = m.in.eof && m.in.off == len(m.in.buf)
	m.in.mu.Unlock()
	m.queue(out[:r.Out])
	for left := r.OutLeft; left > 0; {
		more := m.eng.Do(OpNone, nil, false, nil, out)
		m.queue(out[:more.Out])
		if more.Out == 0 {
			break
		}
		left = more.OutLeft
	}
	r.OutLeft = 0
	return r, ended
}

// queue appends engine output to the outgoing queue, even after its
// WriteEOF: that only closes it to the caller's writes, as Python's
// MemoryBIO.write_eof does.
func (m *Mem) queue(p []byte) {
	m.out.mu.Lock()
	m.out.appendLocked(p)
	m.out.mu.Unlock()
}

// outBuffer takes a pooled buffer with room for what op usually produces:
// a write's records, or a handshake flight; more waits in the engine and
// is drained in further calls.
func outBuffer(op Op, n int) *[]byte {
	if op == OpWrite && n+n/64+1024 > smallOutSize {
		return largeOutBufs.Get().(*[]byte)
	}
	return smallOutBufs.Get().(*[]byte)
}

// Locked runs fn with the engine under the engine lock, for calls that only
// inspect it; it returns ErrReleased when the engine is gone.
func (m *Mem) Locked(fn func(Engine)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.released {
		return ErrReleased
	}
	fn(m.eng)
	return nil
}

// Release frees the engine; operations that follow fail with ErrReleased.
// The queues are left as they are.
func (m *Mem) Release() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.released {
		return
	}
	m.released = true
	m.eng.Release()
	m.eng = nil
}
