package main

import (
	"flag"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/sslctx/ssl"
)

// The names the -protocol flags take, Python's PROTOCOL_* without the
// prefix.
var protocolsByName = map[string]ssl.Protocol{
	"TLS":        ssl.ProtocolTLS,
	"SSLv23":     ssl.ProtocolSSLv23,
	"TLS_CLIENT": ssl.ProtocolTLSClient,
	"TLS_SERVER": ssl.ProtocolTLSServer,
	"TLSv1":      ssl.ProtocolTLSv1,
	"TLSv1_1":    ssl.ProtocolTLSv1_1,
	"TLSv1_2":    ssl.ProtocolTLSv1_2,
}

// parseProtocol reads a -protocol value, with or without "PROTOCOL_", among
// the names in allowed.
func parseProtocol(s string, allowed ...string) (ssl.Protocol, error) {
	name := strings.TrimPrefix(s, "PROTOCOL_")
	for _, a := range allowed {
		if strings.EqualFold(name, a) {
			return protocolsByName[a], nil
		}
	}
	return 0, usageError{fmt.Sprintf("-protocol %q: want one of %s", s, strings.Join(allowed, ", "))}
}

// The names -verify takes, lower-cased, after Python's "CERT_" prefix if any.
var verifyModesByName = map[string]ssl.VerifyMode{
	"none":     ssl.CertNone,
	"optional": ssl.CertOptional,
	"required": ssl.CertRequired,
}

// parseVerifyMode reads a -verify value: none, optional or required (or
// Python's CERT_NONE, ...).
func parseVerifyMode(s string) (ssl.VerifyMode, error) {
	if m, ok := verifyModesByName[strings.ToLower(strings.TrimPrefix(strings.ToUpper(s), "CERT_"))]; ok {
		return m, nil
	}
	return 0, usageError{fmt.Sprintf("-verify %q: want none, optional or required", s)}
}

// The names -min and -max take, lower-cased, with "_" for ".".
var tlsVersionsByName = map[string]ssl.TLSVersion{
	"tlsv1":   ssl.TLSv1_0,
	"tlsv1_0": ssl.TLSv1_0,
	"tlsv1_1": ssl.TLSv1_1,
	"tlsv1_2": ssl.TLSv1_2,
	"tlsv1_3": ssl.TLSv1_3,
}

// parseTLSVersion reads a -min or -max value: TLSv1, TLSv1_1, TLSv1_2 or
// TLSv1_3 (also written TLSv1.2).
func parseTLSVersion(flagName, s string) (ssl.TLSVersion, error) {
	if v, ok := tlsVersionsByName[strings.ReplaceAll(strings.ToLower(s), ".", "_")]; ok {
		return v, nil
	}
	return 0, usageError{fmt.Sprintf("-%s %q: want TLSv1, TLSv1_1, TLSv1_2 or TLSv1_3", flagName, s)}
}

// parseALPN splits an -alpn value, "h2,http/1.1", into protocol names.
func parseALPN(s string) []string {
	var protos []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			protos = append(protos, p)
		}
	}
	return protos
}

// clientProtocols are the -protocol values of the commands that connect.
var clientProtocols = []string{"TLS", "SSLv23", "TLS_CLIENT", "TLSv1", "TLSv1_1", "TLSv1_2"}

// addClientProtocolFlag defines -protocol for the commands that connect.
func addClientProtocolFlag(fs *flag.FlagSet) *string {
	return fs.String("protocol", "TLS_CLIENT", "the context's `protocol`: TLS, TLS_CLIENT, TLSv1, TLSv1_1 or TLSv1_2 (Python's PROTOCOL_*)")
}

// parseClientArgs reads the HOST:PORT argument and the -protocol value of a
// command that connects.
func parseClientArgs(fs *flag.FlagSet, args []string, protocol *string) (string, ssl.Protocol, error) {
	pos, err := parseArgs(fs, args, 1, 1)
	if err != nil {
		return "", 0, err
	}
	if err := checkAddr(pos[0]); err != nil {
		return "", 0, err
	}
	p, err := parseProtocol(*protocol, clientProtocols...)
	return pos[0], p, err
}

// checkAddr checks that an argument is HOST:PORT.
func checkAddr(addr string) error {
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		return usageError{fmt.Sprintf("%q is not HOST:PORT", addr)}
	}
	return nil
}

// isSet reports whether the flag name was given on the command line, to
// tell -ciphersuites "" (no TLS 1.3 suites) from no -ciphersuites at all.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

// unescape decodes the backslash escapes of a -send value: \n, \r, \t, \0,
// \\ and \xHH. Any other backslash is kept as it is.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		switch s[i+1] {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '0':
			b.WriteByte(0)
		case '\\':
			b.WriteByte('\\')
		case 'x':
			if i+4 <= len(s) {
				if v, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
					b.WriteByte(byte(v))
					i += 3
					continue
				}
			}
			b.WriteByte(c)
			continue
		default:
			b.WriteByte(c)
			continue
		}
		i++
	}
	return b.String()
}

// commonName returns the first commonName of a certificate dict's subject.
func commonName(c *ssl.Cert) string {
	if c == nil {
		return ""
	}
	for _, rdn := range c.Subject {
		for _, a := range rdn {
			if a.Name == "commonName" {
				return a.Value
			}
		}
	}
	return ""
}
