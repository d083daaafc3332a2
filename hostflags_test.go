package ssl

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// commonNameOnlyCert writes a certificate for CN=localhost without any
// subjectAltName, issued by the test CA, and its key; it returns their paths.
func commonNameOnlyCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	caCert, err := x509.ParseCertificate(mustDER(t, readTD(t, "ca.pem")))
	require.NoError(t, err)
	caKey, err := x509.ParsePKCS8PrivateKey(mustDER(t, readTD(t, "ca.key")))
	require.NoError(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cn.pem"), filepath.Join(dir, "cn.key")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600))
	return certFile, keyFile
}

func mustDER(t *testing.T, b []byte) []byte {
	t.Helper()
	blk, _ := pem.Decode(b)
	require.NotNil(t, blk)
	return blk.Bytes
}

// pyCommonNameClient connects CPython's default client to addr with
// hostname_checks_common_name set to on and reports the outcome.
const pyCommonNameClient = `
import json, socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(sys.argv[1])
out = {"default": ctx.hostname_checks_common_name}
ctx.hostname_checks_common_name = sys.argv[3] == "on"
try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost"):
            out["ok"] = True
except ssl.SSLError as e:
    out.update({"class": type(e).__name__, "verify_code": getattr(e, "verify_code", None),
                "verify_message": getattr(e, "verify_message", None)})
print(json.dumps(out))
`

type pyCNResult struct {
	Default       bool   `json:"default"`
	OK            bool   `json:"ok"`
	Class         string `json:"class"`
	VerifyCode    int    `json:"verify_code"`
	VerifyMessage string `json:"verify_message"`
}

// TestHostnameChecksCommonName: a certificate whose name is only in its
// common name passes the hostname check by default and fails with the
// fallback off, for our client and for CPython's against the same server.
func TestHostnameChecksCommonName(t *testing.T) {
	certFile, keyFile := commonNameOnlyCert(t)
	sctx := serverCtx(t)
	require.NoError(t, sctx.LoadCertChain(certFile, keyFile))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	wait := acceptEach(ln, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if s, err := sctx.WrapSocket(c, ServerSide(true)); err == nil {
			s.Close()
		} else {
			c.Close()
		}
	})
	defer wait()
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port

	assert.True(t, testClientContext(t).HostnameChecksCommonName(), "a new client Context")
	assert.True(t, testServerContext(t).HostnameChecksCommonName(), "a new server Context")
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprint(on), func(t *testing.T) {
			cctx := testClientContext(t)
			require.NoError(t, cctx.SetHostnameChecksCommonName(on))
			assert.Equal(t, on, cctx.HostnameChecksCommonName())
			raw, err := net.DialTimeout("tcp", ln.Addr().String(), 10*time.Second)
			require.NoError(t, err)
			raw.SetDeadline(time.Now().Add(10 * time.Second))
			s, ourErr := cctx.WrapSocket(raw, ServerHostname("localhost"))
			if s != nil {
				s.Close()
			} else {
				raw.Close()
			}
			if on {
				require.NoError(t, ourErr, "the common name matches")
			} else {
				require.ErrorIs(t, ourErr, ErrCertVerification, "no subjectAltName to match")
			}

			requirePython(t)
			arg := map[bool]string{true: "on", false: "off"}[on]
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, "python3", "-c", pyCommonNameClient, td("ca.pem"), fmt.Sprint(port), arg).Output()
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				t.Logf("python stderr: %s", ee.Stderr)
			}
			require.NoError(t, err)
			var py pyCNResult
			require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(string(out))), &py))
			assert.True(t, py.Default, "CPython's default")
			if py.OK {
				assert.NoError(t, ourErr)
				return
			}
			require.Error(t, ourErr, "CPython failed with %s", py.Class)
			assertPythonClass(t, py.Class, ourErr)
			var e *Error
			require.ErrorAs(t, ourErr, &e)
			assert.Equal(t, py.VerifyCode, e.VerifyCode)
			assert.Equal(t, py.VerifyMessage, e.VerifyMessage)
		})
	}
}
