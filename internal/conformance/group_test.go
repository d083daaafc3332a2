package conformance_test

import (
	"crypto/tls"
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
// ServerHello) and the one our Socket reports (ConnectionState().CurveID)
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
			srv := testpeer.StartServer(t, append(serverCertArgs(), "-trace")...)
			c, err := contextFor("ProtocolTLSClient", false)
			require.NoError(t, err)
			s, err := dialWith(c, srv.Addr)
			require.NoError(t, err)
			ours = groupCell(uint16(s.ConnectionState().CurveID))
			s.Close()
			// s_server prints its trace as it goes; the ServerHello is
			// out once our handshake is done, give the pipe a moment.
			_, ok := srv.WaitFor(serverHelloGroup, testpeer.StartTimeout)
			require.True(t, ok, "s_server's trace shows no ServerHello:\n%s", srv.Output())
			peer = peerGroup(t, srv.Output())
			srv.Kill()
		default:
			c, err := contextFor("ProtocolTLSServer", true)
			require.NoError(t, err)
			addr, results := listen(t, c)
			client := testpeer.RunClient(t, addr, "", "-trace")
			res := next(t, results)
			require.NoError(t, res.err)
			ours = groupCell(uint16(res.sock.ConnectionState().CurveID))
			res.sock.Close()
			peer = peerGroup(t, client.Output)
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
