package main

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/sslctx/ssl"
)

// sniCert is one -sni NAME=CERT,KEY: the certificate served to clients
// that ask for NAME.
type sniCert struct {
	name, cert, key string
}

// sniFlag collects the repeated -sni flags.
type sniFlag []sniCert

func (f *sniFlag) String() string { return "" }

// Set checks one -sni value's form; the files are loaded with the context.
func (f *sniFlag) Set(v string) error {
	name, files, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return errors.New("want NAME=CERT,KEY")
	}
	cert, key, ok := strings.Cut(files, ",")
	if !ok || cert == "" || key == "" {
		return errors.New("want NAME=CERT,KEY: the certificate file, a comma, the key file")
	}
	// Names in SNI are compared as DNS names are, without case.
	name = strings.ToLower(name)
	for _, c := range *f {
		if c.name == name {
			return fmt.Errorf("%s is given twice", name)
		}
	}
	*f = append(*f, sniCert{name: name, cert: cert, key: key})
	return nil
}

// sniContexts makes one context per -sni name, holding its certificate
// and what else a socket moved to it takes from it (the ALPN protocols),
// and sets on c the callback that moves each connection to the context of
// the name its client asked for. A client that sends no name, or one with
// no -sni, stays on c and gets -cert. The returned func closes them.
func (cfg *serveConfig) sniContexts(c *ssl.Context) (func(), error) {
	byName := map[string]*ssl.Context{}
	closeAll := func() {
		for _, sc := range byName {
			sc.Close()
		}
	}
	for _, e := range cfg.sni {
		sc, err := newContext(cfg.protocol, e.load(*cfg.tls.pass),
			func(c *ssl.Context) error { return applyALPN(c, cfg.alpn) })
		if err != nil {
			closeAll()
			return nil, err
		}
		byName[e.name] = sc
	}
	if len(byName) == 0 {
		return closeAll, nil
	}
	err := c.SetSNICallback(func(s *ssl.Socket, name string, _ *ssl.Context) error {
		if sc, ok := byName[strings.ToLower(name)]; ok {
			return s.SetContext(sc)
		}
		return nil
	})
	if err != nil {
		closeAll()
		return nil, err
	}
	return closeAll, nil
}

// load loads the certificate and key of e, unlocked by -pass if given,
// and names the -sni value and the file when that fails.
func (e sniCert) load(pass string) func(*ssl.Context) error {
	return func(c *ssl.Context) error {
		var err error
		if pass == "" {
			err = c.LoadCertChain(e.cert, e.key)
		} else {
			err = c.LoadCertChainWithPassword(e.cert, e.key, func() ([]byte, error) { return readPassword(pass) })
		}
		if err == nil {
			return nil
		}
		flag := fmt.Sprintf("-sni %s=%s,%s", e.name, e.cert, e.key)
		var pe *fs.PathError
		var se *ssl.Error
		switch {
		case errors.As(err, &pe):
			return configError{fmt.Errorf("%s: %s: %w", flag, pe.Path, pe.Err)}
		case errors.As(err, &se) && se.Reason == "KEY_VALUES_MISMATCH":
			return configError{fmt.Errorf("%s: %w: %s is not the key of the certificate in %s", flag, err, e.key, e.cert)}
		}
		return configError{fmt.Errorf("%s: %w: want the PEM certificate chain in %s and its private key in %s", flag, withDetail(err), e.cert, e.key)}
	}
}
