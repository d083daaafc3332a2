package ssl

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// OpenSSL's defaults are those the openssl command of the same build
// reports: OPENSSLDIR's cert.pem and certs.
func TestGetDefaultVerifyPaths_OpenSSLDefaults(t *testing.T) {
	out, err := exec.Command("openssl", "version", "-d").Output()
	require.NoError(t, err, "the tests need the openssl command")
	m := regexp.MustCompile(`OPENSSLDIR: "(.*)"`).FindSubmatch(out)
	require.NotNil(t, m, "%s", out)
	dir := string(m[1])

	p := GetDefaultVerifyPaths()
	assert.Equal(t, "SSL_CERT_FILE", p.OpenSSLCAFileEnv)
	assert.Equal(t, "SSL_CERT_DIR", p.OpenSSLCAPathEnv)
	assert.Equal(t, filepath.Join(dir, "cert.pem"), p.OpenSSLCAFile)
	assert.Equal(t, filepath.Join(dir, "certs"), p.OpenSSLCAPath)
}

// The environment overrides the defaults, and a path that does not exist,
// or is a directory where a file is wanted, is "" (Python's None), as
// Python's get_default_verify_paths gives them.
func TestGetDefaultVerifyPaths_Environment(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(file, readTD(t, "ca.pem"), 0o600))

	t.Setenv("SSL_CERT_FILE", file)
	t.Setenv("SSL_CERT_DIR", dir)
	p := GetDefaultVerifyPaths()
	assert.Equal(t, file, p.CAFile)
	assert.Equal(t, dir, p.CAPath)

	t.Setenv("SSL_CERT_FILE", dir)
	t.Setenv("SSL_CERT_DIR", file)
	p = GetDefaultVerifyPaths()
	assert.Empty(t, p.CAFile, "a directory is not a CA file")
	assert.Empty(t, p.CAPath, "a file is not a CA directory")

	t.Setenv("SSL_CERT_FILE", "")
	t.Setenv("SSL_CERT_DIR", filepath.Join(dir, "missing"))
	p = GetDefaultVerifyPaths()
	assert.Empty(t, p.CAFile, "set but empty is not unset")
	assert.Empty(t, p.CAPath)

	// Unset (t.Setenv restores them afterwards): OpenSSL's defaults.
	require.NoError(t, os.Unsetenv("SSL_CERT_FILE"))
	require.NoError(t, os.Unsetenv("SSL_CERT_DIR"))
	p = GetDefaultVerifyPaths()
	if st, err := os.Stat(p.OpenSSLCAFile); err == nil && st.Mode().IsRegular() {
		assert.Equal(t, p.OpenSSLCAFile, p.CAFile)
	} else {
		assert.Empty(t, p.CAFile)
	}
	if st, err := os.Stat(p.OpenSSLCAPath); err == nil && st.IsDir() {
		assert.Equal(t, p.OpenSSLCAPath, p.CAPath)
	} else {
		assert.Empty(t, p.CAPath)
	}
}
