package conformance_test

import (
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl/internal/testpeer"
)

// groupRows are the rows the key exchange table must have, each run once:
// a row missing from a series' document fails rather than goes unchecked.
var groupRows = []string{
	"our client (`ProtocolTLSClient`) against s_server",
	"our server (`ProtocolTLSServer`) against s_client",
}

// serverHelloGroup finds, in what a peer run with -trace printed, the
// group of the key_share extension of the ServerHello: the group the
// server chose, as the peer itself decoded it.
var serverHelloGroup = regexp.MustCompile(`(?s)ServerHello.*?NamedGroup: \S+ \((\d+)\)`)

// serverHelloMsg finds, in what a peer run with -msg printed, the bytes of
// a ServerHello it sent or received, in hex: OpenSSL builds without
// ssl-trace (Debian's 1.1.1) have only -msg.
var serverHelloMsg = regexp.MustCompile(`(?m)^(?:<<<|>>>) TLS 1\.\d, Handshake \[length [0-9a-f]+\], ServerHello\n((?:[ \t]+[0-9a-f]{2}(?: [0-9a-f]{2})*[ \t]*\n)+)`)

// peerFlag is the flag that makes the peer print the ServerHello, with the
// function that finds the group in what it printed.
func peerFlag(t *testing.T, cmd string) (string, func(*testing.T, string) string, *regexp.Regexp) {
	if testpeer.HasOption(t, cmd, "-trace") {
		return "-trace", peerGroup, serverHelloGroup
	}
	return "-msg", peerGroupMsg, serverHelloMsg
}

// peerGroupMsg is the group of the key_share extension of the last
// ServerHello a -msg peer printed (after a HelloRetryRequest, the one that
// counts): the bytes as the peer sent or read them, walked field by field
// (RFC 8446 4.1.3).
func peerGroupMsg(t *testing.T, out string) string {
	t.Helper()
	all := serverHelloMsg.FindAllStringSubmatch(out, -1)
	require.NotEmpty(t, all, "the peer's -msg output shows no ServerHello:\n%s", out)
	b, err := hex.DecodeString(strings.Join(strings.Fields(all[len(all)-1][1]), ""))
	require.NoError(t, err)
	// type(1) length(3) legacy_version(2) random(32)
	p := 1 + 3 + 2 + 32
	require.Greater(t, len(b), p, "ServerHello too short: %x", b)
	p += 1 + int(b[p]) // legacy_session_id_echo
	p += 2 + 1         // cipher_suite, legacy_compression_method
	require.GreaterOrEqual(t, len(b), p+2, "ServerHello without extensions: %x", b)
	end := p + 2 + int(binary.BigEndian.Uint16(b[p:]))
	require.LessOrEqual(t, end, len(b), "ServerHello extensions overrun: %x", b)
	for p += 2; p+4 <= end; {
		typ, n := binary.BigEndian.Uint16(b[p:]), int(binary.BigEndian.Uint16(b[p+2:]))
		p += 4
		require.LessOrEqual(t, p+n, end, "ServerHello extension overruns: %x", b)
		if typ == 51 && n >= 2 { // key_share: the group comes first
			return groupCell(binary.BigEndian.Uint16(b[p:]))
		}
		p += n
	}
	t.Fatalf("the peer's ServerHello has no key_share: %x", b)
	return ""
}

// groupCell words a group for the table: crypto/tls's name of the TLS code
// point, and the code point.
func groupCell(id uint16) string {
	return fmt.Sprintf("%v (0x%04x)", tls.CurveID(id), id)
}

// peerGroup is the group a -trace peer reported for the ServerHello.
func peerGroup(t *testing.T, out string) string {
	t.Helper()
	m := serverHelloGroup.FindStringSubmatch(out)
	require.NotNil(t, m, "the peer's trace shows no ServerHello key_share:\n%s", out)
	id, err := strconv.ParseUint(m[1], 10, 16)
	require.NoError(t, err)
	return groupCell(uint16(id))
}

// TestKeyExchangeGroup runs the key exchange table: with both ends at their
// defaults, the group the reference peer reports (its -trace of the
// ServerHello, or the ServerHello's bytes it printed with -msg where it has
// no -trace) and the one our Socket reports (ConnectionState().CurveID)
// must both be the cell.
func TestKeyExchangeGroup(t *testing.T) {
	testpeer.Version(t)
	lines, tables := readTables(t, "Key exchange group")
	require.Len(t, tables, 1)
	tb := tables[0]
	require.Equal(t, []string{"the peer reports", "we report"}, tb.columns)
	require.Len(t, tb.rows, len(groupRows), "the key exchange table has exactly the rows the test runs")
	byLabel := map[string]int{}
	for r, row := range tb.rows {
		byLabel[row[0]] = r
	}
	observed := make([][]string, len(tb.rows))
	for _, label := range groupRows {
		r, ok := byLabel[label]
		require.True(t, ok, "the key exchange table has no row %q", label)
		var peer, ours string
		switch {
		case strings.HasPrefix(label, "our client"):
			flag, parse, printed := peerFlag(t, "s_server")
			srv := testpeer.StartServer(t, append(serverCertArgs(), flag)...)
			c, err := contextFor("ProtocolTLSClient", false)
			require.NoError(t, err)
			s, err := dialWith(c, srv.Addr)
			require.NoError(t, err)
			ours = groupCell(uint16(s.ConnectionState().CurveID))
			s.Close()
			// s_server prints its trace as it goes; the ServerHello is
			// out once our handshake is done, give the pipe a moment.
			_, ok := srv.WaitFor(printed, testpeer.StartTimeout)
			require.True(t, ok, "s_server's %s output shows no ServerHello:\n%s", flag, srv.Output())
			peer = parse(t, srv.Output())
			srv.Kill()
		default:
			c, err := contextFor("ProtocolTLSServer", true)
			require.NoError(t, err)
			addr, results := listen(t, c)
			flag, parse, _ := peerFlag(t, "s_client")
			client := testpeer.RunClient(t, addr, "", flag)
			res := next(t, results)
			require.NoError(t, res.err)
			ours = groupCell(uint16(res.sock.ConnectionState().CurveID))
			res.sock.Close()
			peer = parse(t, client.Output)
		}
		observed[r] = []string{peer, ours}
		if !updateDoc {
			assertCell(t, cellText(tb.rows[r][1]), peer, "%s: what the peer reports", label)
			assertCell(t, cellText(tb.rows[r][2]), ours, "%s: what we report", label)
		}
	}
	if updateDoc {
		require.False(t, t.Failed(), "a failed cell is never written to the table")
		writeCells(t, lines, tb, observed)
	}
}
