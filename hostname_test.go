package ssl

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/golden"
)

func TestMatchHostname_MatchesPython(t *testing.T) {
	var cases []struct {
		Cert     *Cert             `json:"cert"`
		Hostname string            `json:"hostname"`
		OK       bool              `json:"ok"`
		Error    *golden.Exception `json:"error"`
		Source   string            `json:"source"`
	}
	require.NoError(t, golden.Load("match_hostname.json", &cases))
	require.NotEmpty(t, cases)
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d %s %q", i, c.Source, c.Hostname), func(t *testing.T) {
			err := MatchHostname(c.Cert, c.Hostname)
			if c.OK {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			if c.Error.Class == "SSLCertVerificationError" || c.Error.Class == "CertificateError" {
				var ce *CertificateError
				require.ErrorAs(t, err, &ce)
				assertPythonClass(t, c.Error.Class, err)
				assert.Equal(t, c.Error.Message, ce.Error())
				return
			}
			assertLikePython(t, *c.Error, err, false)
		})
	}
}

func TestMatchHostname_NilCert(t *testing.T) {
	assert.ErrorIs(t, MatchHostname(nil, "example.com"), ErrInvalidArgument)
}

func TestPyRepr(t *testing.T) {
	for in, want := range map[string]string{
		"abc":           `'abc'`,
		"it's":          `"it's"`,
		`it's "quoted"`: `'it\'s "quoted"'`,
		"a\x00b":        `'a\x00b'`,
		"tab\there":     `'tab\there'`,
		"bücher":        `'bücher'`,
		"\u00a0":        `'\xa0'`,
		"\u200b":        `'\u200b'`,
		"back\\slash":   `'back\\slash'`,
	} {
		assert.Equal(t, want, pyRepr(in), "%q", in)
	}
}
