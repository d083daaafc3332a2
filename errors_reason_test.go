package ssl

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A reason OpenSSL has no text for (a fatal alert numbered 200, reason
// 1200) reads as Python words it: "[SSL] unknown error", no reason name.
func TestError_ReasonWithoutTextLikePython(t *testing.T) {
	want := loadEdge(t).UnknownAlert
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	served := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 65536)
		if _, err := c.Read(buf); err != nil {
			served <- err
			return
		}
		_, err = c.Write([]byte{0x15, 3, 3, 0, 2, 2, 200})
		served <- err
	}()
	ctx, err := NewContext(ProtocolTLSClient)
	require.NoError(t, err)
	defer ctx.Close()
	require.NoError(t, ctx.SetCheckHostname(false))
	require.NoError(t, ctx.SetVerifyMode(CertNone))
	raw, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	require.NoError(t, raw.SetDeadline(time.Now().Add(10*time.Second)))
	s, err := ctx.WrapSocket(raw, DoHandshakeOnConnect(false))
	require.NoError(t, err)
	defer s.Close()
	err = s.DoHandshake()
	require.NoError(t, <-served)
	assertLikePython(t, want, err, true)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "unknown error", e.Message)
	assert.Equal(t, want.Str, e.Error())
}
