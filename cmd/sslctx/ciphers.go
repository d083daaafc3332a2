package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/sslctx/ssl"
)

const ciphersHelp = `Makes a context for -protocol, sets SPEC as its cipher list (Python's
set_ciphers, OpenSSL's cipher-list syntax: "HIGH:!aNULL", "ECDHE+AESGCM",
"ALL:@SECLEVEL=0") and prints what get_ciphers() then returns, TLS 1.3 suites
first, in OpenSSL's order of preference: a table of name, protocol, key
exchange, authentication, symmetric cipher and strength bits, or with -json
the list of Python's dicts. Without SPEC, the protocol's default list.
A SPEC that selects no cipher fails: "No cipher can be selected.".
`

func runCiphers(args []string, stdout, stderr io.Writer) error {
	fs := flags("ciphers", "[SPEC]", stdout)
	protocol := fs.String("protocol", "TLS_CLIENT", "the context's `protocol`: TLS, TLS_CLIENT, TLS_SERVER, TLSv1, TLSv1_1 or TLSv1_2 (Python's PROTOCOL_*)")
	ciphersuites := fs.String("ciphersuites", "", "colon-separated TLS 1.3 `suites`, e.g. \"TLS_AES_128_GCM_SHA256\"; \"\" lists none (default: OpenSSL's)")
	asJSON := fs.Bool("json", false, "print the list of get_ciphers() dicts as JSON")
	pos, err := parseArgs(fs, args, 0, 1)
	if err != nil {
		return err
	}
	p, err := parseProtocol(*protocol, "TLS", "SSLv23", "TLS_CLIENT", "TLS_SERVER", "TLSv1", "TLSv1_1", "TLSv1_2")
	if err != nil {
		return err
	}
	c, err := ssl.NewContext(p)
	if err != nil {
		return err
	}
	defer c.Close()
	if len(pos) == 1 {
		if err := c.SetCiphers(pos[0]); err != nil {
			return err
		}
	}
	if isSet(fs, "ciphersuites") {
		if err := c.SetCipherSuites(*ciphersuites); err != nil {
			return err
		}
	}
	list := c.GetCiphers()
	if len(list) == 0 {
		return errors.New("No cipher can be selected.")
	}
	if *asJSON {
		b, err := json.MarshalIndent(list, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPROTOCOL\tKX\tAUTH\tSYMMETRIC\tBITS")
	for _, d := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", d.Name, d.Protocol,
			orDash(strings.TrimPrefix(d.KEA, "kx-")), orDash(strings.TrimPrefix(d.Auth, "auth-")),
			orDash(d.Symmetric), d.StrengthBits)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
