package ssl

import "github.com/sslctx/ssl/internal/bio"

// MemoryBIO is a buffer of bytes between an SSLObject and whatever carries
// them to its peer: Python's ssl.MemoryBIO. The caller writes the peer's
// ciphertext into an SSLObject's incoming MemoryBIO and reads what to send
// the peer from its outgoing one. It is safe for concurrent use; the zero
// value is an empty MemoryBIO.
type MemoryBIO struct{ q bio.Queue }

// NewMemoryBIO returns an empty MemoryBIO.
func NewMemoryBIO() *MemoryBIO { return new(MemoryBIO) }

// msgWriteAfterEOF is Python's SSLError for MemoryBIO.write after write_eof.
const msgWriteAfterEOF = "cannot write() after write_eof()"

// Write appends p and returns len(p) (Python's write). After WriteEOF it
// appends nothing, even for an empty p, and returns an *Error with
// Python's message "cannot write() after write_eof()".
func (b *MemoryBIO) Write(p []byte) (int, error) {
	n, err := b.q.Write(p)
	if err != nil {
		return 0, messageError(msgWriteAfterEOF, nil)
	}
	return n, nil
}

// Read removes and returns up to n bytes, or all of them when n is
// negative (Python's read(n) and read()); nil when there are none.
func (b *MemoryBIO) Read(n int) []byte { return b.q.Read(n) }

// WriteEOF marks the end of the stream (Python's write_eof): in an
// incoming MemoryBIO, it tells the SSLObject that the transport has ended,
// once it has read what is left. Write fails from then on.
func (b *MemoryBIO) WriteEOF() { b.q.WriteEOF() }

// EOF reports whether WriteEOF was called and nothing is left to read
// (Python's eof).
func (b *MemoryBIO) EOF() bool { return b.q.EOF() }

// Pending returns how many bytes wait to be read (Python's pending).
func (b *MemoryBIO) Pending() int { return b.q.Pending() }
