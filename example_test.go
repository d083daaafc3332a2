package ssl_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net"

	"github.com/sslctx/ssl"
)

// A client context verifies certificates and hostnames by default, as
// Python's PROTOCOL_TLS_CLIENT does.
func ExampleNewContext() {
	ctx, err := ssl.NewContext(ssl.ProtocolTLSClient)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ctx.VerifyMode(), ctx.CheckHostname(), ctx.MinimumVersion())
	// Output: CERT_REQUIRED true TLSv1_2
}

// OpenSSL cipher-list strings select ciphers exactly as OpenSSL does;
// GetCiphers lists them as Python's get_ciphers(), TLS 1.3 suites first.
func ExampleContext_SetCiphers() {
	ctx, err := ssl.NewContext(ssl.ProtocolTLSServer)
	if err != nil {
		log.Fatal(err)
	}
	if err := ctx.SetCiphers("ECDHE+AESGCM:!ECDSA"); err != nil {
		log.Fatal(err)
	}
	for _, c := range ctx.GetCiphers() {
		if c.Protocol == "TLSv1.2" {
			fmt.Println(c.Name, c.StrengthBits)
		}
	}
	err = ctx.SetCiphers("nonsense")
	fmt.Println(err)
	// Output:
	// ECDHE-RSA-AES256-GCM-SHA384 256
	// ECDHE-RSA-AES128-GCM-SHA256 128
	// No cipher can be selected.
}

// Errors carry OpenSSL's library and reason mnemonics, as Python's SSLError
// does; a missing file is an fs.ErrNotExist.
func ExampleError() {
	ctx, err := ssl.NewContext(ssl.ProtocolTLSServer)
	if err != nil {
		log.Fatal(err)
	}
	err = ctx.LoadCertChain("testdata/server-rsa.pem", "testdata/client.key")
	var e *ssl.Error
	if errors.As(err, &e) {
		fmt.Println(e.Library, e.Reason)
		fmt.Println(e)
	}
	err = ctx.LoadCertChain("testdata/no-such-file.pem", "")
	fmt.Println(errors.Is(err, fs.ErrNotExist))
	// Output:
	// X509 KEY_VALUES_MISMATCH
	// [X509: KEY_VALUES_MISMATCH] key values mismatch
	// true
}

// A certificate reads as Python's getpeercert() dict.
func ExampleDecodeCertFile() {
	cert, err := ssl.DecodeCertFile("testdata/server-rsa.pem")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cert.Subject[len(cert.Subject)-1])
	for _, n := range cert.SubjectAltName {
		fmt.Printf("%s: %s\n", n.Type, n.Value)
	}
	fmt.Println(ssl.MatchHostname(cert, "localhost"), ssl.MatchHostname(cert, "example.com"))
	// Output:
	// [{commonName localhost}]
	// DNS: localhost
	// IP Address: 127.0.0.1
	// IP Address: 0:0:0:0:0:0:0:1
	// <nil> hostname 'example.com' doesn't match either of 'localhost', '127.0.0.1', '0:0:0:0:0:0:0:1'
}

// A server and a client on loopback: the client verifies the server
// against the test CA and checks that it is "localhost".
func ExampleContext_WrapSocket() {
	server, err := ssl.NewContext(ssl.ProtocolTLSServer)
	if err != nil {
		log.Fatal(err)
	}
	if err := server.LoadCertChain("testdata/server-rsa.pem", "testdata/server-rsa.key"); err != nil {
		log.Fatal(err)
	}
	l, err := ssl.Listen("tcp", "127.0.0.1:0", server)
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		line, _ := bufio.NewReader(c).ReadString('\n')
		fmt.Fprint(c, "echo: "+line)
	}()

	client, err := ssl.NewContext(ssl.ProtocolTLSClient)
	if err != nil {
		log.Fatal(err)
	}
	if err := client.LoadVerifyLocations("testdata/ca.pem", ""); err != nil {
		log.Fatal(err)
	}
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	s, err := client.WrapSocket(conn, ssl.ServerHostname("localhost"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	fmt.Fprintln(s, "hello")
	reply, _ := bufio.NewReader(s).ReadString('\n')
	fmt.Print(s.Version(), " ", reply)
	// Output: TLSv1.3 echo: hello
}

// Dial connects, performs the handshake and checks the hostname taken
// from the address; a certificate for another name fails inside the
// handshake with Python's verification error.
func ExampleDial() {
	server, err := ssl.NewContext(ssl.ProtocolTLSServer)
	if err != nil {
		log.Fatal(err)
	}
	if err := server.LoadCertChain("testdata/server-other.pem", "testdata/server-other.key"); err != nil {
		log.Fatal(err)
	}
	l, err := ssl.Listen("tcp", "127.0.0.1:0", server)
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	go func() {
		if c, err := l.Accept(); err == nil {
			c.(*ssl.Socket).DoHandshake()
			c.Close()
		}
	}()
	client, err := ssl.NewContext(ssl.ProtocolTLSClient)
	if err != nil {
		log.Fatal(err)
	}
	if err := client.LoadVerifyLocations("testdata/ca.pem", ""); err != nil {
		log.Fatal(err)
	}
	_, err = ssl.Dial(context.Background(), "tcp", l.Addr().String(), client)
	var e *ssl.Error
	if errors.As(err, &e) {
		fmt.Println(e.VerifyCode, e)
	}
	// Output: 64 [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: IP address mismatch, certificate is not valid for '127.0.0.1'.
}
