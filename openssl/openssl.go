// Package openssl is the thin cgo layer of sslctx: Go types that own OpenSSL's
// SSL_CTX, SSL and X509 objects, one method per OpenSSL call that the root
// package needs, and OpenSSL's error queue as Go values.
//
// It is the only package of the module that uses cgo. Every call that can
// fail goes through the C shim in ../cshim, which clears the thread's error
// queue, makes the call and copies the queue before returning, so an *Error
// always describes the call that returned it, whichever thread the goroutine
// runs on next.
//
// Each type owns exactly one C object and frees it exactly once: by its Free
// method or, failing that, by a cleanup when it becomes unreachable.
package openssl

/*
#cgo pkg-config: libssl libcrypto
#cgo CFLAGS: -Wall -Wno-deprecated-declarations
#include "../cshim/shim.h"
*/
import "C"

import (
	"errors"
	"strings"
	"unsafe"
)

//go:generate go run ./internal/mkshimdigest -o zshimdigest.go
//go:generate go run ./internal/mkerrnames -dir .

func init() {
	if C.shim_init() == 0 {
		panic("openssl: cannot allocate ex_data indices")
	}
}

// ErrNULByte is returned when a string bound for C holds a NUL byte, which
// would silently cut it short there.
var ErrNULByte = errors.New("string contains a NUL byte")

// ErrOutOfRange is returned when a number does not fit the C type OpenSSL
// takes: a conversion would wrap or cut it into another, valid, value.
var ErrOutOfRange = errors.New("value out of range for OpenSSL")

// cString returns s as NUL-terminated bytes in Go memory, for the duration of
// one C call (C never keeps it).
func cString(s string) ([]byte, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, ErrNULByte
	}
	b := make([]byte, len(s)+1)
	copy(b, s)
	return b, nil
}

// cOptString is cString for arguments where "" means NULL.
func cOptString(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	return cString(s)
}

func charPtr(b []byte) *C.char {
	if len(b) == 0 {
		return nil
	}
	return (*C.char)(unsafe.Pointer(&b[0]))
}

func bytePtr(b []byte) *C.uchar {
	if len(b) == 0 {
		return nil
	}
	return (*C.uchar)(unsafe.Pointer(&b[0]))
}

// CHeapInUse returns the bytes the C allocator has handed out and not had
// back (glibc's mallinfo2), which includes OpenSSL's; ok is false where the
// C library cannot tell. For memory measurements in tests and benchmarks.
func CHeapInUse() (n int64, ok bool) {
	v := int64(C.shim_c_heap_in_use())
	return v, v >= 0
}

// LiveObjects reports how many SSL_CTX, SSL and memory BIO objects created
// by this package OpenSSL has not freed yet; leak tests compare it with a
// baseline.
func LiveObjects() (ctx, ssl, bio int64) {
	return int64(C.shim_live_ctx()), int64(C.shim_live_ssl()), int64(C.shim_live_bio())
}
