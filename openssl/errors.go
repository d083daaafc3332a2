package openssl

/*
#include "../cshim/shim.h"
*/
import "C"

import (
	"fmt"
	"strings"
	"sync"
	"syscall"
)

// ErrorEntry is one entry of OpenSSL's error queue (ERR_get_error_all).
type ErrorEntry struct {
	Code       uint64 // the packed code, as ERR_get_error returns it
	Lib        int    // ERR_GET_LIB(Code)
	Reason     int    // ERR_GET_REASON(Code)
	Library    string // the ERR_LIB_ mnemonic ("SSL"), or "" when OpenSSL has none
	ReasonName string // the <LIB>_R_ mnemonic ("CERTIFICATE_VERIFY_FAILED"), or ""
	Message    string // ERR_reason_error_string(Code): "certificate verify failed"; "" when OpenSSL has none
	Func       string // the function that raised the entry (ERR_get_error_all), or "" when OpenSSL does not say
	File       string
	Line       int
	Data       string // text OpenSSL attached to the entry (ERR_TXT_STRING)
}

// Error is the error queue captured right after one OpenSSL call failed, on
// the thread that made it.
type Error struct {
	// Func is the OpenSSL function that failed as OpenSSL names it: that of
	// the newest entry (ERR_get_error_all; on 1.1.1 ERR_func_error_string
	// of its code), or, when OpenSSL names none (an empty queue, a 1.1.1
	// code without a string), the OpenSSL call the binding made.
	Func    string
	Entries []ErrorEntry  // oldest first; the last is the one Python reports
	Dropped int           // older entries that did not fit
	Errno   syscall.Errno // errno right after the call
}

// Error formats the newest entry as OpenSSL's ERR_error_string would, with
// the function that failed in front.
func (e *Error) Error() string {
	last, ok := e.Last()
	if !ok {
		return e.Func + " failed"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: error:%08X:%s", e.Func, last.Code, libText(last.Code))
	msg := last.Message
	if msg == "" {
		// ERR_error_string's own words for a reason without text.
		msg = fmt.Sprintf("reason(%d)", last.Reason)
	}
	fmt.Fprintf(&b, "::%s", msg)
	if last.Data != "" {
		b.WriteString(":" + last.Data)
	}
	return b.String()
}

// Last returns the newest entry, the one ERR_peek_last_error would.
func (e *Error) Last() (ErrorEntry, bool) {
	if e == nil || len(e.Entries) == 0 {
		return ErrorEntry{}, false
	}
	return e.Entries[len(e.Entries)-1], true
}

// Has reports whether any entry carries the given library and reason codes.
func (e *Error) Has(lib, reason int) bool {
	if e == nil {
		return false
	}
	for _, en := range e.Entries {
		if en.Lib == lib && en.Reason == reason {
			return true
		}
	}
	return false
}

// newError converts a captured queue; it returns an *Error even when the
// queue is empty, since the call itself reported failure. call names the
// OpenSSL call the binding made, for when OpenSSL names no function itself.
func newError(call string, q *C.shim_errq) *Error {
	e := &Error{Func: call, Dropped: int(q.dropped), Errno: syscall.Errno(q.sys_errno)}
	n := int(q.n)
	if n > 0 {
		e.Entries = make([]ErrorEntry, n)
	}
	for i := 0; i < n; i++ {
		ce := &q.e[i]
		code := uint64(ce.code)
		lib, reason := int(C.ERR_GET_LIB(ce.code)), int(C.ERR_GET_REASON(ce.code))
		e.Entries[i] = ErrorEntry{
			Code:       code,
			Lib:        lib,
			Reason:     reason,
			Library:    libName(lib),
			ReasonName: reasonMnemonic(lib, reason),
			Message:    reasonText(ce.code),
			Func:       C.GoString(&ce._func[0]),
			Line:       int(ce.line),
			File:       C.GoString(&ce.file[0]),
			Data:       C.GoString(&ce.data[0]),
		}
	}
	if last, ok := e.Last(); ok && last.Func != "" {
		e.Func = last.Func
	}
	return e
}

// errqs recycles the buffers a shim call copies the error queue into:
// each is kilobytes, and every call that can fail needs one, failed or not.
var errqs = sync.Pool{New: func() any { return new(C.shim_errq) }}

func getErrq() *C.shim_errq { return errqs.Get().(*C.shim_errq) }

// putErrq returns q to the pool once newError has copied what it needs.
func putErrq(q *C.shim_errq) { errqs.Put(q) }

func reasonText(code C.ulong) string {
	// OpenSSL keeps errno in a SYS entry's reason and has no string for it.
	if int(C.ERR_GET_LIB(code)) == LibSYS {
		return syscall.Errno(C.ERR_GET_REASON(code)).Error()
	}
	// "" for a reason without text (an alert number no RFC defines): each
	// caller words that its own way.
	return goStringOrEmpty(C.ERR_reason_error_string(code))
}

func libText(code uint64) string {
	if s := C.ERR_lib_error_string(C.ulong(code)); s != nil {
		return C.GoString(s)
	}
	return fmt.Sprintf("lib(%d)", int(C.ERR_GET_LIB(C.ulong(code))))
}

// Library mnemonics and reason codes the root package branches on.
const (
	LibSSL  = int(C.ERR_LIB_SSL)
	LibPEM  = int(C.ERR_LIB_PEM)
	LibX509 = int(C.ERR_LIB_X509)
	LibASN1 = int(C.ERR_LIB_ASN1)
	LibSYS  = int(C.ERR_LIB_SYS)

	ReasonCertificateVerifyFailed = int(C.SSL_R_CERTIFICATE_VERIFY_FAILED)
	ReasonUnexpectedEOF           = int(C.SHIM_R_UNEXPECTED_EOF_WHILE_READING) // -1 where absent (1.1.1)
	ReasonNoCipherMatch           = int(C.SSL_R_NO_CIPHER_MATCH)
	ReasonBadPasswordRead         = int(C.PEM_R_BAD_PASSWORD_READ)
	ReasonBadDecrypt              = int(C.PEM_R_BAD_DECRYPT)
)

// LibraryName returns the ERR_LIB_ mnemonic of a library code, as Python's
// SSLError.library shows it.
func LibraryName(lib int) string { return libName(lib) }
