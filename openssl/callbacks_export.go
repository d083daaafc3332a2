package openssl

// The Go functions the C shim's callbacks call (cshim/callbacks.c). Kept
// apart: a file with //export may only declare in its preamble.

/*
#include <stdint.h>
#include <string.h>
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

//export sslctxReleaseHandle
func sslctxReleaseHandle(h C.uintptr_t) { cgo.Handle(h).Delete() }

// cBytes is a NUL-terminated C string as bytes, nil for NULL.
func cBytes(p *C.char) []byte {
	if p == nil {
		return nil
	}
	return C.GoBytes(unsafe.Pointer(p), C.int(C.strlen(p)))
}

//export sslctxPSKClientCallback
func sslctxPSKClientCallback(h C.uintptr_t, hint, identity *C.char, maxIdentity C.uint, psk *C.uchar, maxPSK C.uint) (n C.uint) {
	// A panic must not unwind through OpenSSL's frames: the callbacks
	// recover their own; this is the last guard.
	defer func() {
		if recover() != nil {
			n = 0
		}
	}()
	cb := cgo.Handle(h).Value().(PSKCallbacks)
	id, key := cb.ClientPSK(cBytes(hint), int(maxIdentity), int(maxPSK))
	if key == nil || len(id)+1 > int(maxIdentity) || len(key) > int(maxPSK) {
		return 0
	}
	idBuf := unsafe.Slice((*byte)(unsafe.Pointer(identity)), int(maxIdentity))
	copy(idBuf, id)
	idBuf[len(id)] = 0
	copy(unsafe.Slice((*byte)(unsafe.Pointer(psk)), int(maxPSK)), key)
	return C.uint(len(key))
}

//export sslctxPSKServerCallback
func sslctxPSKServerCallback(h C.uintptr_t, identity *C.char, psk *C.uchar, maxPSK C.uint) (n C.uint) {
	defer func() {
		if recover() != nil {
			n = 0
		}
	}()
	cb := cgo.Handle(h).Value().(PSKCallbacks)
	key := cb.ServerPSK(cBytes(identity), int(maxPSK))
	if key == nil || len(key) > int(maxPSK) {
		return 0
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(psk)), int(maxPSK)), key)
	return C.uint(len(key))
}
