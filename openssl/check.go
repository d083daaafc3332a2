package openssl

/*
#include "../cshim/shim.h"
*/
import "C"

import "runtime"

// The checked calls: every fallible shim call goes through one of these, so
// that one place lends it an error buffer, keeps its Go owner alive across
// the crossing and turns its result into an *Error (rust-openssl's cvt and
// cvt_p). call names the OpenSSL call made, used only when OpenSSL's queue
// names no function; owner is what holds the C object the call uses.

// check runs a shim call whose 1 means success.
func check(call string, owner any, f func(q *C.shim_errq) C.int) error {
	q := getErrq()
	defer putErrq(q)
	r := f(q)
	runtime.KeepAlive(owner)
	if r != 1 {
		return newError(call, q)
	}
	return nil
}

// checkPtr runs a shim call whose NULL means failure.
func checkPtr[P comparable](call string, owner any, f func(q *C.shim_errq) P) (P, error) {
	q := getErrq()
	defer putErrq(q)
	p := f(q)
	runtime.KeepAlive(owner)
	var none P
	if p == none {
		return none, newError(call, q)
	}
	return p, nil
}

// checkString is check for a call that takes s as a C string: a NUL byte in
// s is ErrNULByte, and no call is made.
func checkString(call string, owner any, s string, f func(s *C.char, q *C.shim_errq) C.int) error {
	b, err := cString(s)
	if err != nil {
		return err
	}
	return check(call, owner, func(q *C.shim_errq) C.int { return f(charPtr(b), q) })
}
