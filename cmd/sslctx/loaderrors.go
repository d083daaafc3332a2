package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/sslctx/ssl"
)

// configError is a flag whose file or value OpenSSL refused: like a wrong
// command line, it exits 2.
type configError struct{ err error }

func (e configError) Error() string { return e.err.Error() }
func (e configError) Unwrap() error { return e.err }

// readPassword reads a -pass source: pass:PASSWORD, file:PATH (its first
// line) or env:VARIABLE, as openssl's -passin does.
func readPassword(source string) ([]byte, error) {
	kind, arg, _ := strings.Cut(source, ":")
	switch kind {
	case "pass":
		return []byte(arg), nil
	case "env":
		v, ok := os.LookupEnv(arg)
		if !ok {
			return nil, fmt.Errorf("-pass env:%s: the variable is not set", arg)
		}
		return []byte(v), nil
	case "file":
		f, err := os.Open(arg)
		if err != nil {
			return nil, fmt.Errorf("-pass file:%s: %w", arg, err)
		}
		defer f.Close()
		line, err := bufio.NewReader(f).ReadString('\n')
		if err != nil && line == "" {
			return nil, fmt.Errorf("-pass file:%s: the file is empty", arg)
		}
		return []byte(strings.TrimRight(line, "\r\n")), nil
	}
	return nil, fmt.Errorf("-pass %q: want pass:PASSWORD, file:PATH or env:VARIABLE", source)
}

// certChainError says which of -cert, -key and -pass failed to load, with
// OpenSSL's own words, and what to do.
func (f *tlsFlags) certChainError(err error) error {
	cert, key := *f.certFile, *f.keyFile
	keyFlag := "-key " + key
	if key == "" {
		keyFlag, key = "-cert "+cert+" (no -key)", cert
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		flag := "-cert"
		if pe.Path == *f.keyFile {
			flag = "-key"
		}
		return fmt.Errorf("%s %s: %w", flag, pe.Path, pe.Err)
	}
	var se *ssl.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("-cert %s: %w", cert, err)
	}
	switch {
	case se.Reason == "KEY_VALUES_MISMATCH":
		return fmt.Errorf("%s: %w: the key is not the key of the certificate in -cert %s; give the key that belongs to it", keyFlag, err, cert)
	case queueHas(se, "BAD_DECRYPT") || queueHas(se, "PKCS12_CIPHERFINAL_ERROR"):
		return fmt.Errorf("-pass: %w: the password does not unlock the private key in %s", withDetail(err), key)
	case strings.Contains(se.Message+err.Error(), "encrypted"):
		return fmt.Errorf("%s: %w: give the key's password with -pass pass:PASSWORD, file:PATH or env:VARIABLE", keyFlag, err)
	case queueHas(se, "NO_START_LINE") && !queueDataHas(se, "NO_START_LINE", "PRIVATE KEY"):
		// 1.1.1 also reads a key with no PEM block as NO_START_LINE
		// ("Expecting: ANY PRIVATE KEY"): that is the key's case below.
		return fmt.Errorf("-cert %s: %w: the file holds no PEM certificate", cert, withDetail(err))
	case se.Message == "PEM lib":
		return fmt.Errorf("%s: %w: no private key found in %s; give the certificate's key with -key", keyFlag, withDetail(err), key)
	}
	return fmt.Errorf("-cert %s, %s: %w", cert, keyFlag, withDetail(err))
}

// queueHas reports whether OpenSSL's error queue holds reason.
func queueHas(se *ssl.Error, reason string) bool {
	for _, e := range se.Queue {
		if e.Reason == reason {
			return true
		}
	}
	return false
}

// queueDataHas reports whether an entry of OpenSSL's error queue with
// reason has extra data containing text.
func queueDataHas(se *ssl.Error, reason, text string) bool {
	for _, e := range se.Queue {
		if e.Reason == reason && strings.Contains(e.Data, text) {
			return true
		}
	}
	return false
}

// withDetail adds to an OpenSSL error the extra data its queue holds
// ("Expecting: TRUSTED CERTIFICATE", "maybe wrong password"), which the
// error's text leaves out.
func withDetail(err error) error {
	var se *ssl.Error
	if !errors.As(err, &se) {
		return err
	}
	var data []string
	for _, e := range se.Queue {
		// "SSL alert number 48" repeats what the alert's reason says.
		if e.Data != "" && !strings.HasPrefix(e.Data, "SSL alert number") &&
			!strings.Contains(err.Error(), e.Data) && !slices.Contains(data, e.Data) {
			data = append(data, e.Data)
		}
	}
	if len(data) == 0 {
		return err
	}
	return fmt.Errorf("%w (OpenSSL: %s)", err, strings.Join(data, "; "))
}

// loadCAFlags loads -cafile and -capath and says which failed and why.
func loadCAFlags(c *ssl.Context, cafile, capath string) error {
	if capath != "" {
		st, err := os.Stat(capath)
		if err != nil {
			return configError{fmt.Errorf("-capath %s: %w", capath, errors.Unwrap(err))}
		}
		if !st.IsDir() {
			return configError{fmt.Errorf("-capath %s: not a directory (a single file of CAs goes to -cafile)", capath)}
		}
	}
	err := c.LoadVerifyLocations(cafile, capath)
	var pe *fs.PathError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe):
		return configError{fmt.Errorf("-cafile %s: %w", cafile, pe.Err)}
	}
	return configError{fmt.Errorf("-cafile %s: %w: want a PEM file of CA certificates", cafile, withDetail(err))}
}
