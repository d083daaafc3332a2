package ssl

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/openssl"
)

// loadAsync runs LoadCertChainWithPassword of the encrypted test key on
// another goroutine and hands back its result.
func loadAsync(c *Context, password func() ([]byte, error)) <-chan error {
	done := make(chan error, 1)
	go func() { done <- c.LoadCertChainWithPassword(td("keycert-enc.pem"), "", password) }()
	return done
}

// A password callback may use its own Context: Python runs it with no lock
// of the context held, and so do we.
func TestLoadCertChainWithPassword_CallbackUsesItsContext(t *testing.T) {
	c := serverCtx(t)
	pw := readTD(t, "PASSWORD")
	var seen Options
	done := loadAsync(c, func() ([]byte, error) {
		seen = c.Options()
		require.NoError(t, c.SetOptions(seen|OpNoTicket), "a setter from inside the callback")
		return pw, nil
	})
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("LoadCertChainWithPassword deadlocked: its callback could not read the Context")
	}
	assert.NotZero(t, seen)
	assert.Equal(t, seen|OpNoTicket, c.Options())
}

// While a callback waits (for a user typing a passphrase, say), the
// Context's sockets go on handshaking.
func TestLoadCertChainWithPassword_SocketsProceedDuringCallback(t *testing.T) {
	sctx := testServerContext(t)
	entered, release := make(chan struct{}), make(chan struct{})
	pw := readTD(t, "PASSWORD")
	done := loadAsync(sctx, func() ([]byte, error) {
		close(entered)
		<-release
		return pw, nil
	})
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the password callback never ran")
	}
	cctx := testClientContext(t)
	cn, sn := tcpPair(t)
	deadline := time.Now().Add(20 * time.Second)
	cn.SetDeadline(deadline)
	sn.SetDeadline(deadline)
	// The wraps run on goroutines that only report: WrapSocket blocked on
	// the Context before the fix, where no deadline reaches it.
	wrapped := make(chan endResult, 2)
	for _, end := range []struct {
		ctx  *Context
		conn net.Conn
		opts []WrapOption
	}{{cctx, cn, []WrapOption{ServerHostname("localhost")}}, {sctx, sn, []WrapOption{ServerSide(true)}}} {
		go func() {
			s, err := end.ctx.WrapSocket(end.conn, end.opts...)
			wrapped <- endResult{s, err}
		}()
	}
	for i := 0; i < 2; i++ {
		select {
		case r := <-wrapped:
			require.NoError(t, r.err, "a handshake while a password callback blocks")
			r.sock.Close()
		case <-time.After(25 * time.Second):
			t.Fatal("no handshake on the Context while its password callback blocks")
		}
	}
	close(release)
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("LoadCertChainWithPassword did not return after its callback did")
	}
}

type passwordPanic struct{}

// A callback that panics never unwinds through OpenSSL: the panic reaches
// the caller after the C call has freed what it opened (the key file's BIO
// and descriptor), and the Context is left as it was and usable.
func TestLoadCertChainWithPassword_PanicLeaksNothing(t *testing.T) {
	c := serverCtx(t)
	panicOnce := func() {
		defer func() {
			assert.Equal(t, passwordPanic{}, recover(), "the callback's own panic value reaches the caller")
		}()
		c.LoadCertChainWithPassword(td("keycert-enc.pem"), "", func() ([]byte, error) { panic(passwordPanic{}) })
		t.Error("LoadCertChainWithPassword returned after its callback panicked")
	}
	// OpenSSL fills caches (decoders, error strings) the first time.
	for i := 0; i < 5; i++ {
		panicOnce()
	}
	base := quiesce(t)
	heap, heapOK := openssl.CHeapInUse()
	const n = 200
	for i := 0; i < n; i++ {
		panicOnce()
	}
	now := settle(t, base)
	assert.Equal(t, base.fds, now.fds, "file descriptors: %v, before %v", now, base)
	assert.Equal(t, base.bio, now.bio, "BIOs: %v, before %v", now, base)
	assert.Equal(t, base.ctx, now.ctx, "SSL_CTXs: %v, before %v", now, base)
	if after, ok := openssl.CHeapInUse(); ok && heapOK {
		// The old code lost some 18 KiB (a file BIO and its buffers) per
		// panic; loads that do not panic move the heap by about 1 KiB each
		// (OpenSSL's caches, the allocator), hence the margin. make
		// leakcheck is the exact check.
		assert.Less(t, after-heap, int64(n*4096), "C heap grew by %d bytes over %d panics", after-heap, n)
		t.Logf("C heap grew by %d bytes over %d panics", after-heap, n)
	}
	// The Context still asks the right callback.
	require.NoError(t, c.LoadCertChainWithPassword(td("keycert-enc.pem"), "", func() ([]byte, error) {
		return readTD(t, "PASSWORD"), nil
	}))
}
