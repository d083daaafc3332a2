package ssl

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"time"

	"github.com/sslctx/ssl/openssl"
)

// parseChain converts OpenSSL certificates for crypto/x509, freeing them.
// Positions never shift: a certificate OpenSSL accepted but crypto/x509
// refuses (a negative serial number is one) keeps its slot as a partial
// *x509.Certificate from partialCertificate, so that element 0 is always
// the peer's own certificate and never its issuer.
func parseChain(chain []*openssl.X509) []*x509.Certificate {
	var out []*x509.Certificate
	for _, x := range chain {
		der, err := x.DER()
		x.Free()
		if err != nil {
			// OpenSSL holds the certificate decoded; re-encoding it fails
			// only without memory. A chain with a hole would shift.
			return nil
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			c = partialCertificate(der)
		}
		out = append(out, c)
	}
	return out
}

// partialCertificate stands in for a certificate crypto/x509 cannot parse:
// Raw is always set; RawTBSCertificate, Version, SerialNumber, RawIssuer
// and Issuer, NotBefore and NotAfter, RawSubject and Subject,
// RawSubjectPublicKeyInfo, Extensions (unparsed) and Signature are filled
// when the outer structure decodes. PublicKey is nil, the algorithms are
// Unknown and the fields crypto/x509 derives from extensions (DNSNames,
// KeyUsage, ExtKeyUsage, IsCA...) are zero: code that needs them must parse
// Raw itself, or refuse the peer.
func partialCertificate(der []byte) *x509.Certificate {
	c := &x509.Certificate{Raw: der}
	var cert struct {
		TBS    asn1.RawValue
		SigAlg pkix.AlgorithmIdentifier
		Sig    asn1.BitString
	}
	if rest, err := asn1.Unmarshal(der, &cert); err != nil || len(rest) != 0 {
		return c
	}
	c.Signature = cert.Sig.RightAlign()
	var tbs struct {
		Raw      asn1.RawContent
		Version  int `asn1:"optional,explicit,default:0,tag:0"`
		Serial   *big.Int
		SigAlg   pkix.AlgorithmIdentifier
		Issuer   asn1.RawValue
		Validity struct {
			NotBefore, NotAfter time.Time
		}
		Subject    asn1.RawValue
		PublicKey  asn1.RawValue
		IssuerUID  asn1.BitString   `asn1:"optional,tag:1"`
		SubjectUID asn1.BitString   `asn1:"optional,tag:2"`
		Extensions []pkix.Extension `asn1:"omitempty,optional,explicit,tag:3"`
	}
	if _, err := asn1.Unmarshal(cert.TBS.FullBytes, &tbs); err != nil {
		return c
	}
	c.RawTBSCertificate = tbs.Raw
	c.Version = tbs.Version + 1
	c.SerialNumber = tbs.Serial
	c.RawIssuer = tbs.Issuer.FullBytes
	c.RawSubject = tbs.Subject.FullBytes
	c.RawSubjectPublicKeyInfo = tbs.PublicKey.FullBytes
	c.NotBefore, c.NotAfter = tbs.Validity.NotBefore, tbs.Validity.NotAfter
	c.Extensions = tbs.Extensions
	for _, n := range []struct {
		raw  []byte
		name *pkix.Name
	}{{c.RawIssuer, &c.Issuer}, {c.RawSubject, &c.Subject}} {
		var rdns pkix.RDNSequence
		if rest, err := asn1.Unmarshal(n.raw, &rdns); err == nil && len(rest) == 0 {
			n.name.FillFromRDNSequence(&rdns)
		}
	}
	return c
}
