package openssl

/*
#include "../cshim/shim.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// finishedMax bounds a Finished message's verify_data: 12 bytes under TLS
// 1.2, the handshake hash's size (up to 64) under TLS 1.3. CPython reads it
// into a buffer of the same 128 bytes.
const finishedMax = 128

// Finished returns SSL_get_finished: the verify_data of the last Finished
// message this end sent, or nil before there was one.
func (s *SSL) Finished() []byte {
	var buf [finishedMax]byte
	n := C.SSL_get_finished(s.p, unsafe.Pointer(&buf[0]), C.size_t(len(buf)))
	runtime.KeepAlive(s)
	return finishedBytes(buf[:], int(n))
}

// PeerFinished returns SSL_get_peer_finished: the verify_data of the last
// Finished message the peer sent, or nil before there was one.
func (s *SSL) PeerFinished() []byte {
	var buf [finishedMax]byte
	n := C.SSL_get_peer_finished(s.p, unsafe.Pointer(&buf[0]), C.size_t(len(buf)))
	runtime.KeepAlive(s)
	return finishedBytes(buf[:], int(n))
}

// finishedBytes keeps what OpenSSL copied: OpenSSL returns the message's
// full length even where that exceeds the buffer.
func finishedBytes(buf []byte, n int) []byte {
	if n <= 0 {
		return nil
	}
	return append([]byte(nil), buf[:min(n, len(buf))]...)
}
