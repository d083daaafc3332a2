package openssl

/*
#include <stdint.h>
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
	"unsafe"
)

// PasswordFunc supplies the password for an encrypted private key. It is
// called only when OpenSSL meets an encrypted key, on the goroutine that
// loads it. The returned slice is zeroed after OpenSSL has copied it.
type PasswordFunc func() ([]byte, error)

// PasswordTooLongError is reported when a password does not fit OpenSSL's
// buffer (PEM_BUFSIZE, 1024 bytes).
type PasswordTooLongError struct{ Max int }

// Error says how long a password may be.
func (e *PasswordTooLongError) Error() string {
	return fmt.Sprintf("password cannot be longer than %d bytes", e.Max)
}

// passwordRequest carries a PasswordFunc through C as a cgo.Handle and
// brings back what went wrong on the Go side, which takes precedence over
// OpenSSL's own report ("bad password read"), as in Python.
type passwordRequest struct {
	fn  PasswordFunc
	err error
	// A panic in fn, recovered before it could unwind through OpenSSL's
	// frames (skipping their cleanup), and raised again once C returned.
	panicked bool
	panicVal any
}

// with runs call with a handle for r (0 when there is no function, which the
// shim answers by refusing the request rather than prompting on a terminal).
func (r *passwordRequest) with(call func(h C.uintptr_t)) {
	if r == nil || r.fn == nil {
		call(0)
		return
	}
	h := cgo.NewHandle(r)
	func() {
		defer h.Delete()
		call(C.uintptr_t(h))
	}()
	if r.panicked {
		panic(r.panicVal)
	}
}

//export sslctxPasswordCallback
func sslctxPasswordCallback(h C.uintptr_t, buf *C.char, size C.int) (n C.int) {
	r := cgo.Handle(h).Value().(*passwordRequest)
	defer func() {
		if v := recover(); v != nil {
			r.panicked, r.panicVal = true, v
			r.err = fmt.Errorf("password callback panicked: %v", v)
			n = -1
		}
	}()
	pw, err := r.fn()
	defer clear(pw)
	if err != nil {
		r.err = err
		return -1
	}
	if len(pw) > int(size) {
		r.err = &PasswordTooLongError{Max: int(size)}
		return -1
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(size)), pw)
	return C.int(len(pw))
}
