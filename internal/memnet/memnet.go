// Package memnet is an in-memory network for tests and benchmarks: buffered
// connection pairs, as a socket pair without the kernel, and a listener
// that hands out their server ends.
package memnet

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// pipeCap bounds what one direction of a memory pipe holds, as a socket's
// buffer does: a writer that gets ahead waits for the reader.
const pipeCap = 256 << 10

// pipeHalf is one direction of a memory pipe: a byte queue.
type pipeHalf struct {
	mu     sync.Mutex
	cond   *sync.Cond
	buf    []byte
	head   int
	closed bool
}

func newPipeHalf() *pipeHalf {
	h := &pipeHalf{}
	h.cond = sync.NewCond(&h.mu)
	return h
}

func (h *pipeHalf) write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for len(p) > 0 {
		for !h.closed && len(h.buf)-h.head >= pipeCap {
			h.cond.Wait()
		}
		if h.closed {
			return n, io.ErrClosedPipe
		}
		if h.head > 0 && h.head == len(h.buf) {
			h.buf, h.head = h.buf[:0], 0
		}
		k := min(len(p), pipeCap-(len(h.buf)-h.head))
		h.buf = append(h.buf, p[:k]...)
		p = p[k:]
		n += k
		h.cond.Broadcast()
	}
	return n, nil
}

func (h *pipeHalf) read(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for !h.closed && h.head == len(h.buf) {
		h.cond.Wait()
	}
	if h.head == len(h.buf) {
		return 0, io.EOF
	}
	n := copy(p, h.buf[h.head:])
	h.head += n
	if h.head == len(h.buf) {
		h.buf, h.head = h.buf[:0], 0
	}
	h.cond.Broadcast()
	return n, nil
}

func (h *pipeHalf) close() {
	h.mu.Lock()
	h.closed = true
	h.cond.Broadcast()
	h.mu.Unlock()
}

// memConn is one end of a buffered in-memory connection: a socket pair
// without the kernel, so benchmarks measure TLS and the pump alone.
type memConn struct {
	in, out *pipeHalf
}

// Pipe returns the two ends of an in-memory connection.
func Pipe() (net.Conn, net.Conn) {
	a, b := newPipeHalf(), newPipeHalf()
	return &memConn{in: a, out: b}, &memConn{in: b, out: a}
}

func (c *memConn) Read(p []byte) (int, error)  { return c.in.read(p) }
func (c *memConn) Write(p []byte) (int, error) { return c.out.write(p) }

func (c *memConn) Close() error {
	c.in.close()
	c.out.close()
	return nil
}

type memAddr struct{}

func (memAddr) Network() string { return "mem" }
func (memAddr) String() string  { return "mem" }

func (c *memConn) LocalAddr() net.Addr                { return memAddr{} }
func (c *memConn) RemoteAddr() net.Addr               { return memAddr{} }
func (c *memConn) SetDeadline(t time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(t time.Time) error { return nil }

// Listener hands out the server ends of memory connections that Dial
// makes, so the same server loop serves both transports.
type Listener struct {
	conns  chan net.Conn
	done   chan struct{}
	closed sync.Once
}

// NewListener returns a Listener.
func NewListener() *Listener {
	return &Listener{conns: make(chan net.Conn), done: make(chan struct{})}
}

// Accept returns the server end of the next connection Dial makes.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops the listener; Accept and Dial fail afterwards.
func (l *Listener) Close() error {
	l.closed.Do(func() { close(l.done) })
	return nil
}

// Addr returns a placeholder address.
func (l *Listener) Addr() net.Addr { return memAddr{} }

// Dial returns the client end of a new memory connection.
func (l *Listener) Dial() (net.Conn, error) {
	c, s := Pipe()
	select {
	case l.conns <- s:
		return c, nil
	case <-l.done:
		return nil, errors.New("memory listener closed")
	}
}
