package ssl

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/golden"
)

// jsonValue decodes JSON into generic values, so that two encodings compare
// by meaning, not by key order or escaping.
func jsonValue(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(b, &v), "%s", b)
	return v
}

func TestDecodeCertFile_MatchesPythonGetpeercert(t *testing.T) {
	var want map[string]json.RawMessage
	require.NoError(t, golden.Load("certs.json", &want))
	names := slices.Sorted(maps.Keys(want))
	decoded := 0
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			var probe struct {
				Error *golden.Exception `json:"error"`
			}
			require.NoError(t, json.Unmarshal(want[name], &probe))
			cert, err := DecodeCertFile(td(name))
			if probe.Error != nil {
				assertLikePython(t, *probe.Error, err, true)
				return
			}
			require.NoError(t, err)
			got, err := json.Marshal(cert)
			require.NoError(t, err)
			if diff := cmp.Diff(jsonValue(t, want[name]), jsonValue(t, got)); diff != "" {
				t.Errorf("json.Marshal(DecodeCertFile(%s)) differs from Python (-python +go):\n%s", name, diff)
			}
			decoded++
		})
	}
	assert.GreaterOrEqual(t, decoded, 15)
}

func TestDecodeCertDER_EqualsDecodeCertFile(t *testing.T) {
	for _, name := range []string{"server-rsa.pem", "certs/nul-bytes.pem", "certs/san-all-types.pem", "certs/v1.pem"} {
		fromFile, err := DecodeCertFile(td(name))
		require.NoError(t, err)
		der, err := PEMCertToDERCert(string(readTD(t, name)))
		require.NoError(t, err)
		fromDER, err := DecodeCertDER(der)
		require.NoError(t, err)
		assert.Equal(t, fromFile, fromDER, name)
	}
}

func TestDecodeCertDER_Garbage(t *testing.T) {
	_, err := DecodeCertDER(readTD(t, "garbage.der"))
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "[ASN1] nested asn1 error", e.Error(), "d2i_X509's last error, as Python words it")
	assert.Greater(t, len(e.Queue), 1, "the whole queue is kept")
	_, err = DecodeCertDER(nil)
	require.ErrorAs(t, err, &e)
}

func TestCert_JSONRoundTrip(t *testing.T) {
	var want map[string]json.RawMessage
	require.NoError(t, golden.Load("certs.json", &want))
	for _, name := range []string{"certs/san-all-types.pem", "certs/multivalue-rdn.pem", "certs/aia-crl.pem", "certs/nul-bytes.pem"} {
		var c Cert
		require.NoError(t, json.Unmarshal(want[name], &c), name)
		again, err := json.Marshal(c)
		require.NoError(t, err)
		assert.Empty(t, cmp.Diff(jsonValue(t, want[name]), jsonValue(t, again)), name)
	}
}

func TestCert_EmptyMarshalsAsPythonEmptyDict(t *testing.T) {
	b, err := json.Marshal(&Cert{})
	require.NoError(t, err)
	assert.Equal(t, "{}", string(b))
	var c Cert
	require.NoError(t, json.Unmarshal([]byte("{}"), &c))
	assert.True(t, c.IsEmpty())
}

func TestCert_NULBytesKeptInNames(t *testing.T) {
	c, err := DecodeCertFile(td("certs/nul-bytes.pem"))
	require.NoError(t, err)
	var dns []string
	for _, n := range c.SubjectAltName {
		if n.Type == "DNS" {
			dns = append(dns, n.Value)
		}
	}
	require.NotEmpty(t, dns)
	assert.True(t, strings.Contains(dns[0], "\x00"), "DNS name %q lost its NUL byte", dns[0])
}

func TestDERCertToPEMCert_RoundTripsFiles(t *testing.T) {
	der := readTD(t, "server-rsa.der")
	pem := DERCertToPEMCert(der)
	assert.Equal(t, string(readTD(t, "server-rsa.pem")), pem, "same text as openssl x509 writes")
	back, err := PEMCertToDERCert(pem)
	require.NoError(t, err)
	assert.Equal(t, der, back)
}

func TestPEMCertToDERCert_PythonLeniency(t *testing.T) {
	der := readTD(t, "ca.der")
	pem := DERCertToPEMCert(der)
	cases := map[string]string{
		"surrounding white space after the header": pem + "\n\n  \t",
		"CRLF line ends":              strings.ReplaceAll(pem, "\n", "\r\n"),
		"junk characters in the body": strings.Replace(pem, "\n", "\n!!", 2),
	}
	for name, in := range cases {
		got, err := PEMCertToDERCert(in)
		require.NoError(t, err, name)
		assert.Equal(t, der, got, name)
	}
	_, err := PEMCertToDERCert(" " + pem)
	assert.ErrorIs(t, err, ErrInvalidArgument, "the header must come first, unstripped")
	_, err = PEMCertToDERCert(PEMHeader + "\nQUJD\nRA\n" + PEMFooter)
	assert.ErrorIs(t, err, ErrInvalidArgument, "one character too many is an error")
	got, err := PEMCertToDERCert(PEMHeader + "END CERTIFICATE-----")
	require.NoError(t, err, "header and footer overlapping slice to nothing in Python")
	assert.Empty(t, got)
}

func TestCertTimeToSeconds(t *testing.T) {
	cases := map[string]int64{
		"Jan  5 09:34:43 2018 GMT": 1515144883,
		"Jan 05 09:34:43 2018 GMT": 1515144883,
		"jan 5 09:34:43 2018 gmt":  1515144883,
		"May  9 00:00:00 2007 GMT": 1178668800,
		"Feb 30 00:00:00 2020 GMT": 1583020800, // Python does not check the day
		"Dec 31 23:59:60 2016 GMT": 1483228800,
		"Jan  1 00:00:00 1970 GMT": 0,
	}
	for in, want := range cases {
		got, err := CertTimeToSeconds(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "Jan", "Foo  5 09:34:43 2018 GMT", "Jan  5 09:34:43 2018 GMT trailing", "Jan 32 09:34:43 2018 GMT", "Jan  5 24:00:00 2018 GMT"} {
		_, err := CertTimeToSeconds(in)
		assert.ErrorIs(t, err, ErrInvalidArgument, "%q", in)
	}
}

func TestCertTimeToSeconds_ReadsEveryFixtureDate(t *testing.T) {
	entries, err := os.ReadDir(td("certs"))
	require.NoError(t, err)
	for _, e := range entries {
		c, err := DecodeCertFile(td("certs/" + e.Name()))
		require.NoError(t, err)
		before, err := CertTimeToSeconds(c.NotBefore)
		require.NoError(t, err, c.NotBefore)
		after, err := CertTimeToSeconds(c.NotAfter)
		require.NoError(t, err, c.NotAfter)
		assert.Less(t, before, after, e.Name())
	}
}
