package main

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sslctx/ssl"
	"github.com/sslctx/ssl/internal/lockedbuf"
	"github.com/sslctx/ssl/internal/loopback"
	"github.com/stretchr/testify/require"
)

// waitTimeout bounds every wait of these tests.
const waitTimeout = 10 * time.Second

// td is a file of the repository's test certificates.
func td(name string) string { return "../../testdata/" + name }

// serverOpts configures startServer.
type serverOpts struct {
	cert, key string   // default server-rsa
	alpn      []string // offered by the server
	clientCA  string   // require client certificates from this CA
}

// startServer runs a TLS echo server of the library on 127.0.0.1 until
// the test ends and returns its address.
func startServer(t *testing.T, o serverOpts) string {
	t.Helper()
	l := listenServer(t, o)
	serve(t, l, func(conn net.Conn) {
		conn.SetDeadline(time.Now().Add(waitTimeout))
		io.Copy(conn, conn)
	})
	return l.Addr().String()
}

// listenServer listens on 127.0.0.1 with a server Context configured by o;
// the Context is closed when the test ends.
func listenServer(t *testing.T, o serverOpts) net.Listener {
	t.Helper()
	if o.cert == "" {
		o.cert, o.key = td("server-rsa.pem"), td("server-rsa.key")
	}
	c, err := ssl.NewContext(ssl.ProtocolTLSServer)
	require.NoError(t, err)
	require.NoError(t, c.LoadCertChain(o.cert, o.key))
	if len(o.alpn) > 0 {
		require.NoError(t, c.SetALPNProtocols(o.alpn))
	}
	if o.clientCA != "" {
		require.NoError(t, c.LoadVerifyLocations(o.clientCA, ""))
		require.NoError(t, c.SetVerifyMode(ssl.CertRequired))
	}
	l, err := ssl.Listen("tcp", "127.0.0.1:0", c)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return l
}

// startSilent runs a TCP server that accepts connections and never answers.
func startSilent(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	serve(t, l, nil)
	return l.Addr().String()
}

// serve hands each connection l accepts to handle (nil: keeps it open
// unanswered) until the test ends, then closes everything and waits.
var serve = loopback.Serve

// clientContext trusts the test CA and checks hostnames.
func clientContext(t *testing.T) *ssl.Context {
	t.Helper()
	c, err := ssl.NewContext(ssl.ProtocolTLSClient)
	require.NoError(t, err)
	require.NoError(t, c.LoadVerifyLocations(td("ca.pem"), ""))
	t.Cleanup(func() { c.Close() })
	return c
}

// fastReplies makes connect -send stop waiting for more of a reply sooner.
func fastReplies(t *testing.T) {
	old := replySilence
	replySilence = 300 * time.Millisecond
	t.Cleanup(func() { replySilence = old })
}

// served is a `serve` command running in the background.
type served struct {
	addr  string
	lines chan string // what it prints, line by line
	code  chan int    // its exit code
	errs  *lockedbuf.Buffer
}

// startServe runs `sslctx serve` with args, waits for its "listening on"
// line and returns its address. The test fails if it has not exited by
// the end of the test.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	pr, pw := io.Pipe()
	s := &served{lines: make(chan string, 100), code: make(chan int, 1), errs: &lockedbuf.Buffer{}}
	go func() {
		code := run(append([]string{"serve"}, args...), pw, s.errs)
		pw.Close()
		s.code <- code
	}()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
		io.Copy(io.Discard, pr)
	}()
	first := s.nextLine(t)
	require.True(t, strings.HasPrefix(first, "listening on "), "first line %q, stderr %q", first, s.errs.String())
	s.addr = strings.TrimPrefix(first, "listening on ")
	t.Cleanup(func() {
		select {
		case <-s.code:
		case <-time.After(waitTimeout):
			t.Error("serve did not exit")
		}
	})
	return s
}

// nextLine returns the next line serve prints.
func (s *served) nextLine(t *testing.T) string {
	t.Helper()
	select {
	case line, ok := <-s.lines:
		if !ok {
			t.Fatal("serve exited")
		}
		return line
	case <-time.After(waitTimeout):
		t.Fatal("no line from serve")
	}
	return ""
}

// exitCode waits for serve to exit.
func (s *served) exitCode(t *testing.T) int {
	t.Helper()
	select {
	case code := <-s.code:
		s.code <- code
		return code
	case <-time.After(waitTimeout):
		t.Fatal("serve did not exit")
	}
	return -1
}
