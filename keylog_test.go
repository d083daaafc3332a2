package ssl

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/golden"
	"github.com/sslctx/ssl/internal/testpeer"
)

// keylogLines reads a key log file: its comment lines and its key lines.
func keylogLines(t *testing.T, path string) (comments, lines []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			comments = append(comments, sc.Text())
		} else if sc.Text() != "" {
			lines = append(lines, sc.Text())
		}
	}
	require.True(t, len(b) == 0 || b[len(b)-1] == '\n', "the file ends with a whole line")
	return comments, lines
}

// nssLine is one NSS key log line: a label, the client random and a secret.
var nssLine = regexp.MustCompile(`^([A-Z_0-9]+) ([0-9a-f]{64}) ([0-9a-f]{96}|[0-9a-f]{64})$`)

var tls13Labels = []string{"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
	"EXPORTER_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"}

// labelsOf returns the sorted labels of lines.
func labelsOf(t *testing.T, lines []string) []string {
	t.Helper()
	var labels []string
	for _, l := range lines {
		m := nssLine.FindStringSubmatch(l)
		require.NotNil(t, m, "not an NSS key log line: %q", l)
		labels = append(labels, m[1])
	}
	sort.Strings(labels)
	return labels
}

// The lines our server logs for a connection are those openssl s_client
// logs with -keylogfile for the same connection, and the lines our client
// logs those of openssl s_server: both ends of one handshake know the same
// secrets. Under TLS 1.2 that is one CLIENT_RANDOM line, under TLS 1.3
// the five secrets.
func TestKeylog_SameLinesAsOpenSSL(t *testing.T) {
	for _, v := range []struct {
		name, flag string
		labels     []string
	}{
		{"TLSv1.2", "-tls1_2", []string{"CLIENT_RANDOM"}},
		{"TLSv1.3", "-tls1_3", tls13Labels},
	} {
		t.Run(v.name+"/our server", func(t *testing.T) {
			dir := t.TempDir()
			ours, theirs := filepath.Join(dir, "ours"), filepath.Join(dir, "theirs")
			sctx := testServerContext(t)
			require.NoError(t, sctx.SetKeylogFilename(ours))
			l, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			wait := acceptEach(l, func(conn net.Conn) {
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				if s, err := sctx.WrapSocket(conn, ServerSide(true)); err == nil {
					s.Write([]byte("x"))
					s.Close()
				}
			})
			r := testpeer.RunClient(t, l.Addr().String(), "", v.flag, "-keylogfile", theirs)
			l.Close()
			wait()
			require.True(t, r.Connected, r.Output)
			_, want := keylogLines(t, theirs)
			_, got := keylogLines(t, ours)
			assert.Equal(t, v.labels, labelsOf(t, got))
			assert.ElementsMatch(t, want, got)
		})
		t.Run(v.name+"/our client", func(t *testing.T) {
			dir := t.TempDir()
			ours, theirs := filepath.Join(dir, "ours"), filepath.Join(dir, "theirs")
			srv := testpeer.StartServer(t, "-cert", golden.Path("server-rsa.pem"), "-key", golden.Path("server-rsa.key"),
				v.flag, "-keylogfile", theirs)
			cctx := testClientContext(t)
			require.NoError(t, cctx.SetKeylogFilename(ours))
			s, err := Dial(t.Context(), "tcp", srv.Addr, cctx)
			require.NoError(t, err)
			s.Close()
			_, got := keylogLines(t, ours)
			assert.Equal(t, v.labels, labelsOf(t, got))
			var want []string
			require.Eventually(t, func() bool {
				_, want = keylogLines(t, theirs)
				return len(want) >= len(v.labels)
			}, 10*time.Second, 20*time.Millisecond, "s_server's key log")
			assert.ElementsMatch(t, want, got)
		})
	}
}

// recordingConn keeps what is read from the peer: the ciphertext on the wire.
type recordingConn struct {
	net.Conn
	mu  sync.Mutex
	got bytes.Buffer
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.got.Write(p[:n])
	c.mu.Unlock()
	return n, err
}

// tls13Keys derives a TLS_AES_128_GCM_SHA256 record key and IV from a
// traffic secret (RFC 8446 section 7.3), with Go's crypto only.
func tls13Keys(t *testing.T, secret []byte) (cipher.AEAD, []byte) {
	t.Helper()
	expand := func(label string, n int) []byte {
		full := "tls13 " + label
		info := []byte{byte(n >> 8), byte(n), byte(len(full))}
		info = append(info, full...)
		info = append(info, 0) // empty context
		out, err := hkdf.Expand(sha256.New, secret, string(info), n)
		require.NoError(t, err)
		return out
	}
	block, err := aes.NewCipher(expand("key", 16))
	require.NoError(t, err)
	aead, err := cipher.NewGCM(block)
	require.NoError(t, err)
	return aead, expand("iv", 12)
}

// decryptRecord opens one TLS 1.3 record with sequence number seq and
// returns its inner content type and content.
func decryptRecord(aead cipher.AEAD, iv []byte, seq uint64, header, body []byte) (byte, []byte, error) {
	nonce := bytes.Clone(iv)
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], seq)
	for i := range s {
		nonce[len(nonce)-8+i] ^= s[i]
	}
	plain, err := aead.Open(nil, nonce, body, header)
	if err != nil {
		return 0, nil, err
	}
	plain = bytes.TrimRight(plain, "\x00")
	if len(plain) == 0 {
		return 0, nil, fmt.Errorf("empty record")
	}
	return plain[len(plain)-1], plain[:len(plain)-1], nil
}

// The secrets our server logs decrypt what it sent: the client records the
// ciphertext on the wire, and Go's own HKDF and AES-GCM, keyed from the
// logged SERVER_HANDSHAKE_TRAFFIC_SECRET and SERVER_TRAFFIC_SECRET_0, open
// the server's records and find the application data in them.
func TestKeylog_SecretsDecryptTheServersRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	sctx := testServerContext(t)
	require.NoError(t, sctx.SetCipherSuites("TLS_AES_128_GCM_SHA256"))
	require.NoError(t, sctx.SetKeylogFilename(path))
	cn, sn := tcpPair(t)
	rec := &recordingConn{Conn: cn}
	deadline := time.Now().Add(10 * time.Second)
	cn.SetDeadline(deadline)
	sn.SetDeadline(deadline)
	served := make(chan error, 1)
	go func() {
		s, err := sctx.WrapSocket(sn, ServerSide(true))
		if err == nil {
			_, err = s.Write([]byte("the secret message"))
		}
		served <- err
	}()
	c, err := testClientContext(t).WrapSocket(rec, ServerHostname("localhost"))
	require.NoError(t, err)
	assert.Equal(t, "the secret message", string(readN(t, c, 18)))
	require.NoError(t, <-served)

	_, lines := keylogLines(t, path)
	secrets := map[string][]byte{}
	for _, l := range lines {
		m := nssLine.FindStringSubmatch(l)
		require.NotNil(t, m, l)
		secrets[m[1]], err = hex.DecodeString(m[3])
		require.NoError(t, err)
	}
	hsKey, hsIV := tls13Keys(t, secrets["SERVER_HANDSHAKE_TRAFFIC_SECRET"])
	appKey, appIV := tls13Keys(t, secrets["SERVER_TRAFFIC_SECRET_0"])

	rec.mu.Lock()
	wire := bytes.Clone(rec.got.Bytes())
	rec.mu.Unlock()
	var hsSeq, appSeq uint64
	inApp := false
	var appData []byte
	for len(wire) >= 5 {
		header, n := wire[:5], int(binary.BigEndian.Uint16(wire[3:5]))
		require.GreaterOrEqual(t, len(wire), 5+n, "a whole record")
		body := wire[5 : 5+n]
		wire = wire[5+n:]
		if header[0] != 23 { // ServerHello, ChangeCipherSpec: not encrypted
			continue
		}
		if !inApp {
			if _, _, err := decryptRecord(hsKey, hsIV, hsSeq, header, body); err == nil {
				hsSeq++
				continue
			}
			inApp = true
		}
		typ, content, err := decryptRecord(appKey, appIV, appSeq, header, body)
		require.NoError(t, err, "record %d under SERVER_TRAFFIC_SECRET_0", appSeq)
		appSeq++
		if typ == 23 {
			appData = append(appData, content...)
		}
	}
	assert.NotZero(t, hsSeq, "records under the handshake secret")
	assert.Equal(t, "the secret message", string(appData))
}

// Many handshakes at once, both ends logging into the same file through
// two contexts: every line is whole, and each connection has its five
// TLS 1.3 lines twice, identical.
func TestKeylog_ConcurrentHandshakesWriteWholeLines(t *testing.T) {
	const n = 48
	path := filepath.Join(t.TempDir(), "keys")
	sctx, cctx := testServerContext(t), testClientContext(t)
	require.NoError(t, sctx.SetKeylogFilename(path))
	require.NoError(t, cctx.SetKeylogFilename(path))
	type pair struct{ c, s net.Conn }
	pairs := make([]pair, n)
	for i := range pairs {
		pairs[i].c, pairs[i].s = tcpPair(t)
		deadline := time.Now().Add(20 * time.Second)
		pairs[i].c.SetDeadline(deadline)
		pairs[i].s.SetDeadline(deadline)
	}
	errs := make(chan error, 2*n)
	var wg sync.WaitGroup
	for _, p := range pairs {
		wg.Add(2)
		go func() {
			defer wg.Done()
			s, err := cctx.WrapSocket(p.c, ServerHostname("localhost"))
			if err == nil {
				_, err = s.Read(make([]byte, 1))
				s.Close()
			}
			errs <- err
		}()
		go func() {
			defer wg.Done()
			s, err := sctx.WrapSocket(p.s, ServerSide(true))
			if err == nil {
				_, err = s.Write([]byte("x"))
				s.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	comments, lines := keylogLines(t, path)
	assert.Len(t, comments, 1, "one header, written when the file was new")
	byConn := map[string][]string{}
	for _, l := range lines {
		m := nssLine.FindStringSubmatch(l)
		require.NotNil(t, m, "a mangled line: %q", l)
		byConn[m[2]] = append(byConn[m[2]], l)
	}
	assert.Len(t, byConn, n)
	for random, ls := range byConn {
		sort.Strings(ls)
		require.Len(t, ls, 2*len(tls13Labels), random)
		for i := 0; i < len(ls); i += 2 {
			assert.Equal(t, ls[i], ls[i+1], "both ends log the same secret")
		}
	}
}

// SetKeylogFilename and KeylogFilename as Python's keylog_filename: a
// header only in a new (empty) file, "" stops logging, a file that cannot
// be opened is an OS error that leaves logging off, a NUL byte is refused.
func TestKeylog_Settings(t *testing.T) {
	dir := t.TempDir()
	c := testServerContext(t)
	assert.Equal(t, "", c.KeylogFilename())

	fresh := filepath.Join(dir, "fresh")
	require.NoError(t, c.SetKeylogFilename(fresh))
	assert.Equal(t, fresh, c.KeylogFilename())
	b, err := os.ReadFile(fresh)
	require.NoError(t, err)
	assert.Equal(t, "# TLS secrets log file, generated by OpenSSL / sslctx\n", string(b))

	used := filepath.Join(dir, "used")
	require.NoError(t, os.WriteFile(used, []byte("CLIENT_RANDOM 00 11\n"), 0o600))
	require.NoError(t, c.SetKeylogFilename(used))
	connected(t, testClientContext(t), c)
	comments, lines := keylogLines(t, used)
	assert.Empty(t, comments, "no header in a file that had lines")
	assert.Len(t, lines, 1+len(tls13Labels))

	require.NoError(t, c.SetKeylogFilename(""))
	assert.Equal(t, "", c.KeylogFilename())
	connected(t, testClientContext(t), c)
	_, after := keylogLines(t, used)
	assert.Equal(t, lines, after, "nothing logged once stopped")

	require.NoError(t, c.SetKeylogFilename(fresh))
	err = c.SetKeylogFilename(filepath.Join(dir, "missing", "keys"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
	var pe *fs.PathError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "open", pe.Op)
	assert.Equal(t, "", c.KeylogFilename(), "a failed open leaves logging off, as in Python")
	connected(t, testClientContext(t), c)
	_, freshLines := keylogLines(t, fresh)
	assert.Empty(t, freshLines, "the old file was closed before the failed open")

	require.NoError(t, c.SetKeylogFilename(fresh))
	assert.ErrorIs(t, c.SetKeylogFilename("a\x00b"), ErrInvalidArgument)
	assert.Equal(t, "", c.KeylogFilename())
	assert.ErrorIs(t, c.SetKeylogFilename(dir), syscall.EISDIR, "Python's IsADirectoryError")
	require.NoError(t, c.Close())
	assert.ErrorIs(t, c.SetKeylogFilename(fresh), ErrClosed)
}

// CreateDefaultContext honours SSLKEYLOGFILE as CPython's
// create_default_context does: a non-empty value is the key log file, and
// one that cannot be opened fails the call (CPython raises
// FileNotFoundError); NewContext ignores it.
func TestKeylog_SSLKEYLOGFILE(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	t.Setenv("SSLKEYLOGFILE", path)
	for _, p := range []Purpose{PurposeServerAuth, PurposeClientAuth} {
		c, err := CreateDefaultContext(p)
		require.NoError(t, err)
		assert.Equal(t, path, c.KeylogFilename())
	}
	n, err := NewContext(ProtocolTLSServer)
	require.NoError(t, err)
	assert.Equal(t, "", n.KeylogFilename())

	sctx, err := CreateDefaultContext(PurposeClientAuth)
	require.NoError(t, err)
	require.NoError(t, sctx.LoadCertChain(td("server-rsa.pem"), td("server-rsa.key")))
	connected(t, testClientContext(t), sctx)
	_, lines := keylogLines(t, path)
	assert.Equal(t, tls13Labels, labelsOf(t, lines))

	t.Setenv("SSLKEYLOGFILE", filepath.Join(t.TempDir(), "missing", "keys"))
	_, err = CreateDefaultContext(PurposeServerAuth)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	t.Setenv("SSLKEYLOGFILE", "")
	c, err := CreateDefaultContext(PurposeServerAuth)
	require.NoError(t, err)
	assert.Equal(t, "", c.KeylogFilename())
}
