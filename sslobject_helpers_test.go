package ssl

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/golden"
	"github.com/sslctx/ssl/openssl"
)

// objPair is a client and a server SSLObject, each over its own pair of
// MemoryBIOs, in one goroutine; carry moves the bytes.
type objPair struct {
	client, server *objSide
}

type objSide struct {
	obj     *SSLObject
	in, out *MemoryBIO
	wire    []byte // taken from out, not yet carried
}

func newObjPair(t testing.TB, cctx, sctx *Context, copts ...WrapOption) *objPair {
	t.Helper()
	if len(copts) == 0 {
		copts = []WrapOption{ServerHostname("localhost")}
	}
	p := &objPair{client: &objSide{in: NewMemoryBIO(), out: NewMemoryBIO()},
		server: &objSide{in: NewMemoryBIO(), out: NewMemoryBIO()}}
	var err error
	p.client.obj, err = cctx.WrapBIO(p.client.in, p.client.out, copts...)
	require.NoError(t, err)
	p.server.obj, err = sctx.WrapBIO(p.server.in, p.server.out, ServerSide(true))
	require.NoError(t, err)
	return p
}

func (p *objPair) side(name string) *objSide {
	if name == "client" {
		return p.client
	}
	return p.server
}

func (p *objPair) peer(name string) *objSide {
	if name == "client" {
		return p.server
	}
	return p.client
}

// take moves what the end wrote out of its outgoing BIO onto its wire and
// returns it.
func (s *objSide) take() []byte {
	b := s.out.Read(-1)
	s.wire = append(s.wire, b...)
	return b
}

// carry delivers each end's wire to the other.
func (p *objPair) carry() {
	for _, s := range []*objSide{p.client, p.server} {
		s.take()
	}
	p.server.in.Write(p.client.wire)
	p.client.in.Write(p.server.wire)
	p.client.wire, p.server.wire = nil, nil
}

// handshake pumps both handshakes to the end, failing the test if either
// fails or they stall.
func (p *objPair) handshake(t testing.TB) {
	t.Helper()
	done := [2]bool{}
	for round := 0; round < 20 && !(done[0] && done[1]); round++ {
		for i, s := range []*objSide{p.client, p.server} {
			if done[i] {
				continue
			}
			err := s.obj.DoHandshake()
			if err == nil {
				done[i] = true
				continue
			}
			require.ErrorIs(t, err, ErrWantRead)
		}
		p.carry()
	}
	require.True(t, done[0] && done[1], "handshake stalled")
}

// readPyObj is Python's SSLObject.read(n): b"" at a clean end.
func readPyObj(o *SSLObject, n int) ([]byte, error) {
	buf := make([]byte, n)
	k, err := o.Read(buf)
	if err == io.EOF {
		return []byte{}, nil
	}
	return buf[:k], err
}

// recordAlertNames are record_sockets.py's ALERTS.
var recordAlertNames = map[byte]string{
	0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac",
	22: "record_overflow", 40: "handshake_failure", 42: "bad_certificate",
	43: "unsupported_certificate", 44: "certificate_revoked", 45: "certificate_expired",
	46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
	50: "decode_error", 51: "decrypt_error", 70: "protocol_version",
	71: "insufficient_security", 80: "internal_error", 86: "inappropriate_fallback",
	90: "user_canceled", 109: "missing_extension", 110: "unsupported_extension",
	112: "unrecognized_name", 116: "certificate_required", 120: "no_application_protocol",
}

// tlsRecords is record_sockets.py's records(): the records in data as
// JSON values, a plaintext alert by name, any other record by type and
// length, and what is no whole record as hex.
func tlsRecords(data []byte) []any {
	out := []any{}
	for len(data) > 0 {
		length := 0
		if len(data) >= 5 {
			length = int(data[3])<<8 | int(data[4])
		}
		if len(data) < 5+length || data[0] < 20 || data[0] > 23 || data[1] != 3 {
			out = append(out, map[string]any{"hex": hexString(data)})
			break
		}
		kind, body := data[0], data[5:5+length]
		data = data[5+length:]
		if kind == 21 && length == 2 {
			var name any = float64(body[1])
			if n, ok := recordAlertNames[body[1]]; ok {
				name = n
			}
			out = append(out, map[string]any{"alert": name, "level": float64(body[0])})
		} else {
			out = append(out, map[string]any{"type": float64(kind), "length": float64(length)})
		}
	}
	return out
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	s := make([]byte, 2*len(b))
	for i, c := range b {
		s[2*i], s[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(s)
}

// sentLikePython compares records an end wrote with Python's. Handshake
// flights are compared by record type only: the ClientHello's extensions
// (and so the lengths of what answers it) follow each side's own
// defaults; alerts and application records must match exactly.
func sentLikePython(t *testing.T, what string, want, got []any) {
	t.Helper()
	if !hasHandshakeRecord(want) && !hasHandshakeRecord(got) {
		assert.Equal(t, want, got, "%s: records sent", what)
		return
	}
	kinds := func(recs []any) []any {
		var out []any
		for _, r := range recs {
			m := r.(map[string]any)
			if a, ok := m["alert"]; ok {
				out = append(out, a)
			} else {
				out = append(out, m["type"])
			}
		}
		return out
	}
	assert.Equal(t, kinds(want), kinds(got), "%s: kinds of records sent", what)
}

func hasHandshakeRecord(recs []any) bool {
	for _, r := range recs {
		if m, ok := r.(map[string]any); ok && m["type"] == float64(22) {
			return true
		}
	}
	return false
}

// sslObjectServerName is the SNI name a server SSLObject received.
func sslObjectServerName(o *SSLObject) string {
	var name string
	o.ssl(func(ssl *openssl.SSL) { name = ssl.ServerName() })
	return name
}

// pyValue is a Go answer as Python's would be recorded: "" and false-y
// "nothing"s as JSON null where Python answers None, numbers as float64.
func pyValue(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return jsonValue(t, b)
}

// exceptionOf decodes a recorded Python exception.
func exceptionOf(t *testing.T, v any) golden.Exception {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var e golden.Exception
	require.NoError(t, json.Unmarshal(b, &e))
	return e
}

// isWouldBlock reports Python's SSLWantReadError and SSLWantWriteError:
// states, not failures.
func isWouldBlock(err error) bool {
	return errors.Is(err, ErrWantRead) || errors.Is(err, ErrWantWrite)
}

// goldenPython is the CPython that recorded this series' golden files
// (meta.json), such as "3.9.2".
func goldenPython(t *testing.T) string {
	t.Helper()
	var meta struct {
		Python string `json:"python"`
	}
	require.NoError(t, golden.Load("meta.json", &meta))
	return meta.Python
}

// pythonBefore reports whether version (such as "3.9.2 (default, ...)")
// is a CPython 3 older than 3.minor.
func pythonBefore(version string, minor int) bool {
	var major, m int
	if _, err := fmt.Sscanf(version, "%d.%d", &major, &m); err != nil {
		return false
	}
	return major == 3 && m < minor
}

// as313 is a recorded SSLObject exception as CPython 3.13 raises it, the
// policy CPython (SPEC rule 3). Before 3.13 an SSLObject, having no socket
// to ask, reports SSL_ERROR_SYSCALL with an empty error queue as
// SSLSyscallError "Some I/O error occurred"; 3.13 reports it as every
// SSLSocket does, SSLEOFError. (3.9.18, 3.10, 3.11 and 3.12.1 do the
// former on this machine's OpenSSL, 3.13.0 the latter; python-changes.json
// lists the same steps for sslobject.json on 3.0.) Bullseye has only 3.9,
// and there OpenSSL 1.1.1 reports every EOF so, which python-changes.json,
// computed on 3.0, cannot name.
func as313(e golden.Exception, python string) golden.Exception {
	if pythonBefore(python, 13) && e.Class == "SSLSyscallError" && e.Library == nil &&
		e.Message == "Some I/O error occurred" {
		eof := int(ErrorEOF)
		e.Class, e.Errno = "SSLEOFError", &eof
		e.Message, e.Str = msgEOF, msgEOF
	}
	return e
}

// sharedCiphersComparable reports whether a recording's shared_ciphers
// answers are CPython's fixed ones: before 3.12 (gh-96931) they were the
// client's list, not the ciphers both sides share.
func sharedCiphersComparable(python string) bool { return !pythonBefore(python, 12) }
