package main

import (
	"bufio"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sslctx/ssl"
)

const demoHelp = `Makes a CA, a server certificate for localhost and 127.0.0.1 and a client
certificate at start (ECDSA P-256, valid for a day, in a temporary directory
removed at exit), then runs a PROTOCOL_TLS_SERVER that requires client
certificates and a PROTOCOL_TLS_CLIENT that verifies the server, on 127.0.0.1:
the client sends -message and prints the connection and the echo.
`

func runDemo(args []string, stdout, stderr io.Writer) error {
	fs := flags("demo", "", stdout)
	message := fs.String("message", "Hello from sslctx", "what the client sends for the server to echo")
	if err := parse(fs, args); err != nil {
		return err
	}
	pki, err := newDemoPKI()
	if err != nil {
		return err
	}
	defer os.RemoveAll(pki.dir)

	server, err := pki.serverContext()
	if err != nil {
		return err
	}
	defer server.Close()
	l, err := ssl.Listen("tcp", "127.0.0.1:0", server)
	if err != nil {
		return err
	}
	defer l.Close()
	served := make(chan string, 1)
	go func() { served <- serveOnce(l) }()

	client, err := pki.clientContext()
	if err != nil {
		return err
	}
	defer client.Close()
	conn, err := net.DialTimeout("tcp", l.Addr().String(), 5*time.Second)
	if err != nil {
		return err
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	s, err := client.WrapSocket(conn, ssl.ServerHostname("localhost"))
	if err != nil {
		return err
	}
	defer s.Close()
	if err := printDemoConnection(stdout, s, l.Addr()); err != nil {
		return err
	}
	if err := demoEcho(stdout, s, *message); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "server:    %s\n", <-served)
	return nil
}

// demoPKI is a CA and the server and client certificates it issued, made
// at start so that demo runs anywhere: the keys and certificates are in
// dir, which LoadCertChain reads, and the CA is in memory.
type demoPKI struct {
	dir                   string
	caPEM                 []byte
	serverCert, serverKey string
	clientCert, clientKey string
}

func newDemoPKI() (*demoPKI, error) {
	ca, err := issue(certSpec{cn: "sslctx demo CA", isCA: true}, nil)
	if err != nil {
		return nil, err
	}
	server, err := issue(certSpec{cn: "localhost", dns: []string{"localhost"}, ips: []net.IP{net.IPv4(127, 0, 0, 1)},
		usage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, ca)
	if err != nil {
		return nil, err
	}
	client, err := issue(certSpec{cn: "sslctx client", usage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, ca)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "sslctx-demo-")
	if err != nil {
		return nil, err
	}
	p := &demoPKI{dir: dir, caPEM: ca.certPEM()}
	if p.serverCert, p.serverKey, err = writeIssued(dir, "server", server); err == nil {
		p.clientCert, p.clientKey, err = writeIssued(dir, "client", client)
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return p, nil
}

// writeIssued writes a certificate and its key to dir as NAME.pem and
// NAME.key.
func writeIssued(dir, name string, i *issued) (cert, key string, err error) {
	keyPEM, err := i.keyPEM()
	if err != nil {
		return "", "", err
	}
	cert, key = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(cert, i.certPEM(), 0o600); err != nil {
		return "", "", err
	}
	return cert, key, os.WriteFile(key, keyPEM, 0o600)
}

// serverContext is PROTOCOL_TLS_SERVER with the demo server certificate,
// asking clients for theirs.
func (p *demoPKI) serverContext() (*ssl.Context, error) {
	return newContext(ssl.ProtocolTLSServer,
		func(c *ssl.Context) error { return c.LoadCertChain(p.serverCert, p.serverKey) },
		func(c *ssl.Context) error { return c.LoadVerifyData(p.caPEM) },
		func(c *ssl.Context) error { return c.SetVerifyMode(ssl.CertRequired) })
}

// clientContext is PROTOCOL_TLS_CLIENT trusting the demo CA, presenting
// the demo client certificate.
func (p *demoPKI) clientContext() (*ssl.Context, error) {
	return newContext(ssl.ProtocolTLSClient,
		func(c *ssl.Context) error { return c.LoadVerifyData(p.caPEM) },
		func(c *ssl.Context) error { return c.LoadCertChain(p.clientCert, p.clientKey) })
}

// printDemoConnection prints what the client sees of the connection.
func printDemoConnection(stdout io.Writer, s *ssl.Socket, addr net.Addr) error {
	cert, err := s.GetPeerCert()
	if err != nil {
		return err
	}
	dict, err := dictText(cert, "")
	if err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(addr.String())
	fmt.Fprintf(stdout, "%s\n", ssl.OpenSSLVersion)
	fmt.Fprintf(stdout, "server listening on 127.0.0.1:%s; client connected to localhost:%s\n\n", port, port)
	cipher, _ := s.Cipher()
	fmt.Fprintf(stdout, "protocol:  %s\n", s.Version())
	fmt.Fprintf(stdout, "cipher:    %s (%s, %d secret bits)\n", cipher.Name, cipher.Version, cipher.SecretBits)
	fmt.Fprintf(stdout, "peer cert: %s\n", dict)
	return nil
}

// demoEcho sends message and prints what the server echoes.
func demoEcho(stdout io.Writer, s *ssl.Socket, message string) error {
	if _, err := fmt.Fprintf(s, "%s\n", message); err != nil {
		return err
	}
	echo, err := bufio.NewReader(s).ReadString('\n')
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sent:      %q\n", message)
	fmt.Fprintf(stdout, "echoed:    %q\n", strings.TrimSuffix(echo, "\n"))
	return nil
}

// serveOnce echoes one line to one client and says whom it served.
func serveOnce(l net.Listener) string {
	c, err := l.Accept()
	if err != nil {
		return "accept: " + err.Error()
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "read: " + err.Error()
	}
	if _, err := io.WriteString(c, line); err != nil {
		return "write: " + err.Error()
	}
	s := c.(*ssl.Socket)
	who := "a client without a certificate"
	// A certificate dict with a subject is one the server verified.
	if cert, err := s.GetPeerCert(); err == nil {
		if cn := commonName(cert); cn != "" {
			who = "client certificate CN=" + cn + ", verified"
		}
	}
	return "echoed one line to " + who
}
