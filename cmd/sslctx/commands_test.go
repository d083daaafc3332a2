package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCiphers(t *testing.T) {
	code, out, stderr := runCLI("ciphers")
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	assert.Regexp(t, `^NAME +PROTOCOL +KX +AUTH +SYMMETRIC +BITS$`, lines[0])
	assert.Regexp(t, `^TLS_AES_256_GCM_SHA384 +TLSv1\.3 +any +any +aes-256-gcm +256$`, lines[1], "TLS 1.3 suites first")
	assert.Regexp(t, `(?m)^ECDHE-RSA-AES128-GCM-SHA256 +TLSv1\.2 +ecdhe +rsa +aes-128-gcm +128$`, out)
	assert.NotContains(t, out, "ADH-", "CPython's default list excludes anonymous ciphers")

	code, out, stderr = runCLI("ciphers", "-ciphersuites", "", "ECDHE+AESGCM:!ECDSA")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "NAME                         PROTOCOL  KX     AUTH  SYMMETRIC    BITS\n"+
		"ECDHE-RSA-AES256-GCM-SHA384  TLSv1.2   ecdhe  rsa   aes-256-gcm  256\n"+
		"ECDHE-RSA-AES128-GCM-SHA256  TLSv1.2   ecdhe  rsa   aes-128-gcm  128\n", out)
}

func TestCiphersJSON(t *testing.T) {
	code, out, stderr := runCLI("ciphers", "-json", "-protocol", "TLS_SERVER",
		"-ciphersuites", "TLS_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-SHA256")
	require.Equal(t, 0, code, stderr)
	var list []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &list), out)
	require.Len(t, list, 2)
	assert.Equal(t, "TLS_AES_128_GCM_SHA256", list[0]["name"])
	assert.Equal(t, true, list[0]["aead"])
	assert.Nil(t, list[0]["digest"], "Python's None")
	cbc := list[1]
	assert.Equal(t, "ECDHE-RSA-AES128-SHA256", cbc["name"])
	assert.Equal(t, "TLSv1.2", cbc["protocol"])
	assert.Equal(t, "kx-ecdhe", cbc["kea"])
	assert.Equal(t, "auth-rsa", cbc["auth"])
	assert.Equal(t, "aes-128-cbc", cbc["symmetric"])
	assert.Equal(t, "sha256", cbc["digest"])
	assert.Equal(t, float64(128), cbc["strength_bits"])
	for _, key := range []string{"id", "description", "alg_bits"} {
		assert.Contains(t, cbc, key)
	}
}

func TestCiphersErrors(t *testing.T) {
	code, out, stderr := runCLI("ciphers", "NO-SUCH-CIPHER")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Equal(t, "sslctx ciphers: No cipher can be selected.\n", stderr)

	code, _, stderr = runCLI("ciphers", "-ciphersuites", "TLS_NO_SUCH_SUITE")
	assert.Equal(t, 1, code)
	assert.Equal(t, "sslctx ciphers: [SSL: NO_CIPHER_MATCH] no cipher match\n", stderr)

	for _, args := range [][]string{
		{"ciphers", "-protocol", "SSLv3"},
		{"ciphers", "HIGH", "LOW"},
	} {
		code, _, stderr = runCLI(args...)
		assert.Equal(t, 2, code, "%q", args)
		assert.True(t, strings.HasPrefix(stderr, "sslctx ciphers: "), stderr)
	}
}

func TestCert(t *testing.T) {
	code, out, stderr := runCLI("cert", "-compact", td("server-rsa.pem"))
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, 1, strings.Count(out, "\n"))
	var dict map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(out), &dict), out)
	assert.Contains(t, string(dict["subject"]), `[["commonName","localhost"]]`)
	assert.Equal(t, `[["DNS","localhost"],["IP Address","127.0.0.1"],["IP Address","0:0:0:0:0:0:0:1"]]`, string(dict["subjectAltName"]))

	// The same certificate in DER, told apart without -der, and with it.
	for _, args := range [][]string{{"cert", "-compact", td("server-rsa.der")}, {"cert", "-der", "-compact", td("server-rsa.der")}} {
		code, der, stderr := runCLI(args...)
		require.Equal(t, 0, code, stderr)
		assert.JSONEq(t, out, der, "%q", args)
	}

	pem, err := os.ReadFile(td("server-rsa.pem"))
	require.NoError(t, err)
	stdin = strings.NewReader(string(pem))
	t.Cleanup(func() { stdin = os.Stdin })
	code, fromStdin, stderr := runCLI("cert", "-compact", "-")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, out, fromStdin)

	code, out, stderr = runCLI("cert", td("client.pem"))
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, `"subjectAltName": [["email","client@example.com"]]`)
}

// fingerprintHex is the hex of openssl x509 -fingerprint's line, which 3.0
// starts "sha256 Fingerprint=" and 1.1.1 "SHA256 Fingerprint=".
func fingerprintHex(t *testing.T, line []byte) string {
	t.Helper()
	_, hex, ok := strings.Cut(strings.TrimSpace(string(line)), " Fingerprint=")
	require.True(t, ok, "openssl x509 -fingerprint printed %q", line)
	return hex
}

// cert shows what openssl x509 -text would, beyond Python's dict, for
// every certificate of a bundle.
func TestCertFacts(t *testing.T) {
	code, out, stderr := runCLI("cert", td("server-rsa-chain.pem"))
	require.Equal(t, 0, code, stderr)
	for _, want := range []string{
		"certificate 1 of 2\nsubject:   CN=localhost,O=Python Software Foundation,L=Castle Anthrax,C=XY\n",
		"key:       RSA 2048 bits, signed with SHA256-RSA\n",
		"usage:     digitalSignature, keyEncipherment, serverAuth\n",
		"basic:     CA:FALSE\n",
		"\n  \"subjectAltName\": ",
		"certificate 2 of 2\nsubject:   CN=sslctx Test CA,O=sslctx tests,C=XY\n",
		"basic:     CA:TRUE",
	} {
		assert.Contains(t, out, want)
	}
	fp, err := exec.Command("openssl", "x509", "-in", td("server-rsa.pem"), "-noout", "-fingerprint", "-sha256").Output()
	require.NoError(t, err)
	assert.Contains(t, out, "sha256:    "+fingerprintHex(t, fp)+"\n")
	fp, err = exec.Command("openssl", "x509", "-in", td("server-rsa.pem"), "-noout", "-fingerprint", "-sha1").Output()
	require.NoError(t, err)
	assert.Contains(t, out, "sha1:      "+fingerprintHex(t, fp)+"\n")

	code, out, stderr = runCLI("cert", "-json", td("server-ecdsa.pem"))
	require.Equal(t, 0, code, stderr)
	var list []struct {
		Python map[string]any
		X509   struct {
			Key          string
			SignatureAlg string   `json:"signature_algorithm"`
			ExtKeyUsage  []string `json:"ext_key_usage"`
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &list), out)
	require.Len(t, list, 1)
	assert.Equal(t, "EC P-256 (256 bits)", list[0].X509.Key)
	assert.Equal(t, []string{"serverAuth"}, list[0].X509.ExtKeyUsage)
	assert.Contains(t, list[0].Python, "subjectAltName")
}

func TestCertErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"cert", td("garbage.pem")}, "sslctx cert: ../../testdata/garbage.pem: neither PEM nor DER: "},
		{[]string{"cert", td("nullcert.pem")}, "sslctx cert: ../../testdata/nullcert.pem: the file is empty"},
		{[]string{"cert", td("badcert.pem")}, "sslctx cert: ../../testdata/badcert.pem: certificate 1: [ASN1] nested asn1 error"},
		{[]string{"cert", td("client.key")}, "sslctx cert: ../../testdata/client.key: no PEM CERTIFICATE block"},
		{[]string{"cert", "-der", td("garbage.der")}, "sslctx cert: ../../testdata/garbage.der: neither PEM nor DER: "},
		{[]string{"cert", td("no-such-file.pem")}, "sslctx cert: open ../../testdata/no-such-file.pem: no such file or directory"},
	} {
		code, out, stderr := runCLI(tc.args...)
		assert.Equal(t, 1, code, "%q", tc.args)
		assert.Empty(t, out)
		assert.True(t, strings.HasPrefix(stderr, tc.want), "%q: %s", tc.args, stderr)
	}
	for _, args := range [][]string{{"cert"}, {"cert", "a.pem", "b.pem"}} {
		code, _, _ := runCLI(args...)
		assert.Equal(t, 2, code, "%q", args)
	}
}

func TestGetServerCertificate(t *testing.T) {
	want, err := os.ReadFile(td("server-rsa.pem"))
	require.NoError(t, err)
	addr := startServer(t, serverOpts{})
	code, out, stderr := runCLI("get-server-certificate", addr)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, string(want), out)
	code, out, stderr = runCLI("get-server-certificate", "-cafile", td("ca.pem"), "-protocol", "TLS", addr)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, string(want), out)

	// Unverified, any certificate comes; with -cafile it must verify.
	self := startServer(t, serverOpts{cert: td("selfsigned.pem"), key: td("selfsigned.key")})
	code, out, stderr = runCLI("get-server-certificate", self)
	require.Equal(t, 0, code, stderr)
	selfPEM, err := os.ReadFile(td("selfsigned.pem"))
	require.NoError(t, err)
	assert.Equal(t, string(selfPEM), out)
	code, out, stderr = runCLI("get-server-certificate", "-cafile", td("ca.pem"), self)
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Equal(t, "sslctx get-server-certificate: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "+selfSignedText+"\n", stderr)

	silent := startSilent(t)
	code, _, stderr = runCLI("get-server-certificate", "-timeout", "200ms", silent)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "within -timeout 200ms")

	code, out, stderr = runCLI("get-server-certificate", "-cafile", td("garbage.pem"), addr)
	assert.Equal(t, 2, code)
	assert.Empty(t, out)
	assert.True(t, strings.HasPrefix(stderr, "sslctx get-server-certificate: -cafile ../../testdata/garbage.pem: "), stderr)
	assert.Contains(t, stderr, "want a PEM file of CA certificates")

	for _, args := range [][]string{
		{"get-server-certificate"},
		{"get-server-certificate", "no-port"},
		{"get-server-certificate", "-protocol", "TLS_SERVER", addr},
	} {
		code, _, _ = runCLI(args...)
		assert.Equal(t, 2, code, "%q", args)
	}
}

// TestCommandHelp checks every command's --help and a wrong flag.
func TestCommandHelp(t *testing.T) {
	want := map[string][]string{
		"demo": {"-message"},
		"connect": {"-protocol", "-cafile", "-capath", "-ciphers", "-ciphersuites", "-servername", "-cert", "-key",
			"-verify", "-no-check-hostname", "-alpn", "-min", "-max", "-timeout", "-send", "-json", "-wait", "-showcerts", "-pass", "-chain", "-keylog"},
		"serve": {"-listen", "-cert", "-key", "-ciphers", "-ciphersuites", "-cafile", "-verify", "-alpn", "-mode",
			"-n", "-timeout", "-protocol", "-min", "-max", "-pass", "-sni"},
		"ciphers":                {"-protocol", "-ciphersuites", "-json"},
		"cert":                   {"-der", "-compact", "-json"},
		"get-server-certificate": {"-cafile", "-protocol", "-timeout"},
		"get":                    {"-cafile", "-alpn", "-keylog", "-o", "-v", "-timeout"},
	}
	require.Len(t, commands, len(want))
	for name, flags := range want {
		for _, help := range []string{"--help", "-h"} {
			code, out, stderr := runCLI(name, help)
			assert.Equal(t, 0, code, "%s %s", name, help)
			assert.Empty(t, stderr)
			assert.True(t, strings.HasPrefix(out, "usage: sslctx "+name), out)
			assert.Contains(t, out, commands[name].summary)
			assert.Contains(t, out, "Exit codes: 0 success, 1 the operation failed, 2 a wrong command line.")
			for _, f := range flags {
				assert.Regexp(t, `\n  `+f+`[ \t\n]`, out, "%s --help names %s", name, f)
			}
		}

		code, stdout, stderr := runCLI(name, "-no-such-flag")
		assert.Equal(t, 2, code, name)
		assert.Equal(t, "sslctx "+name+": flag provided but not defined: -no-such-flag (see sslctx "+name+" --help)\n", stderr)
		assert.Empty(t, stdout, "a wrong flag is one line on stderr, not the whole help")
	}

	code, out, _ := runCLI("--help")
	assert.Equal(t, 0, code)
	for name := range want {
		assert.Contains(t, out, "\n  "+name+" ")
	}
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`GET / HTTP/1.0\r\n\r\n`: "GET / HTTP/1.0\r\n\r\n",
		`a\tb\\n\0`:              "a\tb\\n\x00",
		`\x41\x4a\xZZ\x4`:        "AJ\\xZZ\\x4",
		`\q\`:                    `\q\`,
	} {
		assert.Equal(t, want, unescape(in), in)
	}
}
