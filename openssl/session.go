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

// SessionInfo is what OpenSSL says of a session: SSL_SESSION_get_time,
// _get_timeout, _has_ticket, _get_ticket_lifetime_hint and _is_resumable.
type SessionInfo struct {
	Time               time.Time
	Timeout            time.Duration
	HasTicket          bool
	TicketLifetimeHint time.Duration
	Resumable          bool
}

// Info reads the session's SessionInfo, in one call; Python reads each
// attribute live, so it is not kept.
func (s *Session) Info() SessionInfo {
	var i C.shim_session_info
	C.shim_session_get_info(s.p, &i)
	runtime.KeepAlive(s)
	return SessionInfo{
		Time:               time.Unix(int64(i.time), 0),
		Timeout:            time.Duration(i.timeout) * time.Second,
		HasTicket:          i.has_ticket == 1,
		TicketLifetimeHint: time.Duration(i.ticket_lifetime_hint) * time.Second,
		Resumable:          i.resumable == 1,
	}
}
