package ssl

import (
	"math"

	"github.com/sslctx/ssl/openssl"
)

// OpenSSLVersion is the version text of the OpenSSL library in use at run
// time, such as "OpenSSL 3.0.19 27 Jan 2026" (Python's OPENSSL_VERSION, from
// OpenSSL_version).
var OpenSSLVersion = openssl.Version()

// OpenSSLVersionNumber is OpenSSL_version_num of the library in use at run
// time (Python's OPENSSL_VERSION_NUMBER), such as 0x30000130.
var OpenSSLVersionNumber = openssl.VersionNumber()

// OpenSSLVersionInfo is OpenSSLVersionNumber split as Python's
// OPENSSL_VERSION_INFO: major, minor, fix, patch and status, for example
// {3, 0, 0, 19, 0}.
var OpenSSLVersionInfo = versionInfo(OpenSSLVersionNumber)

func versionInfo(n uint64) [5]int {
	status := int(n & 0xf)
	n >>= 4
	patch := int(n & 0xff)
	n >>= 8
	fix := int(n & 0xff)
	n >>= 8
	minor := int(n & 0xff)
	n >>= 8
	major := int(n & 0xff)
	return [5]int{major, minor, fix, patch, status}
}

// Features of the OpenSSL this package was built against, as Python's
// HAS_* flags report them: SNI and ALPN, and which protocol versions the
// build includes. A version the build includes may still be refused at run
// time by the security level (TLS 1.0 and 1.1 need "@SECLEVEL=0").
var (
	HasSNI     = openssl.HasSNI
	HasALPN    = openssl.HasALPN
	HasSSLv2   = openssl.HasSSLv2
	HasSSLv3   = openssl.HasSSLv3
	HasTLSv1   = openssl.HasTLSv1
	HasTLSv1_1 = openssl.HasTLSv1_1
	HasTLSv1_2 = openssl.HasTLSv1_2
	HasTLSv1_3 = openssl.HasTLSv1_3
)

// RANDStatus reports whether OpenSSL's random generator is seeded well
// enough (Python's RAND_status, from RAND_status).
func RANDStatus() bool { return openssl.RandStatus() }

// RANDBytes returns n cryptographically strong random bytes (Python's
// RAND_bytes, from RAND_bytes). A negative n, or one beyond the C int
// RAND_bytes takes, wraps ErrInvalidArgument with Python's message.
func RANDBytes(n int) ([]byte, error) {
	if n < 0 {
		return nil, invalidArgument("num must be positive")
	}
	if n > math.MaxInt32 {
		return nil, invalidArgument("Python int too large to convert to C int")
	}
	b := make([]byte, n)
	if err := openssl.RandBytes(b); err != nil {
		return nil, openSSLError(err)
	}
	return b, nil
}

// RANDAdd mixes seed into OpenSSL's random generator, crediting it with
// entropy bytes of randomness (Python's RAND_add, from RAND_add).
func RANDAdd(seed []byte, entropy float64) { openssl.RandAdd(seed, entropy) }
