package ssl_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every Go block of the README is a piece of an example file
// (example*_test.go), so it compiles and runs with the tests and cannot
// drift from the API.
func TestREADME_GoBlocksAreExamples(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	files, err := filepath.Glob("example*_test.go")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var examples []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		examples = append(examples, trimLines(string(b)))
	}
	src := strings.Join(examples, "\n")

	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	require.NotEmpty(t, blocks, "the README has Go blocks")
	for _, b := range blocks {
		assert.True(t, strings.Contains(src, trimLines(b[1])),
			"this README block is in no example*_test.go:\n%s", b[1])
	}
}

// trimLines drops each line's indentation, which differs between a block
// shown on its own and the same lines inside a function.
func trimLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, "\n")
}
