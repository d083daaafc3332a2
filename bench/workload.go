// Package bench measures sslctx beside Go's crypto/tls and raw OpenSSL (the
// C reference in bench/cref) on the same workloads: full and resumed
// handshakes, bulk transfer, 1 KiB round trips and the memory an idle
// connection holds, over loopback TCP and over an in-memory pipe.
//
// The workloads are testing.B functions, so `go test -bench` runs them
// (with -benchmem and -cpuprofile) and the table driver in cmd/benchtable
// runs the very same code with testing.Benchmark.
package bench

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"testing"

	"github.com/sslctx/ssl"
	"github.com/sslctx/ssl/internal/golden"
	"github.com/sslctx/ssl/internal/memnet"
	"github.com/sslctx/ssl/openssl"
)

// Impl is a TLS implementation under measurement.
type Impl string

// The Go implementations; the C reference runs as its own program.
const (
	SSLCtx    Impl = "sslctx"
	CryptoTLS Impl = "crypto/tls"
)

// Transport carries the ciphertext.
type Transport string

// The transports.
const (
	TCP Transport = "tcp" // loopback TCP
	Mem Transport = "mem" // an in-memory pipe: TLS and its glue only
)

// Setup is what a workload's contexts are configured with.
type Setup struct {
	Cert    string // "rsa" or "ecdsa"
	Suite   string // "aes128gcm", "chacha20" (TLS 1.3) or "tls12" (ECDHE-RSA-AES128-GCM-SHA256)
	Tickets bool   // the server issues session tickets
}

// ErrNotSupported marks a workload an implementation cannot be set up for.
var ErrNotSupported = errors.New("not supported by this implementation")

func certFiles(s Setup) (string, string) {
	if s.Cert == "ecdsa" {
		return golden.Path("server-ecdsa.pem"), golden.Path("server-ecdsa.key")
	}
	return golden.Path("server-rsa.pem"), golden.Path("server-rsa.key")
}

// sslctxContexts configures this library as cref configures OpenSSL:
// TLS 1.2 at least, X25519, a verifying client, tickets only when asked.
func sslctxContexts(s Setup) (client, server *ssl.Context, err error) {
	if server, err = ssl.NewContext(ssl.ProtocolTLSServer); err != nil {
		return nil, nil, err
	}
	cert, key := certFiles(s)
	if err = server.LoadCertChain(cert, key); err != nil {
		return nil, nil, err
	}
	if client, err = ssl.NewContext(ssl.ProtocolTLSClient); err != nil {
		return nil, nil, err
	}
	if err = client.LoadVerifyLocations(golden.Path("ca.pem"), ""); err != nil {
		return nil, nil, err
	}
	for _, c := range []*ssl.Context{client, server} {
		if err = c.SetECDHCurve("X25519"); err != nil {
			return nil, nil, err
		}
		switch s.Suite {
		case "aes128gcm":
			err = c.SetCipherSuites("TLS_AES_128_GCM_SHA256")
		case "chacha20":
			err = c.SetCipherSuites("TLS_CHACHA20_POLY1305_SHA256")
		case "tls12":
			if err = c.SetMaximumVersion(ssl.TLSv1_2); err == nil {
				err = c.SetCiphers("ECDHE-RSA-AES128-GCM-SHA256")
			}
		}
		if err != nil {
			return nil, nil, err
		}
	}
	if !s.Tickets {
		if err = server.SetNumTickets(0); err == nil {
			err = server.SetOptions(server.Options() | ssl.OpNoTicket)
		}
	} else {
		err = server.SetNumTickets(1)
	}
	return client, server, err
}

func cryptoConfigs(s Setup) (client, server *tls.Config, err error) {
	cert, key := certFiles(s)
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, nil, err
	}
	ca, err := os.ReadFile(golden.Path("ca.pem"))
	if err != nil {
		return nil, nil, err
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca)
	server = &tls.Config{Certificates: []tls.Certificate{pair}, CurvePreferences: []tls.CurveID{tls.X25519},
		MinVersion: tls.VersionTLS12, SessionTicketsDisabled: !s.Tickets}
	client = &tls.Config{RootCAs: roots, ServerName: "localhost", CurvePreferences: []tls.CurveID{tls.X25519},
		MinVersion: tls.VersionTLS12}
	switch s.Suite {
	case "chacha20":
		// crypto/tls chooses TLS 1.3 suites itself.
		return nil, nil, ErrNotSupported
	case "tls12":
		for _, c := range []*tls.Config{client, server} {
			c.MaxVersion = tls.VersionTLS12
			c.CipherSuites = []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}
		}
	}
	return client, server, nil
}

// endpoints is one implementation's pair of ends on one transport.
type endpoints struct {
	listener net.Listener
	dial     func() (net.Conn, error)
	// server wraps an accepted connection; its handshake runs lazily.
	server func(net.Conn) net.Conn
	// client performs a client handshake on conn, resuming sess if given,
	// and returns the connection with its session for later resumption.
	client  func(conn net.Conn, sess any) (net.Conn, error)
	session func(net.Conn) any
	reused  func(net.Conn) bool
	close   func()
}

func newEndpoints(impl Impl, tr Transport, s Setup) (*endpoints, error) {
	e := &endpoints{}
	switch tr {
	case TCP:
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		e.listener = l
		e.dial = func() (net.Conn, error) { return net.Dial("tcp", l.Addr().String()) }
	case Mem:
		l := memnet.NewListener()
		e.listener, e.dial = l, l.Dial
	default:
		return nil, fmt.Errorf("unknown transport %q", tr)
	}
	switch impl {
	case SSLCtx:
		cctx, sctx, err := sslctxContexts(s)
		if err != nil {
			e.listener.Close()
			return nil, err
		}
		e.server = func(c net.Conn) net.Conn {
			sock, err := sctx.WrapSocket(c, ssl.ServerSide(true), ssl.DoHandshakeOnConnect(false))
			if err != nil {
				panic(err)
			}
			return sock
		}
		e.client = func(c net.Conn, sess any) (net.Conn, error) {
			opts := []ssl.WrapOption{ssl.ServerHostname("localhost")}
			if sess != nil {
				opts = append(opts, ssl.ResumeSession(sess.(*ssl.Session)))
			}
			return cctx.WrapSocket(c, opts...)
		}
		e.session = func(c net.Conn) any { return c.(*ssl.Socket).Session() }
		e.reused = func(c net.Conn) bool { return c.(*ssl.Socket).SessionReused() }
		e.close = func() { cctx.Close(); sctx.Close() }
	case CryptoTLS:
		cc, sc, err := cryptoConfigs(s)
		if err != nil {
			e.listener.Close()
			return nil, err
		}
		e.server = func(c net.Conn) net.Conn { return tls.Server(c, sc) }
		e.client = func(c net.Conn, sess any) (net.Conn, error) {
			cfg := cc
			if sess != nil {
				cfg = cc.Clone()
				cfg.ClientSessionCache = sess.(*fixedSessionCache)
			}
			tc := tls.Client(c, cfg)
			return tc, tc.Handshake()
		}
		e.session = func(c net.Conn) any { return nil }
		e.reused = func(c net.Conn) bool { return c.(*tls.Conn).ConnectionState().DidResume }
		e.close = func() {}
	default:
		e.listener.Close()
		return nil, fmt.Errorf("unknown implementation %q", impl)
	}
	return e, nil
}

// fixedSessionCache offers every connection the first session it was
// given, as cref and the sslctx workload do.
type fixedSessionCache struct {
	mu    sync.Mutex
	state *tls.ClientSessionState
}

func (c *fixedSessionCache) Get(string) (*tls.ClientSessionState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state, c.state != nil
}

func (c *fixedSessionCache) Put(_ string, s *tls.ClientSessionState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == nil {
		c.state = s
	}
}

// connect dials the server and runs the client's handshake, offering sess
// for resumption unless it is nil.
func (e *endpoints) connect(sess any) (net.Conn, error) {
	raw, err := e.dial()
	if err != nil {
		return nil, err
	}
	c, err := e.client(raw, sess)
	if err != nil {
		raw.Close()
		return nil, err
	}
	return c, nil
}

// serve runs one accept loop, as cref's server thread does: each
// connection in turn is handled by handle, then closed.
func (e *endpoints) serve(handle func(net.Conn)) (wait func()) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := e.listener.Accept()
			if err != nil {
				return
			}
			tc := e.server(c)
			handle(tc)
			tc.Close()
		}
	}()
	return func() { e.listener.Close(); wg.Wait(); e.close() }
}

func drain(c net.Conn) { _, _ = io.Copy(io.Discard, c) }

func setup(b *testing.B, impl Impl, tr Transport, s Setup) *endpoints {
	b.Helper()
	e, err := newEndpoints(impl, tr, s)
	if errors.Is(err, ErrNotSupported) {
		b.Skipf("%s: %v", impl, err)
	}
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// Handshakes measures full handshakes: each operation connects, completes
// a handshake (the client verifying the server) and closes.
func Handshakes(b *testing.B, impl Impl, tr Transport, cert string) {
	e := setup(b, impl, tr, Setup{Cert: cert})
	stop := e.serve(drain)
	defer stop()
	e.measureHandshakes(b, nil, false)
}

// Resumed measures handshakes that resume, with a TLS 1.3 ticket, the
// session of one first full handshake.
func Resumed(b *testing.B, impl Impl, tr Transport) {
	e := setup(b, impl, tr, Setup{Cert: "rsa", Tickets: true})
	ticketed := false
	stop := e.serve(func(c net.Conn) {
		// One byte after the first handshake, so that the first client
		// reads the ticket that precedes it; later ones only handshake.
		if !ticketed {
			ticketed = true
			if _, err := c.Write([]byte{'x'}); err != nil {
				return
			}
		}
		drain(c)
	})
	defer stop()
	var sess any = &fixedSessionCache{}
	if impl == SSLCtx {
		sess = nil
	}
	first, err := e.connect(sess)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.ReadFull(first, make([]byte, 1)); err != nil {
		b.Fatal(err)
	}
	if impl == SSLCtx {
		sess = e.session(first)
	}
	first.Close()
	e.measureHandshakes(b, sess, true)
}

// measureHandshakes times b.N connections offering sess, each closed once
// its handshake is done (and, with resumed, checked to have resumed sess),
// and reports handshakes per second.
func (e *endpoints) measureHandshakes(b *testing.B, sess any, resumed bool) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := e.connect(sess)
		if err != nil {
			b.Fatal(err)
		}
		if resumed && !e.reused(c) {
			b.Fatal("the session was not resumed")
		}
		c.Close()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
}

// Bulk measures one connection's throughput with writes of chunk bytes;
// the clock stops when the server has read everything.
func Bulk(b *testing.B, impl Impl, tr Transport, suite string, chunk int) {
	e := setup(b, impl, tr, Setup{Cert: "rsa", Suite: suite})
	received := make(chan int64, 1)
	stop := e.serve(func(c net.Conn) {
		n, _ := io.CopyBuffer(onlyWriter{io.Discard}, onlyReader{c}, make([]byte, 16<<10))
		received <- n
	})
	defer stop()
	c, err := e.connect(nil)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, chunk)
	b.SetBytes(int64(chunk))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	c.Close()
	if n := <-received; n != int64(b.N)*int64(chunk) {
		b.Fatalf("the server read %d bytes of %d", n, int64(b.N)*int64(chunk))
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)*float64(chunk)/(1<<20)/b.Elapsed().Seconds(), "MiB/s")
}

// onlyReader and onlyWriter hide WriterTo and ReaderFrom so that
// io.CopyBuffer reads with the buffer it is given, 16 KiB as the C
// reference does: io.Discard's ReadFrom would read 8 KiB at a time.
type onlyReader struct{ io.Reader }

type onlyWriter struct{ io.Writer }

// RoundTrips measures 1 KiB requests answered with 1 KiB on one connection.
func RoundTrips(b *testing.B, impl Impl, tr Transport) {
	e := setup(b, impl, tr, Setup{Cert: "rsa"})
	stop := e.serve(func(c net.Conn) {
		buf := make([]byte, 1024)
		for {
			if _, err := io.ReadFull(c, buf); err != nil {
				return
			}
			if _, err := c.Write(buf); err != nil {
				return
			}
		}
	})
	defer stop()
	c, err := e.connect(nil)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	c.Close()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}

// IdleMemory returns the bytes one idle connection end holds after its
// handshake and one exchange: Go heap plus C heap, over loopback TCP so
// that no transport buffer is counted.
func IdleMemory(impl Impl, n int) (float64, error) {
	// Tickets on, as every context has them by default: a server that
	// issues none keeps each session in its cache instead.
	e, err := newEndpoints(impl, TCP, Setup{Cert: "rsa", Tickets: true})
	if err != nil {
		return 0, err
	}
	defer e.listener.Close()
	defer e.close()
	type pair struct{ client, server net.Conn }
	pairs := make([]pair, 0, n)
	before := heapInUse()
	for i := 0; i < n; i++ {
		raw, err := e.dial()
		if err != nil {
			return 0, err
		}
		accepted, err := e.listener.Accept()
		if err != nil {
			return 0, err
		}
		srv := e.server(accepted)
		done := make(chan error, 1)
		go func() {
			buf := make([]byte, 1)
			_, err := io.ReadFull(srv, buf)
			if err == nil {
				_, err = srv.Write(buf)
			}
			done <- err
		}()
		c, err := e.client(raw, nil)
		if err != nil {
			return 0, err
		}
		if _, err := c.Write([]byte{'x'}); err != nil {
			return 0, err
		}
		if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
			return 0, err
		}
		if err := <-done; err != nil {
			return 0, err
		}
		pairs = append(pairs, pair{c, srv})
	}
	after := heapInUse()
	per := float64(after-before) / float64(2*n)
	for _, p := range pairs {
		p.client.Close()
		p.server.Close()
	}
	runtime.KeepAlive(pairs)
	return per, nil
}

// heapInUse is the live Go heap after a collection plus the C heap.
func heapInUse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	c, _ := openssl.CHeapInUse()
	return int64(m.HeapAlloc) + c
}
