package ssl

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/net/http2"
)

// ServeHTTPS serves srv on ln, a listener of server-side Sockets (Listen or
// NewListener), as srv.ServeTLS serves a crypto/tls listener: each
// connection's handshake runs in a goroutine of its own, bounded by the
// server's handshake timeout (the smallest positive ReadHeaderTimeout,
// ReadTimeout or WriteTimeout, as net/http's), then the protocol ALPN
// selected decides: "h2" is served as HTTP/2 (golang.org/x/net/http2), no
// protocol or "http/1.1" as HTTP/1.1 by srv itself. The server offers what
// the listener's Context offers: SetALPNProtocols([]string{"h2",
// "http/1.1"}) enables HTTP/2; a Context without ALPN protocols serves
// HTTP/1.1 only. srv.Protocols, when set, must allow the protocol
// negotiated, or the connection is closed, as net/http closes one whose
// protocol it has no server for.
//
// Request.TLS holds the state after the handshake under both protocols, so
// FillRequestTLS is not needed (it does no harm). An HTTP/2 connection that
// negotiated a TLS version below 1.2 or a cipher suite RFC 7540 appendix A
// blocks is refused with a GOAWAY carrying INADEQUATE_SECURITY, as
// net/http refuses one over crypto/tls. A client that speaks plain HTTP to
// the port gets net/http's 400 answer. Handshake failures are logged to
// srv.ErrorLog as net/http logs them.
//
// srv.ConnContext and srv.ConnState see each connection once its handshake
// is done (net/http shows them the connection before it), with the
// connection as the listener returned it; a connection whose handshake
// fails is closed without reaching them. ln may also yield wrappers of a
// Socket (net.Conn with HandshakeContext and ConnectionState); any other
// connection is logged and closed.
//
// ServeHTTPS returns as srv.Serve does: ErrServerClosed after
// srv.Shutdown or srv.Close, the listener's error otherwise (after the
// handshakes under way have ended). Shutdown sends each HTTP/2 connection a
// GOAWAY and lets its streams finish, but cannot wait for them itself, as
// it waits for HTTP/1.1 connections: after Shutdown, ServeHTTPS returns
// only once every HTTP/2 connection it served has ended, so a program that
// waits for ServeHTTPS too loses no request. After Close, HTTP/2
// connections are closed within a second.
func ServeHTTPS(srv *http.Server, ln net.Listener) error {
	s := newHTTPSServer(srv, ln)
	srv.RegisterOnShutdown(s.onShutdown)
	go s.acceptLoop()
	err := srv.Serve(s.h1)
	s.stop()
	if errors.Is(err, http.ErrServerClosed) {
		s.drainH2()
	}
	return err
}

// handshaker is a server connection ServeHTTPS can serve: a *Socket or a
// wrapper of one.
type handshaker interface {
	net.Conn
	HandshakeContext(ctx context.Context) error
	ConnectionState() tls.ConnectionState
}

// closeDetectWait bounds how long ServeHTTPS, once srv.Serve has returned
// ErrServerClosed, waits for the shutdown hook to say the stop was a
// Shutdown; without it, the stop was a Close. Shutdown starts its hooks
// before srv.Serve can return, so the wait ends at once in practice.
const closeDetectWait = time.Second

// httpsServer is one ServeHTTPS call. Lock order: mu alone.
type httpsServer struct {
	srv *http.Server
	ln  net.Listener
	h1  *h1Listener // what srv.Serve accepts HTTP/1.1 connections from
	h2  *http2.Server
	// h2stop runs h2's shutdown hook: its Shutdown tells every HTTP/2
	// connection h2 serves to go away gracefully.
	h2stop *http.Server

	ctx    context.Context // canceled when serving stops: ends handshakes under way
	cancel context.CancelFunc

	mu         sync.Mutex
	stopping   bool                  // no new connection is served
	h2conns    map[net.Conn]struct{} // HTTP/2 connections being served, guarded by mu
	pending    sync.WaitGroup        // handshakes under way
	h2wg       sync.WaitGroup        // HTTP/2 connections being served
	shutdown   chan struct{}         // closed by onShutdown
	shutdownMu sync.Once
}

func newHTTPSServer(srv *http.Server, ln net.Listener) *httpsServer {
	ctx, cancel := context.WithCancel(context.Background())
	s := &httpsServer{
		srv:      srv,
		ln:       ln,
		h2:       &http2.Server{IdleTimeout: srv.IdleTimeout},
		h2stop:   &http.Server{},
		ctx:      ctx,
		cancel:   cancel,
		h2conns:  map[net.Conn]struct{}{},
		shutdown: make(chan struct{}),
	}
	if s.h2.IdleTimeout == 0 {
		// http2.ConfigureServer's rule.
		s.h2.IdleTimeout = srv.ReadTimeout
	}
	// Configuring a private http.Server leaves srv's TLSConfig and
	// TLSNextProto as they are, and gives h2 the list of connections its
	// graceful shutdown walks.
	if err := http2.ConfigureServer(s.h2stop, s.h2); err != nil {
		// Only a TLSConfig with cipher suites can fail, and h2stop has none.
		panic(err)
	}
	s.h1 = &h1Listener{ln: ln, conns: make(chan net.Conn), errc: make(chan error, 1), done: make(chan struct{}), onClose: s.stop}
	return s
}

// acceptLoop accepts connections and hands each to a handshake goroutine.
// A temporary Accept error is passed to srv.Serve, which backs off as it
// does for its own listeners; any other ends the loop once the handshakes
// under way are over, so that their connections are still served.
func (s *httpsServer) acceptLoop() {
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			// net/http's test for an error worth retrying (EMFILE, ...).
			if te, ok := err.(interface{ Temporary() bool }); ok && te.Temporary() {
				if !s.h1.fail(err) {
					return
				}
				continue
			}
			s.pending.Wait()
			s.h1.fail(err)
			return
		}
		s.mu.Lock()
		if s.stopping {
			s.mu.Unlock()
			conn.Close()
			continue
		}
		s.pending.Add(1)
		s.mu.Unlock()
		go s.handshake(conn)
	}
}

// handshake runs the TLS handshake of conn and serves it by the protocol
// negotiated. The handshake and the handing over of the connection count
// as pending; serving it does not.
func (s *httpsServer) handshake(conn net.Conn) {
	if hc := s.handOver(conn); hc != nil {
		s.serveH2(hc)
	}
}

// handOver handshakes conn and hands it to srv.Serve as HTTP/1.1, or
// returns it registered for serveH2 when HTTP/2 was negotiated.
func (s *httpsServer) handOver(conn net.Conn) handshaker {
	defer s.pending.Done()
	hc, ok := conn.(handshaker)
	if !ok {
		s.logf("ssl: ServeHTTPS: %T from %s is not a TLS connection (want *ssl.Socket)", conn, conn.RemoteAddr())
		conn.Close()
		return nil
	}
	ctx := s.ctx
	if d := handshakeTimeout(s.srv); d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	if err := hc.HandshakeContext(ctx); err != nil {
		s.handshakeFailed(hc, err)
		return nil
	}
	proto := hc.ConnectionState().NegotiatedProtocol
	switch {
	case proto == http2.NextProtoTLS && s.allows(func(p *http.Protocols) bool { return p.HTTP2() }):
		s.mu.Lock()
		if s.stopping {
			s.mu.Unlock()
			hc.Close()
			return nil
		}
		s.h2conns[hc] = struct{}{}
		s.h2wg.Add(1)
		s.mu.Unlock()
		// Before the connection stops being pending, as srv.Serve calls
		// it before it can return: whoever counts connections with it
		// sees this one once ServeHTTPS has returned.
		if hook := s.srv.ConnState; hook != nil {
			hook(hc, http.StateNew)
		}
		return hc
	case (proto == "" || proto == "http/1.1" || proto == "http/1.0") && s.allows(func(p *http.Protocols) bool { return p.HTTP1() }):
		if !s.h1.deliver(hc) {
			hc.Close()
		}
	default:
		s.logf("http: TLS connection from %s negotiated %q, which this server does not serve", hc.RemoteAddr(), proto)
		hc.Close()
	}
	return nil
}

// handshakeFailed logs a failed handshake as net/http does, answering a
// client that spoke plain HTTP as net/http answers it.
func (s *httpsServer) handshakeFailed(hc handshaker, err error) {
	reason := err.Error()
	if errors.Is(err, context.DeadlineExceeded) {
		reason = fmt.Sprintf("no handshake within %v", handshakeTimeout(s.srv))
	}
	var se *Error
	if errors.As(err, &se) && se.Reason == "HTTP_REQUEST" {
		if nc, ok := hc.(interface{ NetConn() net.Conn }); ok {
			raw := nc.NetConn()
			raw.SetWriteDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(raw, "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")
		}
		reason = "client sent an HTTP request to an HTTPS server"
	}
	if s.ctx.Err() == nil {
		s.logf("http: TLS handshake error from %s: %v", hc.RemoteAddr(), reason)
	}
	hc.Close()
}

// allows reports whether srv.Protocols (all of HTTP/1 and HTTP/2 when nil,
// as net/http reads it) permits a protocol.
func (s *httpsServer) allows(has func(*http.Protocols) bool) bool {
	if s.srv.Protocols == nil {
		return true
	}
	return has(s.srv.Protocols)
}

// serveH2 serves an HTTP/2 connection, registered by handOver, until it
// ends. x/net/http2 checks the
// TLS version and cipher suite from conn's ConnectionState and fills
// Request.TLS from it.
func (s *httpsServer) serveH2(conn handshaker) {
	defer func() {
		s.mu.Lock()
		delete(s.h2conns, conn)
		s.mu.Unlock()
		s.h2wg.Done()
	}()

	ctx := context.Background()
	if s.srv.BaseContext != nil {
		ctx = s.srv.BaseContext(s.h1)
	}
	if s.srv.ConnContext != nil {
		ctx = s.srv.ConnContext(ctx, conn)
	}
	if hook := s.srv.ConnState; hook != nil {
		defer hook(conn, http.StateClosed)
	}
	s.h2.ServeConn(conn, &http2.ServeConnOpts{
		Context:    ctx,
		BaseConfig: s.srv,
		Handler:    h2Handler{s.srv},
	})
	conn.Close()
}

// h2Handler is srv's handler as net/http's serverHandler presents it to
// HTTP/2 streams: DefaultServeMux when srv has none, and the answer to
// "OPTIONS *".
type h2Handler struct{ srv *http.Server }

func (h h2Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.RequestURI == "*" && r.Method == http.MethodOptions && !h.srv.DisableGeneralOptionsHandler {
		if r.ContentLength != 0 {
			io.Copy(io.Discard, io.LimitReader(r.Body, 256<<10))
		}
		w.Header().Set("Content-Length", "0")
		return
	}
	handler := h.srv.Handler
	if handler == nil {
		handler = http.DefaultServeMux
	}
	handler.ServeHTTP(w, r)
}

// onShutdown is srv's shutdown hook: HTTP/2 connections get a GOAWAY.
func (s *httpsServer) onShutdown() {
	s.shutdownMu.Do(func() { close(s.shutdown) })
	s.stop()
	s.goAway()
	// A connection that passed serveH2's check just before stop may reach
	// x/net's list of connections just after the GOAWAYs went out: a second
	// round reaches it.
	time.AfterFunc(100*time.Millisecond, s.goAway)
}

// goAway starts the graceful shutdown of every HTTP/2 connection h2 serves
// (h2stop's only hook is x/net's, and it may run any number of times).
func (s *httpsServer) goAway() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.h2stop.Shutdown(ctx)
}

// stop ends accepting and the handshakes under way; served connections go
// on.
func (s *httpsServer) stop() {
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	s.cancel()
	s.ln.Close()
}

// drainH2 waits, after Shutdown or Close, for the HTTP/2 connections to
// end: after Close (no shutdown hook ran), it closes them first.
func (s *httpsServer) drainH2() {
	s.pending.Wait()
	s.mu.Lock()
	n := len(s.h2conns)
	s.mu.Unlock()
	if n == 0 {
		return
	}
	select {
	case <-s.shutdown:
	case <-time.After(closeDetectWait):
		s.mu.Lock()
		for c := range s.h2conns {
			c.Close()
		}
		s.mu.Unlock()
	}
	s.h2wg.Wait()
}

func (s *httpsServer) logf(format string, args ...any) {
	if s.srv.ErrorLog != nil {
		s.srv.ErrorLog.Printf(format, args...)
	} else {
		log.Printf(format, args...)
	}
}

// handshakeTimeout is net/http's TLS handshake timeout for srv: the
// smallest positive ReadHeaderTimeout, ReadTimeout or WriteTimeout, or none.
func handshakeTimeout(srv *http.Server) time.Duration {
	var d time.Duration
	for _, v := range []time.Duration{srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout} {
		if v > 0 && (d == 0 || v < d) {
			d = v
		}
	}
	return d
}

// h1Listener is what srv.Serve accepts from: connections whose handshake
// is done and which speak HTTP/1.1. Closing it (srv.Shutdown, srv.Close, or
// srv.Serve returning) stops the whole ServeHTTPS.
type h1Listener struct {
	ln      net.Listener
	conns   chan net.Conn
	errc    chan error
	done    chan struct{}
	once    sync.Once
	onClose func()
}

// deliver hands conn to srv.Serve; false once the listener is closed.
func (l *h1Listener) deliver(conn net.Conn) bool {
	select {
	case l.conns <- conn:
		return true
	case <-l.done:
		return false
	}
}

// fail hands an Accept error to srv.Serve; false once the listener is
// closed.
func (l *h1Listener) fail(err error) bool {
	select {
	case l.errc <- err:
		return true
	case <-l.done:
		return false
	}
}

func (l *h1Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case err := <-l.errc:
		return nil, err
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *h1Listener) Close() error {
	l.once.Do(func() {
		close(l.done)
		l.onClose()
	})
	return nil
}

func (l *h1Listener) Addr() net.Addr { return l.ln.Addr() }
