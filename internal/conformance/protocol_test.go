package conformance_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl"
	"github.com/sslctx/ssl/internal/testpeer"
)

// seclevel0 is the cipher string TLS 1.0 and 1.1 need on OpenSSL 3: at the
// default security level no signature algorithm they allow is acceptable.
const seclevel0 = "ALL:@SECLEVEL=0"

// peerArgs maps a column label to the flags of s_server or s_client.
func peerArgs(column string) ([]string, error) {
	column = strings.Trim(column, "`")
	switch column {
	case "-tls1", "-tls1_1", "-tls1_2", "-tls1_3":
		return []string{column}, nil
	case "(no flag)":
		return nil, nil
	}
	return nil, fmt.Errorf("unknown column %q", column)
}

func lowSecurity(heading string) bool { return strings.Contains(heading, "@SECLEVEL=0") }

// TestProtocolMatrix_OurClient runs every cell of the client tables: our
// client, configured as the row says, against s_server restricted as the
// column says.
func TestProtocolMatrix_OurClient(t *testing.T) {
	testpeer.Version(t)
	lines, tables := readTables(t, "Our client against openssl s_server")
	for _, tb := range tables {
		low := lowSecurity(tb.heading)
		observed := make([][]string, len(tb.rows))
		for r := range observed {
			observed[r] = make([]string, len(tb.columns))
		}
		for col, column := range tb.columns {
			args, err := peerArgs(column)
			require.NoError(t, err)
			args = append(serverCertArgs(), args...)
			if low {
				args = append(args, "-cipher", seclevel0)
			}
			for r, row := range tb.rows {
				label := cellText(row[0])
				// A fresh s_server per cell: on OpenSSL 3.5, s_server -tls1
				// and -tls1_1 at the default security level exit after
				// their first failed handshake, and the next cell would
				// meet a closed port instead of the peer.
				srv := testpeer.StartServer(t, args...)
				got := func() string {
					c, err := contextFor(label, false)
					if err != nil {
						return outcome("", err)
					}
					if low {
						require.NoError(t, c.SetCiphers(seclevel0))
					}
					s, err := dialWith(c, srv.Addr)
					if err != nil {
						return outcome("", err)
					}
					defer s.Close()
					return outcome(s.Version(), nil)
				}()
				srv.Kill()
				observed[r][col] = got
				if !updateDoc {
					assertCell(t, cellText(row[col+1]), got, "%s: %s against s_server %s", tb.heading, label, column)
				}
			}
		}
		if updateDoc {
			writeCells(t, lines, tb, observed)
		}
	}
}

// TestProtocolMatrix_OurServer runs every cell of the server tables: our
// server, configured as the row says, against s_client restricted as the
// column says. s_client must report the version our server negotiated.
func TestProtocolMatrix_OurServer(t *testing.T) {
	testpeer.Version(t)
	lines, tables := readTables(t, "Our server against openssl s_client")
	for _, tb := range tables {
		low := lowSecurity(tb.heading)
		observed := make([][]string, len(tb.rows))
		// Every cell runs on the test goroutine: a failure stops the test
		// before update mode can write a table with cells left empty.
		for r, row := range tb.rows {
			observed[r] = make([]string, len(tb.columns))
			label := cellText(row[0])
			c, err := contextFor(label, true)
			if err != nil {
				for col := range tb.columns {
					observed[r][col] = outcome("", err)
				}
				continue
			}
			if low {
				require.NoError(t, c.SetCiphers(seclevel0))
			}
			addr, results := listen(t, c)
			for col, column := range tb.columns {
				args, err := peerArgs(column)
				require.NoError(t, err)
				if low {
					args = append(args, "-cipher", seclevel0)
				}
				client := testpeer.RunClient(t, addr, "", args...)
				res := next(t, results)
				version := ""
				if res.sock != nil && res.err == nil {
					version = res.sock.Version()
				}
				observed[r][col] = outcome(version, res.err)
				if res.err == nil {
					assert.Equal(t, version, client.Protocol, "s_client agrees on the version: %s / %s", label, column)
				}
				if res.sock != nil {
					res.sock.Close()
				}
			}
		}
		for r, row := range tb.rows {
			for col, column := range tb.columns {
				if !updateDoc {
					assertCell(t, cellText(row[col+1]), observed[r][col], "%s: %s against s_client %s", tb.heading, cellText(row[0]), column)
				}
			}
		}
		if updateDoc {
			require.False(t, t.Failed(), "a failed cell is never written to the table")
			writeCells(t, lines, tb, observed)
		}
	}
}

var _ = ssl.ProtocolTLS
