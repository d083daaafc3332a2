package ssl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sslctx/ssl/internal/memnet"
)

// Seeds: the corpora under testdata/fuzz/<target> (where the fuzzer also
// leaves the inputs that failed), plus the fixtures and live transcripts
// added below.

// inputDeadline bounds one fuzz input. The fuzzer has no timeout of its
// own: an input that hangs stalls the run, which still ends in PASS. Past
// the deadline watchdog panics, which ends the process, and the fuzzer
// records the input as a crash under testdata/fuzz.
const inputDeadline = 10 * time.Second

func watchdog(t *testing.T) {
	timer := time.AfterFunc(inputDeadline, func() {
		panic(fmt.Sprintf("%s: one input ran for over %v", t.Name(), inputDeadline))
	})
	t.Cleanup(func() { timer.Stop() })
}

// seedFiles adds the certificate fixtures as seeds.
func seedFiles(f *testing.F, pattern string, conv func([]byte) []byte) {
	files, _ := filepath.Glob(td(pattern))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(conv(b))
		}
	}
}

func FuzzDecodeCertDER(f *testing.F) {
	seedFiles(f, "*.der", func(b []byte) []byte { return b })
	for _, dir := range []string{"certs", "edge"} {
		seedFiles(f, dir+"/*.pem", func(b []byte) []byte {
			der, _ := PEMCertToDERCert(string(b))
			return der
		})
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		watchdog(t)
		c, err := DecodeCertDER(der)
		if err != nil {
			checkError(t, err, ErrInvalidArgument)
			return
		}
		if _, err := json.Marshal(c); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzDecodeCertPEM(f *testing.F) {
	seedFiles(f, "*.pem", func(b []byte) []byte { return b })
	seedFiles(f, "certs/*.pem", func(b []byte) []byte { return b })
	f.Fuzz(func(t *testing.T, pem []byte) {
		watchdog(t)
		c, err := DecodeCertPEM(pem)
		if err == nil {
			if _, err := json.Marshal(c); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func FuzzPEMCertToDERCert(f *testing.F) {
	seedFiles(f, "*.pem", func(b []byte) []byte { return b })
	f.Fuzz(func(t *testing.T, pem []byte) {
		watchdog(t)
		der, err := PEMCertToDERCert(string(pem))
		if err != nil {
			if !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("error does not wrap ErrInvalidArgument: %v", err)
			}
			return
		}
		again, err := PEMCertToDERCert(DERCertToPEMCert(der))
		if err != nil || string(again) != string(der) {
			t.Fatalf("DER -> PEM -> DER changed %x into %x (%v)", der, again, err)
		}
	})
}

func FuzzCertTimeToSeconds(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		watchdog(t)
		if _, err := CertTimeToSeconds(s); err != nil && !errors.Is(err, ErrInvalidArgument) {
			t.Fatalf("error does not wrap ErrInvalidArgument: %v", err)
		}
	})
}

func FuzzSetCiphers(f *testing.F) {
	c := fuzzContext(f, ProtocolTLS)
	f.Fuzz(func(t *testing.T, spec string) {
		watchdog(t)
		err := c.SetCiphers(spec)
		switch {
		case err == nil:
			if len(c.GetCiphers()) == 0 {
				t.Fatalf("SetCiphers(%q) accepted a list GetCiphers finds empty", spec)
			}
		case strings.IndexByte(spec, 0) >= 0:
			if !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("NUL byte: %v", err)
			}
		default:
			checkError(t, err)
		}
	})
}

func FuzzMatchHostname(f *testing.F) {
	f.Fuzz(func(t *testing.T, dns, ip, hostname string) {
		watchdog(t)
		c := &Cert{
			Subject:        [][]Attr{{{Name: "commonName", Value: dns}}},
			SubjectAltName: []AltName{{Type: "DNS", Value: dns}, {Type: "IP Address", Value: ip}},
		}
		err := MatchHostname(c, hostname)
		var ce *CertificateError
		if err != nil && !errors.As(err, &ce) && !errors.Is(err, ErrInvalidArgument) {
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
		// An IP address is matched by the IP entry alone, never by the DNS
		// entry or the commonName spelling the same text.
		if host, perr := netip.ParseAddr(hostname); err == nil && perr == nil && host.Zone() == "" {
			san, serr := netip.ParseAddr(strings.TrimRightFunc(ip, pyIsSpace))
			if serr != nil || san != host {
				t.Fatalf("IP %q matched a certificate whose IP entry is %q (DNS %q)", hostname, ip, dns)
			}
		}
	})
}

func FuzzSetCipherSuites(f *testing.F) {
	c := fuzzContext(f, ProtocolTLS)
	f.Fuzz(func(t *testing.T, spec string) {
		watchdog(t)
		checkError(t, c.SetCipherSuites(spec), ErrInvalidArgument)
	})
}

// scriptedConn plays a peer that sends data and then ends; what is written
// to it is recorded.
type scriptedConn struct {
	net.Conn // nil: only the methods below are used
	in       *bytes.Reader
	written  bytes.Buffer
}

func (c *scriptedConn) Read(p []byte) (int, error)       { return c.in.Read(p) }
func (c *scriptedConn) Write(p []byte) (int, error)      { return c.written.Write(p) }
func (c *scriptedConn) Close() error                     { return nil }
func (c *scriptedConn) SetDeadline(time.Time) error      { return nil }
func (c *scriptedConn) SetReadDeadline(time.Time) error  { return nil }
func (c *scriptedConn) SetWriteDeadline(time.Time) error { return nil }

// transcript records what each end of a real handshake sent, as seeds.
func transcript(f *testing.F) (fromClient, fromServer []byte) {
	f.Helper()
	cn, sn := memnet.Pipe()
	cr, sr := &recorder{Conn: cn}, &recorder{Conn: sn}
	done := make(chan error, 1)
	sctx := fuzzServerContext(f)
	go func() {
		s, err := sctx.WrapSocket(sr, ServerSide(true))
		if err == nil {
			s.Write([]byte("x"))
		}
		done <- err
	}()
	c, err := fuzzClientContext(f).WrapSocket(cr, ServerHostname("localhost"))
	if err != nil {
		f.Fatal(err)
	}
	c.Read(make([]byte, 1))
	if err := <-done; err != nil {
		f.Fatal(err)
	}
	return cr.sent.Bytes(), sr.sent.Bytes()
}

type recorder struct {
	net.Conn
	sent bytes.Buffer
}

func (r *recorder) Write(p []byte) (int, error) {
	r.sent.Write(p)
	return r.Conn.Write(p)
}

// fuzzContext is a new Context for proto; a fuzz target cannot run without.
func fuzzContext(f testing.TB, proto Protocol) *Context {
	c, err := NewContext(proto)
	if err != nil {
		f.Fatal(err)
	}
	return c
}

func fuzzServerContext(f testing.TB) *Context {
	c := fuzzContext(f, ProtocolTLSServer)
	if err := c.LoadCertChain(td("server-ecdsa.pem"), td("server-ecdsa.key")); err != nil {
		f.Fatal(err)
	}
	return c
}

func fuzzClientContext(f testing.TB) *Context {
	c := fuzzContext(f, ProtocolTLSClient)
	if err := c.LoadVerifyLocations(td("ca.pem"), ""); err != nil {
		f.Fatal(err)
	}
	return c
}

// checkError accepts what bad input may cause: no error, an *Error, or an
// error wrapping one of allowed; anything else fails t.
func checkError(t *testing.T, err error, allowed ...error) {
	t.Helper()
	var e *Error
	if err == nil || errors.As(err, &e) {
		return
	}
	for _, a := range allowed {
		if errors.Is(err, a) {
			return
		}
	}
	t.Fatalf("unexpected error type %T: %v", err, err)
}

// checkHandshakeError accepts what a hostile peer may cause: an *Error, or
// the end of its data.
func checkHandshakeError(t *testing.T, err error) {
	t.Helper()
	checkError(t, err, io.EOF)
}

// scriptedHandshake wraps a peer that sends data and then ends, and checks
// that the handshake fails, if it does, as a hostile peer may make it fail.
func scriptedHandshake(t *testing.T, c *Context, data []byte, opts ...WrapOption) (*Socket, error) {
	t.Helper()
	watchdog(t)
	s, err := c.WrapSocket(&scriptedConn{in: bytes.NewReader(data)}, opts...)
	checkHandshakeError(t, err)
	return s, err
}

// A server handshake fed arbitrary bytes ends with an error, never a panic
// or a hang.
func FuzzServerHandshake(f *testing.F) {
	fromClient, _ := transcript(f)
	f.Add(fromClient)
	c := fuzzServerContext(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if s, err := scriptedHandshake(t, c, data, ServerSide(true)); err == nil {
			s.Close()
		}
	})
}

// A client handshake fed arbitrary server bytes ends with an error, never
// a panic or a hang; no server can pass verification with replayed bytes.
func FuzzClientHandshake(f *testing.F) {
	_, fromServer := transcript(f)
	f.Add(fromServer)
	c := fuzzClientContext(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if s, err := scriptedHandshake(t, c, data, ServerHostname("localhost")); err == nil {
			s.Close()
			t.Fatal("a handshake completed against replayed or random bytes")
		}
	})
}

// A running session fed a corrupted record reports an error (or, when the
// change cancels out, the data), never a panic or a hang.
func FuzzCorruptedRecords(f *testing.F) {
	cctx, sctx := fuzzClientContext(f), fuzzServerContext(f)
	f.Fuzz(func(t *testing.T, pos uint16, flip byte, msg []byte) {
		watchdog(t)
		if len(msg) == 0 || len(msg) > 4096 {
			return
		}
		cn, sn := memnet.Pipe()
		defer cn.Close()
		defer sn.Close()
		tap := &tapConn{Conn: cn}
		served := make(chan *Socket, 1)
		go func() {
			s, _ := sctx.WrapSocket(sn, ServerSide(true))
			served <- s
		}()
		c, err := cctx.WrapSocket(tap, ServerHostname("localhost"))
		if err != nil {
			t.Fatal(err)
		}
		s := <-served
		if s == nil {
			t.Fatal("server handshake failed")
		}
		tap.capture = true
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		record := tap.captured.Bytes()
		record[int(pos)%len(record)] ^= flip
		go func() {
			sn2 := cn // the client's end: write the altered record into the pipe
			sn2.Write(record)
			sn2.Close()
		}()
		got := make([]byte, len(msg))
		n, err := io.ReadFull(s, got)
		switch {
		case err == nil && !bytes.Equal(got[:n], msg):
			t.Fatalf("a corrupted record was accepted: %q", got[:n])
		case err != nil:
			var e *Error
			if !errors.As(err, &e) && err != io.ErrUnexpectedEOF && err != io.EOF {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
		}
		s.Close()
		c.conn.Release()
	})
}

// tapConn forwards writes until capture is set, then keeps them.
type tapConn struct {
	net.Conn
	capture  bool
	captured bytes.Buffer
}

func (c *tapConn) Write(p []byte) (int, error) {
	if c.capture {
		return c.captured.Write(p)
	}
	return c.Conn.Write(p)
}
