package conformance_test

// Negotiation: which protocol version (TestProtocolMatrix_*) and which
// cipher (TestCiphers_*) our side and OpenSSL's command-line peers agree
// on, mostly cell by cell against the tables of
// docs/conformance/<series>.md.

import (
	"fmt"
	"regexp"
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

// dualCertArgs make s_server hold an RSA and an ECDSA certificate, so that
// both kinds of cipher suites can be chosen.
func dualCertArgs() []string {
	return append(serverCertArgs(), "-dcert", td("server-ecdsa.pem"), "-dkey", td("server-ecdsa.key"))
}

// cipherOutcome words a TLS 1.2 handshake's cipher for the table.
func cipherOutcome(s *ssl.Socket, err error) string {
	if err != nil {
		return outcome("", err)
	}
	defer s.Close()
	c, _ := s.Cipher()
	return c.Name
}

func clientResultOutcome(r testpeer.ClientResult) string {
	if r.Connected {
		return r.Cipher
	}
	if len(r.Errors) > 0 {
		return "✗ " + r.Errors[len(r.Errors)-1]
	}
	return "✗ no handshake"
}

// TestCiphers_AsOpenSSLNegotiates: for each cipher-list string of the
// table, what s_client negotiates with s_server when both are given the
// string (the reference), what our client negotiates with that s_server,
// and what s_client negotiates with our server given the string. TLS 1.3
// is off: its suites are chosen apart from cipher lists.
func TestCiphers_AsOpenSSLNegotiates(t *testing.T) {
	testpeer.Version(t)
	lines, tables := readTables(t, "Cipher strings")
	for _, tb := range tables {
		require.Equal(t, []string{"s_client ↔ s_server", "our client ↔ s_server", "s_client ↔ our server"}, tb.columns)
		observed := make([][]string, len(tb.rows))
		for r, row := range tb.rows {
			spec := cellText(row[0])
			srv, err := testpeer.TryStartServer(t, append(dualCertArgs(), "-cipher", spec, "-no_tls1_3")...)
			var reference, ours string
			if err != nil {
				// s_server refuses a string that selects nothing.
				var se *testpeer.StartError
				require.ErrorAs(t, err, &se)
				reference = "✗ " + se.Reason()
			} else {
				reference = clientResultOutcome(testpeer.RunClient(t, srv.Addr, "", "-cipher", spec, "-no_tls1_3"))
			}
			ours = func() string {
				c, err := ssl.NewContext(ssl.ProtocolTLS)
				require.NoError(t, err)
				require.NoError(t, c.SetOptions(c.Options()|ssl.OpNoTLSv1_3))
				if err := c.SetCiphers(spec); err != nil {
					return outcome("", err)
				}
				require.NotNil(t, srv, "our client accepted %q, which s_server refused", spec)
				return cipherOutcome(dialWith(c, srv.Addr))
			}()
			if srv != nil {
				srv.Kill()
			}

			theirs := func() string {
				c, err := ssl.NewContext(ssl.ProtocolTLS)
				require.NoError(t, err)
				require.NoError(t, c.LoadCertChain(td("server-rsa.pem"), td("server-rsa.key")))
				require.NoError(t, c.LoadCertChain(td("server-ecdsa.pem"), td("server-ecdsa.key")))
				// s_server has DH parameters built in; a server of this
				// library, like Python's, needs them loaded for DHE suites.
				require.NoError(t, c.LoadDHParams(td("dhparams.pem")))
				require.NoError(t, c.SetOptions(c.Options()|ssl.OpNoTLSv1_3))
				if err := c.SetCiphers(spec); err != nil {
					return outcome("", err)
				}
				addr, results := listen(t, c)
				got := clientResultOutcome(testpeer.RunClient(t, addr, "", "-cipher", spec, "-no_tls1_3"))
				if res := next(t, results); res.sock != nil {
					res.sock.Close()
				}
				return got
			}()
			observed[r] = []string{reference, ours, theirs}
			if !updateDoc {
				for col, got := range observed[r] {
					assertCell(t, cellText(row[col+1]), got, "%q, %s", spec, tb.columns[col])
				}
			}
			if !strings.HasPrefix(reference, "✗") {
				assert.Equal(t, reference, ours, "%q: our client negotiates what s_client does", spec)
				assert.Equal(t, reference, theirs, "%q: our server negotiates what s_server does", spec)
			}
		}
		if updateDoc {
			writeCells(t, lines, tb, observed)
		}
	}
}

var noSharedCipher = regexp.MustCompile(`SSL routines:[^:]*:no shared cipher`)

// With no cipher in common, each side fails with the reason OpenSSL's own
// tool gives in its place.
func TestCiphers_NoSharedCipher(t *testing.T) {
	srv := testpeer.StartServer(t, append(serverCertArgs(), "-cipher", "ECDHE-RSA-AES256-GCM-SHA384", "-no_tls1_3")...)
	sc := testpeer.RunClient(t, srv.Addr, "", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-no_tls1_3")
	require.NotEmpty(t, sc.Errors, sc.Output)
	c, err := ssl.NewContext(ssl.ProtocolTLS)
	require.NoError(t, err)
	require.NoError(t, c.SetCiphers("ECDHE-RSA-AES128-GCM-SHA256"))
	require.NoError(t, c.SetOptions(c.Options()|ssl.OpNoTLSv1_3))
	_, err = dialWith(c, srv.Addr)
	var e *ssl.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, sc.Errors[len(sc.Errors)-1], e.Message, "our client fails as s_client does")
	assert.Equal(t, "SSLV3_ALERT_HANDSHAKE_FAILURE", e.Reason)

	// Our server in s_server's place reports what s_server reports.
	_, ok := srv.WaitFor(noSharedCipher, testpeer.StartTimeout)
	require.True(t, ok, "s_server reports no shared cipher:\n%s", srv.Output())
	sctx, err := ssl.NewContext(ssl.ProtocolTLS)
	require.NoError(t, err)
	require.NoError(t, sctx.LoadCertChain(td("server-rsa.pem"), td("server-rsa.key")))
	require.NoError(t, sctx.SetCiphers("ECDHE-RSA-AES256-GCM-SHA384"))
	require.NoError(t, sctx.SetOptions(sctx.Options()|ssl.OpNoTLSv1_3))
	addr, results := listen(t, sctx)
	testpeer.RunClient(t, addr, "", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-no_tls1_3")
	res := next(t, results)
	require.ErrorAs(t, res.err, &e)
	assert.Equal(t, "NO_SHARED_CIPHER", e.Reason)
	assert.Equal(t, "no shared cipher", e.Message)
}

// TLS 1.3 suites are chosen with SetCipherSuites, on both ends.
func TestCiphers_TLS13Suites(t *testing.T) {
	for _, suite := range []string{"TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_256_GCM_SHA384"} {
		srv := testpeer.StartServer(t, append(serverCertArgs(), "-ciphersuites", suite)...)
		c, err := ssl.NewContext(ssl.ProtocolTLSClient)
		require.NoError(t, err)
		require.NoError(t, c.LoadVerifyLocations(td("ca.pem"), ""))
		require.NoError(t, c.SetCipherSuites(suite))
		assert.Equal(t, suite, cipherOutcome(dialWith(c, srv.Addr)), "our client against s_server -ciphersuites")
		srv.Kill()

		sctx, err := ssl.NewContext(ssl.ProtocolTLSServer)
		require.NoError(t, err)
		require.NoError(t, sctx.LoadCertChain(td("server-rsa.pem"), td("server-rsa.key")))
		require.NoError(t, sctx.SetCipherSuites(suite))
		addr, results := listen(t, sctx)
		sc := testpeer.RunClient(t, addr, "", "-ciphersuites", suite)
		assert.Equal(t, suite, sc.Cipher, "s_client -ciphersuites against our server")
		if res := next(t, results); res.sock != nil {
			res.sock.Close()
		}
	}
	// No suite in common.
	srv := testpeer.StartServer(t, append(serverCertArgs(), "-ciphersuites", "TLS_AES_128_GCM_SHA256")...)
	c, err := ssl.NewContext(ssl.ProtocolTLSClient)
	require.NoError(t, err)
	require.NoError(t, c.LoadVerifyLocations(td("ca.pem"), ""))
	require.NoError(t, c.SetCipherSuites("TLS_CHACHA20_POLY1305_SHA256"))
	require.NoError(t, c.SetMinimumVersion(ssl.TLSv1_3))
	_, err = dialWith(c, srv.Addr)
	assert.Equal(t, "✗ SSLV3_ALERT_HANDSHAKE_FAILURE", outcome("", err))
}
