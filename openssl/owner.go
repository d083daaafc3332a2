package openssl

import "runtime"

// owned is the one C object a Go type owns (rust-openssl's foreign_type):
// it is freed exactly once, by Free or, failing that, by a cleanup once the
// Go value holding it is unreachable. Types embed it and are made by
// newOwned, so the cleanup is tied to the value users hold.
// P is a C pointer type: cgo's struct types are incomplete, so the owner is
// generic in the pointer, not in what it points to.
type owned[P comparable] struct {
	p       P
	free    func(P)
	cleanup runtime.Cleanup
}

// owner is a pointer to a type T that embeds owned[P].
type owner[T any, P comparable] interface {
	*T
	base() *owned[P]
}

func (o *owned[P]) base() *owned[P] { return o }

// newOwned returns a new T that owns p, freed with free by Free or once the
// T is unreachable: newOwned[Ctx](p, free).
func newOwned[T any, PT owner[T, P], P comparable](p P, free func(P)) *T {
	t := new(T)
	o := PT(t).base()
	o.p, o.free = p, free
	o.cleanup = runtime.AddCleanup(t, free, p)
	return t
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
