// Package conformance_test drives this library against OpenSSL's own
// reference peers, openssl s_server and openssl s_client, on 127.0.0.1.
// docs/conformance/<series>.md holds the expected outcome of every cell on
// that OpenSSL series; the tests assert exactly the document of the series
// they run on.
package conformance_test

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl"
	"github.com/sslctx/ssl/internal/golden"
	"github.com/sslctx/ssl/internal/testpeer"
)

var td = golden.Path

func TestMain(m *testing.M) {
	if _, err := os.Stat(docPath); err != nil {
		fmt.Fprintf(os.Stderr, "conformance: no document for OpenSSL %s (%v); produce one with "+
			"SSLCTX_UPDATE_CONFORMANCE=1 go test ./internal/conformance and review it\n", ssl.OpenSSLVersion, err)
		os.Exit(1)
	}
	code := m.Run()
	// go test shows this only with -v or -json, or when the package fails.
	fmt.Printf("conformance: %d of %d table cells matched\n", cellsMatched.Load(), cellsChecked.Load())
	os.Exit(code)
}

// serverCertArgs makes s_server present the RSA test certificate.
func serverCertArgs() []string {
	return []string{"-cert", td("server-rsa.pem"), "-key", td("server-rsa.key")}
}

// outcome words the result of a handshake for the tables: the negotiated
// version, or ✗ and what failed.
func outcome(version string, err error) string {
	if err == nil {
		return version
	}
	var e *ssl.Error
	switch {
	case errors.Is(err, ssl.ErrUnsupportedProtocol):
		return "✗ unsupported"
	case errors.Is(err, ssl.ErrInvalidArgument):
		return "✗ invalid"
	case errors.As(err, &e) && e.Reason != "":
		return "✗ " + e.Reason
	case errors.As(err, &e):
		return "✗ " + e.Message
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "✗ timeout"
	}
	return "✗ " + err.Error()
}

// contextFor builds the Context a row label describes:
// "ProtocolTLS + OpNoTLSv1_3 + min TLSv1_2 + max TLSv1_3".
func contextFor(label string, server bool) (*ssl.Context, error) {
	parts := strings.Split(label, " + ")
	protocols := map[string]ssl.Protocol{
		"ProtocolTLS": ssl.ProtocolTLS, "ProtocolSSLv2": ssl.ProtocolSSLv2, "ProtocolSSLv3": ssl.ProtocolSSLv3,
		"ProtocolTLSv1": ssl.ProtocolTLSv1, "ProtocolTLSv1_1": ssl.ProtocolTLSv1_1, "ProtocolTLSv1_2": ssl.ProtocolTLSv1_2,
		"ProtocolTLSClient": ssl.ProtocolTLSClient, "ProtocolTLSServer": ssl.ProtocolTLSServer,
	}
	p, ok := protocols[parts[0]]
	if !ok {
		return nil, fmt.Errorf("unknown protocol %q in row %q", parts[0], label)
	}
	c, err := ssl.NewContext(p)
	if err != nil {
		return nil, err
	}
	options := map[string]ssl.Options{"OpNoTLSv1": ssl.OpNoTLSv1, "OpNoTLSv1_1": ssl.OpNoTLSv1_1,
		"OpNoTLSv1_2": ssl.OpNoTLSv1_2, "OpNoTLSv1_3": ssl.OpNoTLSv1_3}
	versions := map[string]ssl.TLSVersion{"TLSv1_0": ssl.TLSv1_0, "TLSv1_1": ssl.TLSv1_1, "TLSv1_2": ssl.TLSv1_2, "TLSv1_3": ssl.TLSv1_3}
	for _, mod := range parts[1:] {
		switch {
		case options[mod] != 0:
			err = c.SetOptions(c.Options() | options[mod])
		case strings.HasPrefix(mod, "min ") && versions[mod[4:]] != 0:
			err = c.SetMinimumVersion(versions[mod[4:]])
		case strings.HasPrefix(mod, "max ") && versions[mod[4:]] != 0:
			err = c.SetMaximumVersion(versions[mod[4:]])
		default:
			err = fmt.Errorf("unknown modifier %q in row %q", mod, label)
		}
		if err != nil {
			return nil, err
		}
	}
	if server {
		err = c.LoadCertChain(td("server-rsa.pem"), td("server-rsa.key"))
	} else {
		err = c.LoadVerifyLocations(td("ca.pem"), "")
		if err == nil {
			err = c.SetVerifyMode(ssl.CertRequired)
		}
	}
	return c, err
}

// dialWith connects to addr with c and performs the handshake, bounded.
func dialWith(c *ssl.Context, addr string, opts ...ssl.WrapOption) (*ssl.Socket, error) {
	conn, err := net.DialTimeout("tcp", addr, testpeer.StartTimeout)
	if err != nil {
		return nil, err
	}
	bound(conn)
	s, err := c.WrapSocket(conn, append([]ssl.WrapOption{ssl.ServerHostname("localhost")}, opts...)...)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Time{})
	return s, nil
}

// dialBounded is dialWith for a test that goes on to use the connection:
// it fails the test if the dial or handshake does, and bounds what follows.
func dialBounded(t *testing.T, c *ssl.Context, addr string, opts ...ssl.WrapOption) *ssl.Socket {
	t.Helper()
	s, err := dialWith(c, addr, opts...)
	require.NoError(t, err)
	bound(s)
	return s
}

// bound makes every read and write on conn end within RunTimeout from now:
// no wait of these tests is left without a limit.
func bound(conn net.Conn) { conn.SetDeadline(time.Now().Add(testpeer.RunTimeout)) }

// served is what our server made of one connection: the socket and the
// result of its handshake.
type served struct {
	sock *ssl.Socket
	err  error
	wait error // no connection came: a failure of the test, not of the wrap
}

// listen runs our server with c (and opts) on a fresh loopback listener:
// every connection is wrapped and its handshake performed, and what came of
// it is sent on results.
func listen(t *testing.T, c *ssl.Context, opts ...ssl.WrapOption) (addr string, results <-chan served) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	opts = append([]ssl.WrapOption{ssl.ServerSide(true)}, opts...)
	ch := make(chan served, 16)
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				close(ch)
				return
			}
			bound(conn)
			s, err := c.WrapSocket(conn, opts...)
			ch <- served{sock: s, err: err}
		}
	}()
	return l.Addr().String(), ch
}

// next waits for the next connection's result, bounded.
func next(t *testing.T, results <-chan served) served {
	t.Helper()
	r := tryNext(results)
	require.NoError(t, r.wait)
	return r
}

// tryNext is next for goroutines other than the test's, which must not
// fail the test: a connection that never came is in wait.
func tryNext(results <-chan served) served {
	select {
	case r, ok := <-results:
		if !ok {
			return served{wait: errors.New("listener closed")}
		}
		return r
	case <-time.After(testpeer.RunTimeout):
		return served{wait: errors.New("no connection reached our server")}
	}
}

// writeTemp writes data to a file in the test's temporary directory.
func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}
