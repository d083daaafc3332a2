package main

import (
	"context"
	"encoding/json"
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

A failed handshake prints Python's SSLError text, e.g.
  sslctx connect: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate
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
}

func runConnect(args []string, stdout io.Writer) error {
	fs := flags("connect", "HOST:PORT", stdout)
	protocol := addClientProtocolFlag(fs)
	cafile := fs.String("cafile", "", "PEM `file` of CA certificates to verify the server against (default: the system's CAs)")
	capath := fs.String("capath", "", "`directory` of CA certificates in the openssl rehash layout")
	cf := addCipherFlags(fs)
	servername := fs.String("servername", "", "`name` sent as SNI and matched against the certificate (default: the host of HOST:PORT; -servername '' sends none and needs -no-check-hostname)")
	certFile := fs.String("cert", "", "PEM `file` of the client certificate chain to present")
	keyFile := fs.String("key", "", "private key `file` of -cert (default: the key is in -cert's file)")
	verify := fs.String("verify", "", "`mode` of checking the server's certificate: none, optional or required (default: the protocol's, required for TLS_CLIENT, none for the others)")
	noCheck := fs.Bool("no-check-hostname", false, "do not match the certificate against the server name (TLS_CLIENT matches it by default)")
	alpn := fs.String("alpn", "", "application `protocols` to offer, comma-separated, e.g. h2,http/1.1")
	minVersion := fs.String("min", "", "lowest protocol `version`: TLSv1, TLSv1_1, TLSv1_2 or TLSv1_3 (TLS and TLS_CLIENT only)")
	maxVersion := fs.String("max", "", "highest protocol `version`: TLSv1, TLSv1_1, TLSv1_2 or TLSv1_3 (TLS and TLS_CLIENT only)")
	timeout := fs.Duration("timeout", 10*time.Second, "bound on the TCP connection and the handshake together")
	send := fs.String("send", "", "`text` to send after the handshake (\\r, \\n, \\t, \\0, \\\\ and \\xHH are decoded); the reply is printed until the server closes or is silent for 2s")
	asJSON := fs.Bool("json", false, "print one JSON object instead of lines")
	addr, p, err := parseClientArgs(fs, args, protocol)
	if err != nil {
		return err
	}
	mode, modeSet := ssl.CertNone, *verify != ""
	if modeSet {
		if mode, err = parseVerifyMode(*verify); err != nil {
			return err
		}
	}
	var versions []func(*ssl.Context) error
	for _, v := range []struct {
		name, value string
		set         func(*ssl.Context, ssl.TLSVersion) error
	}{{"min", *minVersion, (*ssl.Context).SetMinimumVersion}, {"max", *maxVersion, (*ssl.Context).SetMaximumVersion}} {
		if v.value == "" {
			continue
		}
		tv, err := parseTLSVersion(v.name, v.value)
		if err != nil {
			return err
		}
		set := v.set
		versions = append(versions, func(c *ssl.Context) error { return set(c, tv) })
	}
	if *keyFile != "" && *certFile == "" {
		return usageError{"-key needs -cert"}
	}
	if *timeout <= 0 {
		return usageError{"-timeout must be positive"}
	}
	host, _, _ := net.SplitHostPort(addr)
	name := host
	if isSet(fs, "servername") {
		name = *servername
	}

	c, err := ssl.NewContext(p)
	if err != nil {
		return err
	}
	defer c.Close()
	// Python refuses CERT_NONE while check_hostname is on: turn it off first.
	if *noCheck || (modeSet && mode == ssl.CertNone) {
		if err := c.SetCheckHostname(false); err != nil {
			return err
		}
	}
	if modeSet {
		if err := c.SetVerifyMode(mode); err != nil {
			return err
		}
	}
	if *cafile != "" || *capath != "" {
		if err := c.LoadVerifyLocations(*cafile, *capath); err != nil {
			return err
		}
	} else if c.VerifyMode() != ssl.CertNone {
		if err := c.SetDefaultVerifyPaths(); err != nil {
			return err
		}
	}
	if *certFile != "" {
		if err := c.LoadCertChain(*certFile, *keyFile); err != nil {
			return err
		}
	}
	if err := cf.apply(c); err != nil {
		return err
	}
	if *alpn != "" {
		if err := c.SetALPNProtocols(parseALPN(*alpn)); err != nil {
			return err
		}
	}
	for _, set := range versions {
		if err := set(c); err != nil {
			return err
		}
	}

	s, err := connect(c, addr, name, *timeout)
	if err != nil {
		return err
	}
	defer s.Close()

	cipher, _ := s.Cipher()
	peer, err := s.GetPeerCert()
	if err != nil {
		return err
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

	if !*asJSON {
		fmt.Fprintf(stdout, "protocol:  %s\n", res.Protocol)
		fmt.Fprintf(stdout, "cipher:    %s (%s, %d secret bits)\n", cipher.Name, cipher.Version, cipher.SecretBits)
		fmt.Fprintf(stdout, "verify:    %s\n", verifyText(c, s, peer))
		if res.ALPN != nil {
			fmt.Fprintf(stdout, "alpn:      %s\n", *res.ALPN)
		}
		dict := "null (the server sent no certificate)"
		if peer != nil {
			if dict, err = dictText(peer, ""); err != nil {
				return err
			}
		}
		fmt.Fprintf(stdout, "peer cert: %s\n", dict)
	}
	if isSet(fs, "send") {
		msg := unescape(*send)
		s.SetWriteDeadline(time.Now().Add(*timeout))
		if _, err := io.WriteString(s, msg); err != nil {
			return fmt.Errorf("sending: %w", err)
		}
		var reply strings.Builder
		out := io.Writer(&reply)
		if !*asJSON {
			fmt.Fprintf(stdout, "sent:      %d bytes\nreceived:\n", len(msg))
			out = &trailingNewline{w: stdout}
		}
		err := readReply(s, out)
		if t, ok := out.(*trailingNewline); ok {
			t.finish()
		}
		if err != nil {
			return fmt.Errorf("reading the reply: %w", err)
		}
		r := reply.String()
		res.Received = &r
	}
	if *asJSON {
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", b)
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
