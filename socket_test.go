package ssl

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/golden"
	"github.com/sslctx/ssl/internal/loopback"
)

func TestSocket_EchoBetweenOurClientAndServer(t *testing.T) {
	noGoroutineLeak(t)
	c, s := connected(t, testClientContext(t), testServerContext(t))
	for _, msg := range [][]byte{[]byte("hello"), bytes.Repeat([]byte("ab"), 100000), {0}} {
		go func() { _, _ = c.Write(msg) }()
		got := readN(t, s, len(msg))
		assert.Equal(t, msg, got)
		_, err := s.Write(got)
		require.NoError(t, err)
		assert.Equal(t, msg, readN(t, c, len(msg)))
	}
	n, err := c.Write(nil)
	assert.Zero(t, n)
	assert.NoError(t, err)
	n, err = c.Read(nil)
	assert.Zero(t, n)
	assert.NoError(t, err)
}

// testCertPool is the test CA for crypto/tls.
func testCertPool(t *testing.T) *x509.CertPool {
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(readTD(t, "ca.pem")))
	return pool
}

func TestSocket_InteropWithCryptoTLSServer(t *testing.T) {
	noGoroutineLeak(t)
	cert, err := tls.LoadX509KeyPair(td("server-ecdsa.pem"), td("server-ecdsa.key"))
	require.NoError(t, err)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
				Certificates: []tls.Certificate{cert}, MinVersion: v, MaxVersion: v, NextProtos: []string{"h2", "echo"},
			})
			require.NoError(t, err)
			defer l.Close()
			acceptEach(l, func(c net.Conn) { echo(c, 10*time.Second) })
			cctx := testClientContext(t)
			require.NoError(t, cctx.SetALPNProtocols([]string{"echo"}))
			s, err := Dial(t.Context(), "tcp", l.Addr().String(), cctx)
			require.NoError(t, err)
			defer s.Close()
			_, err = s.Write([]byte("via crypto/tls"))
			require.NoError(t, err)
			assert.Equal(t, "via crypto/tls", string(readN(t, s, 14)))
			st := s.ConnectionState()
			assert.Equal(t, v, st.Version)
			assert.Equal(t, "echo", st.NegotiatedProtocol)
			assert.NotZero(t, st.CipherSuite)
			assert.NotEmpty(t, tls.CipherSuiteName(st.CipherSuite))
			require.NotEmpty(t, st.VerifiedChains)
			assert.Equal(t, "sslctx Test CA", st.VerifiedChains[0][len(st.VerifiedChains[0])-1].Subject.CommonName)
		})
	}
}

func TestSocket_InteropWithCryptoTLSClient(t *testing.T) {
	noGoroutineLeak(t)
	sctx := testServerContext(t)
	require.NoError(t, sctx.LoadVerifyLocations(td("ca.pem"), ""))
	require.NoError(t, sctx.SetVerifyMode(CertRequired))
	l := listen(t, sctx)
	served := make(chan tls.ConnectionState, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 64)
		n, err := c.Read(buf)
		if err == nil {
			_, _ = c.Write(bytes.ToUpper(buf[:n]))
		}
		served <- c.(*Socket).ConnectionState()
	}()
	clientCert, err := tls.LoadX509KeyPair(td("client.pem"), td("client.key"))
	require.NoError(t, err)
	c, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{
		RootCAs: testCertPool(t), ServerName: "localhost", Certificates: []tls.Certificate{clientCert},
	})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte("from crypto/tls"))
	require.NoError(t, err)
	assert.Equal(t, "FROM CRYPTO/TLS", string(readN(t, c, 15)))
	st := <-served
	assert.Equal(t, "localhost", st.ServerName)
	require.Len(t, st.PeerCertificates, 1)
	assert.Equal(t, "sslctx client", st.PeerCertificates[0].Subject.CommonName)
	assert.NotEmpty(t, st.VerifiedChains)
}

// Both ends write 64 MiB while reading the other's 64 MiB, at once.
func TestSocket_FullDuplex64MiB(t *testing.T) {
	noGoroutineLeak(t)
	c, s := connected(t, testClientContext(t), testServerContext(t))
	const size = 64 << 20
	send := func(w io.Writer, seed byte) ([32]byte, error) {
		buf := make([]byte, 1<<20)
		h := sha256.New()
		for i := 0; i < size/len(buf); i++ {
			for j := range buf {
				buf[j] = byte(j*7+i) ^ seed
			}
			h.Write(buf)
			if _, err := w.Write(buf); err != nil {
				return [32]byte{}, err
			}
		}
		return [32]byte(h.Sum(nil)), nil
	}
	recv := func(r io.Reader) ([32]byte, error) {
		h := sha256.New()
		n, err := io.CopyN(h, r, size)
		if n != size {
			return [32]byte{}, err
		}
		return [32]byte(h.Sum(nil)), nil
	}
	var wg sync.WaitGroup
	var sentC, sentS, gotC, gotS [32]byte
	var errs [4]error
	wg.Add(4)
	go func() { defer wg.Done(); sentC, errs[0] = send(c, 0x11) }()
	go func() { defer wg.Done(); sentS, errs[1] = send(s, 0x22) }()
	go func() { defer wg.Done(); gotS, errs[2] = recv(s) }()
	go func() { defer wg.Done(); gotC, errs[3] = recv(c) }()
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, sentC, gotS, "client to server")
	assert.Equal(t, sentS, gotC, "server to client")
}

func TestSocket_CloseUnblocksReadAndWrite(t *testing.T) {
	noGoroutineLeak(t)
	c, _ := connected(t, testClientContext(t), testServerContext(t))
	readDone, writeDone := make(chan error, 1), make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 10))
		readDone <- err
	}()
	go func() {
		// The server never reads: this write blocks once the buffers fill.
		_, err := c.Write(make([]byte, 64<<20))
		writeDone <- err
	}()
	time.Sleep(100 * time.Millisecond)
	require.NoError(t, c.Close())
	for name, ch := range map[string]chan error{"Read": readDone, "Write": writeDone} {
		select {
		case err := <-ch:
			assert.ErrorIs(t, err, ErrClosed, name)
			assert.ErrorIs(t, err, net.ErrClosed, name)
		case <-time.After(5 * time.Second):
			t.Fatalf("%s still blocked after Close", name)
		}
	}
	assert.ErrorIs(t, c.Close(), ErrClosed)
	_, err := c.Write([]byte("x"))
	assert.ErrorIs(t, err, ErrClosed)
}

func TestSocket_ReadDeadlineThenUsable(t *testing.T) {
	c, s := connected(t, testClientContext(t), testServerContext(t))
	require.NoError(t, c.SetReadDeadline(time.Now().Add(50*time.Millisecond)))
	_, err := c.Read(make([]byte, 10))
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
	require.NoError(t, c.SetReadDeadline(time.Time{}))
	_, err = s.Write([]byte("after the timeout"))
	require.NoError(t, err)
	assert.Equal(t, "after the timeout", string(readN(t, c, 17)))
}

func TestSocket_WriteDeadlineThenUsable(t *testing.T) {
	c, s := connected(t, testClientContext(t), testServerContext(t))
	require.NoError(t, c.SetWriteDeadline(time.Now().Add(100*time.Millisecond)))
	big := make([]byte, 32<<20)
	_, _ = rand.Read(big)
	n, err := c.Write(big)
	var ne net.Error
	require.ErrorAs(t, err, &ne, "the server reads nothing: the write must time out")
	assert.True(t, ne.Timeout())
	assert.Less(t, n, len(big))
	require.NoError(t, c.SetWriteDeadline(time.Time{}))
	// The bytes taken before the timeout were encrypted and queued; the
	// rest goes now; the stream arrives whole.
	got := readFullAsync(s, len(big))
	_, err = c.Write(big[n:])
	require.NoError(t, err)
	r := <-got
	require.NoError(t, r.err)
	assert.True(t, bytes.Equal(big, r.b))
}

func TestSocket_HandshakeContextCancel(t *testing.T) {
	noGoroutineLeak(t)
	cn, _ := tcpPair(t) // the server end never answers
	c, err := testClientContext(t).WrapSocket(cn, ServerHostname("localhost"), DoHandshakeOnConnect(false))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	err = c.HandshakeContext(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 5*time.Second)
	_, err = c.Write([]byte("x"))
	assert.Error(t, err, "the connection is closed after a cancelled handshake")
}

func TestSocket_HandshakeContextDoneAfterHandshake(t *testing.T) {
	c, s := connected(t, testClientContext(t), testServerContext(t))
	ctx, cancel := context.WithCancel(t.Context())
	require.NoError(t, c.HandshakeContext(ctx))
	cancel()
	assert.NoError(t, c.HandshakeContext(ctx), "a done ctx does not undo a completed handshake")
	_, err := c.Write([]byte("still here"))
	require.NoError(t, err)
	assert.Equal(t, "still here", string(readN(t, s, 10)))
}

func TestSocket_HandshakeContextAlreadyDone(t *testing.T) {
	cn, _ := tcpPair(t)
	c, err := testClientContext(t).WrapSocket(cn, ServerHostname("localhost"), DoHandshakeOnConnect(false))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.ErrorIs(t, c.HandshakeContext(ctx), context.Canceled)
	assert.ErrorIs(t, c.Close(), ErrClosed, "a handshake cancelled before it began closes the connection too")
}

func TestSocket_PeerThatNeverAnswersHitsDeadline(t *testing.T) {
	noGoroutineLeak(t)
	cn, _ := tcpPair(t)
	require.NoError(t, cn.SetDeadline(time.Now().Add(100*time.Millisecond)))
	_, err := testClientContext(t).WrapSocket(cn, ServerHostname("localhost"))
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
}

func TestSocket_PeerClosesMidHandshake(t *testing.T) {
	noGoroutineLeak(t)
	cn, sn := tcpPair(t)
	go func() {
		skipRecord(sn)
		// Half a ServerHello, then gone.
		sn.Write([]byte{0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00})
		sn.Close()
	}()
	_, err := testClientContext(t).WrapSocket(cn, ServerHostname("localhost"))
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, ErrorEOF, e.Code)
	// The words are OpenSSL's: 3.0 names UNEXPECTED_EOF_WHILE_READING, 1.1.1
	// reports a bare SSL_ERROR_SYSCALL. Python's answer to a socket closed
	// under a read (ragged_eof_read) is the same EOF on each series.
	var cases map[string]struct {
		Client struct {
			Error golden.Exception `json:"error"`
		} `json:"client"`
	}
	require.NoError(t, golden.Load("sockets.json", &cases))
	assert.Equal(t, cases["ragged_eof_read"].Client.Error.Str, e.Error())
}

func TestSocket_RaggedEOF(t *testing.T) {
	for _, suppress := range []bool{true, false} {
		for _, serverCloses := range []bool{true, false} {
			name := map[bool]string{true: "server drops", false: "client drops"}[serverCloses] +
				map[bool]string{true: ", suppressed", false: ", reported"}[suppress]
			t.Run(name, func(t *testing.T) {
				noGoroutineLeak(t)
				c, s := handshakePair(t, testClientContext(t), testServerContext(t),
					[]WrapOption{ServerHostname("localhost"), SuppressRaggedEOFs(suppress)},
					[]WrapOption{SuppressRaggedEOFs(suppress)})
				require.NoError(t, c.err)
				require.NoError(t, s.err)
				reader, dropper := c.sock, s.sock
				if !serverCloses {
					reader, dropper = s.sock, c.sock
				}
				// A message each way first, so that neither end leaves bytes
				// unread (TLS 1.3 tickets): closing then sends FIN, not RST.
				_, err := s.sock.Write([]byte("a"))
				require.NoError(t, err)
				readN(t, c.sock, 1)
				_, err = c.sock.Write([]byte("b"))
				require.NoError(t, err)
				readN(t, s.sock, 1)
				dropper.NetConn().Close()
				for i := 0; i < 2; i++ {
					n, err := reader.Read(make([]byte, 10))
					assert.Zero(t, n)
					if suppress {
						assert.Equal(t, io.EOF, err)
						continue
					}
					var e *Error
					require.ErrorAs(t, err, &e)
					assert.Equal(t, ErrorEOF, e.Code)
					assert.Contains(t, e.Error(), "EOF occurred in violation of protocol")
				}
				reader.Close()
			})
		}
	}
}

func TestSocket_CloseNotifyIsEOFAndWritingGoesOn(t *testing.T) {
	c, s := connected(t, testClientContext(t), testServerContext(t))
	require.NoError(t, s.CloseWrite())
	n, err := c.Read(make([]byte, 10))
	assert.Zero(t, n)
	assert.Equal(t, io.EOF, err)
	_, err = c.Read(make([]byte, 10))
	assert.Equal(t, io.EOF, err, "EOF is returned again")
	_, err = c.Write([]byte("half-close"))
	require.NoError(t, err, "a received close_notify does not close our write side")
	assert.Equal(t, "half-close", string(readN(t, s, 10)))
	require.NoError(t, c.Close())
	_, err = s.Read(make([]byte, 1))
	assert.Equal(t, io.EOF, err, "Close sends close_notify")
}

func TestSocket_CloseWriteBeforeHandshake(t *testing.T) {
	cn, _ := tcpPair(t)
	c, err := testClientContext(t).WrapSocket(cn, ServerHostname("localhost"), DoHandshakeOnConnect(false))
	require.NoError(t, err)
	assert.ErrorIs(t, c.CloseWrite(), ErrInvalidArgument)
}

// STARTTLS and back: plain text, TLS, then plain text again on the same
// connection, with the plain bytes that followed close_notify kept.
func TestSocket_UnwrapBothWays(t *testing.T) {
	noGoroutineLeak(t)
	cn, sn := tcpPair(t)
	serverDone := make(chan error, 1)
	go func() {
		serverDone <- func() error {
			s, err := testServerContext(t).WrapSocket(sn, ServerSide(true))
			if err != nil {
				return err
			}
			buf := make([]byte, 6)
			if _, err := io.ReadFull(s, buf); err != nil {
				return err
			}
			plain, err := s.Unwrap()
			if err != nil {
				return err
			}
			_, err = plain.Write([]byte("plain again"))
			return err
		}()
	}()
	c, err := testClientContext(t).WrapSocket(cn, ServerHostname("localhost"))
	require.NoError(t, err)
	_, err = c.Write([]byte("secret"))
	require.NoError(t, err)
	plain, err := c.Unwrap()
	require.NoError(t, err)
	require.NoError(t, <-serverDone)
	plain.SetReadDeadline(time.Now().Add(5 * time.Second))
	assert.Equal(t, "plain again", string(readN(t, plain, 11)))
	_, err = c.Write([]byte("x"))
	assert.ErrorIs(t, err, ErrClosed)
}

func TestSocket_GetPeerCertBeforeHandshake(t *testing.T) {
	cn, _ := tcpPair(t)
	c, err := testClientContext(t).WrapSocket(cn, ServerHostname("localhost"), DoHandshakeOnConnect(false))
	require.NoError(t, err)
	_, err = c.GetPeerCert()
	assert.ErrorIs(t, err, ErrInvalidArgument)
	assert.Equal(t, "", c.Version())
	_, ok := c.Cipher()
	assert.False(t, ok)
	assert.Nil(t, c.PeerCertificate())
}

func TestSocket_PeerCertificateAndState(t *testing.T) {
	sctx := testServerContext(t)
	require.NoError(t, sctx.SetALPNProtocols([]string{"h2"}))
	cctx := testClientContext(t)
	require.NoError(t, cctx.SetALPNProtocols([]string{"h2"}))
	c, s := connected(t, cctx, sctx)
	pc := c.PeerCertificate()
	require.NotNil(t, pc)
	assert.Equal(t, "localhost", pc.Subject.CommonName)
	st := c.ConnectionState()
	assert.True(t, st.HandshakeComplete)
	assert.Equal(t, uint16(tls.VersionTLS13), st.Version)
	assert.Equal(t, tls.TLS_AES_256_GCM_SHA384, st.CipherSuite)
	assert.Equal(t, "h2", st.NegotiatedProtocol)
	assert.Equal(t, "localhost", st.ServerName)
	assert.False(t, st.DidResume)
	require.Len(t, st.PeerCertificates, 1)
	require.Len(t, st.VerifiedChains, 1)
	assert.Len(t, st.VerifiedChains[0], 2, "leaf and root")
	assert.Equal(t, "localhost", s.ConnectionState().ServerName, "the SNI the server received")
	assert.Empty(t, s.ConnectionState().PeerCertificates)
	assert.True(t, s.ServerSide())
	assert.Equal(t, "localhost", c.ServerHostname())
	assert.Same(t, cctx, c.Context())
}

func TestSocket_KeepsWorkingAfterContextClose(t *testing.T) {
	cctx, sctx := testClientContext(t), testServerContext(t)
	c, s := connected(t, cctx, sctx)
	require.NoError(t, cctx.Close())
	require.NoError(t, sctx.Close())
	_, err := c.Write([]byte("after Close"))
	require.NoError(t, err)
	assert.Equal(t, "after Close", string(readN(t, s, 11)))
	// The verify mode is the Go side's, so the peer certificate is still
	// described in full.
	assert.Equal(t, CertRequired, cctx.VerifyMode())
	peer, err := c.GetPeerCert()
	require.NoError(t, err)
	require.NotNil(t, peer)
	assert.NotEmpty(t, peer.Subject)
	_, err = cctx.WrapSocket(c.NetConn(), ServerHostname("localhost"))
	assert.ErrorIs(t, err, ErrClosed)
}

func TestWrapSocket_ArgumentsMatchPython(t *testing.T) {
	cn, _ := tcpPair(t)
	cases := map[string]struct {
		ctx  *Context
		opts []WrapOption
	}{
		"wrap_bio_client_on_server_ctx":           {testServerContext(t), []WrapOption{DoHandshakeOnConnect(false)}},
		"wrap_bio_server_on_client_ctx":           {testClientContext(t), []WrapOption{ServerSide(true), DoHandshakeOnConnect(false)}},
		"wrap_bio_server_hostname_empty":          {testClientContext(t), []WrapOption{ServerHostname(""), DoHandshakeOnConnect(false)}},
		"wrap_bio_server_hostname_leading_dot":    {testClientContext(t), []WrapOption{ServerHostname(".example.com"), DoHandshakeOnConnect(false)}},
		"wrap_bio_server_hostname_nul":            {testClientContext(t), []WrapOption{ServerHostname("local\x00host"), DoHandshakeOnConnect(false)}},
		"wrap_bio_server_hostname_label_too_long": {testClientContext(t), []WrapOption{ServerHostname(string(bytes.Repeat([]byte("a"), 64)) + ".example"), DoHandshakeOnConnect(false)}},
		"wrap_bio_server_hostname_ulabel":         {testClientContext(t), []WrapOption{ServerHostname("bücher.example"), DoHandshakeOnConnect(false)}},
		"wrap_bio_server_hostname_ip":             {testClientContext(t), []WrapOption{ServerHostname("127.0.0.1"), DoHandshakeOnConnect(false)}},
	}
	var want map[string]golden.Exception
	require.NoError(t, golden.Load("errors.json", &want))
	for id, c := range cases {
		t.Run(id, func(t *testing.T) {
			s, err := c.ctx.WrapSocket(cn, c.opts...)
			assertLikePython(t, want[id], err, want[id].Class == "SSLError")
			if err == nil {
				s.conn.Release()
			}
		})
	}
	// SSLSocket, unlike wrap_bio, checks these at wrap time.
	_, err := testClientContext(t).WrapSocket(cn, DoHandshakeOnConnect(false))
	assert.ErrorIs(t, err, ErrInvalidArgument, "check_hostname requires server_hostname")
	_, err = testServerContext(t).WrapSocket(cn, ServerSide(true), ServerHostname("localhost"))
	assert.ErrorIs(t, err, ErrInvalidArgument, "server_hostname can only be specified in client mode")
	_, err = testClientContext(t).WrapSocket(cn, CertFile(td("client.pem")))
	assert.ErrorIs(t, err, ErrInvalidArgument, "module-level options are refused")
	_, err = testClientContext(t).WrapSocket(nil, ServerHostname("localhost"))
	assert.ErrorIs(t, err, ErrInvalidArgument)
}

func TestEncodeHostname(t *testing.T) {
	for in, want := range map[string]string{
		"localhost":      "localhost",
		"LocalHost":      "LocalHost",
		"bücher.example": "xn--bcher-kva.example",
		"example.com.":   "example.com.",
		"straße.example": "strasse.example",
		"日本語.example":    "xn--wgv71a119e.example",
		"127.0.0.1":      "127.0.0.1",
		"a.b-c.d":        "a.b-c.d",
	} {
		got, err := encodeHostname(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{".example.com", "a..b", string(bytes.Repeat([]byte("x"), 64))} {
		_, err := encodeHostname(in)
		assert.ErrorIs(t, err, ErrInvalidArgument, in)
	}
}

func TestModuleWrapSocket(t *testing.T) {
	noGoroutineLeak(t)
	cn, sn := tcpPair(t)
	type result struct {
		s   *Socket
		err error
	}
	server := make(chan result, 1)
	go func() {
		s, err := WrapSocket(sn, ServerSide(true), CertFile(td("server-rsa.pem")), KeyFile(td("server-rsa.key")),
			Ciphers("ECDHE+AESGCM"), SSLVersion(ProtocolTLS))
		server <- result{s, err}
	}()
	c, err := WrapSocket(cn, CertReqs(CertRequired), CACerts(td("ca.pem")), SSLVersion(ProtocolTLSv1_2), ServerHostname("localhost"))
	require.NoError(t, err)
	r := <-server
	require.NoError(t, r.err)
	defer r.s.Close()
	defer c.Close()
	assert.Equal(t, "TLSv1.2", c.Version())
	cert, err := c.GetPeerCert()
	require.NoError(t, err)
	assert.False(t, cert.IsEmpty(), "validated with CertRequired")

	_, err = WrapSocket(cn, ServerSide(true))
	assert.ErrorIs(t, err, ErrInvalidArgument, "certfile must be specified for server-side operations")
	_, err = WrapSocket(cn, KeyFile(td("server-rsa.key")))
	assert.ErrorIs(t, err, ErrInvalidArgument, "certfile must be specified")
	_, err = WrapSocket(cn, CertFile(td("does-not-exist.pem")))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestListener_FailedHandshakeDoesNotStopIt(t *testing.T) {
	noGoroutineLeak(t)
	l := listen(t, testServerContext(t))
	served := make(chan error, 3)
	acceptEach(l, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		_, err := c.Write([]byte("hi"))
		served <- err
	})
	// A client that speaks no TLS, one that gives up, then a good one.
	raw, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	raw.Write([]byte("GET / HTTP/1.1\r\n\r\n"))
	raw.Close()
	raw, err = net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	raw.Close()
	c, err := Dial(t.Context(), "tcp", l.Addr().String(), testClientContext(t))
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, "hi", string(readN(t, c, 2)))
	var failures, successes int
	for i := 0; i < 3; i++ {
		if err := <-served; err != nil {
			failures++
			var e *Error
			assert.True(t, errors.As(err, &e) || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed), "%v", err)
		} else {
			successes++
		}
	}
	assert.Equal(t, 2, failures)
	assert.Equal(t, 1, successes)
}

func TestDialer_TimeoutCoversHandshake(t *testing.T) {
	noGoroutineLeak(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	loopback.Serve(t, l, nil) // accepted, never answered
	d := &Dialer{NetDialer: &net.Dialer{Timeout: 100 * time.Millisecond}, Context: testClientContext(t)}
	start := time.Now()
	_, err = d.DialContext(t.Context(), "tcp", l.Addr().String())
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)

	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err = Dial(ctx, "tcp", l.Addr().String(), testClientContext(t))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

// serverNames handshakes every connection l accepts, for 10 seconds at
// most each, and reports the name its client sent ("" for none, "failed"
// for a failed handshake).
func serverNames(l net.Listener) <-chan string {
	sni := make(chan string, 4)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s := c.(*Socket)
			s.SetDeadline(time.Now().Add(10 * time.Second))
			if s.DoHandshake() == nil {
				sni <- s.ConnectionState().ServerName
			} else {
				sni <- "failed"
			}
			s.Close()
		}
	}()
	return sni
}

func TestDial_HostnameFromAddress(t *testing.T) {
	noGoroutineLeak(t)
	sctx := testServerContext(t)
	l := listen(t, sctx)
	sni := serverNames(l)
	_, port, _ := net.SplitHostPort(l.Addr().String())
	c, err := Dial(t.Context(), "tcp", net.JoinHostPort("127.0.0.1", port), testClientContext(t))
	require.NoError(t, err, "the certificate has IP:127.0.0.1")
	c.Close()
	assert.Equal(t, "", <-sni, "no SNI for an IP address")
	c, err = Dial(t.Context(), "tcp", net.JoinHostPort("localhost", port), testClientContext(t))
	if err == nil {
		c.Close()
		assert.Equal(t, "localhost", <-sni)
	}
	other, err := NewContext(ProtocolTLSClient)
	require.NoError(t, err)
	require.NoError(t, other.LoadVerifyLocations(td("ca.pem"), ""))
	d := &Dialer{Context: other}
	// The address names the server by IP; a certificate for another name
	// fails the check inside the handshake.
	sctx2, err := NewContext(ProtocolTLSServer)
	require.NoError(t, err)
	require.NoError(t, sctx2.LoadCertChain(td("server-other.pem"), td("server-other.key")))
	l2 := listen(t, sctx2)
	go func() {
		c, err := l2.Accept()
		if err == nil {
			c.(*Socket).DoHandshake()
			c.Close()
		}
	}()
	_, err = d.DialContext(t.Context(), "tcp", l2.Addr().String())
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 64, e.VerifyCode)
	assert.Equal(t, "IP address mismatch, certificate is not valid for '127.0.0.1'.", e.VerifyMessage)
}

func TestGetServerCertificate(t *testing.T) {
	noGoroutineLeak(t)
	l := listen(t, testServerContext(t))
	acceptEach(l, func(c net.Conn) {
		c.(*Socket).DoHandshake()
		c.Close()
	})
	pem, err := GetServerCertificate(t.Context(), l.Addr().String(), ProtocolTLS, "")
	require.NoError(t, err)
	assert.Equal(t, string(readTD(t, "server-rsa.pem")), pem)
	pem, err = GetServerCertificate(t.Context(), l.Addr().String(), ProtocolTLSClient, td("ca.pem"))
	require.NoError(t, err)
	assert.Equal(t, string(readTD(t, "server-rsa.pem")), pem)
	_, err = GetServerCertificate(t.Context(), l.Addr().String(), ProtocolTLS, td("ca2.pem"))
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.True(t, e.IsCertificateVerificationError())
}

// Read and Write from two goroutines while a third closes: the race
// detector watches.
func TestSocket_ConcurrentReadWriteClose(t *testing.T) {
	noGoroutineLeak(t)
	c, s := connected(t, testClientContext(t), testServerContext(t))
	go func() { _, _ = io.Copy(s, s) }()
	var wg sync.WaitGroup
	untilError := func(op func([]byte) (int, error), size int) {
		defer wg.Done()
		buf := make([]byte, size)
		for {
			if _, err := op(buf); err != nil {
				return
			}
		}
	}
	wg.Add(2)
	go untilError(c.Write, 1000)
	go untilError(c.Read, 4096)
	time.Sleep(200 * time.Millisecond)
	require.NoError(t, c.Close())
	wg.Wait()
	s.Close()
}

// stallConn is a transport whose writes, once stalled, take nothing and
// block until the write deadline set on it passes: a peer that reads
// nothing, with every buffer on the way full. The kernel would not hold
// that state reliably (it grows a window, or drains a buffer, as it sees
// fit), so the test makes it.
type stallConn struct {
	net.Conn
	mu       sync.Mutex
	stalled  bool
	deadline time.Time
}

func (c *stallConn) stall() { c.mu.Lock(); c.stalled = true; c.mu.Unlock() }

func (c *stallConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return c.Conn.SetWriteDeadline(t)
}

func (c *stallConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return c.Conn.SetDeadline(t)
}

func (c *stallConn) Write(p []byte) (int, error) {
	for {
		c.mu.Lock()
		stalled, deadline := c.stalled, c.deadline
		c.mu.Unlock()
		if !stalled {
			return c.Conn.Write(p)
		}
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			return 0, os.ErrDeadlineExceeded
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stalledClient returns a client Socket past its handshake whose transport
// then takes nothing more: anything Close sends blocks until a deadline.
func stalledClient(t *testing.T) *Socket {
	t.Helper()
	cn, sn := tcpPair(t)
	sc := &stallConn{Conn: cn}
	served := make(chan error, 1)
	go func() {
		s, err := testServerContext(t).WrapSocket(sn, ServerSide(true))
		if err == nil {
			t.Cleanup(func() { s.Close() })
		}
		served <- err
	}()
	c, err := testClientContext(t).WrapSocket(sc, ServerHostname("localhost"))
	require.NoError(t, err, "client handshake")
	select {
	case err := <-served:
		require.NoError(t, err, "server handshake")
	case <-time.After(10 * time.Second):
		t.Fatal("server handshake did not end")
	}
	sc.stall()
	return c
}

// closeWithin runs Close and returns how long it took, failing the test if
// it has not returned after limit (it is still waited for).
func closeWithin(t *testing.T, c *Socket, limit time.Duration) time.Duration {
	t.Helper()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- c.Close() }()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(limit):
		t.Errorf("Close has not returned after %v", limit)
		<-done
	}
	return time.Since(start)
}

// Close bounds its wait to send close_notify with its own deadline, but a
// write deadline the caller set through the Socket that falls sooner wins:
// Close returns around it, not five seconds later.
func TestSocket_CloseKeepsASoonerDeadline(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*Socket) error
	}{
		{"write deadline ahead", func(c *Socket) error {
			return c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		}},
		{"deadline ahead", func(c *Socket) error {
			return c.SetDeadline(time.Now().Add(100 * time.Millisecond))
		}},
		{"write deadline passed", func(c *Socket) error {
			return c.SetWriteDeadline(time.Now().Add(-time.Second))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := stalledClient(t)
			require.NoError(t, tc.set(c))
			closeWithin(t, c, 2*time.Second)
		})
	}
}

// With no write deadline from the caller, or a later one, Close's own
// bound remains: it waits for close_notify to go, and gives up after it.
func TestSocket_CloseCapsItsWait(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*Socket) error
	}{
		{"none", func(*Socket) error { return nil }},
		{"cleared", func(c *Socket) error {
			if err := c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
				return err
			}
			return c.SetWriteDeadline(time.Time{})
		}},
		{"later", func(c *Socket) error { return c.SetDeadline(time.Now().Add(time.Hour)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := stalledClient(t)
			require.NoError(t, tc.set(c))
			took := closeWithin(t, c, 3*closeNotifyTimeout)
			assert.GreaterOrEqual(t, took, closeNotifyTimeout/2,
				"Close gave up long before its own bound")
		})
	}
}
