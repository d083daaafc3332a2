package ssl_test

import (
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/sslctx/ssl"
)

// One server presents the certificate of the name the client asks for:
// the SNI callback moves the socket to the Context holding it, or refuses
// a name it does not serve with the unrecognized_name alert.
func ExampleContext_SetSNICallback() {
	server, err := ssl.NewContext(ssl.ProtocolTLSServer)
	if err != nil {
		log.Fatal(err)
	}
	if err := server.LoadCertChain("testdata/server-rsa.pem", "testdata/server-rsa.key"); err != nil {
		log.Fatal(err)
	}
	other := serverWithCert("server-other") // the same, for "other.example"
	byName := map[string]*ssl.Context{"localhost": server, "other.example": other}
	err = server.SetSNICallback(func(s *ssl.Socket, name string, _ *ssl.Context) error {
		c, ok := byName[name]
		if !ok {
			return ssl.AlertError{Description: ssl.AlertDescriptionUnrecognizedName}
		}
		return s.SetContext(c)
	})
	if err != nil {
		log.Fatal(err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			if s, err := server.WrapSocket(conn, ssl.ServerSide(true)); err == nil {
				s.Close()
			}
		}
	}()

	client, err := ssl.NewContext(ssl.ProtocolTLSClient)
	if err != nil {
		log.Fatal(err)
	}
	if err := client.LoadVerifyLocations("testdata/ca.pem", ""); err != nil {
		log.Fatal(err)
	}
	for _, name := range []string{"other.example", "localhost", "nobody.example"} {
		conn, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			log.Fatal(err)
		}
		s, err := client.WrapSocket(conn, ssl.ServerHostname(name))
		if err != nil {
			fmt.Println(name, err)
			continue
		}
		cert := s.PeerCertificate()
		fmt.Println(name, cert.Subject.CommonName)
		s.Close()
	}
	// Output:
	// other.example other.example
	// localhost localhost
	// nobody.example [SSL: TLSV1_UNRECOGNIZED_NAME] tlsv1 unrecognized name
}

// A key log lets Wireshark decrypt the connections of a Context; each
// TLS 1.3 handshake adds five lines.
func ExampleContext_SetKeylogFilename() {
	dir, err := os.MkdirTemp("", "keylog")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "keys.log")

	server := serverWithCert("server-rsa")
	if err := server.SetKeylogFilename(path); err != nil {
		log.Fatal(err)
	}
	client, err := ssl.NewContext(ssl.ProtocolTLSClient)
	if err != nil {
		log.Fatal(err)
	}
	if err := client.LoadVerifyLocations("testdata/ca.pem", ""); err != nil {
		log.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := l.Accept()
		if err != nil {
			return
		}
		if s, err := server.WrapSocket(conn, ssl.ServerSide(true)); err == nil {
			s.Close()
		}
	}()
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	s, err := client.WrapSocket(conn, ssl.ServerHostname("localhost"))
	if err != nil {
		log.Fatal(err)
	}
	s.Close()
	<-done

	b, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		fmt.Println(strings.Fields(line)[0])
	}
	// Unordered output:
	// #
	// CLIENT_HANDSHAKE_TRAFFIC_SECRET
	// SERVER_HANDSHAKE_TRAFFIC_SECRET
	// CLIENT_TRAFFIC_SECRET_0
	// SERVER_TRAFFIC_SECRET_0
	// EXPORTER_SECRET
}
