package ssl

import (
	"io"
	"net"
)

// skipRecord reads one TLS record (a ClientHello, say) from conn and
// reports whether it was whole. It runs on goroutines other than the
// test's, so it never fails the test itself: the test goroutine sees what
// follows a short read.
func skipRecord(conn net.Conn) bool {
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(conn, hdr); err != nil {
		return false
	}
	_, err := io.ReadFull(conn, make([]byte, int(hdr[3])<<8|int(hdr[4])))
	return err == nil
}

// readResult is what a reading goroutine hands the test goroutine.
type readResult struct {
	b   []byte
	err error
}

// readFullAsync reads n bytes from r on its own goroutine.
func readFullAsync(r io.Reader, n int) <-chan readResult {
	ch := make(chan readResult, 1)
	go func() {
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		ch <- readResult{b, err}
	}()
	return ch
}
