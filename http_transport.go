package ssl

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync"
	"time"

	"golang.org/x/net/http/httpproxy"
	"golang.org/x/net/http2"

	"github.com/sslctx/ssl/openssl"
)

// The limits of http.DefaultTransport, which NewHTTPTransport keeps.
const (
	transportDialTimeout      = 30 * time.Second
	transportKeepAlive        = 30 * time.Second
	transportHandshakeTimeout = 10 * time.Second
	transportIdleConnTimeout  = 90 * time.Second
	transportMaxIdleConns     = 100
	transportExpectContinue   = time.Second
	// spareTimeout bounds how long a connection dialed to learn a server's
	// protocol waits for the request it was dialed for.
	spareTimeout = 30 * time.Second
)

// NewHTTPTransport returns an http.RoundTripper for http.Client that makes
// its TLS connections with this library and c (nil: CreateDefaultContext's
// system CAs and hostname checks), verifying each server as c says against
// the host of the request's URL. It offers ALPN "h2" and "http/1.1" (or
// the protocols c was given with SetALPNProtocols, if any) and speaks what
// the server selects: HTTP/2 through golang.org/x/net/http2, HTTP/1.1
// (also when the server selects nothing) through net/http. Connections of
// both kinds are pooled and reused; the protocol a server chose is
// remembered, so its next connections go to the right pool at once.
// Response.TLS is set under both protocols.
//
// Proxies come from the environment as http.ProxyFromEnvironment reads it
// (HTTPS_PROXY, HTTP_PROXY, NO_PROXY; read when NewHTTPTransport is
// called). For an https:// URL the transport itself sends CONNECT to an
// http:// or https:// proxy and runs the TLS handshake with the origin
// through the tunnel with c, so a proxied request is verified by OpenSSL as
// a direct one is; a proxy of another scheme is an error, never a silent
// change of TLS stack (an https:// proxy's own certificate is verified with
// c too). Plain http:// URLs go through net/http as usual.
//
// Timeouts are http.DefaultTransport's (30 s to connect, 10 s for the
// handshake, idle connections closed after 90 s), within the request's
// context, which http.Client.Timeout bounds; canceling it stops a dial,
// proxy CONNECT or handshake under way. The RoundTripper also has
// CloseIdleConnections, which http.Client.CloseIdleConnections calls. It is
// safe for concurrent use.
func NewHTTPTransport(c *Context) http.RoundTripper {
	t := &httpTransport{
		ctx:    c,
		dialer: &net.Dialer{Timeout: transportDialTimeout, KeepAlive: transportKeepAlive},
		proxy:  httpproxy.FromEnvironment().ProxyFunc(),
		protos: map[string]string{},
		spares: map[string][]*clientConn{},
	}
	if t.ctx == nil {
		t.ctx, t.ctxErr = defaultClientContext()
	}
	t.h1 = &http.Transport{
		Proxy:       t.plainProxy,
		DialContext: t.dialer.DialContext,
		DialTLSContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			return t.dialFor(ctx, addr, protoHTTP1)
		},
		// Never crypto/tls's HTTP/2: net/http offers it only over
		// *tls.Conn, which this transport never makes.
		TLSNextProto:          map[string]func(string, *tls.Conn) http.RoundTripper{},
		MaxIdleConns:          transportMaxIdleConns,
		IdleConnTimeout:       transportIdleConnTimeout,
		ExpectContinueTimeout: transportExpectContinue,
	}
	t.h2 = &http2.Transport{
		DialTLSContext: func(ctx context.Context, _, addr string, _ *tls.Config) (net.Conn, error) {
			return t.dialFor(ctx, addr, protoHTTP2)
		},
		IdleConnTimeout: transportIdleConnTimeout,
	}
	return t
}

// The protocols as the transport names its pools.
const (
	protoHTTP1 = "http/1.1"
	protoHTTP2 = "h2"
)

type httpTransport struct {
	ctx    *Context
	ctxErr error // from the default Context, when c was nil
	dialer *net.Dialer
	proxy  func(*url.URL) (*url.URL, error)
	h1     *http.Transport
	h2     *http2.Transport

	mu     sync.Mutex
	protos map[string]string        // addr -> the protocol its server last selected
	spares map[string][]*clientConn // addr -> connections dialed to learn it, not yet used
}

// RoundTrip sends req over a pooled or new connection of the protocol the
// server selects.
func (t *httpTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL == nil || req.URL.Scheme != "https" {
		return t.h1.RoundTrip(req)
	}
	if t.ctxErr != nil {
		closeBody(req)
		return nil, t.ctxErr
	}
	addr := authorityAddr(req.URL)
	for retried := false; ; retried = true {
		proto, err := t.protocol(req.Context(), addr)
		if err != nil {
			closeBody(req)
			return nil, err
		}
		resp, err := t.roundTrip(req, proto)
		var switched *otherProtocolError
		if err == nil || retried || !errors.As(err, &switched) {
			return resp, err
		}
		// The server selected the other protocol on a new connection,
		// before anything of req was sent: send it by that one.
		if req, err = rewind(req); err != nil {
			return nil, err
		}
	}
}

func (t *httpTransport) roundTrip(req *http.Request, proto string) (*http.Response, error) {
	if proto == protoHTTP2 {
		return t.h2.RoundTrip(req)
	}
	// net/http sets Response.TLS only for a *tls.Conn: take it from the
	// connection the request went out on.
	var conn net.Conn
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { conn = info.Conn }}
	sent := req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := t.h1.RoundTrip(sent)
	if resp != nil {
		resp.Request = req
		if cc, ok := conn.(*clientConn); ok && resp.TLS == nil {
			st := cc.ConnectionState()
			resp.TLS = &st
		}
	}
	return resp, err
}

// CloseIdleConnections closes the idle connections of both protocols.
func (t *httpTransport) CloseIdleConnections() {
	t.h1.CloseIdleConnections()
	t.h2.CloseIdleConnections()
	t.mu.Lock()
	spares := t.spares
	t.spares = map[string][]*clientConn{}
	t.mu.Unlock()
	for _, list := range spares {
		for _, c := range list {
			c.Close()
		}
	}
}

// protocol returns the protocol the server at addr selects: remembered, or
// learned by dialing a connection that then waits for the request as a
// spare.
func (t *httpTransport) protocol(ctx context.Context, addr string) (string, error) {
	t.mu.Lock()
	p, ok := t.protos[addr]
	t.mu.Unlock()
	if ok {
		return p, nil
	}
	c, err := t.dial(ctx, addr)
	if err != nil {
		return "", err
	}
	t.addSpare(addr, c)
	return c.proto, nil
}

// dialFor is the dial of the pool of protocol want: a spare of that
// protocol, or a new connection. One whose server selected the other
// protocol is kept as a spare for the other pool, and the dial fails with
// *otherProtocolError.
func (t *httpTransport) dialFor(ctx context.Context, addr, want string) (net.Conn, error) {
	if c := t.takeSpare(addr, want); c != nil {
		return c, nil
	}
	c, err := t.dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	if c.proto != want {
		t.addSpare(addr, c)
		return nil, &otherProtocolError{addr: addr, want: want, got: c.proto}
	}
	return c, nil
}

// dial connects to addr, directly or through the proxy, and completes the
// TLS handshake with the origin, recording the protocol it selected.
func (t *httpTransport) dial(ctx context.Context, addr string) (*clientConn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	raw, err := t.dialOrigin(ctx, addr)
	if err != nil {
		return nil, err
	}
	s, err := t.handshake(ctx, raw, unzoned(host), []string{protoHTTP2, protoHTTP1})
	if err != nil {
		return nil, err
	}
	proto := s.SelectedALPNProtocol()
	switch proto {
	case "", "http/1.0":
		proto = protoHTTP1
	case protoHTTP1, protoHTTP2:
	default:
		s.Close()
		return nil, fmt.Errorf("ssl: %s selected ALPN protocol %q: NewHTTPTransport speaks only h2 and http/1.1", addr, proto)
	}
	t.mu.Lock()
	t.protos[addr] = proto
	t.mu.Unlock()
	return &clientConn{Socket: s, proto: proto}, nil
}

// dialOrigin returns a connection to addr: TCP, or a CONNECT tunnel through
// the proxy the environment names for https://addr.
func (t *httpTransport) dialOrigin(ctx context.Context, addr string) (net.Conn, error) {
	proxyURL, err := t.proxy(&url.URL{Scheme: "https", Host: addr})
	if err != nil {
		return nil, err
	}
	if proxyURL == nil {
		return t.dialer.DialContext(ctx, "tcp", addr)
	}
	conn, err := t.dialTunnel(ctx, proxyURL, addr)
	if err != nil {
		// net/http's type for a failure on the way through a proxy.
		return nil, &net.OpError{Op: "proxyconnect", Net: "tcp", Err: err}
	}
	return conn, nil
}

// handshake wraps raw as a client of t.ctx for host and completes the
// handshake within the transport's handshake timeout and ctx, offering
// protos unless the Context has ALPN protocols of its own. On failure raw
// is closed.
func (t *httpTransport) handshake(ctx context.Context, raw net.Conn, host string, protos []string) (*Socket, error) {
	s, err := t.ctx.WrapSocket(raw, ServerHostname(host), DoHandshakeOnConnect(false))
	if err != nil {
		raw.Close()
		return nil, err
	}
	if err := offerALPN(s, protos); err != nil {
		s.Close()
		return nil, err
	}
	hctx, cancel := context.WithTimeout(ctx, transportHandshakeTimeout)
	defer cancel()
	if err := s.HandshakeContext(hctx); err != nil {
		if hctx.Err() != nil && ctx.Err() == nil {
			return nil, handshakeTimeoutError{}
		}
		return nil, err
	}
	return s, nil
}

// offerALPN makes s offer protos, unless its Context offers protocols of
// its own, set by the user (SSL_set_alpn_protos, leaving the shared
// Context as it is).
func offerALPN(s *Socket, protos []string) error {
	wire, err := alpnWire(protos)
	if err != nil {
		return err
	}
	var serr error
	if !s.ssl(func(ssl *openssl.SSL) {
		if !ssl.ContextHasALPN() {
			serr = ssl.SetALPNProtos(wire)
		}
	}) {
		return ErrClosed
	}
	if serr != nil {
		return openSSLError(serr)
	}
	return nil
}

// alpnWire is protos in ALPN's wire format.
func alpnWire(protos []string) ([]byte, error) {
	var wire []byte
	for _, p := range protos {
		if len(p) == 0 || len(p) > 255 {
			return nil, invalidArgument("ALPN protocol %q must be 1 to 255 bytes", p)
		}
		wire = append(wire, byte(len(p)))
		wire = append(wire, p...)
	}
	return wire, nil
}

// plainProxy is net/http's proxy for the requests it dials itself: plain
// http:// ones. https:// ones go through dialOrigin.
func (t *httpTransport) plainProxy(req *http.Request) (*url.URL, error) {
	if req.URL.Scheme == "https" {
		return nil, nil
	}
	p, err := t.proxy(req.URL)
	if err == nil && p != nil && p.Scheme == "https" {
		// net/http would run that TLS through DialTLSContext, made for
		// origins.
		return nil, fmt.Errorf("ssl: NewHTTPTransport does not send plain http:// requests through the https:// proxy %s", p.Redacted())
	}
	return p, err
}

func (t *httpTransport) addSpare(addr string, c *clientConn) {
	t.mu.Lock()
	t.spares[addr] = append(t.spares[addr], c)
	t.mu.Unlock()
	time.AfterFunc(spareTimeout, func() {
		if t.removeSpare(addr, c) {
			c.Close()
		}
	})
}

// takeSpare removes and returns a spare of protocol want for addr, or nil.
func (t *httpTransport) takeSpare(addr, want string) *clientConn {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, c := range t.spares[addr] {
		if c.proto == want {
			t.dropSpareLocked(addr, i)
			return c
		}
	}
	return nil
}

func (t *httpTransport) removeSpare(addr string, c *clientConn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, s := range t.spares[addr] {
		if s == c {
			t.dropSpareLocked(addr, i)
			return true
		}
	}
	return false
}

func (t *httpTransport) dropSpareLocked(addr string, i int) {
	list := append(t.spares[addr][:i:i], t.spares[addr][i+1:]...)
	if len(list) == 0 {
		delete(t.spares, addr)
	} else {
		t.spares[addr] = list
	}
}

// clientConn is a transport connection: the Socket, the protocol its
// server selected, and its state, computed once.
type clientConn struct {
	*Socket
	proto string
	once  sync.Once
	state tls.ConnectionState
}

// ConnectionState is the Socket's, computed once: the handshake is over.
func (c *clientConn) ConnectionState() tls.ConnectionState {
	c.once.Do(func() { c.state = c.Socket.ConnectionState() })
	return c.state
}

// otherProtocolError is the dial of one protocol's pool meeting a server
// that selected the other.
type otherProtocolError struct{ addr, want, got string }

func (e *otherProtocolError) Error() string {
	return fmt.Sprintf("ssl: %s selected %s on a new connection, not %s", e.addr, e.got, e.want)
}

// handshakeTimeoutError is net/http's "TLS handshake timeout".
type handshakeTimeoutError struct{}

func (handshakeTimeoutError) Timeout() bool   { return true }
func (handshakeTimeoutError) Temporary() bool { return true }
func (handshakeTimeoutError) Error() string   { return "ssl: TLS handshake timeout" }

// authorityAddr is host:port of u, with https's default port.
func authorityAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// rewind returns req ready to be sent again: its body, if any, anew.
func rewind(req *http.Request) (*http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return req, nil
	}
	if req.GetBody == nil {
		return nil, fmt.Errorf("ssl: %s switched protocol between connections and the request body cannot be sent again (no Request.GetBody)", req.URL.Host)
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Body = body
	return r, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
