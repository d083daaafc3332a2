package conformance_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl"
	"github.com/sslctx/ssl/internal/testpeer"
)

// verifyOutcome words a verification result for the tables: "ok", or ✗,
// the X509 verify code and OpenSSL's text for it, or ✗ and the reason.
func verifyOutcome(err error) string {
	if err == nil {
		return "ok"
	}
	var e *ssl.Error
	if errors.As(err, &e) && e.VerifyCode != 0 {
		return fmt.Sprintf("✗ %d %s", e.VerifyCode, e.VerifyMessage)
	}
	return outcome("", err)
}

// caSource configures a client context's trusted CAs as a column says, and
// gives the s_client flags that trust the same.
func caSource(t *testing.T, c *ssl.Context, column string) []string {
	t.Helper()
	switch cellText(column) {
	case "cafile":
		require.NoError(t, c.LoadVerifyLocations(td("ca.pem"), ""))
		return []string{"-CAfile", td("ca.pem")}
	case "capath":
		require.NoError(t, c.LoadVerifyLocations("", td("capath")))
		return []string{"-CApath", td("capath")}
	case "LoadVerifyData PEM":
		require.NoError(t, c.LoadVerifyData(readFile(t, "ca.pem")))
		return []string{"-CAfile", td("ca.pem")}
	case "LoadVerifyData DER":
		require.NoError(t, c.LoadVerifyData(readFile(t, "ca.der")))
		return []string{"-CAfile", td("ca.pem")}
	case "none":
		return testpeer.NoCAFlags(t)
	}
	t.Fatalf("unknown CA source %q", column)
	return nil
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(td(name))
	require.NoError(t, err)
	return b
}

// TestVerify_OurClient: our client (CertRequired) against s_server
// presenting the row's certificate, trusting the column's CAs. A failure
// carries the verify code s_client reports for the same chain and CAs.
func TestVerify_OurClient(t *testing.T) {
	testpeer.Version(t)
	lines, tables := readTables(t, "Our client verifying s_server's certificate")
	for _, tb := range tables {
		observed := make([][]string, len(tb.rows))
		for r, row := range tb.rows {
			cert := cellText(row[0])
			srv := testpeer.StartServer(t, "-cert", td(cert+".pem"), "-key", td(cert+".key"))
			observed[r] = make([]string, len(tb.columns))
			for col, column := range tb.columns {
				for _, mode := range []ssl.VerifyMode{ssl.CertRequired, ssl.CertOptional} {
					c, err := ssl.NewContext(ssl.ProtocolTLSClient)
					require.NoError(t, err)
					require.NoError(t, c.SetVerifyMode(mode))
					args := caSource(t, c, column)
					s, err := dialWith(c, srv.Addr)
					got := verifyOutcome(err)
					if err == nil {
						s.Close()
					}
					if mode == ssl.CertOptional {
						assert.Equal(t, observed[r][col], got, "a client verifies the same with CertOptional as with CertRequired")
						continue
					}
					observed[r][col] = got
					if !updateDoc {
						assertCell(t, cellText(row[col+1]), got, "%s with CAs from %s", cert, column)
					}
					// s_client judges the same chain with the same CAs, stopping
					// at the first error as a verifier without a callback does.
					sc := testpeer.RunClient(t, srv.Addr, "", append(args, "-servername", "localhost",
						"-verify_hostname", "localhost", "-verify_return_error")...)
					var e *ssl.Error
					if errors.As(err, &e) {
						assert.Equal(t, firstVerifyError(sc.Output), e.VerifyCode, "s_client's verify code for %s with %s", cert, column)
					} else if err == nil {
						assert.Equal(t, 0, firstVerifyError(sc.Output), "s_client accepts %s with %s", cert, column)
					}
				}
			}
			// With CertNone nothing is checked: every certificate is taken.
			c, err := ssl.NewContext(ssl.ProtocolTLS)
			require.NoError(t, err)
			s, err := dialWith(c, srv.Addr)
			require.NoError(t, err, "CertNone takes %s", cert)
			peer, err := s.GetPeerCert()
			require.NoError(t, err)
			assert.True(t, peer != nil && peer.IsEmpty(), "received but not validated: {}")
			s.Close()
			srv.Kill()
		}
		if updateDoc {
			writeCells(t, lines, tb, observed)
		}
	}
}

// A capath directory is read at verification time: a CA added after the
// context was configured is found by the next handshake.
func TestVerify_CapathIsReadAtVerificationTime(t *testing.T) {
	srv := testpeer.StartServer(t, serverCertArgs()...)
	dir := t.TempDir()
	c, err := ssl.NewContext(ssl.ProtocolTLSClient)
	require.NoError(t, err)
	require.NoError(t, c.LoadVerifyLocations("", dir))
	_, err = dialWith(c, srv.Addr)
	assert.Equal(t, "✗ 20 unable to get local issuer certificate", verifyOutcome(err))

	hashed, err := filepath.Glob(filepath.Join(td("capath"), "*.0"))
	require.NoError(t, err)
	require.Len(t, hashed, 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(hashed[0])), readFile(t, "ca.pem"), 0o644))
	s, err := dialWith(c, srv.Addr)
	require.NoError(t, err, "the CA added to the directory is found")
	s.Close()
	cas := c.GetCACerts()
	require.Len(t, cas, 1, "a looked-up capath CA is in the store afterwards, as in OpenSSL")
}

var verifyErrorLine = regexp.MustCompile(`verify error:num=(\d+)`)

// firstVerifyError is the first verify error s_client or s_server printed,
// or 0.
func firstVerifyError(out string) int {
	m := verifyErrorLine.FindStringSubmatch(out)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// clientCertArgs gives s_client the row's certificate.
func clientCertArgs(cert string) []string {
	if cert == "none" {
		return nil
	}
	return []string{"-cert", td(cert + ".pem"), "-key", td(cert + ".key")}
}

// TestVerify_OurServer: our server, verifying as the column says, against
// s_client presenting the row's certificate. A rejected certificate carries
// the verify code s_server reports for the same certificate.
func TestVerify_OurServer(t *testing.T) {
	testpeer.Version(t)
	lines, tables := readTables(t, "Our server verifying s_client's certificate")
	modes := map[string]ssl.VerifyMode{"CertNone": ssl.CertNone, "CertOptional": ssl.CertOptional, "CertRequired": ssl.CertRequired}
	for _, tb := range tables {
		observed := make([][]string, len(tb.rows))
		for r, row := range tb.rows {
			cert := cellText(row[0])
			observed[r] = make([]string, len(tb.columns))
			for col, column := range tb.columns {
				mode, ok := modes[cellText(column)]
				require.True(t, ok, "column %q", column)
				c, err := ssl.NewContext(ssl.ProtocolTLSServer)
				require.NoError(t, err)
				require.NoError(t, c.LoadCertChain(td("server-rsa.pem"), td("server-rsa.key")))
				require.NoError(t, c.LoadVerifyLocations(td("ca.pem"), ""))
				require.NoError(t, c.SetVerifyMode(mode))
				addr, results := listen(t, c)
				testpeer.RunClient(t, addr, "", clientCertArgs(cert)...)
				res := next(t, results)
				got := verifyOutcome(res.err)
				if res.err == nil {
					peer, err := res.sock.GetPeerCert()
					require.NoError(t, err)
					switch {
					case peer == nil:
						got = "ok, no certificate"
					default:
						got = "ok, " + commonName(peer)
					}
				}
				if res.sock != nil {
					res.sock.Close()
				}
				observed[r][col] = got
				if !updateDoc {
					assertCell(t, cellText(row[col+1]), got, "%s against %s", cert, column)
				}
				var e *ssl.Error
				if errors.As(res.err, &e) && e.VerifyCode != 0 {
					// s_server judges the same certificate with the same CA.
					srv := testpeer.StartServer(t, append(serverCertArgs(), "-Verify", "1", "-CAfile", td("ca.pem"))...)
					testpeer.RunClient(t, srv.Addr, "", clientCertArgs(cert)...)
					_, ok := srv.WaitFor(verifyErrorLine, testpeer.StartTimeout)
					require.True(t, ok, "s_server reported no verify error:\n%s", srv.Output())
					assert.Equal(t, firstVerifyError(srv.Output()), e.VerifyCode, "s_server's verify code for %s", cert)
					srv.Kill()
				}
			}
		}
		if updateDoc {
			writeCells(t, lines, tb, observed)
		}
	}
}

func commonName(c *ssl.Cert) string {
	for _, rdn := range c.Subject {
		for _, a := range rdn {
			if a.Name == "commonName" {
				return "CN=" + a.Value
			}
		}
	}
	return "no CN"
}

// TestVerify_SServerAsksForOurCertificate: s_server -verify (optional) and
// -Verify (required), both with -verify_return_error, against our client presenting the row's certificate.
// The cell is what our client sees; in TLS 1.3 a rejection arrives after
// the handshake, with the first read.
func TestVerify_SServerAsksForOurCertificate(t *testing.T) {
	testpeer.Version(t)
	lines, tables := readTables(t, "s_server verifying our client's certificate")
	for _, tb := range tables {
		observed := make([][]string, len(tb.rows))
		for r := range tb.rows {
			observed[r] = make([]string, len(tb.columns))
		}
		for col, column := range tb.columns {
			flag := cellText(column)
			srv := testpeer.StartServer(t, append(serverCertArgs(), strings.Fields(flag)[0], "1", "-verify_return_error",
				"-CAfile", td("ca.pem"), "-rev")...)
			for r, row := range tb.rows {
				cert := cellText(row[0])
				c, err := ssl.NewContext(ssl.ProtocolTLSClient)
				require.NoError(t, err)
				require.NoError(t, c.LoadVerifyLocations(td("ca.pem"), ""))
				if cert != "none" {
					require.NoError(t, c.LoadCertChain(td(cert+".pem"), td(cert+".key")))
				}
				got := func() string {
					s, err := dialWith(c, srv.Addr)
					if err != nil {
						return outcome("", err)
					}
					defer s.Close()
					bound(s)
					if _, err := s.Write([]byte("ping\n")); err != nil {
						return outcome("", err)
					}
					buf := make([]byte, 5)
					if _, err := s.Read(buf); err != nil {
						return outcome("", err)
					}
					return "ok, " + strings.TrimSpace(string(buf))
				}()
				observed[r][col] = got
				if !updateDoc {
					assertCell(t, cellText(tb.rows[r][col+1]), got, "%s against s_server %s", cert, flag)
				}
			}
			srv.Kill()
		}
		if updateDoc {
			writeCells(t, lines, tb, observed)
		}
	}
}
