package openssl

/*
#include "../cshim/shim.h"
*/
import "C"

import "runtime"

// HostFlags returns X509_VERIFY_PARAM_get_hostflags of the context's
// parameters: the flags every SSL made from it starts with.
func (c *Ctx) HostFlags() uint {
	f := C.X509_VERIFY_PARAM_get_hostflags(C.SSL_CTX_get0_param(c.p))
	runtime.KeepAlive(c)
	return uint(f)
}
