package ssl

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pyCACerts prints CPython's get_ca_certs(binary_form=True), in hex, for a
// client context that loaded the files named in argv, or with "default"
// ran load_default_certs().
const pyCACerts = `
import json, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
for f in sys.argv[1:]:
    if f == "default":
        ctx.load_default_certs(ssl.Purpose.SERVER_AUTH)
    else:
        ctx.load_verify_locations(f)
print(json.dumps([c.hex() for c in ctx.get_ca_certs(binary_form=True)]))
`

func pythonCACerts(t *testing.T, env []string, files ...string) []string {
	t.Helper()
	requirePython(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", append([]string{"-c", pyCACerts}, files...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	require.NoError(t, err)
	var certs []string
	require.NoError(t, json.Unmarshal(out, &certs))
	return certs
}

func hexAll(ders [][]byte) []string {
	out := []string{}
	for _, d := range ders {
		out = append(out, hex.EncodeToString(d))
	}
	return out
}

// TestGetCACertsDER: the CA certificates in the store's order, without the
// non-CA ones, as CPython's get_ca_certs(binary_form=True) lists them.
func TestGetCACertsDER(t *testing.T) {
	files := []string{td("ca2.pem"), td("client.pem"), td("ca.pem")}
	c := clientCtx(t)
	assert.Empty(t, c.GetCACertsDER())
	for _, f := range files {
		require.NoError(t, c.LoadVerifyLocations(f, ""))
	}
	got := hexAll(c.GetCACertsDER())
	assert.Len(t, got, 2, "client.pem is no CA")
	assert.Equal(t, pythonCACerts(t, nil, files...), got)
	require.NoError(t, c.Close())
	assert.Nil(t, c.GetCACertsDER())
}

// TestLoadDefaultCerts: the system's CAs, here redirected by SSL_CERT_FILE
// as OpenSSL allows, are loaded as CPython's load_default_certs loads them,
// and verify a server they issued.
func TestLoadDefaultCerts(t *testing.T) {
	t.Setenv("SSL_CERT_FILE", td("ca.pem"))
	t.Setenv("SSL_CERT_DIR", t.TempDir())
	c := clientCtx(t)
	require.NoError(t, c.LoadDefaultCerts(PurposeServerAuth))
	got := hexAll(c.GetCACertsDER())
	require.Len(t, got, 1)
	assert.Equal(t, pythonCACerts(t, []string{"SSL_CERT_FILE=" + td("ca.pem"), "SSL_CERT_DIR=" + os.Getenv("SSL_CERT_DIR")}, "default"), got)
	client, _ := connected(t, c, testServerContext(t))
	chain, err := client.GetVerifiedChain()
	require.NoError(t, err)
	assert.Len(t, chain, 2)

	require.NoError(t, clientCtx(t).LoadDefaultCerts(PurposeClientAuth))
	assert.ErrorIs(t, clientCtx(t).LoadDefaultCerts(Purpose(7)), ErrInvalidArgument)
}
