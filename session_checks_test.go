package ssl

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/golden"
)

// checkCases are CPython's answers recorded by testdata/golden/record_checks.py.
func checkCases(t *testing.T) map[string]golden.Exception {
	t.Helper()
	var want map[string]golden.Exception
	require.NoError(t, golden.Load("checks.json", &want))
	return want
}

// assertPythonRefusal checks that err is ErrInvalidArgument carrying the
// message CPython gave for case id (a ValueError or OverflowError there).
func assertPythonRefusal(t *testing.T, want map[string]golden.Exception, id string, err error) {
	t.Helper()
	w, ok := want[id]
	require.True(t, ok, "no golden case %s", id)
	require.False(t, w.OK, "CPython accepted %s", id)
	require.ErrorIs(t, err, ErrInvalidArgument, id)
	assert.Equal(t, "ssl: "+w.Message, err.Error(), id)
}

// A session is offered only by a client, and only to the Context it came
// from: CPython refuses the others with "session can only be specified in
// client mode" (wrap_socket; wrap_bio and the session setter say "Cannot set
// session for server-side SSLSocket.") and "Session refers to a different
// SSLContext.".
func TestSessionChecks(t *testing.T) {
	want := checkCases(t)
	// A ProtocolTLS context makes clients and servers, so that only the
	// session decides what is refused.
	owner, err := NewContext(ProtocolTLS)
	require.NoError(t, err)
	require.NoError(t, owner.LoadCertChain(td("server-rsa.pem"), td("server-rsa.key")))
	require.NoError(t, owner.SetMaximumVersion(TLSv1_2))
	c, _ := connected(t, owner, testServerContext(t), ServerHostname("localhost"))
	sess := c.Session()
	require.NotNil(t, sess)

	other, err := NewContext(ProtocolTLS)
	require.NoError(t, err)

	for _, tc := range []struct {
		id   string
		ctx  *Context
		opts []WrapOption
	}{
		{"session_server_side_wrap_socket", owner, []WrapOption{ServerSide(true)}},
		{"session_other_context", other, nil},
	} {
		t.Run(tc.id, func(t *testing.T) {
			cn, sn := tcpPair(t)
			defer sn.Close()
			defer cn.Close()
			opts := append(tc.opts, ResumeSession(sess), DoHandshakeOnConnect(false))
			s, err := tc.ctx.WrapSocket(cn, opts...)
			if s != nil {
				s.Close()
			}
			assertPythonRefusal(t, want, tc.id, err)
		})
	}

	t.Run("session_same_context", func(t *testing.T) {
		require.True(t, want["session_same_context"].OK)
		cn, sn := tcpPair(t)
		defer sn.Close()
		s, err := owner.WrapSocket(cn, ResumeSession(sess), DoHandshakeOnConnect(false))
		require.NoError(t, err)
		s.Close()
	})
}
