package main

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sslctx/ssl"
)

// tlsFlags are the TLS settings connect and serve both take: the
// certificate to present, the CAs to verify the peer against and how, the
// ciphers, the versions and the ALPN protocols. Their help says which side
// they speak for.
type tlsFlags struct {
	fs                                *flag.FlagSet
	certFile, keyFile, cafile, verify *string
	alpn, ciphers, ciphersuites, pass *string
	timeout                           *time.Duration
	versions                          versionFlags
}

// addTLSFlags defines the TLS flags on fs, worded for a server or a client.
func addTLSFlags(fs *flag.FlagSet, server bool) *tlsFlags {
	h := clientFlagHelp
	if server {
		h = serverFlagHelp
	}
	return &tlsFlags{
		fs:       fs,
		certFile: fs.String("cert", "", h.cert),
		keyFile:  fs.String("key", "", "private key `file` of -cert (default: the key is in -cert's file)"),
		cafile:   fs.String("cafile", "", h.cafile),
		verify:   fs.String("verify", "", h.verify),
		alpn:     fs.String("alpn", "", h.alpn),
		ciphers: fs.String("ciphers", "",
			"OpenSSL cipher `list` for TLS 1.2 and below, e.g. \"ECDHE+AESGCM:!aNULL\" (default: the protocol's)"),
		ciphersuites: fs.String("ciphersuites", "",
			"colon-separated TLS 1.3 `suites`, e.g. \"TLS_AES_128_GCM_SHA256\"; \"\" disables TLS 1.3 suites (default: OpenSSL's)"),
		pass:     fs.String("pass", "", "`source` of -key's password, as openssl's: pass:PASSWORD, file:PATH (its first line) or env:VARIABLE"),
		timeout:  fs.Duration("timeout", 10*time.Second, h.timeout),
		versions: addVersionFlags(fs),
	}
}

// tlsFlagHelp is the help of the flags whose meaning depends on the side.
type tlsFlagHelp struct{ cert, cafile, verify, alpn, timeout string }

var (
	clientFlagHelp = tlsFlagHelp{
		cert:    "PEM `file` of the client certificate chain to present",
		cafile:  "PEM `file` of CA certificates to verify the server against (default: the system's CAs)",
		verify:  "`mode` of checking the server's certificate: none, optional or required (default: the protocol's, required for TLS_CLIENT, none for the others)",
		alpn:    "application `protocols` to offer, comma-separated, e.g. h2,http/1.1",
		timeout: "bound on the TCP connection and the handshake together",
	}
	serverFlagHelp = tlsFlagHelp{
		cert:    "PEM `file` of the server's certificate chain (required)",
		cafile:  "PEM `file` of CA certificates that client certificates are verified against",
		verify:  "`mode` of checking client certificates: none, optional or required (default: required with -cafile, else none)",
		alpn:    "application `protocols` to accept, comma-separated, the preferred first",
		timeout: "bound on each handshake, and on an HTTPS connection's wait for a request",
	}
)

// check validates the flags that need no file: -key, -pass, -timeout and
// -verify.
// It returns the -verify mode and whether it was given.
func (f *tlsFlags) check() (ssl.VerifyMode, bool, error) {
	if *f.keyFile != "" && *f.certFile == "" {
		return 0, false, usageError{"-key needs -cert"}
	}
	if *f.pass != "" && *f.certFile == "" {
		return 0, false, usageError{"-pass needs -cert"}
	}
	if kind, _, _ := strings.Cut(*f.pass, ":"); *f.pass != "" && !slices.Contains([]string{"pass", "file", "env"}, kind) {
		return 0, false, usageError{fmt.Sprintf("-pass %q: want pass:PASSWORD, file:PATH or env:VARIABLE", *f.pass)}
	}
	if *f.timeout <= 0 {
		return 0, false, usageError{"-timeout must be positive"}
	}
	if *f.verify == "" {
		return ssl.CertNone, false, nil
	}
	mode, err := parseVerifyMode(*f.verify)
	return mode, true, err
}

// applyCiphers sets the ciphers given on the command line; -ciphersuites ""
// (no TLS 1.3 suites) differs from no -ciphersuites at all.
func (f *tlsFlags) applyCiphers(c *ssl.Context) error {
	if isSet(f.fs, "ciphers") {
		if err := c.SetCiphers(*f.ciphers); err != nil {
			return configError{fmt.Errorf("-ciphers %q: %w (see sslctx ciphers)", *f.ciphers, err)}
		}
	}
	if isSet(f.fs, "ciphersuites") {
		if err := c.SetCipherSuites(*f.ciphersuites); err != nil {
			return configError{fmt.Errorf("-ciphersuites %q: %w", *f.ciphersuites, withDetail(err))}
		}
	}
	return nil
}

// warnings are the flags that cannot take effect as given.
func (f *tlsFlags) warnings(b versionBounds) []string {
	var w []string
	if isSet(f.fs, "ciphersuites") && *f.ciphersuites != "" && b.max != 0 && b.max < ssl.TLSv1_3 {
		w = append(w, "-ciphersuites has no effect: -max "+*f.versions.max+" leaves out TLS 1.3")
	}
	if isSet(f.fs, "ciphersuites") && *f.ciphersuites == "" && (b.max == 0 || b.max >= ssl.TLSv1_3) {
		w = append(w, "-ciphersuites \"\" leaves TLS 1.3 without suites, and OpenSSL then refuses every handshake: give -max TLSv1_2 too")
	}
	if isSet(f.fs, "ciphers") && b.min == ssl.TLSv1_3 {
		w = append(w, "-ciphers has no effect: with -min TLSv1_3 only -ciphersuites choose")
	}
	if b.max != 0 && b.max < ssl.TLSv1_2 && b.min == 0 {
		w = append(w, fmt.Sprintf("-max %s alone leaves no version: the default minimum is TLS 1.2; give -min %s too (and -ciphers DEFAULT:@SECLEVEL=0, which TLS 1.0 and 1.1 need)",
			*f.versions.max, *f.versions.max))
	}
	return w
}

// applyALPN sets protos as the ALPN protocols, if there are any.
func applyALPN(c *ssl.Context, protos []string) error {
	if len(protos) == 0 {
		return nil
	}
	return c.SetALPNProtocols(protos)
}

// loadCertChain loads -cert and -key, unlocked by -pass, if -cert was
// given.
func (f *tlsFlags) loadCertChain(c *ssl.Context) error {
	if *f.certFile == "" {
		return nil
	}
	var err error
	if *f.pass == "" {
		err = c.LoadCertChain(*f.certFile, *f.keyFile)
	} else {
		err = c.LoadCertChainWithPassword(*f.certFile, *f.keyFile, func() ([]byte, error) { return readPassword(*f.pass) })
	}
	if err != nil {
		return configError{f.certChainError(err)}
	}
	return nil
}

// versionFlags are -min and -max, the bounds on the protocol version.
type versionFlags struct {
	min, max *string
}

func addVersionFlags(fs *flag.FlagSet) versionFlags {
	return versionFlags{
		min: fs.String("min", "", "lowest protocol `version`: TLSv1, TLSv1_1, TLSv1_2 or TLSv1_3 (not with a -protocol of one version)"),
		max: fs.String("max", "", "highest protocol `version`: TLSv1, TLSv1_1, TLSv1_2 or TLSv1_3 (not with a -protocol of one version)"),
	}
}

// versionBounds are the checked -min and -max; 0 stands for not given.
type versionBounds struct{ min, max ssl.TLSVersion }

func (f versionFlags) parse() (versionBounds, error) {
	var b versionBounds
	var err error
	if *f.min != "" {
		if b.min, err = parseTLSVersion("min", *f.min); err != nil {
			return b, err
		}
	}
	if *f.max != "" {
		b.max, err = parseTLSVersion("max", *f.max)
	}
	return b, err
}

// apply sets the bounds that were given.
func (b versionBounds) apply(c *ssl.Context) error {
	if b.min != 0 {
		if err := c.SetMinimumVersion(b.min); err != nil {
			return configError{fmt.Errorf("-min: %w", err)}
		}
	}
	if b.max != 0 {
		if err := c.SetMaximumVersion(b.max); err != nil {
			return configError{fmt.Errorf("-max: %w", err)}
		}
	}
	return nil
}

// newContext makes a context for p and configures it by steps, in order;
// it closes the context if a step fails.
func newContext(p ssl.Protocol, steps ...func(*ssl.Context) error) (*ssl.Context, error) {
	c, err := ssl.NewContext(p)
	if err != nil {
		return nil, err
	}
	for _, step := range steps {
		if err := step(c); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}
