package ssl_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"time"

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
	l := listenTLS("server-rsa") // a server context on ssl.Listen, for "localhost"
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

// WrapBIO makes TLS without I/O: each SSLObject reads its peer's bytes from
// one MemoryBIO and writes its own into another, and the caller carries
// them, here between a client and a server in one goroutine. ErrWantRead
// says "carry the bytes, then call again".
func ExampleContext_WrapBIO() {
	serverCtx := serverWithCert("server-rsa") // testdata/server-rsa.pem and .key
	clientCtx, err := ssl.NewContext(ssl.ProtocolTLSClient)
	if err != nil {
		log.Fatal(err)
	}
	if err := clientCtx.LoadVerifyLocations("testdata/ca.pem", ""); err != nil {
		log.Fatal(err)
	}

	cIn, cOut, sIn, sOut := ssl.NewMemoryBIO(), ssl.NewMemoryBIO(), ssl.NewMemoryBIO(), ssl.NewMemoryBIO()
	client, err := clientCtx.WrapBIO(cIn, cOut, ssl.ServerHostname("localhost"))
	if err != nil {
		log.Fatal(err)
	}
	server, err := serverCtx.WrapBIO(sIn, sOut, ssl.ServerSide(true))
	if err != nil {
		log.Fatal(err)
	}
	carry := func() {
		sIn.Write(cOut.Read(-1))
		cIn.Write(sOut.Read(-1))
	}

	for cErr, sErr := client.DoHandshake(), server.DoHandshake(); cErr != nil || sErr != nil; {
		if (cErr != nil && !errors.Is(cErr, ssl.ErrWantRead)) || (sErr != nil && !errors.Is(sErr, ssl.ErrWantRead)) {
			log.Fatal(cErr, sErr)
		}
		carry()
		cErr, sErr = client.DoHandshake(), server.DoHandshake()
	}

	if _, err := client.Write([]byte("hello")); err != nil {
		log.Fatal(err)
	}
	carry()
	buf := make([]byte, 100)
	n, err := server.Read(buf)
	if err != nil {
		log.Fatal(err)
	}
	_, err = server.Read(buf)
	fmt.Println(client.Version(), string(buf[:n]), errors.Is(err, ssl.ErrWantRead))
	// Output: TLSv1.3 hello true
}

// Dial connects, performs the handshake and checks the hostname taken
// from the address; a certificate for another name fails inside the
// handshake with Python's verification error.
func ExampleDial() {
	l := listenTLS("server-other") // a valid certificate, for other.example only
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

// The client of Python's ssl documentation ("Client-side operation"):
// verify the server against a CA bundle, look at its certificate, then
// speak HTTP over the connection.
func Example_client() {
	addr, stop := serveHTTPS(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer stop()

	ctx, err := ssl.CreateDefaultContext(ssl.PurposeServerAuth) // the system's CAs, hostname checks
	if err != nil {
		log.Fatal(err)
	}
	if err := ctx.LoadVerifyLocations("testdata/ca.pem", ""); err != nil {
		log.Fatal(err)
	}
	s, err := ssl.Dial(context.Background(), "tcp", addr, ctx) // addr is "localhost:port"
	if err != nil {
		log.Fatal(err) // an *ssl.Error says why: "[SSL: CERTIFICATE_VERIFY_FAILED] ..."
	}
	defer s.Close()
	cert, err := s.GetPeerCert() // Python's getpeercert() dict
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cert.Subject[len(cert.Subject)-1], cert.NotAfter)
	fmt.Fprint(s, "HEAD / HTTP/1.0\r\nHost: localhost\r\n\r\n")
	status, err := bufio.NewReader(s).ReadString('\n')
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(s.Version(), " ", status)
	// Output:
	// [{commonName localhost}] Nov  1 18:19:08 2126 GMT
	// TLSv1.3 HTTP/1.0 200 OK
}

// The server of Python's ssl documentation ("Server-side operation"):
// accept connections, wrap each on the server side, and serve it until
// the client has nothing more to say.
func Example_server() {
	ctx, err := ssl.CreateDefaultContext(ssl.PurposeClientAuth)
	if err != nil {
		log.Fatal(err)
	}
	if err := ctx.LoadCertChain("testdata/server-rsa.pem", "testdata/server-rsa.key"); err != nil {
		log.Fatal(err)
	}
	bindsocket, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer bindsocket.Close()
	go serveClients(bindsocket, ctx)

	client, err := ssl.NewContext(ssl.ProtocolTLSClient)
	if err != nil {
		log.Fatal(err)
	}
	if err := client.LoadVerifyLocations("testdata/ca.pem", ""); err != nil {
		log.Fatal(err)
	}
	s, err := ssl.Dial(context.Background(), "tcp", bindsocket.Addr().String(), client)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	fmt.Fprint(s, "hello, server")
	s.CloseWrite() // close_notify: the server's Read returns io.EOF
	reply, err := io.ReadAll(s)
	fmt.Printf("%s %v\n", reply, err)
	// Output: HELLO, SERVER <nil>
}

// serveClients is Python's accept loop: each connection is wrapped on the
// server side, handshaken, served, and closed with close_notify.
func serveClients(bindsocket net.Listener, ctx *ssl.Context) {
	for {
		newsocket, err := bindsocket.Accept()
		if err != nil {
			return // the listener was closed
		}
		go func() {
			connstream, err := ctx.WrapSocket(newsocket, ssl.ServerSide(true))
			if err != nil {
				log.Print(err) // a failed handshake; WrapSocket closed newsocket
				return
			}
			defer connstream.Close() // Python's shutdown(SHUT_RDWR) and close()
			dealWithClient(connstream)
		}()
	}
}

// dealWithClient answers each piece of data with its upper-case form until
// the client closes its side (io.EOF) or the connection fails.
func dealWithClient(connstream *ssl.Socket) {
	buf := make([]byte, 1024)
	for {
		n, err := connstream.Read(buf)
		if n > 0 {
			if _, werr := connstream.Write(bytes.ToUpper(buf[:n])); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// The advice of Python's "Security considerations", in Go: the default
// contexts verify certificates and hostnames and refuse old protocols;
// tighten them further with versions and cipher strings.
func Example_securityConsiderations() {
	ctx, err := ssl.CreateDefaultContext(ssl.PurposeServerAuth)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ctx.VerifyMode(), ctx.CheckHostname(), ctx.MinimumVersion(), ctx.SecurityLevel())
	fmt.Println(ctx.Options()&ssl.OpNoCompression != 0, ctx.Options()&ssl.OpNoSSLv3 != 0)

	// Turning verification off takes two explicit steps, as in Python.
	fmt.Println(ctx.SetVerifyMode(ssl.CertNone))

	// TLS 1.3 only, and for TLS 1.2 peers only forward-secret AEAD ciphers.
	if err := ctx.SetMinimumVersion(ssl.TLSv1_3); err != nil {
		log.Fatal(err)
	}
	if err := ctx.SetCiphers("ECDHE+AESGCM:ECDHE+CHACHA20"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(ctx.MinimumVersion(), ctx.MaximumVersion())
	// Output:
	// CERT_REQUIRED true TLSv1_2 2
	// true true
	// ssl: Cannot set verify_mode to CERT_NONE when check_hostname is enabled.
	// TLSv1_3 MAXIMUM_SUPPORTED
}

// net/http on both ends: an http.Server over Listen, whose handlers see
// the connection through FillRequestTLS, and an http.Client whose
// Transport dials with this library.
func ExampleFillRequestTLS() {
	addr, stop := serveHTTPS(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s, %s, SNI %q\n", tls.VersionName(r.TLS.Version),
			tls.CipherSuiteName(r.TLS.CipherSuite), r.TLS.ServerName)
	}))
	defer stop()

	ctx, err := ssl.NewContext(ssl.ProtocolTLSClient)
	if err != nil {
		log.Fatal(err)
	}
	if err := ctx.LoadVerifyLocations("testdata/ca.pem", ""); err != nil {
		log.Fatal(err)
	}
	dialer := &ssl.Dialer{Context: ctx, NetDialer: &net.Dialer{Timeout: 10 * time.Second}}
	client := &http.Client{Transport: &http.Transport{DialTLSContext: dialer.DialContext}}
	resp, err := client.Get("https://" + addr + "/")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(resp.Status, ": ", string(body))
	// Output: 200 OK: TLS 1.3, TLS_AES_256_GCM_SHA384, SNI "localhost"
}

// serveHTTPS serves handler with net/http over this library on 127.0.0.1,
// with the test certificate for "localhost", and returns the address to
// dial and a function that stops the server.
func serveHTTPS(handler http.Handler) (addr string, stop func()) {
	l := listenTLS("server-rsa")
	srv := &http.Server{
		Handler:           ssl.FillRequestTLS(handler), // r.TLS after the handshake
		ConnContext:       ssl.ConnContext,             // which FillRequestTLS needs
		ReadHeaderTimeout: 10 * time.Second,            // also bounds the handshake
	}
	go srv.Serve(l)
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return "localhost:" + port, func() { srv.Close() }
}

// HTTP/2 and HTTP/1.1 from one http.Server over this library, as ALPN
// selects; handlers see r.TLS on both.
func ExampleServeHTTPS() {
	ctx, err := ssl.CreateDefaultContext(ssl.PurposeClientAuth)
	if err != nil {
		log.Fatal(err)
	}
	if err := ctx.LoadCertChain("testdata/server-rsa.pem", "testdata/server-rsa.key"); err != nil {
		log.Fatal(err)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s over %s, ALPN %q\n", r.Proto, tls.VersionName(r.TLS.Version), r.TLS.NegotiatedProtocol)
	})
	if err := ctx.SetALPNProtocols([]string{"h2", "http/1.1"}); err != nil { // offer HTTP/2 first
		log.Fatal(err)
	}
	ln, err := ssl.Listen("tcp", "127.0.0.1:0", ctx)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go ssl.ServeHTTPS(srv, ln) // HTTP/2 or HTTP/1.1 as ALPN selects; r.TLS set on both
	defer srv.Close()

	// Go's own client over crypto/tls, offering h2 and http/1.1.
	pem, err := os.ReadFile("testdata/ca.pem")
	if err != nil {
		log.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	resp, err := (&http.Client{Transport: tr}).Get("https://localhost:" + port + "/")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(os.Stdout, resp.Body)
	// Output: HTTP/2.0 over TLS 1.3, ALPN "h2"
}

// An http.Client whose TLS is this library's: HTTP/2 or HTTP/1.1 as the
// server selects, verified by OpenSSL with the Context's CAs, also through
// a proxy named by HTTPS_PROXY.
func ExampleNewHTTPTransport() {
	addr, stop := serveHTTP2(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello")
	}))
	defer stop()

	ctx, err := ssl.CreateDefaultContext(ssl.PurposeServerAuth)
	if err != nil {
		log.Fatal(err)
	}
	if err := ctx.LoadVerifyLocations("testdata/ca.pem", ""); err != nil {
		log.Fatal(err)
	}
	client := &http.Client{Transport: ssl.NewHTTPTransport(ctx), Timeout: 30 * time.Second}
	resp, err := client.Get("https://" + addr + "/") // HTTP/2 when the server selects h2
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	defer client.CloseIdleConnections()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(resp.Proto, " ", resp.Status, " ", resp.TLS.NegotiatedProtocol, ": ", string(body))
	// Output: HTTP/2.0 200 OK h2: hello
}

// serveHTTP2 serves handler with ServeHTTPS on 127.0.0.1, offering h2 and
// http/1.1 with the test certificate for "localhost", and returns the
// address to dial and a function that stops the server.
func serveHTTP2(handler http.Handler) (addr string, stop func()) {
	l := listenTLS("server-rsa", "h2", "http/1.1")
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go ssl.ServeHTTPS(srv, l)
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return "localhost:" + port, func() { srv.Close() }
}

// listenTLS listens on 127.0.0.1 with a server context holding the test
// certificate and key testdata/<cert>.pem and testdata/<cert>.key, and
// selecting among the ALPN protocols alpn, if any.
func listenTLS(cert string, alpn ...string) net.Listener {
	ctx := serverWithCert(cert)
	if len(alpn) > 0 {
		if err := ctx.SetALPNProtocols(alpn); err != nil {
			log.Fatal(err)
		}
	}
	l, err := ssl.Listen("tcp", "127.0.0.1:0", ctx)
	if err != nil {
		log.Fatal(err)
	}
	return l
}

// serverWithCert is a server context holding the test certificate and key
// testdata/<cert>.pem and testdata/<cert>.key.
func serverWithCert(cert string) *ssl.Context {
	ctx, err := ssl.NewContext(ssl.ProtocolTLSServer)
	if err != nil {
		log.Fatal(err)
	}
	if err := ctx.LoadCertChain("testdata/"+cert+".pem", "testdata/"+cert+".key"); err != nil {
		log.Fatal(err)
	}
	return ctx
}
