package ssl

import (
	"errors"
	"io"
	"testing"
)

// An SSLObject fed arbitrary bytes, in pieces of arbitrary size, answers
// every call with data, io.EOF, ErrWantRead or an *Error: never a panic
// or a hang, never ErrWantRead once its input has ended and been read,
// and, as a client, never a completed handshake with replayed or random
// server bytes.
func FuzzSSLObject(f *testing.F) {
	fromClient, fromServer := transcript(f)
	f.Add(fromClient, uint16(0), false)
	f.Add(fromClient, uint16(5), false)
	f.Add(fromServer, uint16(0), true)
	f.Add(fromServer, uint16(100), true)
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"), uint16(1), false)
	cctx, sctx := fuzzClientContext(f), fuzzServerContext(f)
	f.Fuzz(func(t *testing.T, data []byte, piece uint16, client bool) {
		watchdog(t)
		in, out := NewMemoryBIO(), NewMemoryBIO()
		var o *SSLObject
		var err error
		if client {
			o, err = cctx.WrapBIO(in, out, ServerHostname("localhost"))
		} else {
			o, err = sctx.WrapBIO(in, out, ServerSide(true))
		}
		if err != nil {
			t.Fatal(err)
		}
		check := func(op string, err error) {
			t.Helper()
			var e *Error
			switch {
			case err == nil || err == io.EOF:
			case !errors.As(err, &e):
				t.Fatalf("%s: unexpected error type %T: %v", op, err, err)
			case errors.Is(err, ErrWantRead) && in.EOF():
				t.Fatalf("%s: ErrWantRead after the end of the input", op)
			}
		}
		size := len(data)
		if piece > 0 {
			size = int(piece)
		}
		buf := make([]byte, 512)
		for start := 0; ; start += size {
			chunk := data[min(start, len(data)):min(start+size, len(data))]
			in.Write(chunk)
			last := start+size >= len(data)
			if last {
				in.WriteEOF()
			}
			err := o.DoHandshake()
			if client && err == nil {
				t.Fatal("a client handshake completed against replayed or random bytes")
			}
			check("DoHandshake", err)
			_, err = o.Read(buf)
			check("Read", err)
			out.Read(-1)
			if last {
				break
			}
		}
		_, err = o.Write([]byte("x"))
		check("Write", err)
		check("Unwrap", o.Unwrap())
		o.Version()
		o.Cipher()
		o.Pending()
		o.GetPeerCert()
		o.GetChannelBinding("tls-unique")
	})
}
