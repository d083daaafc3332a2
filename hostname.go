package ssl

import (
	"net/netip"
	"strings"
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

func pyLower(s string) string { return strings.ToLower(s) }

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
