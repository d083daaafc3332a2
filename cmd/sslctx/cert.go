package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/sslctx/ssl"
)

const certHelp = `Decodes the first certificate of FILE, PEM unless -der is given, and prints
it as Python's getpeercert() dict (ssl._ssl._test_decode_cert): JSON with one
key per line, or on one line with -compact. FILE "-" reads standard input.
`

// stdin is what "-" reads; tests replace it.
var stdin io.Reader = os.Stdin

func runCert(args []string, stdout, stderr io.Writer) error {
	fs := flags("cert", "FILE", stdout)
	der := fs.Bool("der", false, "FILE is one DER certificate, not PEM")
	compact := fs.Bool("compact", false, "print the JSON on one line")
	pos, err := parseArgs(fs, args, 1, 1)
	if err != nil {
		return err
	}
	var cert *ssl.Cert
	switch file := pos[0]; {
	case file == "-":
		data, err := io.ReadAll(stdin)
		if err != nil {
			return err
		}
		if *der {
			cert, err = ssl.DecodeCertDER(data)
		} else {
			cert, err = ssl.DecodeCertPEM(data)
		}
		if err != nil {
			return err
		}
	case *der:
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		if cert, err = ssl.DecodeCertDER(data); err != nil {
			return err
		}
	default:
		if cert, err = ssl.DecodeCertFile(file); err != nil {
			return err
		}
	}
	var text string
	if *compact {
		b, err := json.Marshal(cert)
		if err != nil {
			return err
		}
		text = string(b)
	} else if text, err = dictText(cert, ""); err != nil {
		return err
	}
	fmt.Fprintln(stdout, text)
	return nil
}
