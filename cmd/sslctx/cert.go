package main

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"io"
	"os"

	"github.com/sslctx/ssl"
)

const certHelp = `Decodes every certificate of FILE, PEM or DER (told apart by the
"-----BEGIN" line), and prints for each what a person debugging TLS wants:
subject, issuer, validity against now, names, key type and size, signature
algorithm, key usage, extended key usage, basic constraints and the SHA-256
and SHA-1 fingerprints, then Python's getpeercert() dict
(ssl._ssl._test_decode_cert) as JSON with one key per line. -compact prints
only the dict, one certificate a line; -json prints a list of
{"python": dict, "x509": facts}. FILE "-" reads standard input.
`

// stdin is what "-" reads; tests replace it.
var stdin io.Reader = os.Stdin

// decodedCert is one certificate of the file: Python's dict, decoded by
// OpenSSL, and the facts, read by crypto/x509 (nil where it refuses one
// OpenSSL accepts).
type decodedCert struct {
	Python  *ssl.Cert `json:"python"`
	X509    *certInfo `json:"x509"`
	x509Err error
}

func runCert(args []string, stdout, stderr io.Writer) error {
	fs := flags("cert", "FILE", stdout)
	der := fs.Bool("der", false, "FILE is DER even if it looks like PEM (it is detected without the flag)")
	compact := fs.Bool("compact", false, "print only Python's dict, one certificate a line")
	asJSON := fs.Bool("json", false, "print a JSON list of {\"python\": dict, \"x509\": facts}")
	pos, err := parseArgs(fs, args, 1, 1)
	if err != nil {
		return err
	}
	file := pos[0]
	data, err := readCertFile(file)
	if err != nil {
		return err
	}
	ders, err := splitCerts(data, *der)
	if err != nil {
		return fmt.Errorf("%s: %w", displayName(file), err)
	}
	var certs []decodedCert
	for i, d := range ders {
		dc, err := decodeCert(d)
		if err != nil {
			return fmt.Errorf("%s: certificate %d: %w", displayName(file), i+1, err)
		}
		certs = append(certs, dc)
	}
	return printCerts(stdout, certs, *compact, *asJSON)
}

func displayName(file string) string {
	if file == "-" {
		return "standard input"
	}
	return file
}

func readCertFile(file string) ([]byte, error) {
	if file == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(file)
}

// splitCerts returns the DER of each certificate in data: its PEM
// CERTIFICATE blocks, or its run of DER certificates.
func splitCerts(data []byte, forceDER bool) ([][]byte, error) {
	if !forceDER && bytes.Contains(data, []byte("-----BEGIN")) {
		var ders [][]byte
		for rest := data; ; {
			var b *pem.Block
			if b, rest = pem.Decode(rest); b == nil {
				break
			}
			if b.Type == "CERTIFICATE" {
				ders = append(ders, b.Bytes)
			}
		}
		if len(ders) == 0 {
			return nil, fmt.Errorf("no PEM CERTIFICATE block (a key or request file, or broken base64?)")
		}
		return ders, nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("the file is empty")
	}
	// A run of DER certificates ends when the input does: each is one
	// ASN.1 SEQUENCE.
	var ders [][]byte
	for rest := data; len(rest) > 0; {
		var raw asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &raw); err != nil {
			return nil, fmt.Errorf("neither PEM nor DER: %v", err)
		}
		ders = append(ders, raw.FullBytes)
	}
	return ders, nil
}

func decodeCert(der []byte) (decodedCert, error) {
	dict, err := ssl.DecodeCertDER(der)
	if err != nil {
		return decodedCert{}, err
	}
	dc := decodedCert{Python: dict}
	if x, err := x509.ParseCertificate(der); err == nil {
		info := describeCert(x)
		dc.X509 = &info
	} else {
		dc.x509Err = err
	}
	return dc, nil
}

func printCerts(w io.Writer, certs []decodedCert, compact, asJSON bool) error {
	switch {
	case asJSON:
		printJSON(w, certs)
		return nil
	case compact:
		for _, c := range certs {
			printJSON(w, c.Python)
		}
		return nil
	}
	for i, c := range certs {
		if len(certs) > 1 {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "certificate %d of %d\n", i+1, len(certs))
		}
		if c.X509 != nil {
			printCert(w, "", *c.X509)
			fmt.Fprintf(w, "sha1:      %s\n", c.X509.SHA1)
		} else {
			fmt.Fprintf(w, "x509:      Go's crypto/x509 cannot read it (%v); OpenSSL's reading follows\n", c.x509Err)
		}
		text, err := dictText(c.Python, "")
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "python:    %s\n", text)
	}
	return nil
}
