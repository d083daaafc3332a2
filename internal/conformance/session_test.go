package conformance_test

import (
	"bufio"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl"
	"github.com/sslctx/ssl/internal/golden"
	"github.com/sslctx/ssl/internal/testpeer"
)

func testClient(t *testing.T) *ssl.Context {
	t.Helper()
	c, err := ssl.NewContext(ssl.ProtocolTLSClient)
	require.NoError(t, err)
	require.NoError(t, c.LoadVerifyLocations(td("ca.pem"), ""))
	return c
}

func testServer(t *testing.T) *ssl.Context {
	t.Helper()
	c, err := ssl.NewContext(ssl.ProtocolTLSServer)
	require.NoError(t, err)
	require.NoError(t, c.LoadCertChain(td("server-rsa.pem"), td("server-rsa.key")))
	return c
}

// s_server -rev answers each line reversed.
func TestData_ReversedBySServer(t *testing.T) {
	srv := testpeer.StartServer(t, append(serverCertArgs(), "-rev")...)
	s := dialBounded(t, testClient(t), srv.Addr)
	defer s.Close()
	r := bufio.NewReader(s)
	long := strings.Repeat("0123456789", 1500)
	for _, line := range []string{"hello", "sslctx and OpenSSL", long} {
		_, err := io.WriteString(s, line+"\n")
		require.NoError(t, err)
		got, err := r.ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, reverse(line)+"\n", got)
	}
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// s_server -www ends its answer by closing the connection. With
// close_notify (3.x), reading ends with a clean io.EOF even with ragged
// EOFs reported; without it (1.1.1's s_server only marks the connection
// shut), the end is a ragged EOF, as CPython reports there. Which one the
// peer does is what s_client -msg sees it send.
func TestClose_CloseNotifyFromSServer(t *testing.T) {
	srv := testpeer.StartServer(t, append(serverCertArgs(), "-www")...)
	ref := testpeer.RunClient(t, srv.Addr, "GET / HTTP/1.0\r\n\r\n", "-msg", "-ign_eof", "-CAfile", td("ca.pem"))
	require.Contains(t, ref.Output, "HTTP/1.0 200 ok")
	sendsCloseNotify := receivedCloseNotify.MatchString(ref.Output)

	s := dialBounded(t, testClient(t), srv.Addr, ssl.SuppressRaggedEOFs(false))
	defer s.Close()
	_, err := io.WriteString(s, "GET / HTTP/1.0\r\n\r\n")
	require.NoError(t, err)
	body, err := io.ReadAll(s)
	if sendsCloseNotify {
		require.NoError(t, err, "close_notify ends the stream cleanly")
	} else {
		var e *ssl.Error
		require.ErrorAs(t, err, &e, "s_server sent no close_notify:\n%s", ref.Output)
		assert.Equal(t, ssl.ErrorEOF, e.Code)
		assert.Equal(t, raggedEOFText(t), e.Error())
	}
	assert.Contains(t, string(body), "HTTP/1.0 200 ok")
	assert.Contains(t, string(body), "Ciphers supported in s_server binary")
}

// receivedCloseNotify finds, in what s_client -msg printed, a close_notify
// alert it received.
var receivedCloseNotify = regexp.MustCompile(`(?m)^<<< .*Alert.*close_notify`)

// raggedEOFText is the text of CPython's SSLEOFError for a read that meets
// a ragged EOF on this OpenSSL series (golden sockets.json,
// ragged_eof_read): 3.x names UNEXPECTED_EOF_WHILE_READING, 1.1.1 has no
// such reason.
func raggedEOFText(t *testing.T) string {
	t.Helper()
	var cases map[string]struct {
		Client struct {
			Error golden.Exception `json:"error"`
		} `json:"client"`
	}
	require.NoError(t, golden.Load("sockets.json", &cases))
	want := cases["ragged_eof_read"].Client.Error
	require.Equal(t, "SSLEOFError", want.Class, "golden ragged_eof_read")
	return want.Message
}

// A killed s_server sends no close_notify: a ragged EOF, io.EOF when
// suppressed (the default), Python's SSLEOFError otherwise.
func TestClose_KilledSServer(t *testing.T) {
	for _, suppress := range []bool{true, false} {
		srv := testpeer.StartServer(t, append(serverCertArgs(), "-rev")...)
		s := dialBounded(t, testClient(t), srv.Addr, ssl.SuppressRaggedEOFs(suppress))
		// One exchange, so that nothing the server sent stays unread.
		_, err := io.WriteString(s, "x\n")
		require.NoError(t, err)
		_, err = bufio.NewReader(s).ReadString('\n')
		require.NoError(t, err)
		srv.Kill()
		_, err = s.Read(make([]byte, 10))
		if suppress {
			assert.Equal(t, io.EOF, err)
		} else {
			var e *ssl.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, ssl.ErrorEOF, e.Code)
			assert.Equal(t, raggedEOFText(t), e.Error())
		}
		s.Close()
	}
}

// s_client sends close_notify when its input ends; killed, it sends none.
func TestClose_SClientCloseNotifyAndKill(t *testing.T) {
	c := testServer(t)
	addr, results := listen(t, c, ssl.SuppressRaggedEOFs(false))
	testpeer.RunClient(t, addr, "")
	res := next(t, results)
	require.NoError(t, res.err)
	_, err := res.sock.Read(make([]byte, 10))
	assert.Equal(t, io.EOF, err, "close_notify from s_client")
	res.sock.Close()

	// No tickets this time: a killed process with bytes left unread would
	// reset the connection (RST) instead of ending it (FIN).
	require.NoError(t, c.SetNumTickets(0))
	p := testpeer.StartClient(t, addr)
	res = next(t, results)
	require.NoError(t, res.err)
	_, ok := p.WaitFor(regexp.MustCompile(`Verify return code`), testpeer.RunTimeout)
	require.True(t, ok, p.Output())
	p.Kill()
	_, err = res.sock.Read(make([]byte, 10))
	var e *ssl.Error
	require.ErrorAs(t, err, &e, "a killed s_client is a ragged EOF: %v", err)
	assert.Equal(t, ssl.ErrorEOF, e.Code)
	res.sock.Close()
}

// STARTTLS: our server speaks enough SMTP for `s_client -starttls smtp`,
// upgrades the connection with WrapSocket, and the dialogue goes on in TLS.
func TestStartTLS_SMTPWithSClient(t *testing.T) {
	c := testServer(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	got := make(chan string, 1)
	go func() {
		got <- func() string {
			conn, err := l.Accept()
			if err != nil {
				return err.Error()
			}
			defer conn.Close()
			bound(conn)
			r := bufio.NewReader(conn)
			io.WriteString(conn, "220 sslctx ESMTP ready\r\n")
			if line, _ := r.ReadString('\n'); !strings.HasPrefix(strings.ToUpper(line), "EHLO") {
				return "expected EHLO, got " + line
			}
			io.WriteString(conn, "250-sslctx\r\n250 STARTTLS\r\n")
			if line, _ := r.ReadString('\n'); strings.TrimSpace(strings.ToUpper(line)) != "STARTTLS" {
				return "expected STARTTLS, got " + line
			}
			io.WriteString(conn, "220 Ready to start TLS\r\n")
			if r.Buffered() > 0 {
				return "client spoke before the handshake"
			}
			s, err := c.WrapSocket(conn, ssl.ServerSide(true))
			if err != nil {
				return "handshake: " + err.Error()
			}
			defer s.Close()
			line, err := bufio.NewReader(s).ReadString('\n')
			if err != nil {
				return "read in TLS: " + err.Error()
			}
			io.WriteString(s, "250 got "+strings.TrimSpace(line)+" over "+s.Version()+"\r\n")
			return strings.TrimSpace(line)
		}()
	}()
	p := testpeer.StartClient(t, l.Addr().String(), "-starttls", "smtp", "-CAfile", td("ca.pem"),
		"-verify_return_error", "-servername", "localhost", "-ign_eof")
	_, ok := p.WaitFor(regexp.MustCompile(`Verify return code: 0`), testpeer.RunTimeout)
	require.True(t, ok, "s_client did not finish the TLS handshake:\n%s", p.Output())
	require.NoError(t, p.Send("MAIL FROM:<a@example.com>\r\n"))
	_, ok = p.WaitFor(regexp.MustCompile(`250 got MAIL FROM:<a@example.com> over TLSv1.3`), testpeer.RunTimeout)
	assert.True(t, ok, "no answer over TLS:\n%s", p.Output())
	assert.Equal(t, "MAIL FROM:<a@example.com>", <-got)
}

// Sessions our server issues are resumed by s_client -sess_out/-sess_in,
// with TLS 1.2 session IDs and TLS 1.3 tickets.
func TestResumption_SClientAgainstOurServer(t *testing.T) {
	for _, version := range []string{"-tls1_2", "-tls1_3"} {
		t.Run(version, func(t *testing.T) {
			c := testServer(t)
			addr, results := listen(t, c)
			sess := filepath.Join(t.TempDir(), "session.pem")
			// Each connection: our server answers one line and closes, so
			// s_client (-ign_eof) reads the TLS 1.3 tickets before it ends.
			type answered struct {
				err    error
				reused bool
			}
			// answer runs on its own goroutine: it reports, never fails the test.
			answer := func() answered {
				res := tryNext(results)
				if res.wait != nil {
					return answered{err: res.wait}
				}
				if res.err != nil {
					return answered{err: res.err}
				}
				defer res.sock.Close()
				_, err := res.sock.Write([]byte("hello\n"))
				return answered{err: err, reused: res.sock.SessionReused()}
			}
			done := make(chan answered, 1)
			go func() { done <- answer() }()
			first := testpeer.RunClient(t, addr, "", version, "-sess_out", sess, "-ign_eof")
			res := <-done
			require.NoError(t, res.err)
			assert.False(t, first.Reused)
			_, err := os.Stat(sess)
			require.NoError(t, err, "s_client saved the session:\n%s", first.Output)

			go func() { done <- answer() }()
			second := testpeer.RunClient(t, addr, "", version, "-sess_in", sess, "-ign_eof")
			res = <-done
			require.NoError(t, res.err)
			assert.True(t, second.Reused, "s_client resumed:\n%s", second.Output)
			assert.True(t, res.reused, "our server resumed")
			stats := c.SessionStats()
			assert.Equal(t, 1, stats["hits"], "%v", stats)
		})
	}
}

// Our client resumes a session s_server issued, offered with ResumeSession.
func TestResumption_OurClientAgainstSServer(t *testing.T) {
	for _, version := range []ssl.TLSVersion{ssl.TLSv1_2, ssl.TLSv1_3} {
		t.Run(version.String(), func(t *testing.T) {
			srv := testpeer.StartServer(t, append(serverCertArgs(), "-rev")...)
			c := testClient(t)
			require.NoError(t, c.SetMaximumVersion(version))
			s := dialBounded(t, c, srv.Addr)
			io.WriteString(s, "ab\n") // the answer comes after the tickets
			_, err := bufio.NewReader(s).ReadString('\n')
			require.NoError(t, err)
			sess := s.Session()
			require.NotNil(t, sess)
			assert.False(t, s.SessionReused())
			s.Close()

			s2, err := dialWith(c, srv.Addr, ssl.ResumeSession(sess))
			require.NoError(t, err)
			defer s2.Close()
			assert.True(t, s2.SessionReused())
			assert.True(t, sess.HasTicket(), "s_server issues tickets with either version")
		})
	}
}

// SNI reaches s_server -servername, which answers with its second
// certificate; an IP address sends none and gets the default one.
func TestSNI_SeenBySServer(t *testing.T) {
	srv := testpeer.StartServer(t, append(serverCertArgs(), "-servername", "other.example",
		"-cert2", td("server-other.pem"), "-key2", td("server-other.key"))...)
	for name, wantCN := range map[string]string{"other.example": "other.example", "localhost": "localhost", "127.0.0.1": "localhost"} {
		c := testClient(t)
		s := dialBounded(t, c, srv.Addr, ssl.ServerHostname(name))
		cert, err := s.GetPeerCert()
		require.NoError(t, err)
		assert.Equal(t, "CN="+wantCN, commonName(cert), "SNI %s", name)
		s.Close()
	}
}

// ALPN in both directions; the server's order of preference wins.
func TestALPN_WithOpenSSLPeers(t *testing.T) {
	srv := testpeer.StartServer(t, append(serverCertArgs(), "-alpn", "h2,http/1.1")...)
	c := testClient(t)
	require.NoError(t, c.SetALPNProtocols([]string{"http/1.1", "h2"}))
	s, err := dialWith(c, srv.Addr)
	require.NoError(t, err)
	assert.Equal(t, "h2", s.SelectedALPNProtocol(), "s_server's preference")
	s.Close()

	sc := testServer(t)
	require.NoError(t, sc.SetALPNProtocols([]string{"http/1.1", "h2"}))
	addr, results := listen(t, sc)
	r := testpeer.RunClient(t, addr, "", "-alpn", "h2,http/1.1")
	res := next(t, results)
	require.NoError(t, res.err)
	assert.Equal(t, "http/1.1", r.ALPN, "our server's preference, as s_client reports it")
	assert.Equal(t, "http/1.1", res.sock.SelectedALPNProtocol())
	res.sock.Close()

	r = testpeer.RunClient(t, addr, "", "-alpn", "spdy/3")
	res = next(t, results)
	require.NoError(t, res.err, "no overlap: the handshake goes on without ALPN")
	assert.Equal(t, "", r.ALPN)
	res.sock.Close()
}
