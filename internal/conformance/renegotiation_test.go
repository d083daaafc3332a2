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
// answered as OpenSSL's own s_server answers it on the same OpenSSL, with
// default options on both: OpenSSL 3 refuses client-initiated
// renegotiation by default (our server sends a no_renegotiation alert, and
// s_client, whose renegotiation failed, ends the connection with a
// handshake_failure alert, which our server's Read reports); 1.1.1 allows
// it, and data flows on after the new handshake (CPython 3.9 on 1.1.1w
// does the same).
func TestRenegotiation_ClientInitiated(t *testing.T) {
	allowed := sServerAllowsClientRenegotiation(t)

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
	// The server takes part in the new handshake only inside Read.
	res.sock.SetReadDeadline(time.Now().Add(testpeer.RunTimeout))
	type readResult struct {
		line string
		err  error
	}
	read := make(chan readResult, 1)
	go func() {
		line, err := bufio.NewReader(res.sock).ReadString('\n')
		read <- readResult{line, err}
	}()
	if allowed {
		// s_client verifies the new handshake's certificate again before
		// it reads more input.
		_, ok = p.WaitFor(regexp.MustCompile(`(?s)RENEGOTIATING.*verify return:1`), testpeer.RunTimeout)
		require.True(t, ok, p.Output())
		require.NoError(t, p.Send("after renegotiation\n"))
		r := <-read
		require.NoError(t, r.err, "s_client:\n%s", p.Output())
		assert.Equal(t, "after renegotiation\n", r.line)
		assert.Equal(t, 1, c.SessionStats()["accept_renegotiate"])
		return
	}
	r := <-read
	var e *ssl.Error
	require.ErrorAs(t, r.err, &e)
	assert.Equal(t, "SSLV3_ALERT_HANDSHAKE_FAILURE", e.Reason, "s_client gave up:\n%s", p.Output())
}

// sServerAllowsClientRenegotiation asks the reference pair: s_client -tls1_2
// asks s_server, both with default options, to renegotiate, then sends a
// line, which s_server prints only if the renegotiation went through.
func sServerAllowsClientRenegotiation(t *testing.T) bool {
	t.Helper()
	srv := testpeer.StartServer(t, append(serverCertArgs(), "-tls1_2")...)
	defer srv.Kill()
	p := testpeer.StartClient(t, srv.Addr, "-CAfile", td("ca.pem"), "-servername", "localhost")
	defer p.Kill()
	_, ok := p.WaitFor(regexp.MustCompile(`Verify return code: 0`), testpeer.RunTimeout)
	require.True(t, ok, p.Output())
	require.NoError(t, p.Send("R\n"))
	m, ok := p.WaitFor(regexp.MustCompile(`(?s)RENEGOTIATING.*?(verify return:1|:error:)`), testpeer.RunTimeout)
	require.True(t, ok, "s_client:\n%s", p.Output())
	if m[1] != "verify return:1" {
		return false
	}
	require.NoError(t, p.Send("after renegotiation\n"))
	_, ok = srv.WaitFor(regexp.MustCompile(`after renegotiation`), testpeer.RunTimeout)
	require.True(t, ok, "s_server renegotiated but did not print the next line:\n%s", srv.Output())
	return true
}

// A TLS 1.2 server that renegotiates (s_server's "R") is followed by our
// client: the new handshake runs inside Read, and data flows on.
func TestRenegotiation_ServerInitiatedIsFollowed(t *testing.T) {
	srv := testpeer.StartServer(t, append(serverCertArgs(), "-tls1_2")...)
	c := testClient(t)
	s := dialBounded(t, c, srv.Addr)
	defer s.Close()
	_, err := io.WriteString(s, "hello before\n")
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
