package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/sslctx/ssl"
)

const connectHelp = `Connects to HOST:PORT over TCP, wraps the connection with an SSLContext made
from the flags and performs the handshake, then prints the negotiated protocol,
the cipher (name, version that defines it, secret bits), whether the server's
certificate was verified, the ALPN protocol if one was agreed, and getpeercert()
as JSON ({} when the certificate was not validated, as in Python). With -json
all of it is one JSON object:
  {"protocol", "cipher": [name, version, bits], "alpn", "verify", "peer_cert"}
and "received" with -send.

The server name (SNI, and the name the certificate must match) is the host of
HOST:PORT unless -servername says otherwise; none is sent for an IP address,
which is matched against the certificate's IP addresses. Without -cafile or
-capath the system's CA certificates are trusted. -verify none also turns
hostname checking off, as Python requires.

-chain prints the chain OpenSSL verified, leaf first (subject and issuer of
each certificate). -keylog FILE appends the connection's secrets to FILE in
the NSS key log format, which Wireshark reads to decrypt a capture.

After the handshake connect reads for -wait: a TLS 1.3 server rejects a client
certificate (or its absence) only then, and that rejection is a failure.

A failure prints Python's SSLError text and what to do, e.g.
  sslctx connect: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate; the chain ends at ...
A failed verification also prints, on standard output, the verify code and
the depth at which it failed and the chain the server sent (subject, issuer,
validity, names, key, SHA-256 fingerprint); -showcerts prints the chain of a
successful connection too, and -verify none prints the unverified chain and
what verifying would have answered. With -json a failure is {"error": {...}}.
`

// replySilence is how long -send waits for more of the reply.
var replySilence = 2 * time.Second

// connectResult is what -json prints.
type connectResult struct {
	Protocol string    `json:"protocol"`
	Cipher   []any     `json:"cipher"`
	ALPN     *string   `json:"alpn"`
	Verify   string    `json:"verify"`
	PeerCert *ssl.Cert `json:"peer_cert"`
	Received *string   `json:"received,omitempty"`
	// Chain is the certificates the server sent, with -showcerts or when
	// they were not verified.
	Chain []certInfo `json:"chain,omitempty"`
	// VerifiedChain is, with -chain, the chain OpenSSL verified, leaf
	// first; empty when nothing was verified.
	VerifiedChain []chainLink `json:"verified_chain,omitempty"`
	// WouldVerify is, for an unverified connection, the verdict
	// verification would have given: "ok" or the error.
	WouldVerify *string `json:"would_verify,omitempty"`
}

func runConnect(args []string, stdout, stderr io.Writer) error {
	cfg, err := parseConnect(args, stdout, stderr)
	if err != nil {
		return err
	}
	c, err := cfg.newContext()
	if err != nil {
		if cfg.asJSON {
			printJSON(stdout, map[string]failure{"error": {Message: oneLine(err.Error())}})
		}
		return err
	}
	defer c.Close()
	s, err := connect(c, cfg.addr, cfg.name, *cfg.tls.timeout)
	if err != nil {
		return cfg.fail(stdout, c, err)
	}
	early, err := awaitVerdict(s, cfg.wait)
	if err != nil {
		// The probes of fail connect again: a server that serves one
		// connection at a time must see this one end first.
		s.Close()
		return cfg.fail(stdout, c, fmt.Errorf("after the handshake: %w", err))
	}
	defer s.Close()
	return cfg.report(stdout, c, s, early)
}

// connectConfig is a checked connect command line.
type connectConfig struct {
	tls        *tlsFlags
	addr, name string // where to connect, and the server name to ask for
	protocol   ssl.Protocol
	mode       ssl.VerifyMode
	modeSet    bool // -verify was given
	noCheck    bool
	capath     string
	versions   versionBounds
	send       *string // nil without -send
	asJSON     bool
	showCerts  bool
	chain      bool          // -chain: print the verified chain
	keylog     string        // -keylog: the NSS key log file
	wait       time.Duration // for the server's verdict after the handshake
	// knownChain, if set, is the chain the server sent: fail need not
	// connect again to see it.
	knownChain []*x509.Certificate
}

// parseConnect reads and checks connect's command line.
func parseConnect(args []string, stdout, stderr io.Writer) (*connectConfig, error) {
	fs := flags("connect", "HOST:PORT", stdout)
	protocol := addClientProtocolFlag(fs)
	tf := addTLSFlags(fs, false)
	capath := fs.String("capath", "", "`directory` of CA certificates in the openssl rehash layout")
	servername := fs.String("servername", "", "`name` sent as SNI and matched against the certificate (default: the host of HOST:PORT; -servername '' sends none and needs -no-check-hostname)")
	noCheck := fs.Bool("no-check-hostname", false, "do not match the certificate against the server name (TLS_CLIENT matches it by default)")
	send := fs.String("send", "", "`text` to send after the handshake (\\r, \\n, \\t, \\0, \\\\ and \\xHH are decoded); the reply is printed until the server closes or is silent for 2s")
	asJSON := fs.Bool("json", false, "print one JSON object instead of lines; a failure is {\"error\": {...}}")
	showCerts := fs.Bool("showcerts", false, "print the chain the server sent")
	chain := fs.Bool("chain", false, "print the chain OpenSSL verified, leaf first: the subject and issuer of each certificate")
	keylog := fs.String("keylog", "", "`file` to append the connection's secrets to in NSS key log format, for Wireshark")
	wait := fs.Duration("wait", 300*time.Millisecond, "how long to wait after the handshake for the server's verdict on us (a TLS 1.3 server rejects a client certificate then); 0 does not wait")
	addr, p, err := parseClientArgs(fs, args, protocol)
	if err != nil {
		return nil, err
	}
	cfg := &connectConfig{tls: tf, addr: addr, protocol: p, noCheck: *noCheck, capath: *capath, asJSON: *asJSON,
		showCerts: *showCerts, chain: *chain, keylog: *keylog, wait: *wait}
	if *wait < 0 {
		return nil, usageError{"-wait must not be negative"}
	}
	if cfg.mode, cfg.modeSet, err = tf.check(); err != nil {
		return nil, err
	}
	if cfg.versions, err = tf.versions.parse(); err != nil {
		return nil, err
	}
	for _, w := range tf.warnings(cfg.versions) {
		fmt.Fprintf(stderr, "sslctx connect: warning: %s\n", w)
	}
	cfg.name, _, _ = net.SplitHostPort(addr)
	if isSet(fs, "servername") {
		cfg.name = *servername
	}
	if isSet(fs, "send") {
		cfg.send = send
	}
	return cfg, nil
}

// newContext makes the client context the flags describe.
func (cfg *connectConfig) newContext() (*ssl.Context, error) {
	f := cfg.tls
	return newContext(cfg.protocol, cfg.setVerifyMode, cfg.loadCAs, f.loadCertChain, f.applyCiphers,
		func(c *ssl.Context) error { return applyALPN(c, parseALPN(*f.alpn)) }, cfg.versions.apply,
		func(c *ssl.Context) error { return setKeylog(c, cfg.keylog) })
}

// setVerifyMode sets -verify and -no-check-hostname.
func (cfg *connectConfig) setVerifyMode(c *ssl.Context) error {
	// Python refuses CERT_NONE while check_hostname is on: turn it off first.
	if cfg.noCheck || (cfg.modeSet && cfg.mode == ssl.CertNone) {
		if err := c.SetCheckHostname(false); err != nil {
			return err
		}
	}
	if cfg.modeSet {
		return c.SetVerifyMode(cfg.mode)
	}
	return nil
}

// loadCAs loads -cafile and -capath, or without them the system's CAs when
// the server will be verified.
func (cfg *connectConfig) loadCAs(c *ssl.Context) error {
	if *cfg.tls.cafile != "" || cfg.capath != "" {
		return loadCAFlags(c, *cfg.tls.cafile, cfg.capath)
	}
	if c.VerifyMode() != ssl.CertNone {
		return c.SetDefaultVerifyPaths()
	}
	return nil
}

// report prints the connection and, with -send, the exchange; early is
// what the server sent before we did.
func (cfg *connectConfig) report(stdout io.Writer, c *ssl.Context, s *ssl.Socket, early []byte) error {
	res, err := describeConnection(c, s)
	if err != nil {
		return err
	}
	unverified := c.VerifyMode() == ssl.CertNone
	if cfg.showCerts || unverified {
		for _, x := range s.ConnectionState().PeerCertificates {
			if x != nil {
				res.Chain = append(res.Chain, describeCert(x))
			}
		}
	}
	if cfg.chain {
		if res.VerifiedChain, err = verifiedChain(s); err != nil {
			return err
		}
		// Non-nil: -json then says [] when nothing was verified.
		if res.VerifiedChain == nil {
			res.VerifiedChain = []chainLink{}
		}
	}
	if !cfg.asJSON {
		if err := printConnection(stdout, c, s, res); err != nil {
			return err
		}
	}
	if cfg.send != nil || len(early) > 0 {
		if res.Received, err = cfg.exchange(stdout, s, early); err != nil {
			return err
		}
	}
	if unverified && len(res.Chain) > 0 {
		// Connecting again: a server that serves one connection at a time
		// must see this one end first.
		chain := s.ConnectionState().PeerCertificates
		s.Close()
		v := cfg.wouldVerify(chain)
		res.WouldVerify = &v
		if !cfg.asJSON {
			fmt.Fprintf(stdout, "verifying would have answered: %s\n", v)
		}
	}
	if cfg.asJSON {
		printJSON(stdout, res)
	}
	return nil
}

// wouldVerify connects again verifying the server, to say what verifying
// would have answered; chain is what the server sent the first time.
func (cfg *connectConfig) wouldVerify(chain []*x509.Certificate) string {
	p := *cfg
	p.modeSet, p.mode, p.asJSON, p.knownChain = true, ssl.CertRequired, true, chain
	c, err := p.newContext()
	if err != nil {
		return err.Error()
	}
	defer c.Close()
	s, err := connect(c, p.addr, p.name, *p.tls.timeout)
	if err != nil {
		return oneLine(p.fail(io.Discard, c, err).Error())
	}
	s.Close()
	return "ok"
}

// describeConnection is what connect reports of a completed handshake.
func describeConnection(c *ssl.Context, s *ssl.Socket) (connectResult, error) {
	cipher, _ := s.Cipher()
	peer, err := s.GetPeerCert()
	if err != nil {
		return connectResult{}, err
	}
	res := connectResult{
		Protocol: s.Version(),
		Cipher:   []any{cipher.Name, cipher.Version, cipher.SecretBits},
		Verify:   "ok",
		PeerCert: peer,
	}
	if a := s.SelectedALPNProtocol(); a != "" {
		res.ALPN = &a
	}
	if c.VerifyMode() == ssl.CertNone {
		res.Verify = "none"
	}
	return res, nil
}

// printConnection prints res as lines.
func printConnection(stdout io.Writer, c *ssl.Context, s *ssl.Socket, res connectResult) error {
	fmt.Fprintf(stdout, "protocol:  %s\n", res.Protocol)
	fmt.Fprintf(stdout, "cipher:    %s (%s, %d secret bits)\n", res.Cipher...)
	fmt.Fprintf(stdout, "verify:    %s\n", verifyText(c, s, res.PeerCert))
	if res.ALPN != nil {
		fmt.Fprintf(stdout, "alpn:      %s\n", *res.ALPN)
	}
	dict := "null (the server sent no certificate)"
	if res.PeerCert != nil {
		var err error
		if dict, err = dictText(res.PeerCert, ""); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "peer cert: %s\n", dict)
	if res.VerifiedChain != nil {
		printVerifiedChain(stdout, res.VerifiedChain)
	}
	if len(res.Chain) > 0 {
		title := "the chain the server sent"
		if c.VerifyMode() == ssl.CertNone {
			title = "the chain the server sent, unverified"
		}
		printChain(stdout, title, res.Chain)
	}
	return nil
}

// exchange sends -send and returns the reply, which it prints as it comes
// unless the output is JSON; early is what the server sent before we did.
func (cfg *connectConfig) exchange(stdout io.Writer, s *ssl.Socket, early []byte) (*string, error) {
	var reply strings.Builder
	out := io.Writer(&reply)
	printed := &trailingNewline{w: stdout}
	if !cfg.asJSON {
		out = printed
	}
	err := cfg.sendAndRead(stdout, s, early, out)
	printed.finish()
	if err != nil {
		return nil, err
	}
	r := reply.String()
	return &r, nil
}

// sendAndRead writes early to out, then sends -send, if given, and copies
// the reply to out.
func (cfg *connectConfig) sendAndRead(stdout io.Writer, s *ssl.Socket, early []byte, out io.Writer) error {
	if cfg.send == nil {
		if !cfg.asJSON {
			fmt.Fprintf(stdout, "received:\n")
		}
		_, err := out.Write(early)
		return err
	}
	msg := unescape(*cfg.send)
	s.SetWriteDeadline(time.Now().Add(*cfg.tls.timeout))
	if _, err := io.WriteString(s, msg); err != nil {
		return fmt.Errorf("sending: %w", err)
	}
	if !cfg.asJSON {
		fmt.Fprintf(stdout, "sent:      %d bytes\nreceived:\n", len(msg))
	}
	if _, err := out.Write(early); err != nil {
		return err
	}
	if err := readReply(s, out); err != nil {
		return fmt.Errorf("reading the reply: %w", err)
	}
	return nil
}

// connect dials addr and performs the handshake as name, all within timeout.
func connect(c *ssl.Context, addr, name string, timeout time.Duration) (*ssl.Socket, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, timedOut(err, addr, timeout)
	}
	opts := []ssl.WrapOption{ssl.DoHandshakeOnConnect(false)}
	if name != "" {
		opts = append(opts, ssl.ServerHostname(name))
	}
	s, err := c.WrapSocket(raw, opts...)
	if err != nil {
		raw.Close()
		return nil, err
	}
	if err := s.HandshakeContext(ctx); err != nil {
		s.Close()
		return nil, timedOut(err, addr, timeout)
	}
	return s, nil
}

// timedOut rewords the error of a dial or handshake that ran out of time.
func timedOut(err error, addr string, timeout time.Duration) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("connecting to %s: no TLS connection within -timeout %v", addr, timeout)
	}
	return err
}

// verifyText says how the server's certificate was checked.
func verifyText(c *ssl.Context, s *ssl.Socket, peer *ssl.Cert) string {
	mode := c.VerifyMode()
	if mode == ssl.CertNone {
		return "none (CERT_NONE: the certificate was not validated)"
	}
	if peer == nil {
		return fmt.Sprintf("no certificate (%s, and the server sent none)", mode)
	}
	parts := []string{mode.String()}
	switch {
	case !c.CheckHostname():
		parts = append(parts, "hostname not checked")
	case s.ServerHostname() != "":
		parts = append(parts, fmt.Sprintf("hostname %q matched", s.ServerHostname()))
	}
	if chains := s.ConnectionState().VerifiedChains; len(chains) > 0 {
		var names []string
		for _, x := range chains[0] {
			n := x.Subject.CommonName
			if n == "" {
				n = x.Subject.String()
			}
			names = append(names, n)
		}
		parts = append(parts, "chain: "+strings.Join(names, ", issued by "))
	}
	return "ok (" + strings.Join(parts, "; ") + ")"
}

// readReply copies what the peer sends to w until it closes, or until it
// has been silent for replySilence.
func readReply(s *ssl.Socket, w io.Writer) error {
	buf := make([]byte, 32<<10)
	for {
		s.SetReadDeadline(time.Now().Add(replySilence))
		n, err := s.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		var ne net.Error
		switch {
		case err == nil:
		case errors.Is(err, io.EOF):
			return nil
		case errors.As(err, &ne) && ne.Timeout():
			return nil
		default:
			return err
		}
	}
}

// trailingNewline passes writes through and, at finish, ends the output
// with a newline if it did not end with one.
type trailingNewline struct {
	w    io.Writer
	last byte
}

func (t *trailingNewline) Write(p []byte) (int, error) {
	if len(p) > 0 {
		t.last = p[len(p)-1]
	}
	return t.w.Write(p)
}

func (t *trailingNewline) finish() {
	if t.last != 0 && t.last != '\n' {
		io.WriteString(t.w, "\n")
	}
}
