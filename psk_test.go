package ssl

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/golden"
	"github.com/sslctx/ssl/internal/testpeer"
)

// pyOutcome is how one end's handshake ended in psk.json: a version and a
// cipher, or an exception.
type pyOutcome struct {
	Version string  `json:"version,omitempty"`
	Cipher  string  `json:"cipher,omitempty"`
	Class   string  `json:"class,omitempty"`
	Library *string `json:"library,omitempty"`
	Reason  *string `json:"reason,omitempty"`
	Message string  `json:"message,omitempty"`
	OK      bool    `json:"ok,omitempty"`
}

// pyPSKScenario is one scenario of psk.json.
type pyPSKScenario struct {
	ClientSaw []*string  `json:"client_saw"`
	ServerSaw []*string  `json:"server_saw"`
	Client    *pyOutcome `json:"client"`
	Server    *pyOutcome `json:"server"`
}

var pskKey = []byte{0xde, 0xad, 0xbe, 0xef}

// pskStandIn says the answers are another series': no CPython with PSK
// callbacks (3.13 and later) links OpenSSL 1.1.1, where those recorded on
// 3.0 stand in. Only what does not come from OpenSSL's own tables is
// compared then: not the message texts, which 1.1.1 words otherwise (it
// has none for the unknown_psk_identity alert).
var pskStandIn = golden.Series() == "1.1.1"

// loadPSKGolden reads what CPython 3.13 answered (record_psk.py).
func loadPSKGolden(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	var answers map[string]json.RawMessage
	if pskStandIn {
		b, err := os.ReadFile(golden.Path("golden/3.0/psk.json"))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &answers))
		return answers
	}
	require.NoError(t, golden.Load("psk.json", &answers))
	return answers
}

// pskScenario mirrors record_psk.py's scenario: our client against our
// server, over TCP, neither with a certificate.
func pskScenario(t *testing.T, version TLSVersion, ciphers string,
	clientCB func(string) (string, []byte, error), serverCB func(string) ([]byte, error), hint string) pyPSKScenario {
	t.Helper()
	cctx, err := NewContext(ProtocolTLSClient)
	require.NoError(t, err)
	require.NoError(t, cctx.SetCheckHostname(false))
	require.NoError(t, cctx.SetVerifyMode(CertNone))
	sctx, err := NewContext(ProtocolTLSServer)
	require.NoError(t, err)
	for _, c := range []*Context{cctx, sctx} {
		require.NoError(t, c.SetMinimumVersion(version))
		require.NoError(t, c.SetMaximumVersion(version))
		if ciphers != "" {
			require.NoError(t, c.SetCiphers(ciphers))
		}
	}
	var mu sync.Mutex
	out := pyPSKScenario{ClientSaw: []*string{}, ServerSaw: []*string{}}
	// Python's None is Go's "".
	none := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	require.NoError(t, cctx.SetPSKClientCallback(func(h string) (string, []byte, error) {
		mu.Lock()
		out.ClientSaw = append(out.ClientSaw, none(h))
		mu.Unlock()
		return clientCB(h)
	}))
	require.NoError(t, sctx.SetPSKServerCallback(func(id string) ([]byte, error) {
		mu.Lock()
		out.ServerSaw = append(out.ServerSaw, none(id))
		mu.Unlock()
		return serverCB(id)
	}, hint))
	c, s := handshakePair(t, cctx, sctx, nil, nil)
	out.Client, out.Server = outcome(t, c), outcome(t, s)
	return out
}

func outcome(t *testing.T, e endResult) *pyOutcome {
	t.Helper()
	if e.err == nil {
		ci, ok := e.sock.Cipher()
		require.True(t, ok)
		return &pyOutcome{Version: e.sock.Version(), Cipher: ci.Name}
	}
	var se *Error
	require.ErrorAs(t, e.err, &se)
	lib, reason := se.Library, se.Reason
	return &pyOutcome{Class: "SSLError", Library: &lib, Reason: &reason, Message: se.Message}
}

// pyReasonPrefix is the "[LIB: REASON] " CPython's message starts with.
var pyReasonPrefix = regexp.MustCompile(`^\[[^]]*\] `)

// sameOutcome compares ours with CPython's: the version and cipher, or the
// library, OpenSSL's reason text and, where CPython's table names it, the
// reason. (CPython's table for 3.0 lacks some reasons 3.0's headers
// define, such as TLSV1_ALERT_UNKNOWN_PSK_IDENTITY, which ours has.)
func sameOutcome(t *testing.T, what string, want, got *pyOutcome) {
	t.Helper()
	require.NotNil(t, want, what)
	if want.Class == "" {
		assert.Equal(t, want, got, what)
		return
	}
	require.Equal(t, "SSLError", want.Class, what)
	require.Equal(t, "SSLError", got.Class, "%s: ours succeeded", what)
	assert.Equal(t, want.Library, got.Library, what)
	if want.Reason != nil {
		assert.Equal(t, *want.Reason, *got.Reason, what)
	}
	if !pskStandIn {
		assert.Equal(t, pyReasonPrefix.ReplaceAllString(want.Message, ""), got.Message, what)
	}
}

// The PSK callbacks behave as CPython 3.13's in the same scenarios on the
// same OpenSSL: what each callback is given (the hint, None under TLS 1.3
// and when the server sets none; the identity, None when the client gives
// none), and how each end's handshake ends, for TLS 1.2 PSK suites and
// TLS 1.3 external PSKs, with keys that match or not, callbacks that fail
// and results too long.
func TestPSK_AsCPython(t *testing.T) {
	answers := loadPSKGolden(t)
	ok := func(string) ([]byte, error) { return pskKey, nil }
	fail := errors.New("no key")
	long := strings.Repeat("x", 300)
	for name, tc := range map[string]struct {
		version TLSVersion
		ciphers string
		client  func(string) (string, []byte, error)
		server  func(string) ([]byte, error)
		hint    string
	}{
		"tls12 hint":                   {TLSv1_2, "PSK", func(string) (string, []byte, error) { return "client-identity", pskKey, nil }, ok, "identity-hint"},
		"tls12 no hint":                {TLSv1_2, "PSK", func(string) (string, []byte, error) { return "client-identity", pskKey, nil }, ok, ""},
		"tls12 no identity":            {TLSv1_2, "PSK", func(string) (string, []byte, error) { return "", pskKey, nil }, ok, ""},
		"tls12 utf8":                   {TLSv1_2, "PSK", func(string) (string, []byte, error) { return "客户身份", pskKey, nil }, ok, "身份暗示"},
		"tls12 wrong key":              {TLSv1_2, "PSK", func(string) (string, []byte, error) { return "client-identity", []byte{0xca, 0xfe, 0xba, 0xbe}, nil }, ok, ""},
		"tls12 unknown identity":       {TLSv1_2, "PSK", func(string) (string, []byte, error) { return "client-identity", pskKey, nil }, func(string) ([]byte, error) { return []byte{}, nil }, ""},
		"tls12 client callback raises": {TLSv1_2, "PSK", func(string) (string, []byte, error) { return "", nil, fail }, ok, ""},
		"tls12 server callback raises": {TLSv1_2, "PSK", func(string) (string, []byte, error) { return "client-identity", pskKey, nil }, func(string) ([]byte, error) { return nil, fail }, ""},
		"tls12 identity too long":      {TLSv1_2, "PSK", func(string) (string, []byte, error) { return long, pskKey, nil }, ok, ""},
		"tls12 key too long":           {TLSv1_2, "PSK", func(string) (string, []byte, error) { return "client-identity", make([]byte, 600), nil }, ok, ""},
		"tls13":                        {TLSv1_3, "", func(string) (string, []byte, error) { return "client-identity", pskKey, nil }, ok, "identity-hint"},
		"tls13 wrong key":              {TLSv1_3, "", func(string) (string, []byte, error) { return "client-identity", []byte{0xca, 0xfe, 0xba, 0xbe}, nil }, ok, ""},
		"tls13 unknown identity":       {TLSv1_3, "", func(string) (string, []byte, error) { return "client-identity", pskKey, nil }, func(string) ([]byte, error) { return []byte{}, nil }, ""},
		"tls13 client without key":     {TLSv1_3, "", func(string) (string, []byte, error) { return "client-identity", []byte{}, nil }, ok, ""},
	} {
		t.Run(name, func(t *testing.T) {
			raw, ok := answers[name]
			require.True(t, ok, "psk.json has no %q", name)
			var want pyPSKScenario
			require.NoError(t, json.Unmarshal(raw, &want))
			got := pskScenario(t, tc.version, tc.ciphers, tc.client, tc.server, tc.hint)
			assert.Equal(t, want.ClientSaw, got.ClientSaw, "what the client callback was given")
			assert.Equal(t, want.ServerSaw, got.ServerSaw, "what the server callback was given")
			sameOutcome(t, "client", want.Client, got.Client)
			sameOutcome(t, "server", want.Server, got.Server)
		})
	}
}

// The setters refuse what CPython 3.13 refuses, with its words.
func TestPSK_SettersAsCPython(t *testing.T) {
	answers := loadPSKGolden(t)
	want := func(name string) pyOutcome {
		var o pyOutcome
		require.NoError(t, json.Unmarshal(answers[name], &o), name)
		return o
	}
	server, err := NewContext(ProtocolTLSServer)
	require.NoError(t, err)
	client, err := NewContext(ProtocolTLSClient)
	require.NoError(t, err)
	cb := func(string) (string, []byte, error) { return "", pskKey, nil }
	scb := func(string) ([]byte, error) { return pskKey, nil }

	err = server.SetPSKClientCallback(cb)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, want("set client callback on a server context").Message, e.Message)
	err = client.SetPSKServerCallback(scb, "")
	require.ErrorAs(t, err, &e)
	assert.Equal(t, want("set server callback on a client context").Message, e.Message)

	err = server.SetPSKServerCallback(scb, strings.Repeat("h", 300))
	require.Equal(t, "ValueError", want("hint too long").Class)
	assert.ErrorIs(t, err, ErrInvalidArgument)
	assert.Contains(t, err.Error(), want("hint too long").Message)
	require.True(t, want("hint of 128 bytes").OK)
	assert.NoError(t, server.SetPSKServerCallback(scb, strings.Repeat("h", 128)))
	assert.ErrorIs(t, server.SetPSKServerCallback(scb, "a\x00b"), ErrInvalidArgument)
	assert.NoError(t, server.SetPSKServerCallback(nil, "ignored without a callback"))
	assert.NoError(t, client.SetPSKClientCallback(nil))
}

// pskContexts are a client and a server for PSK alone: no certificates,
// one protocol version, and for TLS 1.2 the PSK suites.
func pskContexts(t *testing.T, v TLSVersion) (client, server *Context) {
	t.Helper()
	client, err := NewContext(ProtocolTLSClient)
	require.NoError(t, err)
	require.NoError(t, client.SetCheckHostname(false))
	require.NoError(t, client.SetVerifyMode(CertNone))
	server, err = NewContext(ProtocolTLSServer)
	require.NoError(t, err)
	for _, c := range []*Context{client, server} {
		require.NoError(t, c.SetMinimumVersion(v))
		require.NoError(t, c.SetMaximumVersion(v))
		if v == TLSv1_2 {
			require.NoError(t, c.SetCiphers("PSK"))
		}
	}
	return client, server
}

var pskVersions = []struct {
	name    string
	v       TLSVersion
	flag    string
	wantHnt string // what our client callback is given with s_server's -psk_hint
}{
	{"TLSv1.2", TLSv1_2, "-tls1_2", "identity-hint"},
	{"TLSv1.3", TLSv1_3, "-tls1_3", ""}, // TLS 1.3 sends no hint
}

// Our client against openssl s_server -psk: the hint arrives under
// TLS 1.2, s_server finds our identity, and data flows; a wrong key fails.
func TestPSK_OpenSSLServer(t *testing.T) {
	for _, v := range pskVersions {
		for _, key := range []string{"deadbeef", "cafebabe"} {
			t.Run(v.name+"/"+key, func(t *testing.T) {
				args := []string{"-nocert", "-psk", "deadbeef", "-psk_identity", "client-identity",
					"-psk_hint", "identity-hint", v.flag}
				if v.v == TLSv1_2 {
					args = append(args, "-cipher", "PSK")
				}
				srv := testpeer.StartServer(t, args...)
				cctx, _ := pskContexts(t, v.v)
				var hints []string
				require.NoError(t, cctx.SetPSKClientCallback(func(hint string) (string, []byte, error) {
					hints = append(hints, hint)
					k, err := hex.DecodeString(key)
					return "client-identity", k, err
				}))
				conn, err := net.DialTimeout("tcp", srv.Addr, 10*time.Second)
				require.NoError(t, err)
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				s, err := cctx.WrapSocket(conn)
				assert.Equal(t, []string{v.wantHnt}, hints)
				if key != "deadbeef" {
					if err == nil {
						// TLS 1.3: the server's verdict follows the
						// client's handshake.
						_, err = s.Read(make([]byte, 1))
						s.Close()
					}
					require.Error(t, err)
					return
				}
				require.NoError(t, err)
				defer s.Close()
				assert.Equal(t, v.name, s.Version())
				if v.v == TLSv1_2 {
					// s_server prints the session, which holds the PSK
					// identity it received. (Under TLS 1.3 it finds the
					// key by the identity: the handshake shows it.)
					m, ok := srv.WaitFor(regexp.MustCompile(`(?s)-----BEGIN SSL SESSION PARAMETERS-----\n(.*?)-----END`), 10*time.Second)
					require.True(t, ok, srv.Output())
					der, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(m[1], "\n", ""))
					require.NoError(t, err)
					assert.Contains(t, string(der), "client-identity")
					assert.NotContains(t, srv.Output(), "PSK warning")
				}
				_, err = s.Write([]byte("over a pre-shared key\n"))
				require.NoError(t, err)
				_, ok := srv.WaitFor(regexp.MustCompile(`over a pre-shared key`), 10*time.Second)
				assert.True(t, ok, srv.Output())
			})
		}
	}
}

// openssl s_client -psk against our server: our callback is given
// s_client's identity, and with the right key the connection works; with
// another it fails.
func TestPSK_OpenSSLClient(t *testing.T) {
	for _, v := range pskVersions {
		for _, key := range []string{"deadbeef", "cafebabe"} {
			t.Run(v.name+"/"+key, func(t *testing.T) {
				_, sctx := pskContexts(t, v.v)
				var mu sync.Mutex
				var identities []string
				require.NoError(t, sctx.SetPSKServerCallback(func(id string) ([]byte, error) {
					mu.Lock()
					identities = append(identities, id)
					mu.Unlock()
					return pskKey, nil
				}, "identity-hint"))
				l, addr := listenOne(t)
				args := []string{"-psk", key, "-psk_identity", "s_client-identity", v.flag}
				if v.v == TLSv1_2 {
					args = append(args, "-cipher", "PSK")
				}
				p := testpeer.StartClient(t, addr, args...)
				conn := acceptOne(t, l)
				s, err := sctx.WrapSocket(conn, ServerSide(true))
				mu.Lock()
				assert.Equal(t, []string{"s_client-identity"}, identities)
				mu.Unlock()
				if key != "deadbeef" {
					require.Error(t, err)
					var e *Error
					require.ErrorAs(t, err, &e)
					return
				}
				require.NoError(t, err)
				defer s.Close()
				assert.Equal(t, v.name, s.Version())
				require.NoError(t, p.Send("hello from s_client\n"))
				assert.Equal(t, "hello from s_client\n", string(readN(t, s, 20)))
			})
		}
	}
}

// A callback's error, or panic, fails that handshake only, and the
// handshake's error wraps it; the callbacks may use their Context, even
// change it, without deadlock: its lock is let go while they run.
func TestPSK_CallbackErrorsPanicsAndLocks(t *testing.T) {
	noGoroutineLeak(t)
	failIfStuck(t, 30*time.Second)
	sentinel := errors.New("no key for you")
	// The callbacks of the side that neither fails nor panics.
	goodClient := func(*Context) func(string) (string, []byte, error) {
		return func(string) (string, []byte, error) { return "id", pskKey, nil }
	}
	goodServer := func(*Context) func(string) ([]byte, error) {
		return func(string) ([]byte, error) { return pskKey, nil }
	}
	for _, tc := range []struct {
		name     string
		client   func(c *Context) func(string) (string, []byte, error)
		server   func(c *Context) func(string) ([]byte, error)
		clientIs error  // the client's handshake error wraps it
		serverIs error  // the server's
		panicMsg string // in the side that panicked
	}{
		{
			name: "client error",
			client: func(*Context) func(string) (string, []byte, error) {
				return func(string) (string, []byte, error) { return "", nil, sentinel }
			},
			server:   goodServer,
			clientIs: sentinel,
		},
		{
			name:   "server error",
			client: goodClient,
			server: func(*Context) func(string) ([]byte, error) {
				return func(string) ([]byte, error) { return nil, sentinel }
			},
			serverIs: sentinel,
		},
		{
			name: "client panic",
			client: func(*Context) func(string) (string, []byte, error) {
				return func(string) (string, []byte, error) { panic("client boom") }
			},
			server:   goodServer,
			panicMsg: "PSK client callback panicked: client boom",
		},
		{
			name:   "server panic",
			client: goodClient,
			server: func(*Context) func(string) ([]byte, error) {
				return func(string) ([]byte, error) { panic("server boom") }
			},
			panicMsg: "PSK server callback panicked: server boom",
		},
		{
			name: "callbacks change their Context",
			client: func(c *Context) func(string) (string, []byte, error) {
				return func(string) (string, []byte, error) {
					c.Options()
					return "id", pskKey, c.SetCiphers("PSK")
				}
			},
			server: func(c *Context) func(string) ([]byte, error) {
				return func(string) ([]byte, error) {
					c.SessionStats()
					return pskKey, c.SetCiphers("PSK")
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cctx, sctx := pskContexts(t, TLSv1_2)
			require.NoError(t, cctx.SetPSKClientCallback(tc.client(cctx)))
			require.NoError(t, sctx.SetPSKServerCallback(tc.server(sctx), ""))
			c, s := handshakePair(t, cctx, sctx, nil, nil)
			if tc.clientIs == nil && tc.serverIs == nil && tc.panicMsg == "" {
				require.NoError(t, c.err)
				require.NoError(t, s.err)
				return
			}
			require.Error(t, c.err)
			require.Error(t, s.err)
			if tc.clientIs != nil {
				assert.ErrorIs(t, c.err, tc.clientIs)
			}
			if tc.serverIs != nil {
				assert.ErrorIs(t, s.err, tc.serverIs)
			}
			if tc.panicMsg != "" {
				assert.Contains(t, c.err.Error()+" | "+s.err.Error(), tc.panicMsg)
			}
		})
	}
	// And the next handshake works.
	cctx, sctx := pskContexts(t, TLSv1_2)
	require.NoError(t, cctx.SetPSKClientCallback(goodClient(cctx)))
	require.NoError(t, sctx.SetPSKServerCallback(goodServer(sctx), ""))
	c, s := handshakePair(t, cctx, sctx, nil, nil)
	require.NoError(t, c.err)
	require.NoError(t, s.err)
}
