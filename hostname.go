package ssl

import (
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MatchHostname checks that cert, as GetPeerCert returns it, is valid for
// hostname, following RFC 6125 as Python 3.7+'s match_hostname does:
// names compare case-insensitively; a wildcard stands only for a whole,
// non-empty leftmost label ("*.example.com"); an IP address hostname
// matches only "IP Address" entries, byte for byte, and never a DNS entry;
// the subject's commonName is used only when there are no DNS or IP
// entries. No IDNA conversion is done: pass A-labels ("xn--...").
//
// A mismatch, or a wildcard pattern Python rejects, is a *CertificateError;
// a nil or empty cert wraps ErrInvalidArgument, as does an "IP Address"
// entry that is not an address. Clients normally need not call it: with
// CheckHostname, OpenSSL checks the name during the handshake.
func MatchHostname(cert *Cert, hostname string) error {
	if cert == nil || cert.IsEmpty() {
		return invalidArgument("empty or no certificate, match_hostname needs a SSL socket or SSL context with either CERT_OPTIONAL or CERT_REQUIRED")
	}
	hostIP, hostErr := inetPaton(hostname)
	isIP := hostErr == nil
	var names []string
	for _, n := range cert.SubjectAltName {
		switch n.Type {
		case "DNS":
			if !isIP {
				ok, err := dnsNameMatch(n.Value, hostname)
				if err != nil || ok {
					return err
				}
			}
			names = append(names, n.Value)
		case "IP Address":
			if isIP {
				ip, err := inetPaton(strings.TrimRightFunc(n.Value, pyIsSpace))
				if err != nil {
					return err
				}
				if ip == hostIP {
					return nil
				}
			}
			names = append(names, n.Value)
		}
	}
	if len(names) == 0 {
		for _, rdn := range cert.Subject {
			for _, a := range rdn {
				if a.Name != "commonName" {
					continue
				}
				ok, err := dnsNameMatch(a.Value, hostname)
				if err != nil || ok {
					return err
				}
				names = append(names, a.Value)
			}
		}
	}
	e := &CertificateError{Hostname: hostname, Names: names}
	switch len(names) {
	case 0:
		e.Message = "no appropriate commonName or subjectAltName fields were found"
	case 1:
		e.Message = "hostname " + pyRepr(hostname) + " doesn't match " + pyRepr(names[0])
	default:
		quoted := make([]string, len(names))
		for i, n := range names {
			quoted[i] = pyRepr(n)
		}
		e.Message = "hostname " + pyRepr(hostname) + " doesn't match either of " + strings.Join(quoted, ", ")
	}
	return e
}

// dnsNameMatch is Python's _dnsname_match (RFC 6125 section 6.4.3).
func dnsNameMatch(pattern, hostname string) (bool, error) {
	if pattern == "" {
		return false, nil
	}
	wildcards := strings.Count(pattern, "*")
	if wildcards == 0 {
		return pyLower(pattern) == pyLower(hostname), nil
	}
	fail := func(msg string) (bool, error) {
		return false, &CertificateError{Hostname: hostname, Names: []string{pattern}, Message: msg + pyRepr(pattern) + "."}
	}
	if wildcards > 1 {
		return fail("too many wildcards in certificate DNS name: ")
	}
	leftmost, remainder, sep := strings.Cut(pattern, ".")
	if strings.Contains(remainder, "*") {
		return fail("wildcard can only be present in the leftmost label: ")
	}
	if !sep {
		return fail("sole wildcard without additional labels are not support: ")
	}
	if leftmost != "*" {
		return fail("partial wildcards in leftmost label are not supported: ")
	}
	hostLeft, hostRest, hostSep := strings.Cut(hostname, ".")
	if hostLeft == "" || !hostSep {
		return false, nil
	}
	return pyLower(remainder) == pyLower(hostRest), nil
}

// pyLower is Python's str.lower: Unicode's full lower-case mapping, which
// differs from strings.ToLower in two places. "İ" (U+0130) becomes "i"
// followed by U+0307 COMBINING DOT ABOVE, not "i"; and "Σ" becomes final
// "ς" at the end of a word (Unicode's Final_Sigma context), else "σ". So
// "İ.example" does not match "i.example", nor "a.XΣ" "a.xσ". Bytes that
// are not UTF-8 (a Python str cannot hold them) are kept as they are, so
// that they match only themselves.
func pyLower(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteByte(s[i])
		case r == 'İ':
			b.WriteString("i\u0307")
		case r == 'Σ' && finalSigma(s, i, i+n):
			b.WriteRune('ς')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
		i += n
	}
	return b.String()
}

// finalSigma reports whether the capital sigma at s[at:end] is in Unicode's
// Final_Sigma context, as Python's handle_capital_sigma decides it: a cased
// letter before it and none after it, skipping case-ignorable characters
// both ways.
func finalSigma(s string, at, end int) bool {
	before := false
	for i := at; i > 0; {
		r, n := utf8.DecodeLastRuneInString(s[:i])
		i -= n
		if !caseIgnorable(r) {
			before = cased(r)
			break
		}
	}
	if !before {
		return false
	}
	for i := end; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if !caseIgnorable(r) {
			return !cased(r)
		}
	}
	return true
}

// cased is Unicode's Cased property (Python's _PyUnicode_IsCased).
func cased(r rune) bool {
	return unicode.IsLower(r) || unicode.IsUpper(r) || unicode.IsTitle(r) ||
		unicode.Is(unicode.Other_Lowercase, r) || unicode.Is(unicode.Other_Uppercase, r)
}

// caseIgnorable is Unicode's Case_Ignorable property (Python's
// _PyUnicode_IsCaseIgnorable): marks, format characters, modifiers, and
// the Word_Break MidLetter, MidNumLet and Single_Quote characters, which
// include "." and "'".
func caseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', 0x00B7, 0x0387, 0x055F, 0x05F4, 0x2018, 0x2019, 0x2024, 0x2027,
		0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}

// inetPaton is Python's _inet_paton: a dotted quad written canonically, or
// an IPv6 address without a zone. Anything else is an error with Python's
// message: text inet_aton reads as IPv4 but that is not its canonical
// spelling ("127.1", "0x7f.0.0.1", "127.0.0.1 junk") is "not a
// quad-dotted IPv4 address"; the rest is "neither an IPv4 nor an IP6
// address".
func inetPaton(s string) (netip.Addr, error) {
	if strings.IndexByte(s, 0) >= 0 {
		// Python refuses it on the way to inet_aton.
		return netip.Addr{}, invalidArgument("embedded null character")
	}
	if v4, ok := inetAton(s); ok {
		a := netip.AddrFrom4(v4)
		if a.String() != s {
			return netip.Addr{}, invalidArgument("%s is not a quad-dotted IPv4 address.", pyRepr(s))
		}
		return a, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() || a.Zone() != "" {
		return netip.Addr{}, invalidArgument("%s is neither an IPv4 nor an IP6 address.", pyRepr(s))
	}
	return a, nil
}

// inetAton is glibc's inet_aton: one to four parts separated by dots, each
// a C integer (decimal, 0 octal or 0x hex), the last filling the bytes
// left; anything after white space is ignored.
func inetAton(s string) ([4]byte, bool) {
	var parts []uint64
	var val uint64
	i := 0
	for {
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return [4]byte{}, false
		}
		var ok bool
		if val, i, ok = strtoul(s, i); !ok {
			return [4]byte{}, false
		}
		if i < len(s) && s[i] == '.' {
			if len(parts) > 2 || val > 0xff {
				return [4]byte{}, false
			}
			parts = append(parts, val)
			i++
			continue
		}
		break
	}
	if i < len(s) && !strings.ContainsRune(" \t\n\v\f\r", rune(s[i])) {
		return [4]byte{}, false
	}
	if val > 0xffffffff>>(8*len(parts)) {
		return [4]byte{}, false
	}
	for k, p := range parts {
		val |= p << (24 - 8*k)
	}
	return [4]byte{byte(val >> 24), byte(val >> 16), byte(val >> 8), byte(val)}, true
}

// strtoul reads a C integer constant from s[i:] as strtoul(s, &end, 0)
// does, returning the value and the index after it; ok is false when it
// does not fit 32 bits (inet_aton refuses those either way).
func strtoul(s string, i int) (val uint64, end int, ok bool) {
	base := uint64(10)
	if s[i] == '0' {
		base = 8
		if i+2 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X') && hexDigit(s[i+2]) >= 0 {
			base, i = 16, i+2
		}
	}
	ok = true
	for ; i < len(s); i++ {
		d := hexDigit(s[i])
		if d < 0 || uint64(d) >= base {
			break
		}
		val = val*base + uint64(d)
		if val > 0xffffffff {
			ok = false
			val = 0xffffffff
		}
	}
	return val, i, ok
}

func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
