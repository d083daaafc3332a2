package ssl

import (
	"errors"
	"io/fs"
	"os"

	"github.com/sslctx/ssl/openssl"
)

// SetKeylogFilename makes the handshakes of sockets using this Context
// append their secrets to the file path in the NSS key log format that
// Wireshark reads (Python's keylog_filename, over
// SSL_CTX_set_keylog_callback): under TLS 1.2 a CLIENT_RANDOM line, under
// TLS 1.3 one line for each of the five secrets. The file is created if
// missing and only ever appended to; a new empty file starts with a comment
// line, as Python writes one. Each line is written whole with one append,
// so lines of concurrent handshakes, in this process or another appending
// the same file, never mix. "" stops logging and closes the file.
//
// The file is opened now: one that cannot be opened is an *fs.PathError and
// leaves logging off, as in Python. Anyone who can read the file can
// decrypt the connections it logs.
func (c *Context) SetKeylogFilename(path string) error {
	return c.write(func(oc *openssl.Ctx) error {
		c.cb.keylog = ""
		errno, err := oc.SetKeylogFile(path)
		switch {
		case errors.Is(err, openssl.ErrNULByte):
			// Python turns the old file off before it looks at the name.
			oc.SetKeylogFile("")
			return nulInPath(path)
		case err != nil:
			return &fs.PathError{Op: "open", Path: path, Err: errno}
		}
		c.cb.keylog = path
		return nil
	})
}

// KeylogFilename returns the key log file set with SetKeylogFilename, or ""
// (Python's keylog_filename).
func (c *Context) KeylogFilename() string { return lockedField(c, &c.cb.keylog) }

// keylogFromEnvironment is CPython's create_default_context rule: a
// non-empty SSLKEYLOGFILE names the key log file, and one that cannot be
// opened fails the context's creation.
func keylogFromEnvironment(c *Context) error {
	if path := os.Getenv("SSLKEYLOGFILE"); path != "" {
		return c.SetKeylogFilename(path)
	}
	return nil
}
