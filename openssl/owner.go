package openssl

import "runtime"

// owned is the one C object a Go type owns (rust-openssl's foreign_type):
// it is freed exactly once, by Free or, failing that, by a cleanup once the
// Go value holding it is unreachable. Types embed it and pass their own
// address to own, so the cleanup is tied to the value users hold.
// P is a C pointer type: cgo's struct types are incomplete, so the owner is
// generic in the pointer, not in what it points to.
type owned[P comparable] struct {
	p       P
	free    func(P)
	cleanup runtime.Cleanup
}

// own makes o the owner of p, freed with free once holder is unreachable.
func own[H any, P comparable](holder *H, o *owned[P], p P, free func(P)) {
	o.p, o.free = p, free
	o.cleanup = runtime.AddCleanup(holder, free, p)
}

// release frees the C object now; idempotent. The owner must not be used
// afterwards.
func (o *owned[P]) release() {
	var none P
	if o.p == none {
		return
	}
	o.cleanup.Stop()
	o.free(o.p)
	o.p = none
}
