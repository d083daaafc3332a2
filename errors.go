package ssl

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"strings"

	"github.com/sslctx/ssl/openssl"
)

// ErrInvalidArgument is wrapped by every error that Python reports as
// ValueError or TypeError: an argument this package or OpenSSL cannot take.
var ErrInvalidArgument = errors.New("ssl: invalid argument")

// ErrUnsupportedProtocol is returned by NewContext for a protocol this
// OpenSSL cannot speak; it wraps ErrInvalidArgument.
var ErrUnsupportedProtocol = fmt.Errorf("%w: invalid or unsupported protocol version", ErrInvalidArgument)

// ErrClosed is returned for use of a Context or Socket after Close, or of a
// Socket after Unwrap; it wraps net.ErrClosed.
var ErrClosed = fmt.Errorf("ssl: use of closed or unwrapped context or socket: %w", net.ErrClosed)

// invalidArgument returns an error wrapping ErrInvalidArgument whose text is
// Python's ValueError/TypeError message.
func invalidArgument(format string, args ...any) error {
	return &argumentError{msg: fmt.Sprintf(format, args...)}
}

type argumentError struct{ msg string }

func (e *argumentError) Error() string        { return "ssl: " + e.msg }
func (e *argumentError) Is(target error) bool { return target == ErrInvalidArgument }

// ErrorCode is the kind of an *Error: Python's SSL_ERROR_* constants, with
// the same numbers. For failures outside a connection (loading files, cipher
// strings) Python's errno is OpenSSL's reason code instead, and so is Code.
type ErrorCode int

// The error codes of Python's ssl module.
const (
	ErrorSSL              ErrorCode = 1  // SSL_ERROR_SSL: a protocol or library failure
	ErrorWantRead         ErrorCode = 2  // SSL_ERROR_WANT_READ
	ErrorWantWrite        ErrorCode = 3  // SSL_ERROR_WANT_WRITE
	ErrorWantX509Lookup   ErrorCode = 4  // SSL_ERROR_WANT_X509_LOOKUP
	ErrorSyscall          ErrorCode = 5  // SSL_ERROR_SYSCALL: an I/O error under TLS
	ErrorZeroReturn       ErrorCode = 6  // SSL_ERROR_ZERO_RETURN: the peer closed TLS cleanly
	ErrorWantConnect      ErrorCode = 7  // SSL_ERROR_WANT_CONNECT
	ErrorEOF              ErrorCode = 8  // EOF in violation of the protocol (Python SSLEOFError)
	ErrorInvalidErrorCode ErrorCode = 10 // SSL_ERROR_* that Python does not know
)

// Error is an OpenSSL failure: Python's SSLError (and its subclasses
// SSLCertVerificationError, SSLEOFError, SSLZeroReturnError, ...).
type Error struct {
	// Code is Python's SSLError.errno.
	Code ErrorCode
	// Library is Python's SSLError.library: OpenSSL's mnemonic for the
	// library that failed ("SSL", "PEM", "X509"), or "".
	Library string
	// Reason is Python's SSLError.reason: OpenSSL's mnemonic for the reason
	// ("CERTIFICATE_VERIFY_FAILED", "NO_START_LINE"), or "".
	Reason string
	// Message is OpenSSL's text for the reason ("certificate verify
	// failed"), or Python's own message where Python words it.
	Message string
	// VerifyCode is the X509 verification result when certificate
	// verification failed (SSL_get_verify_result), else 0.
	VerifyCode int
	// VerifyMessage explains VerifyCode as Python does: X509's own text
	// ("self-signed certificate"), or for a hostname or IP address mismatch
	// "Hostname mismatch, certificate is not valid for 'name'.".
	VerifyMessage string
	// Queue is OpenSSL's whole error queue at the failure, oldest first.
	Queue []ErrorEntry

	cause error    // a Go-side cause (a file's errno), for errors.Is
	class errClass // Python's subclass of SSLError, for errors.Is
}

// ErrorEntry is one entry of OpenSSL's error queue.
type ErrorEntry struct {
	Library string // "SSL", or "" when the library has no mnemonic
	Reason  string // "CERTIFICATE_VERIFY_FAILED", or "" when the reason has none
	Message string // OpenSSL's reason text, or "" when it has none
	File    string // OpenSSL source file that raised it
	Line    int
	Data    string // additional text OpenSSL attached, e.g. a file name
}

// Error returns Python's text for the failure: "[LIB: REASON] message" with
// ": verify message" for certificate verification, without Python's
// "(_ssl.c:NNN)" suffix.
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.Library != "" && e.Reason != "":
		fmt.Fprintf(&b, "[%s: %s] ", e.Library, e.Reason)
	case e.Library != "":
		fmt.Fprintf(&b, "[%s] ", e.Library)
	}
	b.WriteString(e.Message)
	if e.VerifyMessage != "" && e.Library != "" && e.Reason != "" {
		b.WriteString(": " + e.VerifyMessage)
	}
	if e.cause != nil {
		b.WriteString(": " + e.cause.Error())
	}
	return b.String()
}

// Unwrap returns the Go-side cause, such as the *fs.PathError of a file that
// could not be opened, or nil.
func (e *Error) Unwrap() error { return e.cause }

// Timeout reports false: an *Error is never a deadline; timeouts are
// reported as the net.Error of the transport.
func (e *Error) Timeout() bool { return false }

// Temporary reports false; retrying the same operation fails the same way.
func (e *Error) Temporary() bool { return false }

// queueOf converts OpenSSL's captured queue.
func queueOf(oe *openssl.Error) []ErrorEntry {
	if oe == nil || len(oe.Entries) == 0 {
		return nil
	}
	q := make([]ErrorEntry, len(oe.Entries))
	for i, en := range oe.Entries {
		q[i] = ErrorEntry{Library: en.Library, Reason: en.ReasonName, Message: en.Message,
			File: en.File, Line: en.Line, Data: en.Data}
	}
	return q
}

// libraryError builds the error Python's _setSSLError makes from the newest
// entry of the queue: errno is its reason code, library and reason its
// mnemonics, and the message its reason text.
func libraryError(oe *openssl.Error) *Error {
	e := &Error{Queue: queueOf(oe), Message: msgUnknown}
	if last, ok := oe.Last(); ok {
		e.Code = ErrorCode(last.Reason)
		e.Library = last.Library
		e.Reason = last.ReasonName
		e.Message = reasonMessage(last)
	}
	return e
}

// msgUnknown is Python's text when OpenSSL has none for a reason.
const msgUnknown = "unknown error"

// reasonMessage is Python's message for a queue entry: OpenSSL's reason
// text, or "unknown error" for a reason without one (not OpenSSL's
// "reason(1200)").
func reasonMessage(en openssl.ErrorEntry) string {
	if en.Message == "" {
		return msgUnknown
	}
	return en.Message
}

// openSSLError is libraryError for an error the openssl package returned.
func openSSLError(err error) *Error { return libraryError(asOpenSSL(err)) }

// nulInPath is Python's ValueError for a file name with a NUL byte, which
// C would silently cut short.
func nulInPath(path string) error { return invalidArgument("embedded null byte in %q", path) }

// messageError is Python's SSLError with a message of its own, such as
// "No cipher can be selected.": no library or reason, the queue kept for
// whoever wants to know more.
func messageError(msg string, oe *openssl.Error) *Error {
	return &Error{Message: msg, Queue: queueOf(oe)}
}

// loadError maps a failed loader call the way Python's load_cert_chain and
// load_verify_locations do: errno set by the call makes it an OS error about
// the file (so errors.Is(err, fs.ErrNotExist) holds for a missing file), a
// NUL byte is an invalid argument, and anything else is an *Error.
func loadError(err error, path string) error {
	var oe *openssl.Error
	switch {
	case errors.Is(err, openssl.ErrNULByte):
		return nulInPath(path)
	case errors.As(err, &oe):
		if oe.Errno != 0 {
			return &fs.PathError{Op: "open", Path: path, Err: oe.Errno}
		}
		return libraryError(oe)
	}
	return err
}

// CertificateError is Python's CertificateError: a certificate that does
// not match the hostname, returned by MatchHostname.
type CertificateError struct {
	// Hostname is the name or address that was checked.
	Hostname string
	// Names are the certificate names it was checked against, in order.
	Names []string
	// Message is Python's text: "hostname 'x' doesn't match 'y'".
	Message string
}

// Error returns Python's message.
func (e *CertificateError) Error() string { return e.Message }

// Python's words for the outcomes of SSL operations (PySSL_SetError).
const (
	msgEOF        = "EOF occurred in violation of protocol"
	msgZeroReturn = "TLS/SSL connection has been closed (EOF)"
	msgSSLFailure = "A failure in the SSL library occurred"
	msgSyscall    = "Some I/O error occurred"
)

// operationError builds the error Python's PySSL_SetError raises for a
// failed SSL operation: the kind from SSL_get_error, library and reason
// from the newest queue entry, a certificate verification failure with the
// verify result, and OpenSSL 3's unexpected EOF as Python's SSLEOFError.
// hostname is the name the client asked for, for Python's mismatch message.
func operationError(ssl *openssl.SSL, r openssl.Result, hostname string) *Error {
	e := &Error{Queue: queueOf(r.Err)}
	last, hasLast := r.Err.Last()
	if hasLast {
		e.Library = last.Library
		e.Reason = last.ReasonName
		e.Message = reasonMessage(last)
	}
	w, isWant := wantErrors[r.SSLError]
	switch {
	case isWant:
		e.Code, e.Message = w.code, w.message
	case r.SSLError == openssl.ErrorSyscall:
		// Memory BIOs have no errno: an empty queue can only mean the
		// transport ended, which Python reports as EOF.
		e.Code = ErrorSyscall
		if !hasLast {
			e.Code, e.Message = ErrorEOF, msgEOF
		}
	case r.SSLError == openssl.ErrorSSL:
		e.Code = ErrorSSL
		classifySSLFailure(e, ssl, last, hasLast, hostname)
	default:
		e.Code, e.Message = ErrorInvalidErrorCode, "Invalid error code"
	}
	e.class = operationClass(e, hasLast)
	return e
}

// wantErrors are the outcomes of SSL_get_error that carry Python's fixed
// words rather than the queue's.
var wantErrors = map[int]struct {
	code    ErrorCode
	message string
}{
	openssl.ErrorZeroReturn:     {ErrorZeroReturn, msgZeroReturn},
	openssl.ErrorWantRead:       {ErrorWantRead, "The operation did not complete (read)"},
	openssl.ErrorWantWrite:      {ErrorWantWrite, "The operation did not complete (write)"},
	openssl.ErrorWantX509Lookup: {ErrorWantX509Lookup, "The operation did not complete (X509 lookup)"},
	openssl.ErrorWantConnect:    {ErrorWantConnect, "The operation did not complete (connect)"},
}

// classifySSLFailure refines an SSL_ERROR_SSL by its newest queue entry:
// none at all, OpenSSL 3's unexpected EOF (Python's SSLEOFError), or a
// failed verification with the verify result.
func classifySSLFailure(e *Error, ssl *openssl.SSL, last openssl.ErrorEntry, hasLast bool, hostname string) {
	switch {
	case !hasLast:
		e.Message = msgSSLFailure
	case last.Lib == openssl.LibSSL && last.Reason == openssl.ReasonUnexpectedEOF:
		e.Code, e.Message = ErrorEOF, msgEOF
	case last.Lib == openssl.LibSSL && last.Reason == openssl.ReasonCertificateVerifyFailed:
		e.VerifyCode = ssl.VerifyResult()
		e.VerifyMessage = verifyMessage(e.VerifyCode, hostname)
	}
}

// verifyMessage is Python's verify_message: its own words for a name or
// address mismatch, OpenSSL's for the rest.
func verifyMessage(code int, hostname string) string {
	switch code {
	case openssl.VerifyHostnameMismatch:
		return "Hostname mismatch, certificate is not valid for '" + hostname + "'."
	case openssl.VerifyIPAddressMismatch:
		return "IP address mismatch, certificate is not valid for '" + hostname + "'."
	default:
		return openssl.VerifyErrorString(code)
	}
}

// IsCertificateVerificationError reports whether err is a failed
// certificate verification: Python's SSLCertVerificationError.
func (e *Error) IsCertificateVerificationError() bool {
	return e.Library == "SSL" && e.Reason == "CERTIFICATE_VERIFY_FAILED"
}

// isRaggedEOF reports whether err is Python's SSLEOFError: the transport
// ended without close_notify.
func isRaggedEOF(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == ErrorEOF
}
