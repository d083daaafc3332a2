package ssl

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedFiles adds the certificate fixtures as seeds.
func seedFiles(f *testing.F, pattern string, conv func([]byte) []byte) {
	files, _ := filepath.Glob(td(pattern))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(conv(b))
		}
	}
}

func FuzzDecodeCertDER(f *testing.F) {
	seedFiles(f, "*.der", func(b []byte) []byte { return b })
	seedFiles(f, "certs/*.pem", func(b []byte) []byte {
		der, _ := PEMCertToDERCert(string(b))
		return der
	})
	f.Fuzz(func(t *testing.T, der []byte) {
		c, err := DecodeCertDER(der)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) && !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		if _, err := json.Marshal(c); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzDecodeCertPEM(f *testing.F) {
	seedFiles(f, "*.pem", func(b []byte) []byte { return b })
	seedFiles(f, "certs/*.pem", func(b []byte) []byte { return b })
	f.Fuzz(func(t *testing.T, pem []byte) {
		c, err := DecodeCertPEM(pem)
		if err == nil {
			if _, err := json.Marshal(c); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func FuzzPEMCertToDERCert(f *testing.F) {
	seedFiles(f, "*.pem", func(b []byte) []byte { return b })
	f.Add([]byte(PEMHeader + "END CERTIFICATE-----"))
	f.Add([]byte(PEMHeader + "\n=A=A\n" + PEMFooter))
	f.Fuzz(func(t *testing.T, pem []byte) {
		der, err := PEMCertToDERCert(string(pem))
		if err != nil {
			if !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("error does not wrap ErrInvalidArgument: %v", err)
			}
			return
		}
		again, err := PEMCertToDERCert(DERCertToPEMCert(der))
		if err != nil || string(again) != string(der) {
			t.Fatalf("DER -> PEM -> DER changed %x into %x (%v)", der, again, err)
		}
	})
}

func FuzzCertTimeToSeconds(f *testing.F) {
	for _, s := range []string{"Jan  5 09:34:43 2018 GMT", "Feb 29 00:00:00 2000 GMT", "Dec 31 23:59:61 9999 gmt", "jan 1 0:0:0 0000 GMT"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := CertTimeToSeconds(s); err != nil && !errors.Is(err, ErrInvalidArgument) {
			t.Fatalf("error does not wrap ErrInvalidArgument: %v", err)
		}
	})
}

func FuzzSetCiphers(f *testing.F) {
	for _, s := range []string{"ALL", "HIGH:!aNULL:!MD5", "ECDHE+AESGCM:@STRENGTH", "ALL:@SECLEVEL=0", "nonsense", "", "ALL\x00", "-ALL:+RSA:!", "@SECLEVEL=9"} {
		f.Add(s)
	}
	c, err := NewContext(ProtocolTLS)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		err := c.SetCiphers(spec)
		var e *Error
		switch {
		case err == nil:
			if len(c.GetCiphers()) == 0 {
				t.Fatalf("SetCiphers(%q) accepted a list GetCiphers finds empty", spec)
			}
		case strings.IndexByte(spec, 0) >= 0:
			if !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("NUL byte: %v", err)
			}
		case !errors.As(err, &e):
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
	})
}

func FuzzMatchHostname(f *testing.F) {
	f.Add("*.example.com", "127.0.0.1", "www.example.com")
	f.Add("f*.com", "::1", "foo.com")
	f.Add("a\x00b", "not an ip", "::1")
	f.Fuzz(func(t *testing.T, dns, ip, hostname string) {
		c := &Cert{
			Subject:        [][]Attr{{{Name: "commonName", Value: dns}}},
			SubjectAltName: []AltName{{Type: "DNS", Value: dns}, {Type: "IP Address", Value: ip}},
		}
		err := MatchHostname(c, hostname)
		var ce *CertificateError
		if err != nil && !errors.As(err, &ce) && !errors.Is(err, ErrInvalidArgument) {
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
	})
}
