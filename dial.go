package ssl

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// WrapSocket wraps conn with a Context made for this call alone: Python's
// module-level ssl.wrap_socket. SSLVersion (default ProtocolTLS), CertReqs
// (default CertNone), CACerts, CertFile, KeyFile and Ciphers configure that
// Context; the other options are those of Context.WrapSocket. A server
// needs CertFile, and KeyFile needs CertFile, as in Python.
func WrapSocket(conn net.Conn, opts ...WrapOption) (*Socket, error) {
	cfg := defaultWrapConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.serverSide && cfg.certFile == "" {
		return nil, invalidArgument("certfile must be specified for server-side operations")
	}
	if cfg.keyFile != "" && cfg.certFile == "" {
		return nil, invalidArgument("certfile must be specified")
	}
	c, err := NewContext(cfg.sslVersion)
	if err != nil {
		return nil, err
	}
	s, err := legacyWrap(c, conn, cfg)
	if err != nil {
		// No socket holds the one-off Context: free it now.
		c.Close()
		return nil, err
	}
	return s, nil
}

// legacyWrap applies the module-level WrapSocket's arguments to its own
// Context and wraps conn with it.
func legacyWrap(c *Context, conn net.Conn, cfg wrapConfig) (*Socket, error) {
	if err := c.SetVerifyMode(cfg.certReqs); err != nil {
		return nil, err
	}
	if cfg.caCerts != "" {
		if err := c.LoadVerifyLocations(cfg.caCerts, ""); err != nil {
			return nil, err
		}
	}
	if cfg.certFile != "" {
		if err := c.LoadCertChain(cfg.certFile, cfg.keyFile); err != nil {
			return nil, err
		}
	}
	if cfg.ciphers != "" {
		if err := c.SetCiphers(cfg.ciphers); err != nil {
			return nil, err
		}
	}
	return c.wrap(conn, cfg)
}

// Dialer connects to TLS servers. Its DialContext returns a *Socket whose
// handshake and hostname check are done, which is what
// http.Transport.DialTLSContext expects.
type Dialer struct {
	// NetDialer makes the TCP connection; nil means a zero net.Dialer. Its
	// Timeout and Deadline cover the whole dial: TCP, handshake and
	// hostname check, as tls.DialWithDialer's do.
	NetDialer *net.Dialer
	// Context holds the TLS settings; nil means
	// CreateDefaultContext(PurposeServerAuth): the system's CAs and
	// hostname checking.
	Context *Context
}

var (
	defaultClientOnce sync.Once
	defaultClient     *Context
	defaultClientErr  error
)

// defaultClientContext is shared: a Context is safe for concurrent use,
// and loading the system's CAs for each dial would be wasteful.
func defaultClientContext() (*Context, error) {
	defaultClientOnce.Do(func() { defaultClient, defaultClientErr = CreateDefaultContext(PurposeServerAuth) })
	return defaultClient, defaultClientErr
}

// DialContext connects to addr on network ("tcp", "tcp4", "tcp6") and
// performs the TLS handshake, sending the host part of addr as
// ServerHostname (SNI, unless it is an IP address, and the name the
// certificate must match when the Context checks hostnames; the zone of an
// IPv6 literal is left out, so "[fe80::1%eth0]:443" sends no SNI and is
// checked as fe80::1). ctx and the
// NetDialer's timeout bound all of it; on any failure the connection is
// closed. The net.Conn returned is a *Socket.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	s, err := d.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (d *Dialer) dial(ctx context.Context, network, addr string) (*Socket, error) {
	c := d.Context
	if c == nil {
		var err error
		if c, err = defaultClientContext(); err != nil {
			return nil, err
		}
	}
	nd := d.NetDialer
	if nd == nil {
		nd = &net.Dialer{}
	}
	if nd.Timeout != 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, nd.Timeout)
		defer cancel()
	}
	if !nd.Deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, nd.Deadline)
		defer cancel()
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	host = unzoned(host)
	raw, err := nd.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	s, err := c.WrapSocket(raw, ServerHostname(host), DoHandshakeOnConnect(false))
	if err != nil {
		raw.Close()
		return nil, err
	}
	if err := s.HandshakeContext(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// unzoned drops the zone of an IPv6 literal ("fe80::1%eth0"): the zone only
// picks the interface to dial through, so the name to send and check is
// the address, which as an IP literal sends no SNI (as with crypto/tls)
// and is matched against the certificate's IP entries.
func unzoned(host string) string {
	i := strings.LastIndexByte(host, '%')
	if i < 0 {
		return host
	}
	if a, err := netip.ParseAddr(host[:i]); err == nil && a.Is6() {
		return host[:i]
	}
	return host
}

// Dial connects to addr and performs the TLS handshake with the settings of
// c, as Dialer.DialContext does; nil c means CreateDefaultContext.
func Dial(ctx context.Context, network, addr string, c *Context) (*Socket, error) {
	d := Dialer{Context: c}
	return d.dial(ctx, network, addr)
}

// Listen announces on the local network address and returns a listener
// whose Accept returns server-side *Socket values wrapped with c, their
// handshakes left to first use as with NewListener.
func Listen(network, addr string, c *Context) (net.Listener, error) {
	l, err := net.Listen(network, addr)
	if err != nil {
		return nil, err
	}
	return NewListener(l, c), nil
}

// NewListener returns a listener whose Accept wraps each connection inner
// accepts in a server-side *Socket. The handshake is not done in Accept but
// on the Socket's first Read, Write or DoHandshake, so one slow or failing
// client never holds up or stops the accept loop.
func NewListener(inner net.Listener, c *Context) net.Listener {
	return &listener{Listener: inner, ctx: c}
}

type listener struct {
	net.Listener
	ctx *Context
}

// Accept waits for the next connection and wraps it.
func (l *listener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	s, err := l.ctx.WrapSocket(conn, ServerSide(true), DoHandshakeOnConnect(false))
	if err != nil {
		conn.Close()
		return nil, err
	}
	return s, nil
}

// GetServerCertificate connects to addr ("host:port"), performs a handshake
// with protocol p and returns the server's certificate in PEM (Python's
// get_server_certificate). With caCerts (a CA file) the certificate must
// verify against it; without, it is fetched unverified. Hostnames are not
// checked. ctx bounds the whole exchange.
func GetServerCertificate(ctx context.Context, addr string, p Protocol, caCerts string) (string, error) {
	c, err := NewContext(p)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if err := c.SetCheckHostname(false); err != nil {
		return "", err
	}
	mode := CertNone
	if caCerts != "" {
		mode = CertRequired
		if err := c.LoadVerifyLocations(caCerts, ""); err != nil {
			return "", err
		}
	}
	if err := c.SetVerifyMode(mode); err != nil {
		return "", err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Minute)
		defer cancel()
	}
	s, err := Dial(ctx, "tcp", addr, c)
	if err != nil {
		return "", err
	}
	defer s.Close()
	der, err := s.GetPeerCertDER()
	if err != nil {
		return "", err
	}
	if der == nil {
		return "", messageError("the server sent no certificate", nil)
	}
	return DERCertToPEMCert(der), nil
}
