package ssl

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/golden"
)

// edgeGolden is testdata/golden/edge.json, written by record_edge.py.
type edgeGolden struct {
	Certs         map[string]json.RawMessage `json:"certs"`
	MatchHostname []struct {
		Cert     *Cert             `json:"cert"`
		Hostname string            `json:"hostname"`
		OK       bool              `json:"ok"`
		Error    *golden.Exception `json:"error"`
	} `json:"match_hostname"`
	CertTimeToSeconds struct {
		Python string `json:"python"`
		Cases  []struct {
			Input   string            `json:"input"`
			Seconds *int64            `json:"seconds"`
			Error   *golden.Exception `json:"error"`
		} `json:"cases"`
	} `json:"cert_time_to_seconds"`
	UnknownAlert golden.Exception `json:"unknown_alert"`
	UTF8Errors   []struct {
		Hex   string  `json:"hex"`
		Error *string `json:"error"`
	} `json:"utf8_errors"`
}

func loadEdge(t *testing.T) edgeGolden {
	t.Helper()
	var g edgeGolden
	require.NoError(t, golden.Load("edge.json", &g))
	return g
}

// assertDecodesLikePython compares DecodeCertFile(name) with Python's
// answer: the same dict, or an error of the same kind and text.
func assertDecodesLikePython(t *testing.T, want json.RawMessage, name string) {
	t.Helper()
	var probe struct {
		Error *golden.Exception `json:"error"`
	}
	require.NoError(t, json.Unmarshal(want, &probe))
	cert, err := DecodeCertFile(td(name))
	if probe.Error != nil {
		require.Error(t, err, "Python raised %s", probe.Error.Str)
		assert.ErrorIs(t, err, ErrInvalidArgument, "Python's %s is a ValueError", probe.Error.Class)
		assert.Contains(t, err.Error(), probe.Error.Str)
		return
	}
	require.NoError(t, err)
	got, err := json.Marshal(cert)
	require.NoError(t, err)
	if diff := cmp.Diff(jsonValue(t, want), jsonValue(t, got)); diff != "" {
		t.Errorf("DecodeCertFile(%s) differs from Python (-python +go):\n%s", name, diff)
	}
}

func TestDecodeCertFile_EdgeCasesMatchPython(t *testing.T) {
	g := loadEdge(t)
	for _, name := range []string{"edge/long-oid-attributes.pem", "edge/crl-duplicates.pem", "edge/othername-bad-utf8.pem"} {
		t.Run(name, func(t *testing.T) {
			require.Contains(t, g.Certs, name)
			assertDecodesLikePython(t, g.Certs[name], name)
		})
	}
}

// The names of edge/rid-long-names.pem's Registered IDs come from an
// OpenSSL configuration file, which OpenSSL reads once per process: the
// check runs in a child process of this test binary started with
// OPENSSL_CONF.
const ridChildEnv = "SSLCTX_TEST_RID_CHILD"

func TestDecodeCertFile_RegisteredIDPastPythonsBuffer(t *testing.T) {
	if os.Getenv(ridChildEnv) != "" {
		assertDecodesLikePython(t, loadEdge(t).Certs["edge/rid-long-names.pem"], "edge/rid-long-names.pem")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDecodeCertFile_RegisteredIDPastPythonsBuffer$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), ridChildEnv+"=1", "OPENSSL_CONF="+td("edge/long-oid-names.cnf"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "child process:\n%s", out)
	assert.Contains(t, string(out), "--- PASS: TestDecodeCertFile_RegisteredIDPastPythonsBuffer", "%s", out)
	// Without the configuration the OIDs print as numbers.
	c, err := DecodeCertFile(td("edge/rid-long-names.pem"))
	require.NoError(t, err)
	require.Len(t, c.SubjectAltName, 6)
	assert.Equal(t, AltName{Type: "Registered ID", Value: "1.3.6.1.4.1.55555.2046"}, c.SubjectAltName[1])
}

func TestPyUTF8Error_MatchesPython(t *testing.T) {
	g := loadEdge(t)
	require.NotEmpty(t, g.UTF8Errors)
	for _, c := range g.UTF8Errors {
		b, err := hex.DecodeString(c.Hex)
		require.NoError(t, err)
		msg, bad := pyUTF8Error(string(b))
		assert.Equal(t, c.Error != nil, bad, "%x", b)
		assert.Equal(t, golden.Str(c.Error), msg, "%x", b)
	}
}

// assertMatchesLikePython runs the recorded match_hostname cases whose
// certificate's first subjectAltName entry has the given type.
func assertMatchesLikePython(t *testing.T, entryType string) {
	ran := 0
	for i, c := range loadEdge(t).MatchHostname {
		if len(c.Cert.SubjectAltName) == 0 || c.Cert.SubjectAltName[0].Type != entryType {
			continue
		}
		ran++
		t.Run(fmt.Sprintf("%d %q %q", i, c.Cert.SubjectAltName[0].Value, c.Hostname), func(t *testing.T) {
			err := MatchHostname(c.Cert, c.Hostname)
			if c.OK {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err, "Python: %s", c.Error.Str)
			switch c.Error.Class {
			case "CertificateError", "SSLCertVerificationError":
				var ce *CertificateError
				require.ErrorAs(t, err, &ce)
				assertPythonClass(t, c.Error.Class, err)
				assert.Equal(t, c.Error.Message, ce.Error())
			default:
				assert.ErrorIs(t, err, ErrInvalidArgument, "Python's %s", c.Error.Class)
				assert.Equal(t, "ssl: "+c.Error.Str, err.Error())
			}
		})
	}
	assert.Greater(t, ran, 10)
}

// Python's str.lower, not strings.ToLower: "İ" and final sigma.
func TestMatchHostname_UnicodeCaseLikePython(t *testing.T) { assertMatchesLikePython(t, "DNS") }

// Python's _inet_paton messages for IP Address entries that are not a
// canonical address.
func TestMatchHostname_IPEntryMessagesLikePython(t *testing.T) {
	assertMatchesLikePython(t, "IP Address")
}

// cert_time_to_seconds as CPython 3.13 answers it: Unicode digits and
// white space as its strptime reads them, year 0 refused.
func TestCertTimeToSeconds_EdgeCasesMatchPython(t *testing.T) {
	g := loadEdge(t).CertTimeToSeconds
	require.NotEmpty(t, g.Cases)
	for _, c := range g.Cases {
		got, err := CertTimeToSeconds(c.Input)
		if c.Error == nil {
			if assert.NoError(t, err, "%q", c.Input) {
				assert.Equal(t, *c.Seconds, got, "%q", c.Input)
			}
			continue
		}
		assert.ErrorIs(t, err, ErrInvalidArgument, "%q: Python %s", c.Input, c.Error.Message)
		if err != nil {
			assert.Equal(t, "ssl: "+c.Error.Message, err.Error(), "%q", c.Input)
		}
	}
}
