package ssl

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/testpeer"
)

// objTransport carries an SSLObject's bytes over a net.Conn, as an
// application built on SSLObject does: after every operation it sends
// what outgoing holds, and when the operation wants more it reads the
// network into incoming (WriteEOF at the transport's end) and runs it
// again.
type objTransport struct {
	nc      net.Conn
	obj     *SSLObject
	in, out *MemoryBIO
}

func newObjTransport(t testing.TB, nc net.Conn, ctx *Context, opts ...WrapOption) *objTransport {
	t.Helper()
	x := &objTransport{nc: nc, in: NewMemoryBIO(), out: NewMemoryBIO()}
	var err error
	x.obj, err = ctx.WrapBIO(x.in, x.out, opts...)
	require.NoError(t, err)
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	return x
}

func (x *objTransport) flush() error {
	if b := x.out.Read(-1); len(b) > 0 {
		_, err := x.nc.Write(b)
		return err
	}
	return nil
}

func (x *objTransport) fill() error {
	buf := make([]byte, 16<<10)
	n, err := x.nc.Read(buf)
	x.in.Write(buf[:n])
	if err == io.EOF {
		x.in.WriteEOF()
		return nil
	}
	return err
}

// do runs op until it no longer waits for the peer's bytes.
func (x *objTransport) do(op func() error) error {
	for {
		err := op()
		if ferr := x.flush(); ferr != nil && (err == nil || errors.Is(err, ErrWantRead)) {
			return ferr
		}
		if !errors.Is(err, ErrWantRead) {
			return err
		}
		if x.in.EOF() {
			return errors.New("ErrWantRead after the end of the transport")
		}
		if err := x.fill(); err != nil {
			return err
		}
	}
}

func (x *objTransport) handshake() error { return x.do(x.obj.DoHandshake) }

func (x *objTransport) write(p []byte) error {
	return x.do(func() error {
		n, err := x.obj.Write(p)
		p = p[n:]
		return err
	})
}

// read is one Read: some bytes, or io.EOF at the peer's close_notify.
func (x *objTransport) read(p []byte) (n int, err error) {
	err = x.do(func() error {
		n, err = x.obj.Read(p)
		return err
	})
	return n, err
}

func (x *objTransport) readFull(n int) ([]byte, error) {
	buf := make([]byte, n)
	got := 0
	for got < n {
		k, err := x.read(buf[got:])
		got += k
		if err != nil {
			return buf[:got], err
		}
	}
	return buf, nil
}

// TestSSLObject_WithSocket: an SSLObject client and a Socket server over
// loopback TCP: the handshake, the same answers about the connection on both
// ends, data both ways, then unwrap on both sides and plain text after
// it, as a STARTTLS protocol ending TLS does.
func TestSSLObject_WithSocket(t *testing.T) {
	noGoroutineLeak(t)
	// Loopback TCP, not net.Pipe: this client, like a simple event loop,
	// does not read while it writes, and net.Pipe has no buffer for the
	// server's session tickets meanwhile.
	cn, sn := tcpPair(t)
	failIfStuck(t, 30*time.Second, cn, sn)
	const bulk = 1 << 20
	type serverView struct {
		unique, exporter []byte
		version          string
		cipher           CipherInfo
		digest           [32]byte
		err              error
	}
	done := make(chan serverView, 1)
	go func() {
		var v serverView
		defer func() { done <- v }()
		sn.SetDeadline(time.Now().Add(20 * time.Second))
		s, err := testServerContext(t).WrapSocket(sn, ServerSide(true))
		if v.err = err; err != nil {
			return
		}
		v.version, v.cipher = s.Version(), mustCipher(s.Cipher())
		v.unique, _ = s.GetChannelBinding("tls-unique")
		v.exporter, _ = s.GetChannelBinding("tls-exporter")
		if _, v.err = io.ReadFull(s, make([]byte, 5)); v.err != nil {
			return
		}
		if _, v.err = s.Write([]byte("world")); v.err != nil {
			return
		}
		data := make([]byte, bulk)
		if _, v.err = io.ReadFull(s, data); v.err != nil {
			return
		}
		v.digest = sha256.Sum256(data)
		if _, v.err = s.Write(v.digest[:]); v.err != nil {
			return
		}
		plain, err := s.Unwrap()
		if v.err = err; err != nil {
			return
		}
		_, v.err = plain.Write([]byte("PLAIN"))
		plain.Close()
	}()

	x := newObjTransport(t, cn, testClientContext(t), ServerHostname("localhost"))
	require.NoError(t, x.handshake())
	require.NoError(t, x.write([]byte("hello")))
	got, err := x.readFull(5)
	require.NoError(t, err)
	assert.Equal(t, "world", string(got))
	data := bytes.Repeat([]byte("0123456789abcdef"), bulk/16)
	require.NoError(t, x.write(data))
	digest, err := x.readFull(32)
	require.NoError(t, err)
	assert.Equal(t, sha256.Sum256(data), [32]byte(digest), "the server read every byte")

	require.NoError(t, x.do(x.obj.Unwrap), "unwrap completes once the server's close_notify is read")
	plain := x.in.Read(-1)
	rest, err := io.ReadAll(cn)
	require.NoError(t, err)
	assert.Equal(t, "PLAIN", string(append(plain, rest...)), "plain text after TLS, nothing lost")

	v := <-done
	require.NoError(t, v.err)
	assert.Equal(t, v.version, x.obj.Version())
	assert.Equal(t, v.cipher, mustCipher(x.obj.Cipher()))
	unique, err := x.obj.GetChannelBinding("tls-unique")
	require.NoError(t, err)
	assert.Equal(t, v.unique, unique, "tls-unique agrees")
	exporter, err := x.obj.GetChannelBinding("tls-exporter")
	require.NoError(t, err)
	assert.Equal(t, v.exporter, exporter, "tls-exporter agrees")
	cert, err := x.obj.GetPeerCert()
	require.NoError(t, err)
	assert.Equal(t, "localhost", cert.Subject[len(cert.Subject)-1][0].Value)
}

func mustCipher(c CipherInfo, ok bool) CipherInfo {
	if !ok {
		return CipherInfo{}
	}
	return c
}

// TestSSLObject_ServerWithSocketClient: an SSLObject server over TCP with
// a Socket client presenting a certificate, ALPN on both sides, and a
// second connection resuming the first's session.
func TestSSLObject_ServerWithSocketClient(t *testing.T) {
	noGoroutineLeak(t)
	sctx := testServerContext(t)
	require.NoError(t, sctx.LoadVerifyLocations(td("ca.pem"), ""))
	require.NoError(t, sctx.SetVerifyMode(CertRequired))
	require.NoError(t, sctx.SetALPNProtocols([]string{"h2", "http/1.1"}))
	cctx := testClientContext(t)
	require.NoError(t, cctx.LoadCertChain(td("client.pem"), td("client.key")))
	require.NoError(t, cctx.SetALPNProtocols([]string{"http/1.1"}))
	require.NoError(t, cctx.SetMaximumVersion(TLSv1_2)) // a session at once, no tickets to read first

	var sess *Session
	for round, wantReused := range []bool{false, true} {
		cn, sn := tcpPair(t)
		type clientView struct {
			alpn   string
			reused bool
			sess   *Session
			err    error
		}
		done := make(chan clientView, 1)
		go func() {
			var v clientView
			defer func() { done <- v }()
			cn.SetDeadline(time.Now().Add(20 * time.Second))
			opts := []WrapOption{ServerHostname("localhost")}
			if sess != nil {
				opts = append(opts, ResumeSession(sess))
			}
			c, err := cctx.WrapSocket(cn, opts...)
			if v.err = err; err != nil {
				return
			}
			v.alpn, v.reused, v.sess = c.SelectedALPNProtocol(), c.SessionReused(), c.Session()
			if _, v.err = c.Write([]byte("ping")); v.err == nil {
				_, v.err = io.ReadFull(c, make([]byte, 4))
			}
			c.Close()
		}()
		x := newObjTransport(t, sn, sctx, ServerSide(true))
		require.NoError(t, x.handshake(), "round %d", round)
		got, err := x.readFull(4)
		require.NoError(t, err)
		assert.Equal(t, "ping", string(got))
		require.NoError(t, x.write([]byte("pong")))
		_, err = x.read(make([]byte, 1))
		assert.ErrorIs(t, err, io.EOF, "the client's Close sends close_notify")

		v := <-done
		require.NoError(t, v.err)
		assert.Equal(t, "http/1.1", x.obj.SelectedALPNProtocol())
		assert.Equal(t, "http/1.1", v.alpn)
		assert.Equal(t, wantReused, x.obj.SessionReused(), "round %d server", round)
		assert.Equal(t, wantReused, v.reused, "round %d client", round)
		assert.True(t, x.obj.ServerSide())
		if !wantReused {
			assert.NotEmpty(t, x.obj.SharedCiphers())
			cert, err := x.obj.GetPeerCert()
			require.NoError(t, err)
			require.NotNil(t, cert, "the client's certificate")
			assert.Equal(t, "sslctx client", cert.Subject[len(cert.Subject)-1][0].Value)
			chain, err := x.obj.GetUnverifiedChain()
			require.NoError(t, err)
			der, err := x.obj.GetPeerCertDER()
			require.NoError(t, err)
			require.NotEmpty(t, chain)
			assert.Equal(t, der, chain[0], "the client's certificate first, as CPython puts it")
		}
		sess = v.sess
		require.NotNil(t, sess)
	}
}

// TestSSLObject_TwoObjectsOneGoroutine: both ends in one goroutine, no
// network: data both ways, large writes, and reads of every size.
func TestSSLObject_TwoObjectsOneGoroutine(t *testing.T) {
	for _, max := range []TLSVersion{TLSv1_2, TLSv1_3} {
		t.Run(max.String(), func(t *testing.T) {
			cctx := testClientContext(t)
			require.NoError(t, cctx.SetMaximumVersion(max))
			p := newObjPair(t, cctx, testServerContext(t))
			p.handshake(t)
			assert.Equal(t, map[TLSVersion]string{TLSv1_2: "TLSv1.2", TLSv1_3: "TLSv1.3"}[max], p.client.obj.Version())
			msg := bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz"), 50000) // 1.3 MB
			n, err := p.client.obj.Write(msg)
			require.NoError(t, err)
			require.Equal(t, len(msg), n)
			p.carry()
			var got []byte
			for size := 1; ; size = size*2 + 1 {
				data, err := readPyObj(p.server.obj, size)
				if errors.Is(err, ErrWantRead) {
					break
				}
				require.NoError(t, err)
				got = append(got, data...)
			}
			assert.Equal(t, msg, got)
			assert.Zero(t, p.server.in.Pending(), "every record taken")
			n, err = p.server.obj.Write([]byte("done"))
			require.NoError(t, err)
			require.Equal(t, 4, n)
			p.carry()
			data, err := readPyObj(p.client.obj, 100)
			require.NoError(t, err)
			assert.Equal(t, "done", string(data))
		})
	}
}

// TestSSLObject_WithOpenSSLServer: an SSLObject client of `openssl
// s_server -www`, the bytes moved to a TCP connection by hand. The answer
// ends with close_notify from 3.x's s_server, a clean io.EOF; 1.1.1's
// only closes the connection, a ragged EOF (ErrEOF), as CPython reports it
// there.
func TestSSLObject_WithOpenSSLServer(t *testing.T) {
	srv := testpeer.StartServer(t, "-cert", td("server-rsa.pem"), "-key", td("server-rsa.key"), "-www")
	nc, err := net.DialTimeout("tcp", srv.Addr, 10*time.Second)
	require.NoError(t, err)
	defer nc.Close()
	x := newObjTransport(t, nc, testClientContext(t), ServerHostname("localhost"))
	require.NoError(t, x.handshake())
	require.NoError(t, x.write([]byte("GET / HTTP/1.0\r\n\r\n")))
	var page []byte
	buf := make([]byte, 4096)
	for {
		n, err := x.read(buf)
		page = append(page, buf[:n]...)
		if err == io.EOF || errors.Is(err, ErrEOF) {
			break
		}
		require.NoError(t, err)
	}
	assert.Contains(t, string(page), "HTTP/1.0 200 ok")
	assert.Contains(t, string(page), "Cipher is "+mustCipher(x.obj.Cipher()).Name, "s_server saw the cipher we did")
	assert.Equal(t, "TLSv1.3", x.obj.Version())
}

// TestSSLObject_WithOpenSSLClient: an SSLObject server for `openssl
// s_client`: its line arrives, ours reaches it, and its close_notify at
// the end of its input is a clean io.EOF.
func TestSSLObject_WithOpenSSLClient(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	cl := testpeer.StartClient(t, l.Addr().String(), "-CAfile", td("ca.pem"), "-servername", "localhost",
		"-verify_return_error")
	l.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Second))
	nc, err := l.Accept()
	require.NoError(t, err)
	defer nc.Close()
	x := newObjTransport(t, nc, testServerContext(t), ServerSide(true))
	require.NoError(t, x.handshake())
	require.NoError(t, cl.Send("hello from s_client\n"))
	line, err := x.readFull(len("hello from s_client\n"))
	require.NoError(t, err)
	assert.Equal(t, "hello from s_client\n", string(line))
	require.NoError(t, x.write([]byte("hello from SSLObject\n")))
	_, ok := cl.WaitFor(regexp.MustCompile(`hello from SSLObject`), testpeer.StartTimeout)
	assert.True(t, ok, "s_client printed our line:\n%s", cl.Output())
	cl.CloseStdin()
	_, err = x.read(make([]byte, 10))
	assert.ErrorIs(t, err, io.EOF)
	assert.Equal(t, "localhost", sslObjectServerName(x.obj))
	assert.True(t, strings.Contains(cl.Output(), "Verify return code: 0 (ok)"), cl.Output())
}

// garbageCases are bytes a peer may send instead of TLS.
var garbageCases = map[string][]byte{
	"http":             []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
	"http_response":    []byte("HTTP/1.1 400 Bad Request\r\n\r\n"),
	"zeros":            make([]byte, 64),
	"ones":             bytes.Repeat([]byte{0xff}, 64),
	"sslv2_hello":      {0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10},
	"oversized_record": {0x16, 0x03, 0x03, 0xff, 0xff, 0x01},
	"short_header":     {0x16, 0x03},
	"truncated_record": {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03},
	"fatal_alert":      {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28},
	"empty":            {},
}

// objFed runs an SSLObject's handshake on data followed by the end of
// the transport.
func objFed(t *testing.T, ctx *Context, data []byte, opts ...WrapOption) error {
	in, out := NewMemoryBIO(), NewMemoryBIO()
	o, err := ctx.WrapBIO(in, out, opts...)
	require.NoError(t, err)
	if !o.ServerSide() {
		require.ErrorIs(t, o.DoHandshake(), ErrWantRead)
	}
	in.Write(data)
	err = o.DoHandshake()
	if errors.Is(err, ErrWantRead) {
		in.WriteEOF()
		err = o.DoHandshake()
	}
	return err
}

// socketFed runs a Socket's handshake against a peer that sends data (a
// client's hello read first) and ends the transport.
func socketFed(t *testing.T, ctx *Context, data []byte, server bool, opts ...WrapOption) error {
	cn, sn := tcpPair(t)
	mine, peer := cn, sn
	if server {
		mine, peer = sn, cn
	}
	go func() {
		if !server {
			skipRecord(peer)
		}
		peer.Write(data)
		peer.(*net.TCPConn).CloseWrite()
	}()
	mine.SetDeadline(time.Now().Add(10 * time.Second))
	_, err := ctx.WrapSocket(mine, opts...)
	return err
}

// TestSSLObject_GarbageSameErrorAsSocket: fed the same bytes that are not
// TLS, an SSLObject fails its handshake with exactly the error a Socket
// reports.
func TestSSLObject_GarbageSameErrorAsSocket(t *testing.T) {
	for name, data := range garbageCases {
		for _, side := range []string{"server", "client"} {
			t.Run(side+"/"+name, func(t *testing.T) {
				var objErr, sockErr error
				if side == "server" {
					objErr = objFed(t, testServerContext(t), data, ServerSide(true))
					sockErr = socketFed(t, testServerContext(t), data, true, ServerSide(true))
				} else {
					objErr = objFed(t, testClientContext(t), data, ServerHostname("localhost"))
					sockErr = socketFed(t, testClientContext(t), data, false, ServerHostname("localhost"))
				}
				var oe, se *Error
				require.ErrorAs(t, objErr, &oe)
				require.ErrorAs(t, sockErr, &se)
				assert.Equal(t, se.Code, oe.Code, "code")
				assert.Equal(t, se.Library, oe.Library, "library")
				assert.Equal(t, se.Reason, oe.Reason, "reason")
				assert.Equal(t, se.Error(), oe.Error(), "text")
				for name, s := range allClassSentinels {
					assert.Equal(t, errors.Is(sockErr, s), errors.Is(objErr, s), "errors.Is %s", name)
				}
			})
		}
	}
}

// TestSSLObject_ConcurrentUseIsSafe: operations from several goroutines
// on one SSLObject and its BIOs run one at a time: no race, no crash.
func TestSSLObject_ConcurrentUseIsSafe(t *testing.T) {
	p := newObjPair(t, testClientContext(t), testServerContext(t))
	p.handshake(t)
	done := make(chan struct{})
	for i := 0; i < 4; i++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for j := 0; j < 200; j++ {
				p.client.obj.Write([]byte("x"))
				p.client.obj.Read(make([]byte, 10))
				p.client.obj.Version()
				p.client.obj.Pending()
				p.client.out.Pending()
			}
		}()
	}
	for i := 0; i < 4; i++ {
		<-done
	}
	p.carry()
	got := 0
	for {
		data, err := readPyObj(p.server.obj, 4096)
		if err != nil {
			require.ErrorIs(t, err, ErrWantRead)
			break
		}
		got += len(data)
	}
	assert.Equal(t, 800, got, "every byte written arrived once, in whole records")
}

// TestSSLObject_LeavesNothingBehind: SSLObjects have no Close, as in
// Python: thousands of them, ended every way, are freed once unreachable.
func TestSSLObject_LeavesNothingBehind(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 400
	}
	base := quiesce(t)
	cctx, sctx := testClientContext(t), testServerContext(t)
	wrongCA, err := NewContext(ProtocolTLSClient)
	require.NoError(t, err)
	require.NoError(t, wrongCA.LoadVerifyLocations(td("ca2.pem"), ""))
	for i := 0; i < n; i++ {
		switch i % 4 {
		case 0: // data and unwrap both ways
			p := newObjPair(t, cctx, sctx)
			p.handshake(t)
			_, err := p.client.obj.Write([]byte("x"))
			require.NoError(t, err)
			require.ErrorIs(t, p.client.obj.Unwrap(), ErrWantRead)
			p.carry()
			data, err := readPyObj(p.server.obj, 10)
			require.NoError(t, err)
			require.Equal(t, "x", string(data))
			require.NoError(t, p.server.obj.Unwrap())
			p.carry()
			require.NoError(t, p.client.obj.Unwrap())
		case 1: // a failed handshake
			p := newObjPair(t, wrongCA, sctx)
			for round := 0; round < 5; round++ {
				p.client.obj.DoHandshake()
				p.server.obj.DoHandshake()
				p.carry()
			}
			_, err := p.client.obj.GetPeerCert()
			require.Error(t, err)
		case 2: // abandoned in the middle of the handshake
			p := newObjPair(t, cctx, sctx)
			p.client.obj.DoHandshake()
			p.carry()
			p.server.obj.DoHandshake()
		case 3: // the transport ends without close_notify
			p := newObjPair(t, cctx, sctx)
			p.handshake(t)
			p.client.in.WriteEOF()
			_, err := p.client.obj.Read(make([]byte, 1))
			require.ErrorIs(t, err, ErrEOF)
		}
	}
	after := settle(t, base)
	t.Logf("%d connections of SSLObjects; before: %v; after: %v", n, base, after)
	assert.Equal(t, base.ssl, after.ssl, "SSL objects")
	assert.Equal(t, base.bio, after.bio, "BIO objects")
}
