package openssl

/*
#include "../cshim/shim.h"
*/
import "C"

// Cipher is an SSL_CIPHER. OpenSSL keeps those in static tables, so a
// Cipher stays valid for the life of the process.
type Cipher struct{ p *C.SSL_CIPHER }

// Valid reports whether c refers to a cipher.
func (c Cipher) Valid() bool { return c.p != nil }

// Name returns SSL_CIPHER_get_name: "ECDHE-RSA-AES128-GCM-SHA256".
func (c Cipher) Name() string { return goStringOrEmpty(C.SSL_CIPHER_get_name(c.p)) }

// StandardName returns SSL_CIPHER_standard_name: the IANA name.
func (c Cipher) StandardName() string { return goStringOrEmpty(C.SSL_CIPHER_standard_name(c.p)) }

// Version returns SSL_CIPHER_get_version: the protocol version that defines
// the cipher ("TLSv1.2"), not necessarily the one negotiated.
func (c Cipher) Version() string { return goStringOrEmpty(C.SSL_CIPHER_get_version(c.p)) }

// Bits returns SSL_CIPHER_get_bits: the secret bits and the algorithm's bits.
func (c Cipher) Bits() (strength, alg int) {
	var a C.int
	s := C.SSL_CIPHER_get_bits(c.p, &a)
	return int(s), int(a)
}

// ID returns SSL_CIPHER_get_id.
func (c Cipher) ID() uint32 { return uint32(C.SSL_CIPHER_get_id(c.p)) }

// ProtocolID returns SSL_CIPHER_get_protocol_id: the two-byte IANA value.
func (c Cipher) ProtocolID() uint16 { return uint16(C.shim_cipher_protocol_id(c.p)) }

// Description returns SSL_CIPHER_description without its trailing newline.
func (c Cipher) Description() string {
	var buf [512]C.char
	C.shim_cipher_describe(c.p, &buf[0], C.int(len(buf)))
	return C.GoString(&buf[0])
}

// AEAD returns SSL_CIPHER_is_aead.
func (c Cipher) AEAD() bool { return C.SSL_CIPHER_is_aead(c.p) != 0 }

// Symmetric returns the long name of SSL_CIPHER_get_cipher_nid, or "".
func (c Cipher) Symmetric() string { return nidLongName(C.SSL_CIPHER_get_cipher_nid(c.p)) }

// Digest returns the long name of SSL_CIPHER_get_digest_nid, or "".
func (c Cipher) Digest() string { return nidLongName(C.SSL_CIPHER_get_digest_nid(c.p)) }

// KeyExchange returns the long name of SSL_CIPHER_get_kx_nid, or "".
func (c Cipher) KeyExchange() string { return nidLongName(C.SSL_CIPHER_get_kx_nid(c.p)) }

// Auth returns the long name of SSL_CIPHER_get_auth_nid, or "".
func (c Cipher) Auth() string { return nidLongName(C.SSL_CIPHER_get_auth_nid(c.p)) }

func nidLongName(nid C.int) string {
	if nid == C.NID_undef {
		return ""
	}
	return goStringOrEmpty(C.OBJ_nid2ln(nid))
}

func goStringOrEmpty(s *C.char) string {
	if s == nil {
		return ""
	}
	return C.GoString(s)
}
