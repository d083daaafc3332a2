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
	hostIP, isIP := parseInetPaton(hostname)
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
				ip, ok := parseInetPaton(strings.TrimRightFunc(n.Value, pyIsSpace))
				if !ok {
					return invalidArgument("%s is neither an IPv4 nor an IP6 address.", pyRepr(n.Value))
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

// parseInetPaton is Python's _inet_paton for the addresses it accepts: a
// dotted quad written canonically, or an IPv6 address without a zone.
// Anything else is a name.
func parseInetPaton(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	if a.Is4() && a.String() != s {
		return netip.Addr{}, false
	}
	return a, true
}
