package ssl

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encryptedHeader marks a PEM block as encrypted, which makes OpenSSL ask
// for a pass phrase when no callback is given: on the terminal, or on
// standard input when there is none.
const encryptedHeader = "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n"

// withEncryptedHeader returns the PEM file name of testdata with the
// header inserted after its first BEGIN line.
func withEncryptedHeader(t *testing.T, name string) []byte {
	t.Helper()
	pem := readTD(t, name)
	i := bytes.IndexByte(pem, '\n') + 1
	return append(append(append([]byte{}, pem[:i]...), encryptedHeader...), pem[i:]...)
}

// stdinThatNeverEnds replaces standard input with a pipe nobody writes to
// for the rest of the test, so that a pass-phrase prompt would wait
// forever; it returns a function that answers such a prompt.
func stdinThatNeverEnds(t *testing.T) (answer func()) {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	saved, err := syscall.Dup(0)
	require.NoError(t, err)
	require.NoError(t, syscall.Dup2(int(r.Fd()), 0))
	t.Cleanup(func() {
		syscall.Dup2(saved, 0)
		syscall.Close(saved)
		r.Close()
		w.Close()
	})
	return func() { w.Write([]byte("not-the-pass-phrase\n")) }
}

// An encrypted-looking PEM block wherever a certificate or DH parameters
// are read fails at once with an error: OpenSSL's pass-phrase prompt
// would block a server on its terminal or standard input.
func TestPEM_EncryptedBlocksNeverPrompt(t *testing.T) {
	dir := t.TempDir()
	certFile := filepath.Join(dir, "cert.pem")
	require.NoError(t, os.WriteFile(certFile, withEncryptedHeader(t, "server-rsa.pem"), 0o600))
	dhFile := filepath.Join(dir, "dh.pem")
	require.NoError(t, os.WriteFile(dhFile, withEncryptedHeader(t, "dhparams.pem"), 0o600))

	// The texts are Python's when its prompt reads an empty standard input;
	// for DH parameters Python reports whatever errno the failed prompt
	// left, so OpenSSL's own reason is given instead.
	for name, tc := range map[string]struct {
		call func() error
		want string
	}{
		"DecodeCertPEM": {func() error {
			_, err := DecodeCertPEM(withEncryptedHeader(t, "server-rsa.pem"))
			return err
		}, "Error decoding PEM-encoded file"},
		"DecodeCertFile": {func() error { _, err := DecodeCertFile(certFile); return err },
			"Error decoding PEM-encoded file"},
		"LoadVerifyData": {func() error { return clientCtx(t).LoadVerifyData(withEncryptedHeader(t, "ca.pem")) },
			"no start line: cadata does not contain a certificate"},
		"LoadDHParams": {func() error { return serverCtx(t).LoadDHParams(dhFile) },
			"[PEM: BAD_PASSWORD_READ] bad password read"},
	} {
		t.Run(name, func(t *testing.T) {
			answer := stdinThatNeverEnds(t)
			done := make(chan error, 1)
			go func() { done <- tc.call() }()
			select {
			case err := <-done:
				assert.EqualError(t, err, tc.want)
			case <-time.After(10 * time.Second):
				answer()
				<-done
				t.Error("waited for a pass phrase on standard input")
			}
		})
	}
}
