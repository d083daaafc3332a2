package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/http/httpproxy"

	"github.com/sslctx/ssl"
)

const getHelp = `Fetches URL (https:// only) with the library's HTTP transport
(ssl.NewHTTPTransport): it offers ALPN h2 and http/1.1 and speaks what the
server selects, verifies the server against -cafile (default: the system's
CAs) and the URL's host, and tunnels through the proxy HTTPS_PROXY names
(NO_PROXY excepted) with the TLS still its own. Redirects are followed.
It prints
  protocol: HTTP/2.0
  status:   200 OK
  tls:      TLSv1.3 TLS_AES_256_GCM_SHA384
  alpn:     h2
  server:   CN=localhost, issued by CN=sslctx Test CA
then, after an empty line, the body; with -o FILE the body goes to FILE
instead. -v adds the response's headers and the proxy used. Any HTTP status
is a success (exit 0); a failure to connect, verify or read is exit 1.
`

func runGet(args []string, stdout, stderr io.Writer) error {
	cfg, err := parseGet(args, stdout)
	if err != nil {
		return err
	}
	return cfg.get(stdout)
}

// getConfig is a checked get command line.
type getConfig struct {
	url     *url.URL
	cafile  string
	alpn    []string
	keylog  string
	out     string
	verbose bool
	timeout time.Duration
}

func parseGet(args []string, stdout io.Writer) (*getConfig, error) {
	fs := flags("get", "URL", stdout)
	cafile := fs.String("cafile", "", "PEM `file` of CA certificates to verify the server against (default: the system's CAs)")
	alpn := fs.String("alpn", "h2,http/1.1", "application `protocols` to offer, comma-separated; http/1.1 alone forces HTTP/1.1")
	keylog := fs.String("keylog", "", "`file` to append the TLS secrets to in NSS key log format, for Wireshark")
	out := fs.String("o", "", "write the body to `file` instead of standard output")
	verbose := fs.Bool("v", false, "print the response's headers and the proxy used too")
	timeout := fs.Duration("timeout", 30*time.Second, "bound on the whole exchange, redirects included")
	pos, err := parseArgs(fs, args, 1, 1)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(pos[0])
	if err != nil || u.Host == "" {
		return nil, usageError{fmt.Sprintf("%q is not a URL (want https://HOST[:PORT]/PATH)", pos[0])}
	}
	if u.Scheme != "https" {
		return nil, usageError{fmt.Sprintf("%q: only https:// URLs are fetched", pos[0])}
	}
	if *timeout <= 0 {
		return nil, usageError{"-timeout must be positive"}
	}
	protos := parseALPN(*alpn)
	if len(protos) == 0 {
		return nil, usageError{"-alpn needs at least one protocol (h2, http/1.1)"}
	}
	return &getConfig{url: u, cafile: *cafile, alpn: protos, keylog: *keylog, out: *out, verbose: *verbose, timeout: *timeout}, nil
}

// newContext is a PROTOCOL_TLS_CLIENT context with the flags' CAs, ALPN
// protocols and key log.
func (cfg *getConfig) newContext() (*ssl.Context, error) {
	return newContext(ssl.ProtocolTLSClient,
		func(c *ssl.Context) error {
			if cfg.cafile != "" {
				return loadCAFlags(c, cfg.cafile, "")
			}
			return c.SetDefaultVerifyPaths()
		},
		func(c *ssl.Context) error { return applyALPN(c, cfg.alpn) },
		cfg.setKeylog)
}

// setKeylog applies -keylog (Python's keylog_filename).
func (cfg *getConfig) setKeylog(c *ssl.Context) error {
	return setKeylog(c, cfg.keylog)
}

// get fetches the URL and prints what it got.
func (cfg *getConfig) get(stdout io.Writer) error {
	c, err := cfg.newContext()
	if err != nil {
		return err
	}
	defer c.Close()
	tr := ssl.NewHTTPTransport(c)
	client := &http.Client{Transport: tr}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.url.String(), nil)
	if err != nil {
		return usageError{err.Error()}
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("no answer within -timeout %v", cfg.timeout)
		}
		return withDetail(err)
	}
	defer resp.Body.Close()
	cfg.printFacts(stdout, resp)
	if cfg.out != "" {
		f, err := os.Create(cfg.out)
		if err != nil {
			return configError{fmt.Errorf("-o: %w", err)}
		}
		_, err = io.Copy(f, resp.Body)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("reading the body into %s: %w", cfg.out, err)
		}
		return nil
	}
	fmt.Fprintln(stdout)
	if _, err := io.Copy(stdout, resp.Body); err != nil {
		return fmt.Errorf("reading the body: %w", err)
	}
	return nil
}

// printFacts prints the protocol, the status and the TLS facts of resp.
func (cfg *getConfig) printFacts(w io.Writer, resp *http.Response) {
	fmt.Fprintf(w, "protocol: %s\n", resp.Proto)
	fmt.Fprintf(w, "status:   %s\n", resp.Status)
	if st := resp.TLS; st != nil {
		fmt.Fprintf(w, "tls:      %s %s\n", versionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
		if st.NegotiatedProtocol != "" {
			fmt.Fprintf(w, "alpn:     %s\n", st.NegotiatedProtocol)
		}
		if len(st.PeerCertificates) > 0 {
			leaf := st.PeerCertificates[0]
			fmt.Fprintf(w, "server:   %s, issued by %s\n", leaf.Subject, leaf.Issuer)
		}
	}
	if !cfg.verbose {
		return
	}
	if p, err := httpproxy.FromEnvironment().ProxyFunc()(resp.Request.URL); err == nil && p != nil {
		fmt.Fprintf(w, "proxy:    %s\n", p.Redacted())
	}
	for _, k := range slices.Sorted(maps.Keys(resp.Header)) {
		for _, v := range resp.Header[k] {
			fmt.Fprintf(w, "header:   %s: %s\n", k, v)
		}
	}
}

// versionName is the version as OpenSSL names it ("TLSv1.3"), which is
// what connect and serve print.
func versionName(v uint16) string {
	return strings.Replace(strings.Replace(tls.VersionName(v), "TLS ", "TLSv", 1), "SSL ", "SSLv", 1)
}
