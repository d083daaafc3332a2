package ssl

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/golden"
)

// objGolden is testdata/golden/<series>/sslobject.json, written by
// record_sslobject.py.
type objGolden struct {
	Python    string                    `json:"python"`
	MemoryBIO map[string]map[string]any `json:"memorybio"`
	Wrap      map[string]map[string]any `json:"wrap"`
	Scripts   map[string]objScript      `json:"scripts"`
}

type objScript struct {
	Setup struct {
		MaxVersion *string `json:"max_version"`
	} `json:"setup"`
	Steps map[string]map[string]any `json:"steps"`
}

func loadObjGolden(t *testing.T) objGolden {
	t.Helper()
	var g objGolden
	require.NoError(t, golden.Load("sslobject.json", &g))
	require.NotEmpty(t, g.Scripts)
	return g
}

// inOrder returns the steps in the order recorded.
func inOrder(steps map[string]map[string]any) []map[string]any {
	out := make([]map[string]any, 0, len(steps))
	for _, k := range slices.Sorted(maps.Keys(steps)) {
		out = append(out, steps[k])
	}
	return out
}

// latin1 turns a recorded byte string back into bytes.
func latin1(s string) []byte {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = append(b, byte(r))
	}
	return b
}

// fromLatin1 is how the recorder writes bytes.
func fromLatin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// assertStepResult compares one call's outcome with what python answered.
func assertStepResult(t *testing.T, python, what string, want map[string]any, got any, err error) {
	t.Helper()
	if want["ok"] == true {
		if !assert.NoError(t, err, "%s: Python answered %v", what, want["result"]) {
			return
		}
		if want["op"] == "shared_ciphers" && !sharedCiphersComparable(python) {
			return
		}
		assert.Empty(t, cmp.Diff(want["result"], pyValue(t, got)), "%s: result", what)
		return
	}
	exc := as313(exceptionOf(t, want["error"]), python)
	if !assert.Error(t, err, "%s: Python raised %s: %s", what, exc.Class, exc.Message) {
		return
	}
	t.Run(what, func(t *testing.T) { assertLikePython(t, exc, err, true) })
}

func TestMemoryBIO_MatchesPython(t *testing.T) {
	g := loadObjGolden(t)
	b := NewMemoryBIO()
	for i, st := range inOrder(g.MemoryBIO) {
		op := st["op"].(string)
		what := fmt.Sprintf("step %d %s(%v)", i, op, st["arg"])
		var got any
		var err error
		switch op {
		case "read":
			n := -1
			if a, ok := st["arg"].(float64); ok {
				n = int(a)
			}
			got = fromLatin1(b.Read(n))
		case "write":
			got, err = b.Write(latin1(st["arg"].(string)))
		case "write_eof":
			b.WriteEOF()
		case "eof":
			got = b.EOF()
		case "pending":
			got = b.Pending()
		default:
			t.Fatalf("%s: no Go counterpart", what)
		}
		assertStepResult(t, g.Python, what, st, got, err)
	}
}

// wrapBIOCases builds each case of record_sslobject.py's wrap_cases.
var wrapBIOCases = map[string]func(t *testing.T) error{
	"client": func(t *testing.T) error { return wrapBIO(cli(nil).context(t), ServerHostname("localhost")) },
	"server": func(t *testing.T) error { return wrapBIO(srv(nil).context(t), ServerSide(true)) },
	"server_with_hostname": func(t *testing.T) error {
		return wrapBIO(srv(nil).context(t), ServerSide(true), ServerHostname("localhost"))
	},
	"client_without_hostname": func(t *testing.T) error { return wrapBIO(cli(nil).context(t)) },
	"client_without_hostname_no_check": func(t *testing.T) error {
		off := false
		return wrapBIO(cli(func(e *endConfig) { e.checkHostname = &off }).context(t))
	},
	"client_on_server_context": func(t *testing.T) error {
		return wrapBIO(srv(nil).context(t), ServerHostname("localhost"))
	},
	"server_on_client_context": func(t *testing.T) error { return wrapBIO(cli(nil).context(t), ServerSide(true)) },
	"empty_hostname":           func(t *testing.T) error { return wrapBIO(cli(nil).context(t), ServerHostname("")) },
	"leading_dot_hostname": func(t *testing.T) error {
		return wrapBIO(cli(nil).context(t), ServerHostname(".example"))
	},
	"do_handshake_on_connect": func(t *testing.T) error {
		return wrapBIO(cli(nil).context(t), ServerHostname("localhost"), DoHandshakeOnConnect(false))
	},
	"suppress_ragged_eofs": func(t *testing.T) error {
		return wrapBIO(cli(nil).context(t), ServerHostname("localhost"), SuppressRaggedEOFs(false))
	},
	"session_on_server": func(t *testing.T) error {
		return wrapBIO(srv(nil).context(t), ServerSide(true), ResumeSession(otherSession(t)))
	},
	"session_of_other_context": func(t *testing.T) error {
		return wrapBIO(cli(nil).context(t), ServerHostname("localhost"), ResumeSession(otherSession(t)))
	},
}

// wrapBIODifferences are the cases where WrapBIO refuses what CPython's
// wrap_bio takes, making wrap_socket's checks (WrapBIO's doc says why).
var wrapBIODifferences = map[string]bool{"server_with_hostname": true, "client_without_hostname": true}

func wrapBIO(c *Context, opts ...WrapOption) error {
	_, err := c.WrapBIO(NewMemoryBIO(), NewMemoryBIO(), opts...)
	return err
}

// otherSession is record_sslobject.py's other_session: a TLS 1.2 client
// session from contexts of its own.
func otherSession(t *testing.T) *Session {
	p := newObjPair(t, cli(func(e *endConfig) { e.maxVersion = TLSv1_2 }).context(t), srv(nil).context(t))
	p.handshake(t)
	s := p.client.obj.Session()
	require.NotNil(t, s)
	return s
}

func TestWrapBIO_MatchesPython(t *testing.T) {
	g := loadObjGolden(t)
	for _, name := range slices.Sorted(maps.Keys(g.Wrap)) {
		want := g.Wrap[name]
		build, ok := wrapBIOCases[name]
		if !ok {
			t.Errorf("%s: recorded from Python but not tested", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			err := build(t)
			if wrapBIODifferences[name] {
				require.Equal(t, true, want["ok"], "Python's wrap_bio took it")
				assert.ErrorIs(t, err, ErrInvalidArgument, "as WrapSocket, and unlike wrap_bio, WrapBIO refuses it")
				return
			}
			if want["ok"] == true {
				assert.NoError(t, err)
				return
			}
			exc := exceptionOf(t, want)
			// Python's own words for a bad keyword or a bad idna label
			// are not ours; the kind is.
			sameText := exc.Class == "SSLError" || name == "empty_hostname"
			assertLikePython(t, exc, err, sameText)
		})
	}
}

// objCall runs one SSLObject operation of a recorded script and gives its
// result as Python's would be recorded (record_sslobject.result_of).
func objCall(t *testing.T, o *SSLObject, op string, arg any) (any, error) {
	t.Helper()
	orNil := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	switch op {
	case "version":
		return orNil(o.Version()), nil
	case "cipher":
		c, ok := o.Cipher()
		if !ok {
			return nil, nil
		}
		return []any{c.Name, c.Version, c.SecretBits}, nil
	case "shared_ciphers":
		cs := o.SharedCiphers()
		if cs == nil {
			return nil, nil
		}
		out := []any{}
		for _, c := range cs {
			out = append(out, []any{c.Name, c.Version, c.SecretBits})
		}
		return out, nil
	case "selected_alpn_protocol":
		return orNil(o.SelectedALPNProtocol()), nil
	case "pending":
		return o.Pending(), nil
	case "getpeercert":
		c, err := o.GetPeerCert()
		if err != nil || c == nil {
			return nil, err
		}
		return c, nil
	case "getpeercert_der":
		der, err := o.GetPeerCertDER()
		if err != nil || der == nil {
			return nil, err
		}
		return len(der) > 0, nil
	case "session":
		return o.Session() != nil, nil
	case "session_reused":
		return o.SessionReused(), nil
	case "server_side":
		return o.ServerSide(), nil
	case "server_hostname":
		return orNil(o.ServerHostname()), nil
	case "get_channel_binding":
		cb, err := o.GetChannelBinding(arg.(string))
		if err != nil || cb == nil {
			return nil, err
		}
		return len(cb), nil
	case "read":
		data, err := readPyObj(o, int(arg.(float64)))
		if err != nil {
			return nil, err
		}
		return fromLatin1(data), nil
	case "write":
		n, err := o.Write(latin1(arg.(string)))
		if err != nil {
			return nil, err
		}
		return n, nil
	case "do_handshake":
		return nil, o.DoHandshake()
	case "unwrap":
		return nil, o.Unwrap()
	}
	t.Fatalf("no Go counterpart for SSLObject.%s", op)
	return nil, nil
}

func TestSSLObject_MatchesPython_Scripts(t *testing.T) {
	g := loadObjGolden(t)
	for _, name := range slices.Sorted(maps.Keys(g.Scripts)) {
		sc := g.Scripts[name]
		t.Run(name, func(t *testing.T) {
			cctx := cli(nil).context(t)
			if v := sc.Setup.MaxVersion; v != nil {
				require.Equal(t, "TLSv1.2", *v)
				require.NoError(t, cctx.SetMaximumVersion(TLSv1_2))
			}
			p := newObjPair(t, cctx, srv(nil).context(t))
			for i, st := range inOrder(sc.Steps) {
				op := st["op"].(string)
				side, _ := st["side"].(string)
				switch op {
				case "handshake":
					p.handshake(t)
				case "carry":
					p.carry()
				case "write_eof":
					p.side(side).in.WriteEOF()
				case "inject_half_flight":
					peer := p.peer(side)
					flight := peer.wire
					peer.wire = nil
					p.side(side).in.Write(flight[:len(flight)/2])
				default:
					s := p.side(side)
					got, err := objCall(t, s.obj, op, st["arg"])
					what := fmt.Sprintf("step %d: %s %s(%v)", i, side, op, st["arg"])
					assertStepResult(t, g.Python, what, st, got, err)
					sentLikePython(t, what, st["sent"].([]any), tlsRecords(s.take()))
				}
			}
		})
	}
}

// TestSSLObject_WriteEOFMidHandshake is the brief's case on its own: the
// transport ends in the middle of the handshake, and the handshake fails
// with SSLEOFError as in CPython, on every later call too.
func TestSSLObject_WriteEOFMidHandshake(t *testing.T) {
	p := newObjPair(t, cli(nil).context(t), srv(nil).context(t))
	require.ErrorIs(t, p.client.obj.DoHandshake(), ErrWantRead)
	p.carry()
	require.ErrorIs(t, p.server.obj.DoHandshake(), ErrWantRead)
	p.server.take()
	p.client.in.Write(p.server.wire[:len(p.server.wire)/2])
	p.client.in.WriteEOF()
	for i := 0; i < 2; i++ {
		err := p.client.obj.DoHandshake()
		assert.ErrorIs(t, err, ErrEOF, "call %d", i)
		var e *Error
		require.True(t, errors.As(err, &e))
		assert.Equal(t, ErrorEOF, e.Code)
	}
	assert.Empty(t, p.client.obj.Version())
	_, err := p.client.obj.GetPeerCert()
	assert.ErrorIs(t, err, ErrInvalidArgument, "no handshake, no certificate")
}

// TestSSLObject_ChainsMatchPython checks the SSLObject's chains against
// chains.json, which CPython 3.13 recorded on SSLObjects.
func TestSSLObject_ChainsMatchPython(t *testing.T) {
	var want map[string]json.RawMessage
	require.NoError(t, golden.Load("chains.json", &want))
	var c struct {
		Client struct {
			Verified, Unverified []string
		}
	}
	require.NoError(t, json.Unmarshal(want["server_sends_chain"], &c))
	cctx := cli(nil).context(t)
	sctx := srv(func(e *endConfig) { e.certFile = "server-rsa-chain.pem" }).context(t)
	p := newObjPair(t, cctx, sctx)
	p.handshake(t)
	names := map[string]string{}
	for _, f := range []string{"ca.pem", "server-rsa.pem"} {
		pem, err := os.ReadFile(td(f))
		require.NoError(t, err)
		der, err := PEMCertToDERCert(string(pem))
		require.NoError(t, err)
		names[string(der)] = f
	}
	name := func(chain [][]byte) []string {
		out := []string{}
		for _, d := range chain {
			out = append(out, names[string(d)])
		}
		return out
	}
	v, err := p.client.obj.GetVerifiedChain()
	require.NoError(t, err)
	u, err := p.client.obj.GetUnverifiedChain()
	require.NoError(t, err)
	assert.Equal(t, c.Client.Verified, name(v))
	assert.Equal(t, c.Client.Unverified, name(u))
}
