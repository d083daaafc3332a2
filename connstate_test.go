package ssl

import (
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pemDER returns the DER of the certificate in a testdata PEM file.
func pemDER(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(td(name))
	require.NoError(t, err)
	blk, _ := pem.Decode(b)
	require.NotNil(t, blk, name)
	return blk.Bytes
}

// A client chain whose leaf crypto/x509 refuses (a negative serial) but
// OpenSSL verifies: every certificate keeps its position, so the leaf is
// never mistaken for its issuer, the intermediate CA.
func TestConnectionState_UnparsableCertificateKeepsItsSlot(t *testing.T) {
	leaf, inter, root := pemDER(t, "negserial/client.pem"), pemDER(t, "negserial/intermediate.pem"), pemDER(t, "ca.pem")
	_, err := x509.ParseCertificate(leaf)
	require.Error(t, err, "the test needs a leaf crypto/x509 refuses")

	sctx := testServerContext(t)
	require.NoError(t, sctx.SetVerifyMode(CertRequired))
	require.NoError(t, sctx.LoadVerifyLocations(td("ca.pem"), ""))
	cctx := testClientContext(t)
	require.NoError(t, cctx.LoadCertChain(td("negserial/client-chain.pem"), td("negserial/client.key")))
	_, server := connected(t, cctx, sctx)

	st := server.ConnectionState()
	raws := func(chain []*x509.Certificate) [][]byte {
		var out [][]byte
		for _, c := range chain {
			require.NotNil(t, c)
			out = append(out, c.Raw)
		}
		return out
	}
	assert.Equal(t, [][]byte{leaf, inter}, raws(st.PeerCertificates))
	require.Len(t, st.VerifiedChains, 1)
	assert.Equal(t, [][]byte{leaf, inter, root}, raws(st.VerifiedChains[0]))

	// The slot says what it can of the certificate.
	c := st.PeerCertificates[0]
	assert.Equal(t, "negative serial client", c.Subject.CommonName)
	assert.Equal(t, "sslctx Intermediate CA", c.Issuer.CommonName)
	assert.Equal(t, big.NewInt(-1234), c.SerialNumber)
	assert.Equal(t, 3, c.Version)
	assert.False(t, c.NotAfter.IsZero())
	assert.Equal(t, st.VerifiedChains[0][1].RawSubject, c.RawIssuer)
	assert.Nil(t, c.PublicKey)

	// A handler reading r.TLS through FillRequestTLS sees the same leaf.
	ctx := ConnContext(t.Context(), server)
	var got []byte
	h := FillRequestTLS(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.TLS.PeerCertificates[0].Raw
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil).WithContext(ctx))
	assert.Equal(t, leaf, got)
}
