package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/sslctx/ssl"
)

const getServerCertificateHelp = `Connects to HOST:PORT, performs a handshake and prints the certificate the
server presents, in PEM (Python's get_server_certificate). Without -cafile
the certificate is fetched unverified; with it, it must verify against those
CAs. Hostnames are never checked.
`

func runGetServerCertificate(args []string, stdout, stderr io.Writer) error {
	fs := flags("get-server-certificate", "HOST:PORT", stdout)
	cafile := fs.String("cafile", "", "PEM `file` of CA certificates the server's certificate must verify against")
	protocol := addClientProtocolFlag(fs)
	timeout := fs.Duration("timeout", 10*time.Second, "bound on the whole exchange")
	addr, p, err := parseClientArgs(fs, args, protocol)
	if err != nil {
		return err
	}
	if *timeout <= 0 {
		return usageError{"-timeout must be positive"}
	}
	if err := checkCAFile(*cafile); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	pem, err := ssl.GetServerCertificate(ctx, addr, p, *cafile)
	if err != nil {
		return timedOut(err, addr, *timeout)
	}
	fmt.Fprint(stdout, pem)
	return nil
}

// checkCAFile loads -cafile once before connecting, so that a file that
// cannot be used is reported as the flag's, not as the connection's.
func checkCAFile(cafile string) error {
	if cafile == "" {
		return nil
	}
	c, err := newContext(ssl.ProtocolTLSClient, func(c *ssl.Context) error { return loadCAFlags(c, cafile, "") })
	if err != nil {
		return err
	}
	return c.Close()
}
