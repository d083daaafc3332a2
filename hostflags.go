package ssl

import "github.com/sslctx/ssl/openssl"

// HostnameChecksCommonName reports whether the hostname check falls back to
// the subject's common name when a certificate has no DNS subjectAltName
// (Python 3.7's hostname_checks_common_name). It is true for a new
// Context, as in CPython 3.11 and 3.13.
func (c *Context) HostnameChecksCommonName() bool {
	return ctxValue(c, func(oc *openssl.Ctx) bool {
		return oc.HostFlags()&openssl.HostFlagNeverCheckSubject == 0
	})
}

// SetHostnameChecksCommonName turns the common name fallback of the
// hostname check on or off, through OpenSSL's
// X509_CHECK_FLAG_NEVER_CHECK_SUBJECT host flag, for sockets wrapped
// afterwards.
func (c *Context) SetHostnameChecksCommonName(on bool) error {
	return c.write(func(oc *openssl.Ctx) error {
		f := oc.HostFlags()
		if on {
			f &^= openssl.HostFlagNeverCheckSubject
		} else {
			f |= openssl.HostFlagNeverCheckSubject
		}
		oc.SetHostFlags(f)
		return nil
	})
}
