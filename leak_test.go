package ssl

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/openssl"
)

// resources counts what a connection may leak.
type resources struct {
	ctx, ssl, bio int64
	fds           int
	goroutines    int
}

func (r resources) String() string {
	return fmt.Sprintf("SSL_CTX %d, SSL %d, BIO %d, fds %d, goroutines %d", r.ctx, r.ssl, r.bio, r.fds, r.goroutines)
}

func countResources(t *testing.T) resources {
	t.Helper()
	var r resources
	r.ctx, r.ssl, r.bio = openssl.LiveObjects()
	fds, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	r.fds = len(fds)
	r.goroutines = runtime.NumGoroutine()
	return r
}

// settle collects garbage until the counts return to base, or the deadline.
func settle(t *testing.T, base resources) resources {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		runtime.GC()
		now := countResources(t)
		if (now.ctx <= base.ctx && now.ssl <= base.ssl && now.bio <= base.bio &&
			now.fds <= base.fds && now.goroutines <= base.goroutines) || time.Now().After(deadline) {
			return now
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// quiesce collects garbage until the counts stop falling, so that objects
// earlier tests left to their cleanups are not taken for this test's: a
// cleanup runs some time after the collection that found its object.
func quiesce(t *testing.T) resources {
	t.Helper()
	prev := countResources(t)
	for stable, deadline := 0, time.Now().Add(10*time.Second); stable < 3 && time.Now().Before(deadline); {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
		now := countResources(t)
		if now == prev {
			stable++
		} else {
			stable = 0
		}
		prev = now
	}
	return prev
}

// connectionKinds are the ways a connection ends.
var connectionKinds = []string{"clean close", "ragged close", "failed handshake", "unwrap", "abandoned"}

// Ten thousand connections that end in every way: afterwards every
// SSL_CTX, SSL and BIO is freed, every file descriptor closed and every
// goroutine gone.
func TestLeaks_TenThousandConnections(t *testing.T) {
	const total = 10000
	n := total
	if testing.Short() {
		n = 1000
	}
	base := quiesce(t)

	sctx, err := NewContext(ProtocolTLSServer)
	require.NoError(t, err)
	require.NoError(t, sctx.LoadCertChain(td("server-ecdsa.pem"), td("server-ecdsa.key")))
	good, err := NewContext(ProtocolTLSClient)
	require.NoError(t, err)
	require.NoError(t, good.LoadVerifyLocations(td("ca.pem"), ""))
	wrongCA, err := NewContext(ProtocolTLSClient)
	require.NoError(t, err)
	require.NoError(t, wrongCA.LoadVerifyLocations(td("ca2.pem"), ""))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := acceptEach(l, func(conn net.Conn) { serveKind(conn, sctx) })

	failures, first := runJobs(8, n, func(i int) error {
		kind := i % len(connectionKinds)
		if err := clientKind(l.Addr().String(), kind, good, wrongCA); err != nil {
			return fmt.Errorf("connection %d (%s): %w", i, connectionKinds[kind], err)
		}
		return nil
	})
	l.Close()
	served()
	if failures > 0 {
		t.Errorf("%d of %d connections misbehaved; the first: %v", failures, n, first)
	}
	require.NoError(t, sctx.Close())
	require.NoError(t, good.Close())
	require.NoError(t, wrongCA.Close())

	after := settle(t, base)
	t.Logf("%d connections; before: %v; after: %v", n, base, after)
	assert.Equal(t, base.ctx, after.ctx, "SSL_CTX objects")
	assert.Equal(t, base.ssl, after.ssl, "SSL objects")
	assert.Equal(t, base.bio, after.bio, "BIO objects")
	assert.LessOrEqual(t, after.fds, base.fds, "file descriptors")
	assert.LessOrEqual(t, after.goroutines, base.goroutines, "goroutines")
}

// serveKind is the server end: it learns the kind from the first byte.
func serveKind(conn net.Conn, c *Context) {
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	s, err := c.WrapSocket(conn, ServerSide(true))
	if err != nil {
		return // the failed-handshake kind; WrapSocket closed conn
	}
	kind := make([]byte, 1)
	if _, err := io.ReadFull(s, kind); err != nil {
		s.Close()
		return
	}
	switch connectionKinds[kind[0]] {
	case "clean close":
		s.Write(kind)
		io.Copy(io.Discard, s)
		s.Close()
	case "ragged close":
		s.Write(kind)
		s.NetConn().Close() // no close_notify
		s.Close()
	case "unwrap":
		s.Write(kind)
		if plain, err := s.Unwrap(); err == nil {
			plain.Close()
		} else {
			s.Close()
		}
	case "abandoned":
		s.Write(kind)
		// Dropped without Close: the collector must free it all.
	}
}

func clientKind(addr string, kind int, good, wrongCA *Context) error {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return err
	}
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	c := good
	if connectionKinds[kind] == "failed handshake" {
		c = wrongCA
	}
	s, err := c.WrapSocket(conn, ServerHostname("localhost"))
	if connectionKinds[kind] == "failed handshake" {
		if err == nil {
			s.Close()
			return fmt.Errorf("a server from another CA was accepted")
		}
		return nil // WrapSocket closed conn
	}
	if err != nil {
		return err
	}
	if _, err := s.Write([]byte{byte(kind)}); err != nil {
		s.Close()
		return err
	}
	if _, err := io.ReadFull(s, make([]byte, 1)); err != nil {
		s.Close()
		return err
	}
	switch connectionKinds[kind] {
	case "clean close":
		return s.Close()
	case "ragged close":
		_, err = s.Read(make([]byte, 1))
		s.Close()
		if err != io.EOF {
			return fmt.Errorf("ragged close read %v, want io.EOF (suppressed)", err)
		}
		return nil
	case "unwrap":
		plain, err := s.Unwrap()
		if err != nil {
			s.Close()
			return err
		}
		return plain.Close()
	case "abandoned":
		// Dropped without Close.
		return nil
	}
	return nil
}

// Close and Unwrap free the SSL object and its BIOs themselves, at once:
// the garbage collector's cleanup is only for Sockets nobody closed, and
// must not be what frees the others.
func TestLeaks_CloseAndUnwrapFreeAtOnce(t *testing.T) {
	base := quiesce(t)
	live := func() resources {
		var r resources
		_, r.ssl, r.bio = openssl.LiveObjects()
		return r
	}
	cctx, sctx := testClientContext(t), testServerContext(t)

	c, s := connected(t, cctx, sctx)
	require.Equal(t, base.ssl+2, live().ssl, "two connection ends")
	require.NoError(t, c.Close())
	require.NoError(t, s.Close())
	assert.Equal(t, base.ssl, live().ssl, "SSL objects after Close")
	assert.Equal(t, base.bio, live().bio, "BIO objects after Close")
	runtime.KeepAlive(c)
	runtime.KeepAlive(s)

	c, s = connected(t, cctx, sctx)
	unwrapped := make(chan error, 1)
	go func() {
		_, err := s.Unwrap()
		unwrapped <- err
	}()
	_, err := c.Unwrap()
	require.NoError(t, err)
	require.NoError(t, <-unwrapped)
	assert.Equal(t, base.ssl, live().ssl, "SSL objects after Unwrap")
	assert.Equal(t, base.bio, live().bio, "BIO objects after Unwrap")
	runtime.KeepAlive(c)
	runtime.KeepAlive(s)
}

// The module-level WrapSocket's own Context is freed at once when the
// wrap fails, not left to the garbage collector.
func TestLeaks_FailedLegacyWrapFreesItsContext(t *testing.T) {
	cn, _ := tcpPair(t)
	// Earlier tests' unclosed Contexts are collected first, so that only
	// this test's own can change the count.
	base := quiesce(t)
	_, err := WrapSocket(cn, CertFile(td("missing.pem")))
	require.ErrorIs(t, err, fs.ErrNotExist)
	_, err = WrapSocket(cn, Ciphers("NO-SUCH-CIPHER"))
	require.Error(t, err)
	after, _, _ := openssl.LiveObjects()
	assert.Equal(t, base.ctx, after, "SSL_CTX objects")
}

// sniKinds are what a client of the SNI leak test asks for, and what the
// server's callback does about it.
var sniKinds = []struct {
	name     string // sent as SNI; "" sends none (an IP address)
	hostname string
	fails    bool // the callback refuses it
}{
	{"localhost", "localhost", false},          // moved to the ECDSA context
	{"other.example", "other.example", false},  // moved to server-other's
	{"", "127.0.0.1", false},                   // no name: the default context
	{"nobody.example", "nobody.example", true}, // AlertError
	{"panic.example", "panic.example", true},   // the callback panics
}

// Ten thousand handshakes through an SNI callback that switches contexts,
// refuses names with an alert, and panics: afterwards every SSL_CTX, SSL,
// BIO and callback record is freed, every file descriptor closed and every
// goroutine gone. The server also logs keys, so its key log stays one open
// file until its Context is freed.
func TestLeaks_SNICallbackTenThousandHandshakes(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	base := quiesce(t)
	baseRecords, baseKeylogs := openssl.LiveCallbackObjects()

	srv := newSNIServer(t)
	require.NoError(t, srv.ctx.SetKeylogFilename(t.TempDir()+"/keys"))
	require.NoError(t, srv.ctx.SetSNICallback(func(s *Socket, name string, c *Context) error {
		srv.calls.Add(1)
		switch name {
		case "":
			return nil
		case "panic.example":
			panic("refusing " + name)
		}
		other, ok := srv.byName[name]
		if !ok {
			return AlertError{Description: AlertDescriptionUnrecognizedName}
		}
		return s.SetContext(other)
	}))
	cctx := testClientContext(t)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := acceptEach(l, func(conn net.Conn) {
		conn.SetDeadline(time.Now().Add(20 * time.Second))
		s, err := srv.ctx.WrapSocket(conn, ServerSide(true))
		if err != nil {
			return // WrapSocket closed conn
		}
		s.Write([]byte("x"))
		io.Copy(io.Discard, s)
		s.Close()
	})

	failures, first := runJobs(8, n, func(i int) error {
		kind := sniKinds[i%len(sniKinds)]
		if err := sniClient(l.Addr().String(), cctx, kind.hostname, kind.fails); err != nil {
			return fmt.Errorf("handshake %d (%q): %w", i, kind.name, err)
		}
		return nil
	})
	l.Close()
	served()
	if failures > 0 {
		t.Errorf("%d of %d handshakes misbehaved; the first: %v", failures, n, first)
	}
	assert.EqualValues(t, n, srv.calls.Load(), "one callback call per handshake")
	_, keylogs := openssl.LiveCallbackObjects()
	assert.Equal(t, baseKeylogs+1, keylogs, "the server's key log, open")
	require.NoError(t, srv.ctx.Close())
	for _, c := range srv.byName {
		require.NoError(t, c.Close())
	}
	require.NoError(t, cctx.Close())

	after := settle(t, base)
	records, keylogs := openssl.LiveCallbackObjects()
	t.Logf("%d handshakes; before: %v; after: %v; callback records %d -> %d", n, base, after, baseRecords, records)
	assert.Equal(t, base.ctx, after.ctx, "SSL_CTX objects")
	assert.Equal(t, base.ssl, after.ssl, "SSL objects")
	assert.Equal(t, base.bio, after.bio, "BIO objects")
	assert.Equal(t, baseRecords, records, "per-SSL callback records")
	assert.Equal(t, baseKeylogs, keylogs, "open key logs")
	assert.LessOrEqual(t, after.fds, base.fds, "file descriptors")
	assert.LessOrEqual(t, after.goroutines, base.goroutines, "goroutines")
}

// sniClient runs one handshake asking for hostname; fails says the server
// refuses it.
func sniClient(addr string, c *Context, hostname string, fails bool) error {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return err
	}
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	s, err := c.WrapSocket(conn, ServerHostname(hostname))
	if fails {
		if err == nil {
			s.Close()
			return errors.New("the server accepted a name its callback refuses")
		}
		return nil
	}
	if err != nil {
		return err
	}
	defer s.Close()
	_, err = io.ReadFull(s, make([]byte, 1))
	return err
}
