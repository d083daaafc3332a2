package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/sslctx/ssl"
)

func runDemo(args []string, stdout, stderr io.Writer) error {
	fs := flags("demo", "", stdout)
	dir := fs.String("testdata", "testdata", "directory holding the test CA and certificates")
	message := fs.String("message", "Hello from sslctx", "what the client sends for the server to echo")
	if err := parse(fs, args); err != nil {
		return err
	}
	path := func(name string) string { return strings.TrimSuffix(*dir, "/") + "/" + name }

	server, err := demoServerContext(path)
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

	client, err := demoClientContext(path)
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

// demoServerContext is PROTOCOL_TLS_SERVER with the test certificate,
// asking clients for theirs.
func demoServerContext(path func(string) string) (*ssl.Context, error) {
	return newContext(ssl.ProtocolTLSServer,
		func(c *ssl.Context) error { return c.LoadCertChain(path("server-rsa.pem"), path("server-rsa.key")) },
		func(c *ssl.Context) error { return c.LoadVerifyLocations(path("ca.pem"), "") },
		func(c *ssl.Context) error { return c.SetVerifyMode(ssl.CertRequired) })
}

// demoClientContext is PROTOCOL_TLS_CLIENT trusting the test CA,
// presenting its own certificate.
func demoClientContext(path func(string) string) (*ssl.Context, error) {
	return newContext(ssl.ProtocolTLSClient,
		func(c *ssl.Context) error { return c.LoadVerifyLocations(path("ca.pem"), "") },
		func(c *ssl.Context) error { return c.LoadCertChain(path("client.pem"), path("client.key")) })
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
