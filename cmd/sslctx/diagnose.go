package main

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sslctx/ssl"
	"github.com/sslctx/ssl/openssl"
)

// failure is what connect reports of a failed connection: -json prints it
// as {"error": failure}.
type failure struct {
	Message        string     `json:"message"`
	Library        string     `json:"library,omitempty"`
	Reason         string     `json:"reason,omitempty"`
	VerifyCode     int        `json:"verify_code,omitempty"`
	VerifyCodeName string     `json:"verify_code_name,omitempty"`
	VerifyMessage  string     `json:"verify_message,omitempty"`
	Depth          *int       `json:"depth,omitempty"`
	Hint           string     `json:"hint,omitempty"`
	Chain          []certInfo `json:"chain,omitempty"`
	ChainError     string     `json:"chain_error,omitempty"` // why Chain is missing
}

// fail explains err, the failure of a connection or of the server's
// verdict after it, on stdout (the chain the server sent, the depth and
// verify code that failed) and returns the one-line error with what to do.
func (cfg *connectConfig) fail(stdout io.Writer, c *ssl.Context, err error) error {
	var se *ssl.Error
	if !errors.As(err, &se) {
		if cfg.asJSON {
			printJSON(stdout, map[string]failure{"error": {Message: err.Error()}})
		}
		return err
	}
	f := failure{Message: err.Error(), Library: se.Library, Reason: se.Reason}
	if se.VerifyCode != 0 {
		f.VerifyCode, f.VerifyCodeName, f.VerifyMessage = se.VerifyCode, openssl.VerifyCodeName(se.VerifyCode), se.VerifyMessage
		probe := probeResult{chain: cfg.knownChain}
		if probe.chain == nil {
			probe = cfg.probe(false)
		}
		if probe.err != nil {
			f.ChainError = "a second connection, not verifying, to see the chain failed too: " + oneLine(probe.err.Error())
		}
		chain := probe.chain
		for _, x := range chain {
			if x != nil {
				f.Chain = append(f.Chain, describeCert(x))
			}
		}
		depth := failedDepth(f.VerifyCodeName, chain)
		if depth >= 0 {
			f.Depth = &depth
		}
		f.Hint = verifyHint(f.VerifyCodeName, depth, chain, cfg, c)
	} else {
		f.Hint = cfg.alertHint(se)
	}
	if cfg.asJSON {
		printJSON(stdout, map[string]failure{"error": f})
	} else {
		printFailure(stdout, f)
	}
	err = withDetail(err)
	if f.Hint == "" {
		return err
	}
	return fmt.Errorf("%w; %s", err, f.Hint)
}

// printFailure prints the verification that failed and the chain.
func printFailure(w io.Writer, f failure) {
	if f.VerifyCodeName == "" {
		return
	}
	at := ""
	if f.Depth != nil {
		at = fmt.Sprintf(" at depth %d", *f.Depth)
	}
	fmt.Fprintf(w, "verify:    failed%s: %s (%d): %s\n", at, f.VerifyCodeName, f.VerifyCode, f.VerifyMessage)
	if f.ChainError != "" {
		fmt.Fprintf(w, "chain:     not seen: %s\n", f.ChainError)
		return
	}
	printChain(w, "the chain the server sent", f.Chain)
}

// printChain prints certificates as the peer sent them, leaf first.
func printChain(w io.Writer, title string, chain []certInfo) {
	fmt.Fprintf(w, "%s (%d):\n", title, len(chain))
	for i, ci := range chain {
		fmt.Fprintf(w, "  depth %d\n", i)
		printCert(w, "    ", ci)
	}
}

func printJSON(w io.Writer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		fmt.Fprintf(w, "{\"error\":{\"message\":%q}}\n", err.Error())
		return
	}
	fmt.Fprintf(w, "%s\n", b)
}

// failedDepth finds where in the chain a verification failure lies, from
// its code and the certificates: OpenSSL's error depth is not reported
// with the error. -1 when the code does not say.
func failedDepth(name string, chain []*x509.Certificate) int {
	switch strings.TrimPrefix(name, "X509_V_ERR_") {
	case "HOSTNAME_MISMATCH", "IP_ADDRESS_MISMATCH", "EMAIL_MISMATCH", "DEPTH_ZERO_SELF_SIGNED_CERT":
		return 0
	case "CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID":
		now := time.Now()
		for i, x := range chain {
			if x != nil && (now.After(x.NotAfter) || now.Before(x.NotBefore)) {
				return i
			}
		}
	case "SELF_SIGNED_CERT_IN_CHAIN":
		for i, x := range chain {
			if x != nil && x.Subject.String() == x.Issuer.String() {
				return i
			}
		}
	case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "UNABLE_TO_GET_ISSUER_CERT", "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
		return topOfChain(chain)
	}
	return -1
}

// topOfChain is the depth of the last certificate whose issuer the server
// also sent: the one whose issuer had to be found among the trusted CAs.
func topOfChain(chain []*x509.Certificate) int {
	if len(chain) == 0 || chain[0] == nil {
		return -1
	}
	i := 0
	for i+1 < len(chain) && chain[i+1] != nil && chain[i+1].Subject.String() == chain[i].Issuer.String() {
		i++
	}
	return i
}

// verifyHint says what the verify code means for this chain and what to do.
func verifyHint(name string, depth int, chain []*x509.Certificate, cfg *connectConfig, c *ssl.Context) string {
	var x *x509.Certificate
	if depth >= 0 && depth < len(chain) {
		x = chain[depth]
	}
	if x == nil {
		return ""
	}
	switch strings.TrimPrefix(name, "X509_V_ERR_") {
	case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "UNABLE_TO_GET_ISSUER_CERT", "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
		return fmt.Sprintf("the issuer %q of the certificate at depth %d (%s) is not among the trusted CAs (%s) and the server did not send it:"+
			" if it is your CA, pass it with -cafile; if it is an intermediate CA, the server must send it after its certificate",
			x.Issuer.String(), depth, x.Subject.String(), trustedCAs(cfg, c))
	case "DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN":
		return fmt.Sprintf("the chain ends at the self-signed certificate %q (depth %d), which is not trusted: pass it with -cafile if you trust it", x.Subject.String(), depth)
	case "CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID":
		now := time.Now()
		when := "it expired " + roughly(now.Sub(x.NotAfter)) + " ago"
		if now.Before(x.NotBefore) {
			when = "it becomes valid in " + roughly(x.NotBefore.Sub(now))
		}
		return fmt.Sprintf("the certificate at depth %d (%s) is valid from %s to %s and now is %s: %s", depth, x.Subject.String(),
			x.NotBefore.UTC().Format(time.RFC3339), x.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), when)
	case "HOSTNAME_MISMATCH", "IP_ADDRESS_MISMATCH":
		names := strings.Join(sans(x), ", ")
		if names == "" {
			names = "no subjectAltName, CN " + x.Subject.CommonName
		}
		return fmt.Sprintf("the certificate is for %s, not %q: connect by one of those names, or give one with -servername", names, cfg.name)
	}
	return ""
}

// trustedCAs names the CAs verification trusted.
func trustedCAs(cfg *connectConfig, c *ssl.Context) string {
	var names []string
	for _, ca := range c.GetCACerts() {
		names = append(names, commonName(ca))
	}
	switch {
	case *cfg.tls.cafile == "" && cfg.capath == "":
		return "the system's CAs"
	case len(names) == 0:
		return "-capath " + cfg.capath
	}
	return strings.Join(names, ", ")
}

// probeResult is what a second connection learned.
type probeResult struct {
	chain           []*x509.Certificate // as the server sent it
	version, cipher string
	err             error
	local           bool // err came before connecting
}

// probe connects again without verifying the server, to see the chain it
// sends; widened, it also offers every version and cipher OpenSSL has, to
// tell a server that refuses our offer from one that refuses us.
func (cfg *connectConfig) probe(widen bool) probeResult {
	p := *cfg
	p.modeSet, p.mode = true, ssl.CertNone
	if widen {
		p.protocol, p.versions = ssl.ProtocolTLSClient, versionBounds{}
	}
	c, err := p.newContext()
	if err == nil && widen {
		err = errors.Join(c.SetCiphers("ALL:@SECLEVEL=0"), c.SetCipherSuites(defaultSuites),
			c.SetMinimumVersion(ssl.TLSVersionMinimumSupported), c.SetMaximumVersion(ssl.TLSVersionMaximumSupported))
	}
	if err != nil {
		return probeResult{err: err, local: true}
	}
	defer c.Close()
	s, err := connect(c, p.addr, p.name, *p.tls.timeout)
	if err != nil {
		return probeResult{err: err}
	}
	defer s.Close()
	cipher, _ := s.Cipher()
	if _, err = awaitVerdict(s, p.wait); err != nil {
		return probeResult{err: err}
	}
	return probeResult{chain: s.ConnectionState().PeerCertificates, version: s.Version(), cipher: cipher.Name}
}

// defaultSuites are OpenSSL's TLS 1.3 suites, which a widened probe offers
// even when -ciphersuites left none.
const defaultSuites = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"

// alertHint says what an error other than a verification failure means:
// the server's alert during or after the handshake, or a context that can
// offer nothing.
func (cfg *connectConfig) alertHint(se *ssl.Error) string {
	reason := se.Reason
	haveCert := *cfg.tls.certFile != ""
	switch {
	case strings.Contains(reason, "CERTIFICATE_REQUIRED") && !haveCert:
		return "the server requires a client certificate: pass -cert/-key"
	case strings.Contains(reason, "ALERT") && haveCert && certAlert(reason):
		return fmt.Sprintf("the server refused the client certificate of -cert %s", *cfg.tls.certFile)
	case reason == "NO_PROTOCOLS_AVAILABLE":
		return "-min/-max and -protocol leave no protocol version to offer (the default minimum is TLS 1.2)"
	case !strings.Contains(reason, "ALERT"):
		return ""
	}
	p := cfg.probe(true)
	switch {
	case p.err == nil:
		return fmt.Sprintf("the server accepts %s with %s, which -protocol, -min, -max, -ciphers or -ciphersuites left out", p.version, p.cipher)
	case !haveCert && !p.local:
		return "the server also refuses a client that offers every version and cipher: it may require a client certificate (pass -cert/-key), or its own configuration fails (its log says)"
	}
	return ""
}

// certAlert reports whether an alert is about the client's certificate.
func certAlert(reason string) bool {
	for _, r := range []string{"BAD_CERTIFICATE", "UNKNOWN_CA", "CERTIFICATE_UNKNOWN", "UNSUPPORTED_CERTIFICATE",
		"CERTIFICATE_EXPIRED", "CERTIFICATE_REVOKED", "ACCESS_DENIED", "DECRYPT_ERROR"} {
		if strings.Contains(reason, r) {
			return true
		}
	}
	return false
}

// awaitVerdict reads for up to wait after the handshake: a TLS 1.3 server
// judges the client's certificate after the client's handshake is over,
// and its alert is the next thing the client reads. It returns what the
// server sent meanwhile.
func awaitVerdict(s *ssl.Socket, wait time.Duration) ([]byte, error) {
	// Below TLS 1.3 the server's Finished, sent after it has judged the
	// client, ends the client's handshake: there is nothing to wait for.
	if wait <= 0 || s.Version() != "TLSv1.3" {
		return nil, nil
	}
	s.SetReadDeadline(time.Now().Add(wait))
	defer s.SetReadDeadline(time.Time{})
	buf := make([]byte, 16<<10)
	n, err := s.Read(buf)
	var ne interface{ Timeout() bool }
	switch {
	case err == nil, errors.Is(err, io.EOF), errors.As(err, &ne) && ne.Timeout():
		return buf[:n], nil
	}
	return nil, err
}
