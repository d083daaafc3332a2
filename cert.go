package ssl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/sslctx/ssl/openssl"
)

// Cert is a certificate as Python's getpeercert() describes it. Its JSON
// form equals Python's json.dumps(getpeercert()) up to key order: the same
// keys, the same omissions, the same strings. The zero Cert is Python's {}:
// a certificate that was received but not validated.
type Cert struct {
	Subject        [][]Attr  // "subject": relative distinguished names, each a list of attributes
	Issuer         [][]Attr  // "issuer"
	Version        int       // "version": 1 for a v1 certificate, 3 for v3
	SerialNumber   string    // "serialNumber": upper-case hex, "-" first if negative
	NotBefore      string    // "notBefore": "Jun 26 21:41:46 2011 GMT"
	NotAfter       string    // "notAfter"
	SubjectAltName []AltName // "subjectAltName": nil when the certificate has no such extension
	// OCSP, CAIssuers and CRLDistributionPoints are the URIs of the
	// Authority Information Access and CRL Distribution Points extensions;
	// nil when there are none.
	OCSP                  []string // "OCSP"
	CAIssuers             []string // "caIssuers"
	CRLDistributionPoints []string // "crlDistributionPoints"
}

// Attr is one attribute of a distinguished name: OpenSSL's long name of the
// attribute type ("commonName", or a dotted OID it does not know) and the
// value as UTF-8. It marshals as ["commonName", "localhost"].
type Attr struct{ Name, Value string }

// AltName is one subjectAltName entry. It marshals as ["DNS", "localhost"].
//
// Type is Python's: "DNS", "IP Address", "email", "URI", "Registered ID",
// "DirName", "othername", "X400Name" or "EdiPartyName". For "DirName" the
// name is in DirName (marshalled in Value's place, as Python nests it) and
// Value is empty; for othername types OpenSSL cannot print, Value is
// "<unsupported>".
type AltName struct {
	Type, Value string
	DirName     [][]Attr
}

// IsEmpty reports whether c is Python's {}: received but not validated.
func (c *Cert) IsEmpty() bool {
	return c.Version == 0 && c.Subject == nil && c.Issuer == nil && c.SerialNumber == "" &&
		c.NotBefore == "" && c.NotAfter == "" && c.SubjectAltName == nil &&
		c.OCSP == nil && c.CAIssuers == nil && c.CRLDistributionPoints == nil
}

// MarshalJSON writes Python's getpeercert() dict.
func (c Cert) MarshalJSON() ([]byte, error) {
	if c.IsEmpty() {
		return []byte("{}"), nil
	}
	var b bytes.Buffer
	b.WriteByte('{')
	field := func(key string, v any) error {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		b.Write(k)
		b.WriteByte(':')
		enc, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b.Write(enc)
		return nil
	}
	fields := []struct {
		key  string
		val  any
		keep bool
	}{
		{"subject", nonNilRDNs(c.Subject), true},
		{"issuer", nonNilRDNs(c.Issuer), true},
		{"version", c.Version, true},
		{"serialNumber", c.SerialNumber, true},
		{"notBefore", c.NotBefore, true},
		{"notAfter", c.NotAfter, true},
		{"subjectAltName", c.SubjectAltName, c.SubjectAltName != nil},
		{"OCSP", c.OCSP, c.OCSP != nil},
		{"caIssuers", c.CAIssuers, c.CAIssuers != nil},
		{"crlDistributionPoints", c.CRLDistributionPoints, c.CRLDistributionPoints != nil},
	}
	for _, f := range fields {
		if !f.keep {
			continue
		}
		if err := field(f.key, f.val); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func nonNilRDNs(r [][]Attr) [][]Attr {
	if r == nil {
		return [][]Attr{}
	}
	return r
}

// UnmarshalJSON reads Python's getpeercert() dict, as json.dumps writes it.
func (c *Cert) UnmarshalJSON(data []byte) error {
	var raw struct {
		Subject               [][]Attr  `json:"subject"`
		Issuer                [][]Attr  `json:"issuer"`
		Version               int       `json:"version"`
		SerialNumber          string    `json:"serialNumber"`
		NotBefore             string    `json:"notBefore"`
		NotAfter              string    `json:"notAfter"`
		SubjectAltName        []AltName `json:"subjectAltName"`
		OCSP                  []string  `json:"OCSP"`
		CAIssuers             []string  `json:"caIssuers"`
		CRLDistributionPoints []string  `json:"crlDistributionPoints"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*c = Cert(raw)
	return nil
}

// MarshalJSON writes ["name", "value"].
func (a Attr) MarshalJSON() ([]byte, error) { return json.Marshal([2]string{a.Name, a.Value}) }

// UnmarshalJSON reads ["name", "value"].
func (a *Attr) UnmarshalJSON(data []byte) error {
	var pair [2]string
	if err := json.Unmarshal(data, &pair); err != nil {
		return err
	}
	a.Name, a.Value = pair[0], pair[1]
	return nil
}

// MarshalJSON writes ["type", "value"], or ["DirName", [RDNs]].
func (n AltName) MarshalJSON() ([]byte, error) {
	if n.Type == "DirName" {
		return json.Marshal([2]any{n.Type, nonNilRDNs(n.DirName)})
	}
	return json.Marshal([2]string{n.Type, n.Value})
}

// UnmarshalJSON reads ["type", "value"], or ["DirName", [RDNs]].
func (n *AltName) UnmarshalJSON(data []byte) error {
	var pair [2]json.RawMessage
	if err := json.Unmarshal(data, &pair); err != nil {
		return err
	}
	if err := json.Unmarshal(pair[0], &n.Type); err != nil {
		return err
	}
	if n.Type == "DirName" {
		return json.Unmarshal(pair[1], &n.DirName)
	}
	return json.Unmarshal(pair[1], &n.Value)
}

// DecodeCertFile reads the first certificate of the PEM file path and
// describes it (Python's ssl._ssl._test_decode_cert). A file that cannot be
// opened gives an *Error "Can't open file" that wraps the *fs.PathError (so
// errors.Is(err, fs.ErrNotExist) holds for a missing file); a file without a
// certificate gives "Error decoding PEM-encoded file".
func DecodeCertFile(path string) (*Cert, error) {
	x, opened, err := openssl.ReadX509PEMFile(path)
	if err != nil {
		if errors.Is(err, openssl.ErrNULByte) {
			return nil, nulInPath(path)
		}
		oe := asOpenSSL(err)
		if !opened {
			e := messageError("Can't open file", oe)
			errno := oe.Errno
			if errno == 0 {
				errno = errnoFromQueue(oe)
			}
			e.cause = &fs.PathError{Op: "open", Path: path, Err: errno}
			return nil, e
		}
		return nil, messageError("Error decoding PEM-encoded file", oe)
	}
	defer x.Free()
	return certFromX509(x)
}

// errnoFromQueue finds the errno OpenSSL recorded in a SYS entry (fopen's).
func errnoFromQueue(oe *openssl.Error) syscall.Errno {
	for _, en := range oe.Entries {
		if en.Lib == openssl.LibSYS {
			return syscall.Errno(en.Reason)
		}
	}
	return 0
}

// DecodeCertDER describes one DER-encoded certificate as Python's
// getpeercert() would (d2i_X509, then OpenSSL's accessors).
func DecodeCertDER(der []byte) (*Cert, error) {
	x, err := openssl.ParseX509DER(der)
	if err != nil {
		return nil, openSSLError(err)
	}
	defer x.Free()
	return certFromX509(x)
}

// DecodeCertPEM describes the first certificate of a PEM text as Python's
// getpeercert() would (PEM_read_bio_X509, then OpenSSL's accessors). Text
// without a certificate gives an *Error "Error decoding PEM-encoded file".
func DecodeCertPEM(pem []byte) (*Cert, error) {
	x, err := openssl.ParseX509PEM(pem)
	if err != nil {
		return nil, messageError("Error decoding PEM-encoded file", asOpenSSL(err))
	}
	defer x.Free()
	return certFromX509(x)
}

// certFromX509 is Python's _decode_certificate, reading every field with
// OpenSSL's own accessors and printers.
func certFromX509(x *openssl.X509) (*Cert, error) {
	var c Cert
	var err error
	if c.Subject, err = rdnsOf(x.Subject()); err != nil {
		return nil, err
	}
	if c.Issuer, err = rdnsOf(x.Issuer()); err != nil {
		return nil, err
	}
	c.Version = x.Version()
	c.SerialNumber = x.Serial()
	c.NotBefore = x.NotBefore()
	c.NotAfter = x.NotAfter()
	names, present, err := x.AltNames()
	if err != nil {
		return nil, openSSLError(err)
	}
	if present {
		c.SubjectAltName = make([]AltName, 0, len(names))
		for _, gn := range names {
			n, err := altNameOf(gn)
			if err != nil {
				return nil, err
			}
			c.SubjectAltName = append(c.SubjectAltName, n)
		}
	}
	if c.OCSP, err = utf8Strings("OCSP", x.AccessURIs(openssl.NIDOCSP)); err != nil {
		return nil, err
	}
	if c.CAIssuers, err = utf8Strings("caIssuers", x.AccessURIs(openssl.NIDCAIssuers)); err != nil {
		return nil, err
	}
	// Every URI of every distribution point, repeats included, as Python's
	// _get_crl_dp lists them.
	if c.CRLDistributionPoints, err = utf8Strings("crlDistributionPoints", x.CRLDistributionPoints()); err != nil {
		return nil, err
	}
	return &c, nil
}

// rdnsOf groups name entries into RDNs by their set number, as Python's
// _create_tuple_for_X509_NAME does.
func rdnsOf(entries []openssl.NameEntry, err error) ([][]Attr, error) {
	if err != nil {
		return nil, openSSLError(err)
	}
	rdns := [][]Attr{}
	for i, e := range entries {
		if !utf8.ValidString(e.Value) {
			return nil, invalidArgument("attribute %s is not valid UTF-8", e.Name)
		}
		if i == 0 || e.Set != entries[i-1].Set {
			rdns = append(rdns, nil)
		}
		rdns[len(rdns)-1] = append(rdns[len(rdns)-1], Attr{Name: e.Name, Value: e.Value})
	}
	return rdns, nil
}

// altNameOf renders a subjectAltName entry as Python's _get_peer_alt_names.
func altNameOf(gn openssl.GeneralName) (AltName, error) {
	switch gn.Type {
	case openssl.GenDirName:
		rdns, err := rdnsOf(gn.Dir, nil)
		return AltName{Type: "DirName", DirName: rdns}, err
	case openssl.GenEmail, openssl.GenDNS, openssl.GenURI:
		kind := map[int]string{openssl.GenEmail: "email", openssl.GenDNS: "DNS", openssl.GenURI: "URI"}[gn.Type]
		// Read with its length: a NUL byte stays in the value (CVE-2013-4238).
		if msg, bad := pyUTF8Error(string(gn.Data)); bad {
			return AltName{}, invalidArgument("subjectAltName %s entry: %s", kind, msg)
		}
		return AltName{Type: kind, Value: string(gn.Data)}, nil
	case openssl.GenRID:
		return AltName{Type: "Registered ID", Value: gn.Text}, nil
	case openssl.GenIPAdd:
		return AltName{Type: "IP Address", Value: formatIP(gn.Data)}, nil
	}
	// othername, X400Name, EdiPartyName: OpenSSL's GENERAL_NAME_print text,
	// split at its first colon.
	typ, value, ok := strings.Cut(gn.Text, ":")
	if !ok {
		return AltName{}, invalidArgument("Invalid value %.200s", gn.Text)
	}
	// An othername's value is printed as it is stored; Python's decoding
	// refuses one that is not UTF-8, and so must we, rather than let
	// json.Marshal turn its bytes into U+FFFD.
	if msg, bad := pyUTF8Error(value); bad {
		return AltName{}, invalidArgument("subjectAltName %s entry: %s", typ, msg)
	}
	return AltName{Type: typ, Value: value}, nil
}

// pyUTF8Error returns the message of the UnicodeDecodeError Python's UTF-8
// decoder raises for s, and whether s is invalid: the first bad sequence,
// its byte offset and Python's reason for it.
func pyUTF8Error(s string) (string, bool) {
	if utf8.ValidString(s) {
		return "", false
	}
	for i := 0; i < len(s); {
		if s[i] < 0x80 {
			i++
			continue
		}
		l := utf8LeadOf(s[i])
		if l == nil {
			return pyDecodeMessage(s, i, i+1, "invalid start byte"), true
		}
		for k := 1; k <= l.need; k++ {
			lo, hi := byte(0x80), byte(0xbf)
			if k == 1 {
				lo, hi = l.lo, l.hi
			}
			if i+k >= len(s) {
				return pyDecodeMessage(s, i, len(s), "unexpected end of data"), true
			}
			if s[i+k] < lo || s[i+k] > hi {
				return pyDecodeMessage(s, i, i+k, "invalid continuation byte"), true
			}
		}
		i += l.need + 1
	}
	return "", false
}

// utf8Lead is a row of Unicode's table of well-formed UTF-8 byte sequences
// (Table 3-7), which Python's decoder follows: lead bytes first to last
// take need continuation bytes, the first of them in lo-hi, the others in
// 0x80-0xbf.
type utf8Lead struct {
	first, last, lo, hi byte
	need                int
}

var utf8Leads = []utf8Lead{
	{0xc2, 0xdf, 0x80, 0xbf, 1},
	{0xe0, 0xe0, 0xa0, 0xbf, 2},
	{0xe1, 0xec, 0x80, 0xbf, 2},
	{0xed, 0xed, 0x80, 0x9f, 2},
	{0xee, 0xef, 0x80, 0xbf, 2},
	{0xf0, 0xf0, 0x90, 0xbf, 3},
	{0xf1, 0xf3, 0x80, 0xbf, 3},
	{0xf4, 0xf4, 0x80, 0x8f, 3},
}

// utf8LeadOf returns the row of lead byte c, or nil when c starts no
// well-formed sequence.
func utf8LeadOf(c byte) *utf8Lead {
	for i := range utf8Leads {
		if c >= utf8Leads[i].first && c <= utf8Leads[i].last {
			return &utf8Leads[i]
		}
	}
	return nil
}

func pyDecodeMessage(s string, start, end int, reason string) string {
	if end-start == 1 {
		return fmt.Sprintf("'utf-8' codec can't decode byte 0x%02x in position %d: %s", s[start], start, reason)
	}
	return fmt.Sprintf("'utf-8' codec can't decode bytes in position %d-%d: %s", start, end-1, reason)
}

// formatIP writes an address as Python does: dotted quad, or eight
// upper-case hex groups without compression.
func formatIP(ip []byte) string {
	switch len(ip) {
	case 4:
		return fmt.Sprintf("%d.%d.%d.%d", ip[0], ip[1], ip[2], ip[3])
	case 16:
		var b strings.Builder
		for i := 0; i < 16; i += 2 {
			if i > 0 {
				b.WriteByte(':')
			}
			fmt.Fprintf(&b, "%X", int(ip[i])<<8|int(ip[i+1]))
		}
		return b.String()
	}
	return "<invalid>"
}

func utf8Strings(what string, s []string) ([]string, error) {
	for _, v := range s {
		if !utf8.ValidString(v) {
			return nil, invalidArgument("%s URI is not valid UTF-8", what)
		}
	}
	return s, nil
}
