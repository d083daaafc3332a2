package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// issueFiles issues a certificate by spec, signed by parent (nil: self-
// signed), writes it and its key to dir as name.pem and name.key, and
// returns it with the two paths.
func issueFiles(t *testing.T, dir, name string, spec certSpec, parent *issued) (c *issued, cert, key string) {
	t.Helper()
	c, err := issue(spec, parent)
	require.NoError(t, err)
	k, err := c.keyPEM()
	require.NoError(t, err)
	cert, key = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	require.NoError(t, os.WriteFile(cert, c.certPEM(), 0o600))
	require.NoError(t, os.WriteFile(key, k, 0o600))
	return c, cert, key
}

// intermediateChain issues root → intermediate → leaf (localhost) and
// writes them; it returns the paths of the root, the intermediate, the
// leaf and the leaf's key.
func intermediateChain(t *testing.T) (root, inter, leaf, key string) {
	t.Helper()
	dir := t.TempDir()
	r, root, _ := issueFiles(t, dir, "root", certSpec{cn: "Chain Test Root", isCA: true}, nil)
	i, inter, _ := issueFiles(t, dir, "inter", certSpec{cn: "Chain Test Intermediate", isCA: true}, r)
	_, leaf, key = issueFiles(t, dir, "leaf", certSpec{cn: "localhost", dns: []string{"localhost"}}, i)
	return root, inter, leaf, key
}
