package ssl

import "errors"

// Python's subclasses of SSLError, for errors.Is. An *Error matches the one
// CPython raises for the same failure, and a plain SSLError matches none.
var (
	// ErrZeroReturn is SSLZeroReturnError: the peer closed TLS cleanly
	// (close_notify) where more was expected, such as in a handshake or a
	// Write. Read returns io.EOF itself after close_notify, as io.Reader
	// requires.
	ErrZeroReturn = errors.New("ssl: TLS/SSL connection has been closed (EOF)")
	// ErrWantRead is SSLWantReadError: the TLS engine needs more incoming
	// bytes before the operation can go on.
	ErrWantRead = errors.New("ssl: the operation did not complete (read)")
	// ErrWantWrite is SSLWantWriteError: the TLS engine needs its outgoing
	// bytes sent before the operation can go on.
	ErrWantWrite = errors.New("ssl: the operation did not complete (write)")
	// ErrSyscall is SSLSyscallError: an I/O failure under TLS that OpenSSL
	// put no error on its queue for.
	ErrSyscall = errors.New("ssl: some I/O error occurred")
	// ErrEOF is SSLEOFError: the transport ended inside TLS, without
	// close_notify (a ragged EOF that was not suppressed).
	ErrEOF = errors.New("ssl: EOF occurred in violation of protocol")
	// ErrCertVerification is SSLCertVerificationError: the peer's
	// certificate failed verification (VerifyCode and VerifyMessage say
	// why), or with MatchHostname a *CertificateError.
	ErrCertVerification = errors.New("ssl: certificate verify failed")
)

// errClass is the Python class of an *Error; the zero value is plain
// SSLError.
type errClass uint8

const (
	classSSLError errClass = iota
	classZeroReturn
	classWantRead
	classWantWrite
	classSyscall
	classEOF
	classCertVerification
)

var classSentinels = [...]error{
	classZeroReturn:       ErrZeroReturn,
	classWantRead:         ErrWantRead,
	classWantWrite:        ErrWantWrite,
	classSyscall:          ErrSyscall,
	classEOF:              ErrEOF,
	classCertVerification: ErrCertVerification,
}

// Is reports whether target is the sentinel of e's Python class, so that
// errors.Is(err, ErrEOF) tells SSLEOFError from other failures.
func (e *Error) Is(target error) bool {
	return e.class != classSSLError && target == classSentinels[e.class]
}

// Is reports whether target is ErrCertVerification: Python's
// CertificateError is SSLCertVerificationError.
func (e *CertificateError) Is(target error) bool { return target == ErrCertVerification }

// operationClass is the class CPython's PySSL_SetError gives a failed SSL
// operation: by SSL_get_error's kind, with SSL_ERROR_SSL a certificate
// verification failure as SSLCertVerificationError, and an SSL_ERROR_SYSCALL
// with an error on the queue a plain SSLError. hasQueue says whether
// OpenSSL queued an error.
func operationClass(e *Error, hasQueue bool) errClass {
	switch e.Code {
	case ErrorZeroReturn:
		return classZeroReturn
	case ErrorWantRead:
		return classWantRead
	case ErrorWantWrite:
		return classWantWrite
	case ErrorEOF:
		return classEOF
	case ErrorSyscall:
		if !hasQueue {
			return classSyscall
		}
	case ErrorSSL:
		if e.IsCertificateVerificationError() {
			return classCertVerification
		}
	}
	return classSSLError
}

// zeroReturnError is Python's SSLZeroReturnError for a connection the peer
// closed with close_notify.
func zeroReturnError() *Error {
	return &Error{Code: ErrorZeroReturn, Message: msgZeroReturn, class: classZeroReturn}
}
