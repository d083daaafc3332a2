package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sslctx/ssl"
)

const serveHelp = `Listens on -listen with a PROTOCOL_TLS_SERVER context holding -cert and -key
and serves each connection:
  -mode echo   sends back every byte the client sends, until it closes;
  -mode https  answers GET / with a text page naming the connection's
               HTTP version, protocol and cipher: HTTP/2 or HTTP/1.1 as ALPN
               selects (ssl.ServeHTTPS; the server accepts h2,http/1.1
               unless -alpn says otherwise).
First it prints "listening on ADDRESS", then one line per connection once its
handshake is over:
  REMOTE: PROTOCOL CIPHER [alpn=P] [sni=NAME] [client="CN"]
  REMOTE: handshake failed: ERROR
A failed handshake does not stop the server. It runs until SIGINT or SIGTERM,
or with -n until it has accepted that many connections and they have all
closed, and then exits 0.

With -sni NAME=CERT,KEY (repeatable) a client that asks for NAME (SNI) gets
that certificate; one that sends no name or another name gets -cert, as
openssl s_server -servername does without -servername_fatal.

With -cafile, clients must present a certificate issued by one of its CAs
(-verify required); -verify optional asks for one but lets clients without
a certificate in.
`

func runServe(args []string, stdout, stderr io.Writer) error {
	cfg, err := parseServe(args, stdout, stderr)
	if err != nil {
		return err
	}
	return cfg.serve(stdout)
}

// serveConfig is a checked serve command line.
type serveConfig struct {
	tls        *tlsFlags
	listen     string
	mode       string // echo or https
	limit      int
	verifyMode ssl.VerifyMode
	alpn       []string
	protocol   ssl.Protocol
	versions   versionBounds
	sni        sniFlag
}

// parseServe reads and checks serve's command line.
func parseServe(args []string, stdout, stderr io.Writer) (*serveConfig, error) {
	fs := flags("serve", "", stdout)
	protocol := fs.String("protocol", "TLS_SERVER", "the context's `protocol`: TLS, TLS_SERVER, TLSv1, TLSv1_1 or TLSv1_2 (Python's PROTOCOL_*)")
	listen := fs.String("listen", "127.0.0.1:8443", "`address` to listen on; port 0 picks a free one")
	tf := addTLSFlags(fs, true)
	mode := fs.String("mode", "echo", "`mode` of serving: echo (send each connection's bytes back) or https (answer GET / with a page)")
	limit := fs.Int("n", 0, "stop after this many connections; 0 serves until SIGINT or SIGTERM")
	var sni sniFlag
	fs.Var(&sni, "sni", "`NAME=CERT,KEY`: serve the certificate chain in CERT, with the key in KEY, to clients asking for NAME (repeatable; other clients get -cert)")
	if _, err := parseArgs(fs, args, 0, 0); err != nil {
		return nil, err
	}
	if *tf.certFile == "" {
		return nil, usageError{"-cert is required (see sslctx serve --help)"}
	}
	if *mode != "echo" && *mode != "https" {
		return nil, usageError{fmt.Sprintf("-mode %q: want echo or https", *mode)}
	}
	if *limit < 0 {
		return nil, usageError{"-n must not be negative"}
	}
	cfg := &serveConfig{tls: tf, listen: *listen, mode: *mode, limit: *limit, sni: sni}
	verifyMode, verifySet, err := tf.check()
	if err != nil {
		return nil, err
	}
	if cfg.protocol, err = parseProtocol(*protocol, "TLS", "SSLv23", "TLS_SERVER", "TLSv1", "TLSv1_1", "TLSv1_2"); err != nil {
		return nil, err
	}
	if cfg.versions, err = tf.versions.parse(); err != nil {
		return nil, err
	}
	warnings := tf.warnings(cfg.versions)
	if verifySet && verifyMode == ssl.CertNone && *tf.cafile != "" {
		warnings = append(warnings, "-cafile has no effect with -verify none: clients are not asked for a certificate")
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "sslctx serve: warning: %s\n", w)
	}
	cfg.verifyMode = verifyMode
	if !verifySet && *tf.cafile != "" {
		cfg.verifyMode = ssl.CertRequired
	}
	if verifySet && verifyMode != ssl.CertNone && *tf.cafile == "" {
		return nil, usageError{"-verify " + *tf.verify + " needs -cafile"}
	}
	if cfg.alpn, err = serveALPN(fs, cfg.mode, *tf.alpn); err != nil {
		return nil, err
	}
	return cfg, nil
}

// serveALPN is the ALPN protocols to accept: -alpn, and for HTTPS h2 and
// http/1.1 unless -alpn says otherwise.
func serveALPN(fs *flag.FlagSet, mode, alpn string) ([]string, error) {
	protos := parseALPN(alpn)
	if mode != "https" {
		return protos, nil
	}
	if !isSet(fs, "alpn") {
		return []string{"h2", "http/1.1"}, nil
	}
	if other := slices.DeleteFunc(slices.Clone(protos), func(p string) bool { return p == "h2" || p == "http/1.1" }); len(other) > 0 {
		return nil, usageError{fmt.Sprintf("-mode https speaks h2 and http/1.1: -alpn must not offer %s", strings.Join(other, ","))}
	}
	return protos, nil
}

// newContext makes the server context the flags describe.
func (cfg *serveConfig) newContext() (*ssl.Context, error) {
	f := cfg.tls
	return newContext(cfg.protocol, f.loadCertChain, f.applyCiphers, cfg.loadCAs,
		func(c *ssl.Context) error { return c.SetVerifyMode(cfg.verifyMode) },
		func(c *ssl.Context) error { return applyALPN(c, cfg.alpn) }, cfg.versions.apply)
}

// loadCAs loads -cafile, the CAs of client certificates.
func (cfg *serveConfig) loadCAs(c *ssl.Context) error {
	if *cfg.tls.cafile == "" {
		return nil
	}
	return loadCAFlags(c, *cfg.tls.cafile, "")
}

// serve makes the context, listens and serves until a signal, or until
// -n connections are done.
func (cfg *serveConfig) serve(stdout io.Writer) error {
	c, err := cfg.newContext()
	if err != nil {
		return err
	}
	defer c.Close()
	closeSNI, err := cfg.sniContexts(c)
	if err != nil {
		return err
	}
	defer closeSNI()
	// Signals are caught before the address is printed, so whoever reads it
	// may signal at once.
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigc)

	inner, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	timeout := *cfg.tls.timeout
	out := &lineWriter{w: stdout}
	l := &serveListener{Listener: ssl.NewListener(inner, c), limit: int64(cfg.limit), timeout: timeout, out: out}
	defer l.Close()
	out.printf("listening on %s", inner.Addr())

	if cfg.mode == "https" {
		return serveHTTPS(l, sigc, out, timeout)
	}
	return serveEcho(l, sigc, out)
}

// serveEcho echoes each connection's bytes back to it.
func serveEcho(l *serveListener, sigc <-chan os.Signal, out *lineWriter) error {
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		conns  = map[net.Conn]bool{}
		closed bool
	)
	closeAll := func() {
		mu.Lock()
		defer mu.Unlock()
		closed = true
		for conn := range conns {
			conn.Close()
		}
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case sig := <-sigc:
			out.printf("stopping: %v", sig)
			l.stop()
			closeAll()
		case <-done:
		}
	}()
	var acceptErr error
	for {
		conn, err := l.Accept()
		if err != nil {
			if !l.stopped.Load() {
				acceptErr = err
				closeAll()
			}
			break
		}
		mu.Lock()
		if closed {
			mu.Unlock()
			conn.Close()
			continue
		}
		conns[conn] = true
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				mu.Lock()
				delete(conns, conn)
				mu.Unlock()
				conn.Close()
			}()
			io.Copy(conn, conn)
		}()
	}
	wg.Wait()
	return acceptErr
}

// serveHTTPS answers HTTPS requests with a page describing the connection.
func serveHTTPS(l *serveListener, sigc <-chan os.Signal, out *lineWriter, timeout time.Duration) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s, ok := ssl.SocketFromContext(r.Context())
		if !ok {
			http.Error(w, "no TLS connection", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, connectionPage(s, r.Proto))
	})
	// open counts the connections being served, for -n to wait for them.
	var open sync.WaitGroup
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: timeout,
		IdleTimeout:       timeout,
		ErrorLog:          log.New(io.Discard, "", 0),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if hc, ok := c.(*handshakingConn); ok {
				return ssl.ConnContext(ctx, hc.Socket)
			}
			return ctx
		},
		ConnState: func(_ net.Conn, st http.ConnState) {
			switch st {
			case http.StateNew:
				open.Add(1)
			case http.StateClosed, http.StateHijacked:
				open.Done()
			}
		},
	}
	errc := make(chan error, 1)
	go func() { errc <- ssl.ServeHTTPS(srv, l) }()
	select {
	case sig := <-sigc:
		out.printf("stopping: %v", sig)
		l.stop()
		srv.Close()
		<-errc
		return nil
	case err := <-errc:
		if !l.stopped.Load() {
			return err
		}
	}
	// -n connections were accepted (Serve counts each before it returns):
	// serve them until their clients close them or they are idle too long.
	closed := make(chan struct{})
	go func() {
		open.Wait()
		close(closed)
	}()
	select {
	case <-closed:
	case sig := <-sigc:
		out.printf("stopping: %v", sig)
	}
	srv.Close()
	return nil
}

// connectionPage is the text GET / answers with.
func connectionPage(s *ssl.Socket, httpVersion string) string {
	f := factsOf(s)
	page := fmt.Sprintf("Hello from sslctx serve, over %s.\n\nhttp:      %s\nprotocol:  %s\ncipher:    %s (%s, %d secret bits)\n",
		ssl.OpenSSLVersion, httpVersion, f.version, f.cipher.Name, f.cipher.Version, f.cipher.SecretBits)
	if f.alpn != "" {
		page += "alpn:      " + f.alpn + "\n"
	}
	if f.sni != "" {
		page += "sni:       " + f.sni + "\n"
	}
	page += "client:    " + s.RemoteAddr().String() + "\n"
	if f.peer != nil {
		page += fmt.Sprintf("client certificate: %q\n", commonName(f.peer))
	}
	return page
}

// connFacts are what serve reports of a completed handshake.
type connFacts struct {
	version, alpn, sni string
	cipher             ssl.CipherInfo
	peer               *ssl.Cert // the client's certificate, nil without one
}

func factsOf(s *ssl.Socket) connFacts {
	f := connFacts{version: s.Version(), alpn: s.SelectedALPNProtocol(), sni: s.ConnectionState().ServerName}
	f.cipher, _ = s.Cipher()
	if peer, err := s.GetPeerCert(); err == nil {
		f.peer = peer
	}
	return f
}

// serveListener accepts from an ssl.NewListener, stops after limit
// connections (0: no limit) and hands out connections that perform and
// report their handshake on first use.
type serveListener struct {
	net.Listener
	limit   int64
	timeout time.Duration
	out     *lineWriter

	accepted atomic.Int64
	stopped  atomic.Bool
}

func (l *serveListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		if l.stopped.Load() {
			return nil, net.ErrClosed
		}
		return nil, err
	}
	if l.limit > 0 && l.accepted.Add(1) >= l.limit {
		l.stop()
	}
	return &handshakingConn{Socket: conn.(*ssl.Socket), timeout: l.timeout, out: l.out}, nil
}

// stop closes the listener; Accept then returns net.ErrClosed.
func (l *serveListener) stop() {
	l.stopped.Store(true)
	l.Listener.Close()
}

// handshakingConn is a server *ssl.Socket whose first Read or Write performs
// the handshake, bounded by timeout, and prints a line saying how it went.
type handshakingConn struct {
	*ssl.Socket
	timeout time.Duration
	out     *lineWriter
	once    sync.Once
	err     error
}

func (c *handshakingConn) handshake() error { return c.HandshakeContext(context.Background()) }

// HandshakeContext is the handshake of handshake, within ctx as well:
// ssl.ServeHTTPS runs it with the server's own bound.
func (c *handshakingConn) HandshakeContext(parent context.Context) error {
	c.once.Do(func() {
		ctx, cancel := context.WithTimeout(parent, c.timeout)
		defer cancel()
		err := c.Socket.HandshakeContext(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no handshake within -timeout %v", c.timeout)
		}
		c.err = err
		if err != nil {
			c.out.printf("%s: handshake failed: %s", c.RemoteAddr(), oneLine(withDetail(err).Error()))
			return
		}
		c.out.printf("%s", describeConn(c.Socket))
	})
	return c.err
}

func (c *handshakingConn) Read(p []byte) (int, error) {
	if err := c.handshake(); err != nil {
		return 0, err
	}
	return c.Socket.Read(p)
}

func (c *handshakingConn) Write(p []byte) (int, error) {
	if err := c.handshake(); err != nil {
		return 0, err
	}
	return c.Socket.Write(p)
}

// describeConn is the line serve prints for a completed handshake.
func describeConn(s *ssl.Socket) string {
	f := factsOf(s)
	line := fmt.Sprintf("%s: %s %s", s.RemoteAddr(), f.version, f.cipher.Name)
	if f.alpn != "" {
		line += " alpn=" + f.alpn
	}
	if f.sni != "" {
		line += " sni=" + f.sni
	}
	if f.peer != nil {
		line += fmt.Sprintf(" client=%q", commonName(f.peer))
	}
	return line
}

// lineWriter writes whole lines from many goroutines without mixing them.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *lineWriter) printf(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fmt.Fprintf(w.w, format+"\n", args...)
}
