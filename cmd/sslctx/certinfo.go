package main

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"io"
	"strings"
	"time"
)

// certInfo is what a person debugging TLS wants to see of a certificate
// beyond Python's dict: who, by whom, when, for which names, with what key.
type certInfo struct {
	Subject          string   `json:"subject"`
	Issuer           string   `json:"issuer"`
	NotBefore        string   `json:"not_before"`
	NotAfter         string   `json:"not_after"`
	SANs             []string `json:"subject_alt_names"`
	Key              string   `json:"key"`
	SignatureAlg     string   `json:"signature_algorithm"`
	SHA256           string   `json:"sha256"`
	SHA1             string   `json:"sha1"`
	KeyUsage         []string `json:"key_usage,omitempty"`
	ExtKeyUsage      []string `json:"ext_key_usage,omitempty"`
	BasicConstraints string   `json:"basic_constraints,omitempty"`
	SelfSigned       bool     `json:"self_signed"`
}

// describeCert reads the facts of a certificate's DER.
func describeCert(x *x509.Certificate) certInfo {
	return certInfo{
		Subject:          x.Subject.String(),
		Issuer:           x.Issuer.String(),
		NotBefore:        x.NotBefore.UTC().Format(time.RFC3339),
		NotAfter:         x.NotAfter.UTC().Format(time.RFC3339),
		SANs:             sans(x),
		Key:              keyText(x),
		SignatureAlg:     x.SignatureAlgorithm.String(),
		SHA256:           fingerprint(sha256Sum(x.Raw)),
		SHA1:             fingerprint(sha1Sum(x.Raw)),
		KeyUsage:         keyUsages(x.KeyUsage),
		ExtKeyUsage:      extKeyUsages(x),
		BasicConstraints: basicConstraints(x),
		SelfSigned:       x.CheckSignatureFrom(x) == nil && x.Subject.String() == x.Issuer.String(),
	}
}

// fingerprint writes a digest as openssl x509 -fingerprint does.
func fingerprint(sum []byte) string {
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

func sans(x *x509.Certificate) []string {
	var names []string
	for _, n := range x.DNSNames {
		names = append(names, "DNS:"+n)
	}
	for _, ip := range x.IPAddresses {
		names = append(names, "IP:"+ip.String())
	}
	for _, e := range x.EmailAddresses {
		names = append(names, "email:"+e)
	}
	for _, u := range x.URIs {
		names = append(names, "URI:"+u.String())
	}
	return names
}

func keyText(x *x509.Certificate) string {
	switch k := x.PublicKey.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d bits", k.N.BitLen())
	case *ecdsa.PublicKey:
		return fmt.Sprintf("EC %s (%d bits)", k.Curve.Params().Name, k.Curve.Params().BitSize)
	case ed25519.PublicKey:
		return "Ed25519 (256 bits)"
	}
	return x.PublicKeyAlgorithm.String()
}

var keyUsageNames = []string{"digitalSignature", "contentCommitment", "keyEncipherment", "dataEncipherment",
	"keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"}

func keyUsages(u x509.KeyUsage) []string {
	var names []string
	for i, n := range keyUsageNames {
		if u&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	return names
}

var extKeyUsageNames = map[x509.ExtKeyUsage]string{
	x509.ExtKeyUsageAny: "any", x509.ExtKeyUsageServerAuth: "serverAuth", x509.ExtKeyUsageClientAuth: "clientAuth",
	x509.ExtKeyUsageCodeSigning: "codeSigning", x509.ExtKeyUsageEmailProtection: "emailProtection",
	x509.ExtKeyUsageTimeStamping: "timeStamping", x509.ExtKeyUsageOCSPSigning: "OCSPSigning",
}

func extKeyUsages(x *x509.Certificate) []string {
	var names []string
	for _, u := range x.ExtKeyUsage {
		if n, ok := extKeyUsageNames[u]; ok {
			names = append(names, n)
		} else {
			names = append(names, fmt.Sprintf("usage %d", u))
		}
	}
	for _, oid := range x.UnknownExtKeyUsage {
		names = append(names, oid.String())
	}
	return names
}

func basicConstraints(x *x509.Certificate) string {
	switch {
	case !x.BasicConstraintsValid:
		return ""
	case !x.IsCA:
		return "CA:FALSE"
	case x.MaxPathLen > 0 || x.MaxPathLenZero:
		return fmt.Sprintf("CA:TRUE, pathlen:%d", x.MaxPathLen)
	}
	return "CA:TRUE"
}

// validityNow says how a certificate's validity stands against now.
func validityNow(i certInfo, now time.Time) string {
	nb, _ := time.Parse(time.RFC3339, i.NotBefore)
	na, _ := time.Parse(time.RFC3339, i.NotAfter)
	switch {
	case now.After(na):
		return fmt.Sprintf("expired %s, %s ago (now %s)", i.NotAfter, roughly(now.Sub(na)), now.UTC().Format(time.RFC3339))
	case now.Before(nb):
		return fmt.Sprintf("not valid until %s, in %s (now %s)", i.NotBefore, roughly(nb.Sub(now)), now.UTC().Format(time.RFC3339))
	}
	return "valid now"
}

// roughly writes a long duration in days.
func roughly(d time.Duration) string {
	if days := int(d.Hours() / 24); days >= 1 {
		return fmt.Sprintf("%d days", days)
	}
	return d.Round(time.Second).String()
}

// printCert prints a certificate's facts, each line starting with indent.
func printCert(w io.Writer, indent string, i certInfo) {
	fmt.Fprintf(w, "%ssubject:   %s\n", indent, i.Subject)
	fmt.Fprintf(w, "%sissuer:    %s\n", indent, i.Issuer)
	fmt.Fprintf(w, "%svalidity:  %s to %s (%s)\n", indent, i.NotBefore, i.NotAfter, validityNow(i, time.Now()))
	if len(i.SANs) > 0 {
		fmt.Fprintf(w, "%snames:     %s\n", indent, strings.Join(i.SANs, ", "))
	}
	fmt.Fprintf(w, "%skey:       %s, signed with %s\n", indent, i.Key, i.SignatureAlg)
	if len(i.KeyUsage)+len(i.ExtKeyUsage) > 0 {
		fmt.Fprintf(w, "%susage:     %s\n", indent, strings.Join(append(append([]string{}, i.KeyUsage...), i.ExtKeyUsage...), ", "))
	}
	if i.BasicConstraints != "" {
		fmt.Fprintf(w, "%sbasic:     %s\n", indent, i.BasicConstraints)
	}
	fmt.Fprintf(w, "%ssha256:    %s\n", indent, i.SHA256)
}

func sha256Sum(b []byte) []byte { s := sha256.Sum256(b); return s[:] }
func sha1Sum(b []byte) []byte   { s := sha1.Sum(b); return s[:] }
