package ssl

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/golden"
)

func cipherNames(d []CipherDescription) []string {
	names := make([]string, len(d))
	for i, c := range d {
		names[i] = c.Name
	}
	return names
}

func TestGetCiphers_NamesInPythonOrder(t *testing.T) {
	var want struct {
		Cases []struct {
			Spec  string            `json:"spec"`
			Names []string          `json:"names"`
			Error *golden.Exception `json:"error"`
		} `json:"cases"`
	}
	require.NoError(t, golden.Load("ciphers.json", &want))
	require.GreaterOrEqual(t, len(want.Cases), 12)
	for _, c := range want.Cases {
		t.Run(fmt.Sprintf("%q", c.Spec), func(t *testing.T) {
			ctx := clientCtx(t)
			err := ctx.SetCiphers(c.Spec)
			if c.Error != nil {
				assertLikePython(t, *c.Error, err, true)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.Names, cipherNames(ctx.GetCiphers()))
		})
	}
}

func TestGetCiphers_DictsEqualPython(t *testing.T) {
	var want struct {
		DefaultClient  json.RawMessage `json:"default_client"`
		DefaultOpenSSL json.RawMessage `json:"default_openssl"`
	}
	require.NoError(t, golden.Load("ciphers.json", &want))
	client := clientCtx(t)
	got, err := json.Marshal(client.GetCiphers())
	require.NoError(t, err)
	assert.Empty(t, cmp.Diff(jsonValue(t, want.DefaultClient), jsonValue(t, got)), "PROTOCOL_TLS_CLIENT defaults")

	tls, err := NewContext(ProtocolTLS)
	require.NoError(t, err)
	got, err = json.Marshal(tls.GetCiphers())
	require.NoError(t, err)
	assert.Empty(t, cmp.Diff(jsonValue(t, want.DefaultOpenSSL), jsonValue(t, got)),
		"PROTOCOL_TLS keeps OpenSSL's own cipher list, Python's set_ciphers(\"DEFAULT\")")
}

// MarshalJSON of CipherDescription must write null where Python has None.
func TestCipherDescription_NullForMissingAlgorithms(t *testing.T) {
	for _, d := range clientCtx(t).GetCiphers() {
		b, err := json.Marshal(d)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		if d.AEAD {
			assert.Nil(t, m["digest"], d.Name)
		}
	}
}

type pyDefaults struct {
	VerifyMode     int            `json:"verify_mode"`
	CheckHostname  bool           `json:"check_hostname"`
	Options        uint64         `json:"options"`
	MinimumVersion int            `json:"minimum_version"`
	MaximumVersion int            `json:"maximum_version"`
	VerifyFlags    uint64         `json:"verify_flags"`
	SecurityLevel  *int           `json:"security_level"` // nil: CPython 3.9 has none
	CipherNames    []string       `json:"cipher_names"`
	SessionStats   map[string]int `json:"session_stats"`
	CertStoreStats CertStoreStats `json:"cert_store_stats"`
	Protocol       *int           `json:"protocol"`
	// OpenSSL's own minimum for a new PROTOCOL_TLS context, where the
	// recording CPython sets none of its own (3.9): the system's
	// openssl.cnf may impose one.
	OpenSSLMinimumVersion *int `json:"openssl_minimum_version"`
}

func ptr[T any](v T) *T { return &v }

func describeContext(c *Context) pyDefaults {
	return pyDefaults{
		VerifyMode: int(c.VerifyMode()), CheckHostname: c.CheckHostname(), Options: uint64(c.Options()),
		MinimumVersion: int(c.MinimumVersion()), MaximumVersion: int(c.MaximumVersion()),
		VerifyFlags: uint64(c.VerifyFlags()), SecurityLevel: ptr(c.SecurityLevel()),
		CipherNames: cipherNames(c.GetCiphers()), SessionStats: c.SessionStats(), CertStoreStats: c.CertStoreStats(),
	}
}

func TestNewContext_DefaultsMatchPython(t *testing.T) {
	var want map[string]pyDefaults
	require.NoError(t, golden.Load("defaults.json", &want))
	var openSSLDefault struct {
		DefaultOpenSSL []CipherDescription `json:"default_openssl"`
	}
	require.NoError(t, golden.Load("ciphers.json", &openSSLDefault))
	for _, p := range []Protocol{ProtocolTLS, ProtocolTLSv1, ProtocolTLSv1_1, ProtocolTLSv1_2, ProtocolTLSClient, ProtocolTLSServer} {
		t.Run(p.String(), func(t *testing.T) {
			c, err := NewContext(p)
			require.NoError(t, err)
			assert.Equal(t, p, c.Protocol())
			w := want[p.String()]
			if !p.flexible() || p == ProtocolTLS {
				// SPEC rule 3: the legacy protocols keep the 3.2 semantics,
				// no minimum version and OpenSSL's own cipher list, where
				// modern CPython imposes TLS 1.2 and its own string.
				w.MinimumVersion = int(TLSVersionMinimumSupported)
				if w.OpenSSLMinimumVersion != nil {
					w.MinimumVersion = *w.OpenSSLMinimumVersion
				}
				w.CipherNames = cipherNames(openSSLDefault.DefaultOpenSSL)
			}
			w.OpenSSLMinimumVersion = nil
			got := describeContext(c)
			if w.SecurityLevel == nil {
				// The recording CPython (3.9) cannot say; OpenSSL's answer
				// is checked on the series whose CPython can.
				got.SecurityLevel = nil
			}
			assert.Equal(t, w, got)
		})
	}
}

func TestCreateDefaultContext_MatchesPython(t *testing.T) {
	var want map[string]pyDefaults
	require.NoError(t, golden.Load("defaults.json", &want))
	for purpose, name := range map[Purpose]string{PurposeServerAuth: "SERVER_AUTH", PurposeClientAuth: "CLIENT_AUTH"} {
		c, err := CreateDefaultContext(purpose)
		require.NoError(t, err)
		w := want["create_default_context_"+name]
		got := describeContext(c)
		// The system CA store differs between machines; what must hold is
		// that a client context loaded it and a server context did not.
		if purpose == PurposeServerAuth {
			assert.Equal(t, ProtocolTLSClient, c.Protocol())
		} else {
			assert.Equal(t, ProtocolTLSServer, c.Protocol())
			assert.Equal(t, CertStoreStats{}, got.CertStoreStats)
		}
		w.CertStoreStats, got.CertStoreStats = CertStoreStats{}, CertStoreStats{}
		w.Protocol = nil
		if w.SecurityLevel == nil {
			got.SecurityLevel = nil
		}
		assert.Equal(t, w, got, name)
	}
	_, err := CreateDefaultContext(Purpose(7))
	assert.ErrorIs(t, err, ErrInvalidArgument)
}

func TestModuleConstants_MatchPython(t *testing.T) {
	var want struct {
		Module map[string]json.RawMessage `json:"module"`
	}
	require.NoError(t, golden.Load("defaults.json", &want))
	m := func(name string, v any) {
		t.Helper()
		require.Contains(t, want.Module, name)
		assert.JSONEq(t, string(want.Module[name]), mustJSON(t, v), name)
	}
	// The recording names the series; the patch release running here may
	// be another (Debian 12 moves from 3.0.19 to 3.0.20). So the version
	// constants must be of the recorded series, and split and spelled as
	// Python splits and spells the recorded ones.
	var number uint64
	var info [5]int
	var text string
	require.NoError(t, json.Unmarshal(want.Module["OPENSSL_VERSION_NUMBER"], &number))
	require.NoError(t, json.Unmarshal(want.Module["OPENSSL_VERSION_INFO"], &info))
	require.NoError(t, json.Unmarshal(want.Module["OPENSSL_VERSION"], &text))
	assert.Equal(t, golden.SeriesOf(number), golden.SeriesOf(OpenSSLVersionNumber), "OPENSSL_VERSION_NUMBER's series")
	assert.Equal(t, info, versionInfo(number), "OPENSSL_VERSION_INFO of Python's OPENSSL_VERSION_NUMBER")
	assert.True(t, strings.HasPrefix(text, versionText(info)), "Python's %q spells %v", text, info)
	assert.True(t, strings.HasPrefix(OpenSSLVersion, versionText(OpenSSLVersionInfo)), "%q spells %v", OpenSSLVersion, OpenSSLVersionInfo)
	for name, v := range map[string]bool{"HAS_SNI": HasSNI, "HAS_ALPN": HasALPN, "HAS_SSLv2": HasSSLv2,
		"HAS_SSLv3": HasSSLv3, "HAS_TLSv1": HasTLSv1, "HAS_TLSv1_1": HasTLSv1_1, "HAS_TLSv1_2": HasTLSv1_2, "HAS_TLSv1_3": HasTLSv1_3} {
		m(name, v)
	}
	for name, v := range map[string]Options{"OP_ALL": OpAll, "OP_NO_SSLv2": OpNoSSLv2, "OP_NO_SSLv3": OpNoSSLv3,
		"OP_NO_TLSv1": OpNoTLSv1, "OP_NO_TLSv1_1": OpNoTLSv1_1, "OP_NO_TLSv1_2": OpNoTLSv1_2, "OP_NO_TLSv1_3": OpNoTLSv1_3,
		"OP_NO_COMPRESSION": OpNoCompression, "OP_CIPHER_SERVER_PREFERENCE": OpCipherServerPreference,
		"OP_SINGLE_DH_USE": OpSingleDHUse, "OP_SINGLE_ECDH_USE": OpSingleECDHUse, "OP_NO_TICKET": OpNoTicket,
		"OP_NO_RENEGOTIATION": OpNoRenegotiation, "OP_ENABLE_MIDDLEBOX_COMPAT": OpEnableMiddleboxCompat,
		"OP_IGNORE_UNEXPECTED_EOF": OpIgnoreUnexpectedEOF} {
		if _, ok := want.Module[name]; !ok {
			// CPython defines an OP_ name only where OpenSSL's headers
			// have it; where they do not, ours is 0.
			assert.Zero(t, v, name)
			continue
		}
		m(name, uint64(v))
	}
	for name, v := range map[string]VerifyFlags{"VERIFY_DEFAULT": VerifyDefault, "VERIFY_CRL_CHECK_LEAF": VerifyCRLCheckLeaf,
		"VERIFY_CRL_CHECK_CHAIN": VerifyCRLCheckChain, "VERIFY_X509_STRICT": VerifyX509Strict,
		"VERIFY_ALLOW_PROXY_CERTS": VerifyAllowProxyCerts, "VERIFY_X509_TRUSTED_FIRST": VerifyX509TrustedFirst,
		"VERIFY_X509_PARTIAL_CHAIN": VerifyX509PartialChain} {
		m(name, uint64(v))
	}
	for name, v := range map[string]VerifyMode{"CERT_NONE": CertNone, "CERT_OPTIONAL": CertOptional, "CERT_REQUIRED": CertRequired} {
		m(name, int(v))
	}
	var versions map[string]int
	require.NoError(t, json.Unmarshal(want.Module["TLSVersion"], &versions))
	for _, v := range []TLSVersion{TLSVersionMinimumSupported, TLSVersionMaximumSupported, SSLv3, TLSv1_0, TLSv1_1, TLSv1_2, TLSv1_3} {
		assert.Equal(t, versions[v.String()], int(v), v.String())
	}
}

// versionText is how OpenSSL's version text begins for a version split as
// OPENSSL_VERSION_INFO: "OpenSSL 3.0.19 " from 3.0 on (the patch field is
// the patch release), "OpenSSL 1.1.1w " before (the patch field counts
// letters).
func versionText(info [5]int) string {
	if info[0] >= 3 {
		return fmt.Sprintf("OpenSSL %d.%d.%d ", info[0], info[1], info[3])
	}
	letter := ""
	if info[3] > 0 {
		letter = string(rune('a' + info[3] - 1))
	}
	return fmt.Sprintf("OpenSSL %d.%d.%d%s ", info[0], info[1], info[2], letter)
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestContext_SetOptionsAppliesTheDifference(t *testing.T) {
	c := clientCtx(t)
	base := c.Options()
	require.NoError(t, c.SetOptions(base|OpNoTicket))
	assert.Equal(t, base|OpNoTicket, c.Options())
	require.NoError(t, c.SetOptions(base&^OpNoCompression))
	assert.Equal(t, base&^OpNoCompression, c.Options())
	require.NoError(t, c.SetOptions(0))
	assert.Equal(t, Options(0), c.Options())
}

func TestContext_VerifyModeRoundTrips(t *testing.T) {
	c := serverCtx(t)
	for _, m := range []VerifyMode{CertOptional, CertRequired, CertNone} {
		require.NoError(t, c.SetVerifyMode(m))
		assert.Equal(t, m, c.VerifyMode())
	}
}

func TestContext_VersionBounds(t *testing.T) {
	c := clientCtx(t)
	require.NoError(t, c.SetMinimumVersion(TLSv1_3))
	assert.Equal(t, TLSv1_3, c.MinimumVersion())
	require.NoError(t, c.SetMaximumVersion(TLSVersionMaximumSupported))
	assert.Equal(t, TLSVersionMaximumSupported, c.MaximumVersion())
	require.NoError(t, c.SetMinimumVersion(TLSVersionMinimumSupported))
	assert.Equal(t, TLSVersionMinimumSupported, c.MinimumVersion())
	require.NoError(t, c.SetMaximumVersion(TLSVersionMinimumSupported))
	assert.Equal(t, SSLv3, c.MaximumVersion(), "Python emulates MINIMUM_SUPPORTED as a maximum with SSLv3")
}

func TestContext_CertificatesOfEveryKeyType(t *testing.T) {
	for _, kind := range []string{"rsa", "ecdsa", "ed25519"} {
		c := serverCtx(t)
		require.NoError(t, c.LoadCertChain(td("server-"+kind+".pem"), td("server-"+kind+".key")), kind)
	}
}

func TestLoadCertChain_EncryptedKeyWithoutPasswordNeverPrompts(t *testing.T) {
	err := serverCtx(t).LoadCertChain(td("keycert-enc.pem"), "")
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "SSL", e.Library)
	assert.Contains(t, err.Error(), "encrypted and no password was given")
}

func TestLoadCertChainWithPassword_WipesThePassword(t *testing.T) {
	pw := readTD(t, "PASSWORD")
	calls := 0
	err := serverCtx(t).LoadCertChainWithPassword(td("keycert-enc.pem"), "", func() ([]byte, error) {
		calls++
		return pw, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 1, calls)
	assert.Equal(t, make([]byte, len(pw)), pw, "the password slice is zeroed after use")
}

func TestLoadVerifyLocations_CapathIsLazy(t *testing.T) {
	c := clientCtx(t)
	require.NoError(t, c.LoadVerifyLocations("", td("capath")))
	assert.Equal(t, CertStoreStats{}, c.CertStoreStats(), "nothing is read before a verification looks it up")
	assert.Empty(t, c.GetCACerts())
}

func TestLoadVerify_GetCACertsAndStats(t *testing.T) {
	c := clientCtx(t)
	require.NoError(t, c.LoadVerifyLocations(td("ca.pem"), ""))
	require.NoError(t, c.LoadVerifyData(readTD(t, "ca2.pem")))
	require.NoError(t, c.LoadVerifyData(readTD(t, "server-rsa.der")))
	assert.Equal(t, CertStoreStats{X509: 3, X509CA: 2}, c.CertStoreStats())
	cas := c.GetCACerts()
	require.Len(t, cas, 2)
	var cns []string
	for _, ca := range cas {
		for _, rdn := range ca.Subject {
			for _, a := range rdn {
				if a.Name == "commonName" {
					cns = append(cns, a.Value)
				}
			}
		}
	}
	assert.ElementsMatch(t, []string{"sslctx Test CA", "sslctx Other CA"}, cns)
	require.NoError(t, c.LoadVerifyData(readTD(t, "ca.der")), "a certificate already in the store is not an error")
}

func TestContext_CloseThenUse(t *testing.T) {
	c := clientCtx(t)
	require.NoError(t, c.Close())
	require.NoError(t, c.Close(), "Close is idempotent")
	assert.ErrorIs(t, c.SetCiphers("ALL"), ErrClosed)
	assert.ErrorIs(t, c.LoadVerifyLocations(td("ca.pem"), ""), ErrClosed)
	assert.Nil(t, c.GetCiphers())
	assert.Equal(t, Options(0), c.Options())
	assert.Equal(t, CertRequired, c.VerifyMode())
}

func TestContext_NULBytesAreInvalidArguments(t *testing.T) {
	c := clientCtx(t)
	for name, err := range map[string]error{
		"LoadCertChain certfile": c.LoadCertChain("a\x00b", ""),
		"LoadCertChain keyfile":  c.LoadCertChain(td("server-rsa.pem"), "a\x00b"),
		"LoadVerifyLocations":    c.LoadVerifyLocations("", "a\x00b"),
		"SetCiphers":             c.SetCiphers("ALL\x00:eNULL"),
		"SetCipherSuites":        c.SetCipherSuites("TLS_AES_128_GCM_SHA256\x00"),
	} {
		assert.ErrorIs(t, err, ErrInvalidArgument, name)
	}
	_, err := DecodeCertFile("a\x00b")
	assert.ErrorIs(t, err, ErrInvalidArgument)
}

func TestSetCipherSuites(t *testing.T) {
	c := clientCtx(t)
	require.NoError(t, c.SetCipherSuites("TLS_CHACHA20_POLY1305_SHA256"))
	assert.Equal(t, "TLS_CHACHA20_POLY1305_SHA256", c.GetCiphers()[0].Name)
	assert.NotEqual(t, "TLS_AES_256_GCM_SHA384", c.GetCiphers()[1].Name)
	err := c.SetCipherSuites("NOT_A_SUITE")
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "SSL", e.Library)
	assert.Equal(t, "NO_CIPHER_MATCH", e.Reason)
}

// A Context is used from many goroutines at once: setters race wraps and
// reads. The race detector and OpenSSL's own state both have to stay sound.
func TestContext_ConcurrentUse(t *testing.T) {
	c := serverCtx(t)
	require.NoError(t, c.LoadCertChain(td("server-rsa.pem"), td("server-rsa.key")))
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				switch (g + i) % 6 {
				case 0:
					assert.NoError(t, c.SetCiphers("HIGH:!aNULL"))
				case 1:
					assert.NotEmpty(t, c.GetCiphers())
				case 2:
					assert.NoError(t, c.SetOptions(c.Options()|OpNoTicket))
				case 3:
					assert.NoError(t, c.SetVerifyMode(CertOptional))
					_ = c.VerifyMode()
				case 4:
					assert.NoError(t, c.LoadVerifyLocations(td("ca.pem"), ""))
					_ = c.CertStoreStats()
					_ = c.GetCACerts()
				case 5:
					assert.NoError(t, c.SetALPNProtocols([]string{"h2", "http/1.1"}))
					_ = c.SessionStats()
				}
			}
		}(g)
	}
	wg.Wait()
}
