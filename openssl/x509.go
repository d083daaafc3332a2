package openssl

/*
#include "../cshim/shim.h"
*/
import "C"

import (
	"encoding/binary"
	"runtime"
	"unsafe"
)

// X509 owns an X509 certificate.
type X509 struct{ owned[*C.X509] }

func newX509(p *C.X509) *X509 {
	return newOwned[X509](p, func(p *C.X509) { C.X509_free(p) })
}

// takeX509Stack wraps each certificate of a stack whose references the
// caller owns, and frees the stack itself.
func takeX509Stack(sk *C.struct_stack_st_X509) []*X509 {
	n := int(C.shim_x509_stack_num(sk))
	out := make([]*X509, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, newX509(C.shim_x509_stack_value(sk, C.int(i))))
	}
	C.shim_x509_stack_free(sk)
	return out
}

// Free releases the certificate (X509_free); idempotent.
func (x *X509) Free() { x.release() }

// ParseX509DER decodes one DER certificate (d2i_X509).
func ParseX509DER(der []byte) (*X509, error) {
	p, err := checkPtr("d2i_X509", der, func(q *C.shim_errq) *C.X509 {
		return C.shim_x509_from_der(bytePtr(der), C.size_t(len(der)), q)
	})
	if err != nil {
		return nil, err
	}
	return newX509(p), nil
}

// ParseX509PEM decodes the first certificate of a PEM text (PEM_read_bio_X509).
func ParseX509PEM(pem []byte) (*X509, error) {
	p, err := checkPtr("PEM_read_bio_X509", pem, func(q *C.shim_errq) *C.X509 {
		return C.shim_x509_from_pem(unsafe.Pointer(bytePtr(pem)), C.size_t(len(pem)), q)
	})
	if err != nil {
		return nil, err
	}
	return newX509(p), nil
}

// ReadX509PEMFile reads the first certificate of a PEM file as Python's
// _test_decode_cert does (BIO_read_filename, PEM_read_bio_X509). opened is
// false when the file could not be opened; err then carries errno.
func ReadX509PEMFile(path string) (x *X509, opened bool, err error) {
	p, err := cString(path)
	if err != nil {
		return nil, false, err
	}
	var op C.int
	c, err := checkPtr("PEM_read_bio_X509", p, func(q *C.shim_errq) *C.X509 {
		return C.shim_x509_read_pem_file(charPtr(p), &op, q)
	})
	if err != nil {
		return nil, op != 0, err
	}
	return newX509(c), true, nil
}

// DER encodes the certificate (i2d_X509).
func (x *X509) DER() ([]byte, error) {
	q := getErrq()
	defer putErrq(q)
	var der *C.uchar
	n := C.shim_x509_to_der(x.p, &der, q)
	runtime.KeepAlive(x)
	if n <= 0 {
		return nil, newError("i2d_X509", q)
	}
	defer C.shim_free(unsafe.Pointer(der))
	return C.GoBytes(unsafe.Pointer(der), n), nil
}

// Version returns X509_get_version + 1, the version as printed.
func (x *X509) Version() int {
	defer runtime.KeepAlive(x)
	return int(C.X509_get_version(x.p)) + 1
}

// Serial returns the serial number as i2a_ASN1_INTEGER prints it.
func (x *X509) Serial() string {
	return x.printLine(func(buf *C.char, n C.int) C.int { return C.shim_x509_serial(x.p, buf, n) })
}

// NotBefore returns the start of validity as ASN1_TIME_print prints it.
func (x *X509) NotBefore() string {
	return x.printLine(func(buf *C.char, n C.int) C.int { return C.shim_x509_not_before(x.p, buf, n) })
}

// NotAfter returns the end of validity as ASN1_TIME_print prints it.
func (x *X509) NotAfter() string {
	return x.printLine(func(buf *C.char, n C.int) C.int { return C.shim_x509_not_after(x.p, buf, n) })
}

func (x *X509) printLine(print func(*C.char, C.int) C.int) string {
	var buf [2048]C.char
	n := print(&buf[0], C.int(len(buf)))
	runtime.KeepAlive(x)
	if n <= 0 {
		return ""
	}
	return C.GoStringN(&buf[0], min(n, C.int(len(buf))))
}

// IsCA returns X509_check_ca != 0.
func (x *X509) IsCA() bool {
	defer runtime.KeepAlive(x)
	return C.shim_x509_check_ca(x.p) != 0
}

// NameEntry is one attribute of a distinguished name.
type NameEntry struct {
	Set   int    // X509_NAME_ENTRY_set: attributes of one RDN share it
	Name  string // OBJ_obj2txt with names: "commonName", or a dotted OID
	Value string // ASN1_STRING_to_UTF8 of the value (may hold NUL bytes)
}

// Subject returns the entries of X509_get_subject_name.
func (x *X509) Subject() ([]NameEntry, error) {
	e, err := nameEntries(C.X509_get_subject_name(x.p))
	runtime.KeepAlive(x)
	return e, err
}

// Issuer returns the entries of X509_get_issuer_name.
func (x *X509) Issuer() ([]NameEntry, error) {
	e, err := nameEntries(C.X509_get_issuer_name(x.p))
	runtime.KeepAlive(x)
	return e, err
}

func nameEntries(name *C.X509_NAME) ([]NameEntry, error) {
	n := int(C.shim_name_entry_count(name))
	out := make([]NameEntry, 0, n)
	q := getErrq()
	defer putErrq(q)
	var e C.shim_name_entry
	for i := 0; i < n; i++ {
		if C.shim_name_entry_get(name, C.int(i), &e, q) != 1 {
			return nil, newError("ASN1_STRING_to_UTF8", q)
		}
		var name string
		if e.long_name != nil {
			name = C.GoStringN(e.long_name, e.name_len)
			C.shim_free(unsafe.Pointer(e.long_name))
		} else {
			name = C.GoStringN(&e.name[0], min(e.name_len, C.int(len(e.name))))
		}
		out = append(out, NameEntry{
			Set:   int(e.set),
			Name:  name,
			Value: string(C.GoBytes(unsafe.Pointer(e.value), e.value_len)),
		})
		C.shim_free(unsafe.Pointer(e.value))
	}
	return out, nil
}

// GeneralName is one subjectAltName entry.
type GeneralName struct {
	Type int         // GenDNS, GenIPAdd, ...
	Data []byte      // the raw value of DNS, email, URI and IP address entries
	Text string      // i2t_ASN1_OBJECT of a registered ID, or GENERAL_NAME_print of other types
	Dir  []NameEntry // a directory name's entries
}

// AltNames returns the subjectAltName entries (X509_get_ext_d2i); ok is false
// when the certificate has no decodable extension.
func (x *X509) AltNames() (names []GeneralName, ok bool, err error) {
	g := C.shim_x509_alt_names(x.p)
	runtime.KeepAlive(x)
	if g == nil {
		return nil, false, nil
	}
	// g is a copy owned here; the X509 may go.
	defer C.shim_general_names_free(g)
	n := int(C.shim_general_names_count(g))
	names = make([]GeneralName, 0, n)
	q := getErrq()
	defer putErrq(q)
	var gn C.shim_general_name
	for i := 0; i < n; i++ {
		if C.shim_general_name_get(g, C.int(i), &gn, q) != 1 {
			return nil, true, newError("GENERAL_NAME_print", q)
		}
		name := GeneralName{Type: int(gn._type)}
		if gn.data != nil {
			name.Data = C.GoBytes(unsafe.Pointer(gn.data), gn.len)
		}
		if gn.text_len > 0 {
			// Bounded by the buffer whatever the shim reports.
			name.Text = C.GoStringN(&gn.text[0], min(gn.text_len, C.int(len(gn.text))))
		}
		if gn.dirname != nil {
			if name.Dir, err = nameEntries(gn.dirname); err != nil {
				return nil, true, err
			}
		}
		names = append(names, name)
	}
	return names, true, nil
}

// AccessURIs returns the URIs of the Authority Information Access entries
// whose method is nid (NIDOCSP, NIDCAIssuers), in order.
func (x *X509) AccessURIs(nid int) []string { return x.uris(nid) }

// CRLDistributionPoints returns the URIs in the full names of the CRL
// distribution points, in order.
func (x *X509) CRLDistributionPoints() []string { return x.uris(0) }

func (x *X509) uris(nid int) []string {
	buf := make([]byte, 4096)
	for {
		n := int(C.shim_x509_uri_list(x.p, C.int(nid), bytePtr(buf), C.int(len(buf))))
		runtime.KeepAlive(x)
		if n <= len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, n)
	}
	var out []string
	for len(buf) >= 4 {
		l := int(binary.BigEndian.Uint32(buf))
		out = append(out, string(buf[4:4+l]))
		buf = buf[4+l:]
	}
	return out
}
