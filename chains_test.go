package ssl

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/golden"
)

// chainCases build the connections of testdata/golden/record_chains.py.
var chainCases = map[string]struct{ client, server endConfig }{
	"server_verified":    {cli(nil), srv(nil)},
	"server_sends_chain": {cli(nil), srv(func(e *endConfig) { e.certFile = "server-rsa-chain.pem" })},
	"client_cert_none_trusted": {cli(func(e *endConfig) { e.checkHostname, e.verifyMode = boolp(false), mode(CertNone) }),
		srv(nil)},
	"client_cert_none_untrusted": {cli(func(e *endConfig) { e.cafile, e.checkHostname, e.verifyMode = "", boolp(false), mode(CertNone) }),
		srv(nil)},
	"client_cert_none_wrong_ca": {cli(func(e *endConfig) { e.checkHostname, e.verifyMode = boolp(false), mode(CertNone) }),
		srv(func(e *endConfig) { e.cert = "wrongca-server" })},
	"mutual": {cli(func(e *endConfig) { e.cert = "client" }),
		srv(func(e *endConfig) { e.cafile, e.verifyMode = "ca.pem", mode(CertRequired) })},
	"mutual_optional_no_cert": {cli(nil), srv(func(e *endConfig) { e.cafile, e.verifyMode = "ca.pem", mode(CertOptional) })},
}

// Where we answer differently from CPython 3.13, by design.
var chainDeviations = map[string]map[string][]string{
	// Verification failed and CERT_NONE let the handshake go on: CPython
	// returns OpenSSL's partial chain; nothing was verified, so nil here.
	"client_cert_none_untrusted": {"client verified": nil},
	"client_cert_none_wrong_ca":  {"client verified": nil},
	// The client sent an empty Certificate message: CPython 3.13 puts None
	// in the list and fails with AttributeError; nil here.
	"mutual_optional_no_cert": {"server unverified": nil},
}

func boolp(b bool) *bool { return &b }

func TestChains_MatchPython313(t *testing.T) {
	var all map[string]json.RawMessage
	require.NoError(t, golden.Load("chains.json", &all))
	names := map[string]string{}
	for _, f := range []string{"ca.pem", "ca2.pem", "server-rsa.pem", "client.pem", "selfsigned.pem", "wrongca-server.pem"} {
		der, err := PEMCertToDERCert(string(readTD(t, f)))
		require.NoError(t, err)
		names[string(der)] = f
	}
	nameChain := func(chain [][]byte) []string {
		var out []string
		for _, d := range chain {
			n, ok := names[string(d)]
			if !ok {
				n = "?"
			}
			out = append(out, n)
		}
		return out
	}
	checked := 0
	for _, id := range slices.Sorted(maps.Keys(all)) {
		if id == "python" || id == "openssl" {
			continue
		}
		c, ok := chainCases[id]
		if !ok {
			t.Errorf("%s: recorded from Python but not tested", id)
			continue
		}
		checked++
		t.Run(id, func(t *testing.T) {
			var want map[string]map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(all[id], &want))
			client, server := connected(t, c.client.context(t), c.server.context(t))
			for side, s := range map[string]*Socket{"client": client, "server": server} {
				for kind, get := range map[string]func() ([][]byte, error){
					"verified": s.GetVerifiedChain, "unverified": s.GetUnverifiedChain,
				} {
					chain, err := get()
					require.NoError(t, err)
					got := nameChain(chain)
					if dev, ok := chainDeviations[id][side+" "+kind]; ok {
						assert.Equal(t, dev, got, "%s %s", side, kind)
						continue
					}
					var py []string
					require.NoError(t, json.Unmarshal(want[side][kind], &py), "%s %s", side, kind)
					if len(py) == 0 {
						py = nil
					}
					assert.Equal(t, py, got, "%s %s", side, kind)
				}
			}
		})
	}
	assert.Equal(t, len(chainCases), checked)
}

func TestChains_BeforeHandshakeAndClosed(t *testing.T) {
	cn, _ := tcpPair(t)
	c, err := testClientContext(t).WrapSocket(cn, ServerHostname("localhost"), DoHandshakeOnConnect(false))
	require.NoError(t, err)
	for _, get := range []func() ([][]byte, error){c.GetVerifiedChain, c.GetUnverifiedChain} {
		chain, err := get()
		assert.NoError(t, err)
		assert.Nil(t, chain)
	}
	client, _ := connected(t, testClientContext(t), testServerContext(t))
	require.NoError(t, client.Close())
	_, err = client.GetVerifiedChain()
	assert.ErrorIs(t, err, ErrClosed)
	_, err = client.GetUnverifiedChain()
	assert.ErrorIs(t, err, ErrClosed)
}
