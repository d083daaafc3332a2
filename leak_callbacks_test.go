package ssl

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/openssl"
)

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

	var failures atomic.Int64
	var firstFailure atomic.Value
	var work sync.WaitGroup
	var next atomic.Int64
	for w := 0; w < 8; w++ {
		work.Add(1)
		go func() {
			defer work.Done()
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				kind := sniKinds[int(i)%len(sniKinds)]
				if err := sniClient(l.Addr().String(), cctx, kind.hostname, kind.fails); err != nil {
					if failures.Add(1) == 1 {
						firstFailure.Store(fmt.Sprintf("handshake %d (%q): %v", i, kind.name, err))
					}
				}
			}
		}()
	}
	work.Wait()
	l.Close()
	served()
	if f := failures.Load(); f > 0 {
		t.Errorf("%d of %d handshakes misbehaved; the first: %v", f, n, firstFailure.Load())
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
