package ssl

import (
	"encoding/base64"
	"strings"
	"unicode"
)

// PEMHeader and PEMFooter frame a PEM certificate: Python's PEM_HEADER and
// PEM_FOOTER.
const (
	PEMHeader = "-----BEGIN CERTIFICATE-----"
	PEMFooter = "-----END CERTIFICATE-----"
)

// DERCertToPEMCert encodes a DER certificate as PEM, base64 in lines of 64
// characters between PEMHeader and PEMFooter, ending in a newline (Python's
// DER_cert_to_PEM_cert).
func DERCertToPEMCert(der []byte) string {
	f := base64.StdEncoding.EncodeToString(der)
	var b strings.Builder
	b.Grow(len(f) + len(f)/64 + len(PEMHeader) + len(PEMFooter) + 4)
	b.WriteString(PEMHeader)
	for len(f) > 0 {
		n := min(64, len(f))
		b.WriteString("\n" + f[:n])
		f = f[n:]
	}
	b.WriteString("\n" + PEMFooter + "\n")
	return b.String()
}

// PEMCertToDERCert decodes one PEM certificate (Python's
// PEM_cert_to_DER_cert). The text must start with PEMHeader and, once
// surrounding white space is stripped, end with PEMFooter; the base64 in
// between is read as Python's base64.decodebytes reads it, skipping
// characters outside the alphabet. Errors wrap ErrInvalidArgument.
func PEMCertToDERCert(pem string) ([]byte, error) {
	if !strings.HasPrefix(pem, PEMHeader) {
		return nil, invalidArgument("Invalid PEM encoding; must start with %s", PEMHeader)
	}
	s := strings.TrimFunc(pem, pyIsSpace)
	if !strings.HasSuffix(s, PEMFooter) {
		return nil, invalidArgument("Invalid PEM encoding; must end with %s", PEMFooter)
	}
	// Python slices s[len(header):-len(footer)], empty where the two overlap.
	body := ""
	if end := len(s) - len(PEMFooter); end > len(PEMHeader) {
		body = s[len(PEMHeader):end]
	}
	for i := 0; i < len(body); i++ {
		if body[i] >= 0x80 {
			return nil, invalidArgument("'ascii' codec can't encode character in position %d", i)
		}
	}
	return a2bBase64(body)
}

// pyIsSpace is Python's str.isspace: Unicode white space plus the ASCII
// separators \x1c-\x1f that Go's unicode.IsSpace leaves out.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// a2bBase64 is binascii.a2b_base64 in its default, lenient mode: bytes
// outside the alphabet are skipped, and decoding stops at the padding that
// completes a quantum.
func a2bBase64(s string) ([]byte, error) {
	out := make([]byte, 0, len(s)/4*3+3)
	var left byte
	quad, pads := 0, 0
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == '=' {
			pads++
			if quad >= 2 && quad+pads >= 4 {
				return out, nil
			}
			continue
		}
		v := base64Value(ch)
		if v < 0 {
			continue
		}
		pads = 0
		c := byte(v)
		switch quad {
		case 0:
			quad, left = 1, c
		case 1:
			quad = 2
			out = append(out, left<<2|c>>4)
			left = c & 0x0f
		case 2:
			quad = 3
			out = append(out, left<<4|c>>2)
			left = c & 0x03
		case 3:
			quad = 0
			out = append(out, left<<6|c)
			left = 0
		}
	}
	switch quad {
	case 0:
		return out, nil
	case 1:
		return nil, invalidArgument("Invalid base64-encoded string: number of data characters (%d) cannot be 1 more than a multiple of 4",
			len(out)/3*4+1)
	}
	return nil, invalidArgument("Incorrect padding")
}

// base64Value is ch's value in the standard base64 alphabet, or -1.
func base64Value(ch byte) int {
	return strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", ch)
}
