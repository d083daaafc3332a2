package openssl

/*
#include "../cshim/shim.h"
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
*/
import "C"

import "unsafe"

// Version returns OpenSSL_version(OPENSSL_VERSION) of the library linked at
// run time: "OpenSSL 3.0.19 27 Jan 2026".
func Version() string { return C.GoString(C.OpenSSL_version(C.OPENSSL_VERSION)) }

// VersionNumber returns OpenSSL_version_num of the library linked at run time.
func VersionNumber() uint64 { return uint64(C.OpenSSL_version_num()) }

// Features compiled into the OpenSSL headers this package was built with.
var (
	HasSNI     = C.shim_has_sni() != 0
	HasALPN    = C.shim_has_alpn() != 0
	HasSSLv2   = C.shim_has_sslv2() != 0
	HasSSLv3   = C.shim_has_sslv3() != 0
	HasTLSv1   = C.shim_has_tlsv1() != 0
	HasTLSv1_1 = C.shim_has_tlsv1_1() != 0
	HasTLSv1_2 = C.shim_has_tlsv1_2() != 0
	HasTLSv1_3 = C.shim_has_tlsv1_3() != 0

	// Option bits that arrived with OpenSSL 3.0; where false, the Op
	// constant is 0.
	HasOpIgnoreUnexpectedEOF      = C.SHIM_HAS_OP_IGNORE_UNEXPECTED_EOF != 0
	HasOpEnableKTLS               = C.SHIM_HAS_OP_ENABLE_KTLS != 0
	HasOpAllowClientRenegotiation = C.SHIM_HAS_OP_ALLOW_CLIENT_RENEGOTIATION != 0
)

// RandStatus returns RAND_status() == 1.
func RandStatus() bool { return C.RAND_status() == 1 }

// RandBytes fills b with RAND_bytes.
func RandBytes(b []byte) error {
	q := getErrq()
	defer putErrq(q)
	return inIntChunks(b, func(p []byte) error {
		if C.shim_rand_bytes((*C.uchar)(unsafe.Pointer(&p[0])), C.int(len(p)), q) != 1 {
			return newError("RAND_bytes", q)
		}
		return nil
	})
}

// RandAdd mixes seed into the generator's state with RAND_add.
func RandAdd(seed []byte, entropy float64) {
	_ = inIntChunks(seed, func(p []byte) error {
		C.RAND_add(unsafe.Pointer(&p[0]), C.int(len(p)), C.double(entropy))
		return nil
	})
}

// inIntChunks calls f on successive non-empty pieces of b small enough for
// the int lengths of OpenSSL's RAND functions, until f fails.
func inIntChunks(b []byte, f func([]byte) error) error {
	for len(b) > 0 {
		n := min(len(b), 1<<30)
		if err := f(b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// DefaultCertPaths returns where this OpenSSL looks for CA certificates by
// default and the environment variables that override it:
// X509_get_default_cert_file_env, X509_get_default_cert_file,
// X509_get_default_cert_dir_env and X509_get_default_cert_dir.
func DefaultCertPaths() (fileEnv, file, dirEnv, dir string) {
	return C.GoString(C.X509_get_default_cert_file_env()), C.GoString(C.X509_get_default_cert_file()),
		C.GoString(C.X509_get_default_cert_dir_env()), C.GoString(C.X509_get_default_cert_dir())
}
