package bio

import (
	"encoding/binary"
	"errors"
	"io"
	"sync"
)

// frameEngine is a scripted stand-in for an SSL object: a toy protocol with
// the shape of TLS, so the pump's locking, flushing and EOF handling can be
// tested without OpenSSL.
//
// Every frame is a type byte, a sequence number stamped when the frame is
// produced, a length and a payload: 'H' hello (the handshake), 'D' data,
// 'A' an acknowledgement that reading a data frame produces (as TLS 1.3
// reads produce KeyUpdate replies), 'C' close.
type frameEngine struct {
	mu       *sync.Mutex // the seq counter is shared by the two ends of a test
	seq      *uint32
	ack      bool   // answer every data frame read with an 'A' frame
	in       []byte // a partial frame
	out      []byte
	eof      bool
	sentH    bool
	gotH     bool
	sentC    bool
	gotC     bool
	plain    []byte // data received and not yet read
	released bool
	writes   int // write operations run so far
	maxIn    int // the most input one call was offered
	// stallWrite, when positive, makes the write operation with that
	// number answer WantRead once, having encrypted nothing, as SSL_write
	// does when it meets a renegotiation.
	stallWrite int
}

const frameHeader = 1 + 4 + 2

var errPeerEOF = errors.New("frame engine: transport ended in the middle")

func newFramePair(ack bool) (*frameEngine, *frameEngine) {
	var mu sync.Mutex
	var seq uint32
	return &frameEngine{mu: &mu, seq: &seq, ack: ack}, &frameEngine{mu: &mu, seq: &seq, ack: ack}
}

func (e *frameEngine) emit(typ byte, payload []byte) {
	e.mu.Lock()
	*e.seq++
	s := *e.seq
	e.mu.Unlock()
	var h [frameHeader]byte
	h[0] = typ
	binary.BigEndian.PutUint32(h[1:], s)
	binary.BigEndian.PutUint16(h[5:], uint16(len(payload)))
	e.out = append(e.out, h[:]...)
	e.out = append(e.out, payload...)
}

// take reads frames from in as an SSL reads records: a frame at a time,
// keeping a partial frame to itself, and nothing past a close frame. It
// returns how many bytes of in it took.
func (e *frameEngine) take(in []byte) int {
	took := 0
	for took < len(in) && !e.gotC {
		if rest := in[took:]; len(e.in) == 0 && len(rest) >= frameHeader {
			if n := frameHeader + int(binary.BigEndian.Uint16(rest[5:])); len(rest) >= n {
				e.frame(rest[0], rest[frameHeader:n])
				took += n
				continue
			}
		}
		need := frameHeader - len(e.in)
		if need <= 0 {
			need = frameHeader + int(binary.BigEndian.Uint16(e.in[5:])) - len(e.in)
		}
		k := min(need, len(in)-took)
		e.in = append(e.in, in[took:took+k]...)
		took += k
		if len(e.in) >= frameHeader && len(e.in) == frameHeader+int(binary.BigEndian.Uint16(e.in[5:])) {
			e.frame(e.in[0], e.in[frameHeader:])
			e.in = e.in[:0]
		}
	}
	return took
}

func (e *frameEngine) frame(typ byte, payload []byte) {
	switch typ {
	case 'H':
		e.gotH = true
	case 'D':
		e.plain = append(e.plain, payload...)
		if e.ack {
			e.emit('A', nil)
		}
	case 'C':
		e.gotC = true
	}
}

func (e *frameEngine) Do(op Op, in []byte, eof bool, buf []byte, out []byte) Result {
	if e.released {
		panic("frame engine used after Release")
	}
	e.maxIn = max(e.maxIn, len(in))
	took := e.take(in)
	if eof {
		e.eof = true
	}
	r := Result{Status: Done, Ret: 1}
	wantRead := func() Result {
		if e.eof {
			return Result{Status: Failed, Err: errPeerEOF}
		}
		return Result{Status: WantRead, Ret: -1}
	}
	switch op {
	case OpHandshake:
		if !e.sentH {
			e.emit('H', nil)
			e.sentH = true
		}
		if !e.gotH {
			r = wantRead()
		}
	case OpRead:
		switch {
		case len(e.plain) > 0:
			r.N = copy(buf, e.plain)
			e.plain = e.plain[r.N:]
		case e.gotC:
			r = Result{Status: Closed}
		default:
			r = wantRead()
		}
	case OpWrite:
		if e.sentC {
			return Result{Status: Failed, Err: errors.New("frame engine: write after close")}
		}
		if e.writes++; e.writes == e.stallWrite {
			r = wantRead()
			break
		}
		for p := buf; len(p) > 0; {
			n := min(len(p), 1000)
			e.emit('D', p[:n])
			p = p[n:]
		}
		r.N = len(buf)
	case OpShutdown:
		if !e.sentC {
			e.emit('C', nil)
			e.sentC = true
			r.Ret = 0
		}
		if e.gotC {
			r.Ret = 1
		} else if r.Ret != 0 {
			r = wantRead()
		}
	}
	r.In = took
	r.Holding = len(e.plain) > 0 || e.gotC || len(e.in) > 0
	r.Out = copy(out, e.out)
	e.out = e.out[r.Out:]
	r.OutLeft = len(e.out)
	return r
}

func (e *frameEngine) Release() { e.released = true }

// frameReader reads frames off a raw transport, checking that sequence
// numbers only grow: the peer sent its output in the order it was produced.
type frameReader struct {
	r    io.Reader
	last uint32
}

func (f *frameReader) next() (typ byte, seq uint32, payload []byte, err error) {
	var h [frameHeader]byte
	if _, err = io.ReadFull(f.r, h[:]); err != nil {
		return 0, 0, nil, err
	}
	payload = make([]byte, binary.BigEndian.Uint16(h[5:]))
	if _, err = io.ReadFull(f.r, payload); err != nil {
		return 0, 0, nil, err
	}
	seq = binary.BigEndian.Uint32(h[1:])
	if seq <= f.last {
		return 0, 0, nil, errors.New("frames out of order")
	}
	f.last = seq
	return h[0], seq, payload, nil
}
