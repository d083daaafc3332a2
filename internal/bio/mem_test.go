package bio

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQueue(t *testing.T) {
	var q Queue
	assert.Nil(t, q.Read(-1), "an empty queue reads nothing")
	assert.False(t, q.EOF())
	n, err := q.Write([]byte("hello world"))
	require.NoError(t, err)
	assert.Equal(t, 11, n)
	assert.Equal(t, 11, q.Pending())
	assert.Nil(t, q.Read(0))
	assert.Equal(t, "hel", string(q.Read(3)))
	assert.Equal(t, "lo world", string(q.Read(-5)), "a negative count reads everything")
	n, err = q.Write(nil)
	assert.NoError(t, err)
	assert.Zero(t, n)

	q.WriteEOF()
	assert.True(t, q.EOF())
	_, err = q.Write([]byte("x"))
	assert.ErrorIs(t, err, ErrQueueEOF)
	_, err = q.Write(nil)
	assert.ErrorIs(t, err, ErrQueueEOF, "even an empty write fails after the end")

	var r Queue
	r.Write([]byte("abc"))
	r.WriteEOF()
	assert.False(t, r.EOF(), "not at the end while bytes remain")
	assert.Equal(t, "abc", string(r.Read(10)))
	assert.True(t, r.EOF())
}

func TestQueue_ReleasesLargeBuffers(t *testing.T) {
	var q Queue
	q.Write(make([]byte, 1<<20))
	q.Read(1 << 19)
	q.Write([]byte("x")) // reuses the room read, not growing
	assert.LessOrEqual(t, cap(q.buf), 1<<20+1)
	q.Read(-1)
	assert.Nil(t, q.buf, "an emptied queue keeps no megabyte buffer")
	q.Write([]byte("small"))
	q.Read(-1)
	assert.NotNil(t, q.buf, "small buffers are kept for the next bytes")
}

// memPair is two frame engines over memory queues, joined by move.
type memPair struct {
	a, b             *Mem
	ea, eb           *frameEngine
	aIn, aOut        *Queue
	bIn, bOut        *Queue
	aToB, bToA, runs int
}

func newMemPair(ack bool) *memPair {
	p := &memPair{aIn: new(Queue), aOut: new(Queue), bIn: new(Queue), bOut: new(Queue)}
	p.ea, p.eb = newFramePair(ack)
	p.a, p.b = NewMem(p.ea, p.aIn, p.aOut), NewMem(p.eb, p.bIn, p.bOut)
	return p
}

// move carries what each end wrote to the other; whether anything moved.
func (p *memPair) move() bool {
	ab, ba := p.aOut.Read(-1), p.bOut.Read(-1)
	p.bIn.Write(ab)
	p.aIn.Write(ba)
	return len(ab)+len(ba) > 0
}

func (p *memPair) handshake(t *testing.T) {
	t.Helper()
	done := [2]bool{}
	for round := 0; round < 10 && !(done[0] && done[1]); round++ {
		for i, m := range []*Mem{p.a, p.b} {
			if done[i] {
				continue
			}
			r, err := m.Run(OpHandshake, nil, true)
			if err != nil {
				require.ErrorIs(t, err, ErrWouldBlock)
				require.Equal(t, WantRead, r.Status)
				continue
			}
			require.Equal(t, Done, r.Status)
			done[i] = true
		}
		p.move()
	}
	require.True(t, done[0] && done[1], "handshake did not finish")
}

func TestMem_HandshakeAndData(t *testing.T) {
	p := newMemPair(false)
	r, err := p.a.Run(OpHandshake, nil, true)
	require.ErrorIs(t, err, ErrWouldBlock, "a handshake without the peer's bytes waits for them")
	assert.Equal(t, WantRead, r.Status)
	assert.Positive(t, p.aOut.Pending(), "the first flight is queued at once")
	p.handshake(t)

	// Larger than one engine call takes: split, and counted whole.
	msg := bytes.Repeat([]byte("0123456789abcdef"), 10000)
	r, err = p.a.Run(OpWrite, msg, true)
	require.NoError(t, err)
	require.Equal(t, Done, r.Status)
	assert.Equal(t, len(msg), r.N)
	assert.Zero(t, r.OutLeft, "everything produced is in the queue")
	p.move()
	var got []byte
	buf := make([]byte, 4096)
	for {
		r, err := p.b.Run(OpRead, buf, false)
		if errors.Is(err, ErrWouldBlock) {
			break
		}
		require.NoError(t, err)
		require.Equal(t, Done, r.Status)
		got = append(got, buf[:r.N]...)
	}
	assert.Equal(t, msg, got)
}

func TestMem_DrainsWhatDoesNotFitOneBuffer(t *testing.T) {
	p := newMemPair(true)
	p.handshake(t)
	// Every data frame read is answered with an acknowledgement: reading
	// a thousand of them produces more than an output buffer holds.
	for i := 0; i < 1000; i++ {
		_, err := p.a.Run(OpWrite, []byte{byte(i)}, true)
		require.NoError(t, err)
	}
	p.move()
	r, err := p.b.Run(OpRead, make([]byte, 2000), false)
	require.NoError(t, err)
	require.Equal(t, 1000, r.N)
	assert.Equal(t, 1000*frameHeader, p.bOut.Pending(), "every acknowledgement reached the outgoing queue")
	assert.Empty(t, p.eb.out, "nothing is left inside the engine")
	fr := &frameReader{r: bytes.NewReader(p.bOut.Read(-1))}
	for i := 0; i < 1000; i++ {
		typ, _, _, err := fr.next()
		require.NoError(t, err, "frame %d", i)
		require.Equal(t, byte('A'), typ)
	}
}

func TestMem_LeavesWhatFollowsTheClose(t *testing.T) {
	p := newMemPair(false)
	p.handshake(t)
	r, err := p.a.Run(OpShutdown, nil, true)
	require.NoError(t, err)
	assert.Zero(t, r.Ret)
	p.bIn.Write(p.aOut.Read(-1))
	p.bIn.Write([]byte("PLAIN"))
	r, err = p.b.Run(OpRead, make([]byte, 10), false)
	require.NoError(t, err)
	assert.Equal(t, Closed, r.Status)
	assert.Equal(t, "PLAIN", string(p.bIn.Read(-1)), "bytes after the close stay the caller's")
}

func TestMem_EndOfInput(t *testing.T) {
	p := newMemPair(false)
	p.handshake(t)
	p.bIn.WriteEOF()
	r, err := p.b.Run(OpRead, make([]byte, 10), false)
	require.NoError(t, err)
	assert.Equal(t, Failed, r.Status)
	assert.ErrorIs(t, r.Err, errPeerEOF, "the engine says the transport ended")
}

// wantsMore is an engine that asks for input no matter what it is given.
type wantsMore struct{}

func (wantsMore) Do(op Op, in []byte, eof bool, buf, out []byte) Result {
	return Result{Status: WantRead, In: len(in)}
}
func (wantsMore) Release() {}

func TestMem_EngineThatIgnoresTheEnd(t *testing.T) {
	in := new(Queue)
	in.Write([]byte("x"))
	in.WriteEOF()
	m := NewMem(wantsMore{}, in, new(Queue))
	r, err := m.Run(OpRead, make([]byte, 1), false)
	require.NoError(t, err)
	assert.Equal(t, Failed, r.Status)
	assert.ErrorIs(t, r.Err, io.ErrUnexpectedEOF)
}

func TestMem_OutputAfterOutgoingEOF(t *testing.T) {
	p := newMemPair(false)
	p.aOut.WriteEOF()
	_, err := p.a.Run(OpHandshake, nil, true)
	require.ErrorIs(t, err, ErrWouldBlock)
	assert.Positive(t, p.aOut.Pending(), "the engine still writes into a queue closed to the caller")
}

func TestMem_WriteThatStallsResumes(t *testing.T) {
	p := newMemPair(false)
	p.handshake(t)
	p.ea.stallWrite = 2 // the second engine call of the write
	msg := bytes.Repeat([]byte("x"), 3*opChunk)
	r, err := p.a.Run(OpWrite, msg, true)
	require.ErrorIs(t, err, ErrWouldBlock)
	assert.Equal(t, WantRead, r.Status)
	assert.Equal(t, opChunk, r.N, "the chunk before the stall is counted")
	r, err = p.a.Run(OpWrite, msg[r.N:], true)
	require.NoError(t, err)
	assert.Equal(t, 2*opChunk, r.N)
	p.move()
	got := 0
	for {
		r, err := p.b.Run(OpRead, make([]byte, 64<<10), false)
		if err != nil {
			break
		}
		got += r.N
	}
	assert.Equal(t, len(msg), got, "nothing encrypted twice, nothing lost")
}

func TestMem_Release(t *testing.T) {
	p := newMemPair(false)
	p.a.Release()
	p.a.Release()
	assert.True(t, p.ea.released)
	_, err := p.a.Run(OpHandshake, nil, true)
	assert.ErrorIs(t, err, ErrReleased)
	assert.ErrorIs(t, p.a.Locked(func(Engine) {}), ErrReleased)
}

// TestMem_SharedQueuesNeverDeadlock runs two Mems whose queues cross (each
// one's incoming queue is the other's outgoing one), and a third whose
// queue serves both ways, from many goroutines at once.
func TestMem_SharedQueuesNeverDeadlock(t *testing.T) {
	q1, q2 := new(Queue), new(Queue)
	ea, eb := newFramePair(true)
	a, b := NewMem(ea, q1, q2), NewMem(eb, q2, q1)
	ec, _ := newFramePair(false)
	same := new(Queue)
	c := NewMem(ec, same, same)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, m := range []*Mem{a, b, c} {
		for _, op := range []Op{OpHandshake, OpRead, OpWrite} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]byte, 100)
				for i := 0; i < 200; i++ {
					m.Run(op, buf, true)
				}
			}()
		}
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Mems sharing queues deadlocked")
	}
}
