package ssl

import (
	"os"

	"github.com/sslctx/ssl/openssl"
)

// DefaultVerifyPaths is where SetDefaultVerifyPaths makes OpenSSL look for
// CA certificates: Python's DefaultVerifyPaths.
type DefaultVerifyPaths struct {
	// CAFile and CAPath are the file and directory in effect: the
	// environment variable's value if it is set, else OpenSSL's default;
	// "" when that file or directory does not exist (Python's None).
	CAFile string
	CAPath string
	// OpenSSLCAFileEnv and OpenSSLCAPathEnv name the environment variables
	// that override OpenSSL's defaults ("SSL_CERT_FILE", "SSL_CERT_DIR").
	OpenSSLCAFileEnv string
	OpenSSLCAPathEnv string
	// OpenSSLCAFile and OpenSSLCAPath are OpenSSL's compiled-in defaults,
	// under its OPENSSLDIR ("/usr/lib/ssl/cert.pem", "/usr/lib/ssl/certs").
	OpenSSLCAFile string
	OpenSSLCAPath string
}

// GetDefaultVerifyPaths returns the default CA locations of the OpenSSL in
// use (X509_get_default_cert_file, X509_get_default_cert_dir and their
// _env variables) and the ones the environment selects (Python's
// get_default_verify_paths).
func GetDefaultVerifyPaths() DefaultVerifyPaths {
	var p DefaultVerifyPaths
	p.OpenSSLCAFileEnv, p.OpenSSLCAFile, p.OpenSSLCAPathEnv, p.OpenSSLCAPath = openssl.DefaultCertPaths()
	p.CAFile = inEffect(p.OpenSSLCAFileEnv, p.OpenSSLCAFile, false)
	p.CAPath = inEffect(p.OpenSSLCAPathEnv, p.OpenSSLCAPath, true)
	return p
}

// inEffect is the environment's value of env, else def, if it names an
// existing directory (dir) or regular file.
func inEffect(env, def string, dir bool) string {
	path, ok := os.LookupEnv(env)
	if !ok {
		path = def
	}
	st, err := os.Stat(path)
	if err != nil || st.IsDir() != dir || (!dir && !st.Mode().IsRegular()) {
		return ""
	}
	return path
}
