package conformance_test

import (
	"bufio"
	"io"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl"
	"github.com/sslctx/ssl/internal/testpeer"
)

// A client that asks our TLS 1.2 server to renegotiate (s_client's "R") is
// refused, as OpenSSL 3 refuses client-initiated renegotiation by default:
// our server answers with a no_renegotiation alert, and s_client, whose
// renegotiation failed, ends the connection with a handshake_failure
// alert, which is what our server's Read reports.
func TestRenegotiation_ClientInitiatedIsRefused(t *testing.T) {
	c := testServer(t)
	addr, results := listen(t, c)
	p := testpeer.StartClient(t, addr, "-tls1_2", "-CAfile", td("ca.pem"), "-servername", "localhost")
	res := next(t, results)
	require.NoError(t, res.err)
	defer res.sock.Close()
	_, ok := p.WaitFor(regexp.MustCompile(`Verify return code: 0`), testpeer.RunTimeout)
	require.True(t, ok, p.Output())

	require.NoError(t, p.Send("R\n"))
	_, ok = p.WaitFor(regexp.MustCompile(`RENEGOTIATING`), testpeer.RunTimeout)
	require.True(t, ok, p.Output())
	res.sock.SetReadDeadline(time.Now().Add(testpeer.RunTimeout))
	_, err := res.sock.Read(make([]byte, 10))
	var e *ssl.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "SSLV3_ALERT_HANDSHAKE_FAILURE", e.Reason, "s_client gave up:\n%s", p.Output())
}

// A TLS 1.2 server that renegotiates (s_server's "R") is followed by our
// client: the new handshake runs inside Read, and data flows on.
func TestRenegotiation_ServerInitiatedIsFollowed(t *testing.T) {
	srv := testpeer.StartServer(t, append(serverCertArgs(), "-tls1_2")...)
	c := testClient(t)
	s, err := dialWith(c, srv.Addr)
	require.NoError(t, err)
	defer s.Close()
	s.SetDeadline(time.Now().Add(testpeer.RunTimeout))
	_, err = io.WriteString(s, "hello before\n")
	require.NoError(t, err)
	_, ok := srv.WaitFor(regexp.MustCompile(`hello before`), testpeer.RunTimeout)
	require.True(t, ok, srv.Output())

	lines := make(chan string, 1)
	go func() {
		line, err := bufio.NewReader(s).ReadString('\n')
		if err != nil {
			line = err.Error()
		}
		lines <- line
	}()
	require.NoError(t, srv.Send("R\n"))
	// The blocked Read follows the renegotiation; s_server takes a command
	// only when it comes alone, so the data waits until it is done.
	deadline := time.Now().Add(testpeer.RunTimeout)
	for c.SessionStats()["connect_renegotiate"] == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	require.Equal(t, 1, c.SessionStats()["connect_renegotiate"], "our client renegotiated:\n%s", srv.Output())
	require.NoError(t, srv.Send("after renegotiation\n"))
	assert.Equal(t, "after renegotiation\n", <-lines)
	_, err = io.WriteString(s, "client after\n")
	require.NoError(t, err)
	_, ok = srv.WaitFor(regexp.MustCompile(`client after`), testpeer.RunTimeout)
	assert.True(t, ok, srv.Output())
}
