package openssl

/*
#include "../cshim/shim.h"
*/
import "C"

import (
	"runtime"
	"time"
	"unsafe"
)

// Session owns a reference to an SSL_SESSION. It is kept as OpenSSL's own
// object, never re-serialised, so resuming it costs what it costs in C.
type Session struct{ owned[*C.SSL_SESSION] }

func newSession(p *C.SSL_SESSION) *Session {
	return newOwned[Session](p, func(p *C.SSL_SESSION) { C.SSL_SESSION_free(p) })
}

// Free drops the reference (SSL_SESSION_free); idempotent.
func (s *Session) Free() { s.release() }

// ID returns SSL_SESSION_get_id.
func (s *Session) ID() []byte {
	var n C.uint
	p := C.SSL_SESSION_get_id(s.p, &n)
	defer runtime.KeepAlive(s)
	return C.GoBytes(unsafe.Pointer(p), C.int(n))
}

// Time returns SSL_SESSION_get_time.
func (s *Session) Time() time.Time {
	t := time.Unix(int64(C.SSL_SESSION_get_time(s.p)), 0)
	runtime.KeepAlive(s)
	return t
}

// Timeout returns SSL_SESSION_get_timeout.
func (s *Session) Timeout() time.Duration {
	d := time.Duration(C.SSL_SESSION_get_timeout(s.p)) * time.Second
	runtime.KeepAlive(s)
	return d
}

// HasTicket returns SSL_SESSION_has_ticket.
func (s *Session) HasTicket() bool {
	r := C.SSL_SESSION_has_ticket(s.p) == 1
	runtime.KeepAlive(s)
	return r
}

// TicketLifetimeHint returns SSL_SESSION_get_ticket_lifetime_hint.
func (s *Session) TicketLifetimeHint() time.Duration {
	d := time.Duration(C.SSL_SESSION_get_ticket_lifetime_hint(s.p)) * time.Second
	runtime.KeepAlive(s)
	return d
}

// Resumable returns SSL_SESSION_is_resumable.
func (s *Session) Resumable() bool {
	r := C.SSL_SESSION_is_resumable(s.p) == 1
	runtime.KeepAlive(s)
	return r
}
