package main

import (
	"crypto/x509"
	"fmt"
	"io"

	"github.com/sslctx/ssl"
)

// chainLink is one certificate of a verified chain as -chain prints it.
type chainLink struct {
	Subject string `json:"subject"`
	Issuer  string `json:"issuer"`
}

// verifiedChain is the chain OpenSSL verified for s (GetVerifiedChain),
// leaf first; nil when nothing was verified.
func verifiedChain(s *ssl.Socket) ([]chainLink, error) {
	ders, err := s.GetVerifiedChain()
	if err != nil {
		return nil, err
	}
	var links []chainLink
	for i, der := range ders {
		x, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("certificate %d of the verified chain: %w", i, err)
		}
		links = append(links, chainLink{Subject: x.Subject.String(), Issuer: x.Issuer.String()})
	}
	return links, nil
}

// printVerifiedChain prints -chain's lines.
func printVerifiedChain(w io.Writer, links []chainLink) {
	if len(links) == 0 {
		fmt.Fprintln(w, "verified chain: none (the server's certificate was not verified)")
		return
	}
	fmt.Fprintln(w, "verified chain:")
	for i, l := range links {
		fmt.Fprintf(w, "  %d subject: %s\n    issuer:  %s\n", i, l.Subject, l.Issuer)
	}
}
