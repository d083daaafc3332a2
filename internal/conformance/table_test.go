package conformance_test

import (
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sslctx/ssl"
	"github.com/sslctx/ssl/internal/golden"
)

// docPath is the conformance document of the OpenSSL series under test
// (docs/conformance/<series>.md): its tables are both what readers see and
// what the tests assert. Each series has its own, since OpenSSL decides
// the cells.
var docPath = "../../docs/conformance/" + golden.Series() + ".md"

// updateDoc rewrites the tables' cells with what was observed, for a
// maintainer to review: SSLCTX_UPDATE_CONFORMANCE=1 go test ./internal/conformance.
var updateDoc = os.Getenv("SSLCTX_UPDATE_CONFORMANCE") != ""

// mdTable is a table of the conformance document: the heading above it, its
// column labels and its rows (label first), and where it sits in the file.
type mdTable struct {
	heading string
	columns []string
	rows    [][]string
	first   int // line index of the first row
}

func cellText(s string) string { return strings.Trim(strings.TrimSpace(s), "`") }

func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(strings.TrimSuffix(line, "|"), "|")
	parts := strings.Split(line, "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// readTables returns the document's lines and the tables under headings
// that start with prefix.
func readTables(t *testing.T, prefix string) ([]string, []mdTable) {
	t.Helper()
	b, err := os.ReadFile(docPath)
	require.NoError(t, err)
	lines := strings.Split(string(b), "\n")
	var tables []mdTable
	heading := ""
	for i := 0; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "#") {
			heading = strings.TrimSpace(strings.TrimLeft(lines[i], "#"))
			continue
		}
		if !strings.HasPrefix(lines[i], "|") || !strings.HasPrefix(heading, prefix) {
			continue
		}
		tb := mdTable{heading: heading, columns: splitRow(lines[i])[1:], first: i + 2}
		i += 2
		for ; i < len(lines) && strings.HasPrefix(lines[i], "|"); i++ {
			tb.rows = append(tb.rows, splitRow(lines[i]))
		}
		tables = append(tables, tb)
	}
	require.NotEmpty(t, tables, "no tables under %q headings in %s", prefix, docPath)
	return lines, tables
}

// cellsChecked and cellsMatched count the table cells asserted in this run;
// TestMain reports them, for make matrix to show per OpenSSL series.
var cellsChecked, cellsMatched atomic.Int64

// assertCell asserts one cell of a table: the document says want, the run
// observed got.
func assertCell(t *testing.T, want, got string, msgAndArgs ...any) bool {
	t.Helper()
	cellsChecked.Add(1)
	if !assert.Equal(t, want, got, msgAndArgs...) {
		return false
	}
	cellsMatched.Add(1)
	return true
}

// writeCells puts observed cells back into the document (update mode).
func writeCells(t *testing.T, lines []string, tb mdTable, observed [][]string) {
	t.Helper()
	for r, row := range tb.rows {
		cells := append([]string{row[0]}, observed[r]...)
		lines[tb.first+r] = "| " + strings.Join(cells, " | ") + " |"
	}
	require.NoError(t, os.WriteFile(docPath, []byte(strings.Join(lines, "\n")), 0o644))
}

var producedOn = regexp.MustCompile(`Produced on \*\*([^*]+)\*\*`)

// The document names the OpenSSL its tables were produced on; update mode
// refreshes the name with the tables.
func TestDocument_NamesItsOpenSSL(t *testing.T) {
	b, err := os.ReadFile(docPath)
	require.NoError(t, err)
	m := producedOn.FindSubmatch(b)
	require.NotNil(t, m, "%s must say which OpenSSL produced it", docPath)
	if updateDoc {
		b = producedOn.ReplaceAll(b, []byte("Produced on **"+ssl.OpenSSLVersion+"**"))
		require.NoError(t, os.WriteFile(docPath, b, 0o644))
		return
	}
	if string(m[1]) != ssl.OpenSSLVersion {
		t.Logf("%s was produced on %s; this run uses %s (its cells still hold if this test passes)", docPath, m[1], ssl.OpenSSLVersion)
	}
}
