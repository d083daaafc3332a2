package ssl

import "github.com/sslctx/ssl/openssl"

// LoadDefaultCerts loads the system's CA certificates for purpose, as
// Python's load_default_certs (3.4) does outside Windows: purpose is
// checked and SetDefaultVerifyPaths does the loading, so missing system
// locations are not an error. An unknown purpose wraps ErrInvalidArgument.
func (c *Context) LoadDefaultCerts(p Purpose) error {
	if p != PurposeServerAuth && p != PurposeClientAuth {
		return invalidArgument("unknown purpose %d", int(p))
	}
	return c.SetDefaultVerifyPaths()
}

// GetCACertsDER returns the CA certificates loaded into the Context in DER,
// in the order of OpenSSL's store: Python's get_ca_certs(binary_form=True).
// As with GetCACerts, certificates of a capath directory appear only once a
// verification has looked them up; certificates that are not CAs are left
// out. It returns nil after Close.
func (c *Context) GetCACertsDER() [][]byte {
	var out [][]byte
	c.read(func(oc *openssl.Ctx) error {
		certs, _, err := oc.StoreCerts()
		if err != nil {
			return err
		}
		defer freeX509s(certs)
		for _, x := range certs {
			if !x.IsCA() {
				continue
			}
			if der, err := x.DER(); err == nil {
				out = append(out, der)
			}
		}
		return nil
	})
	return out
}
