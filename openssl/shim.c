/* cgo compiles the C files of its package's directory; the shim's source is kept in ../cshim. */
#include "../cshim/shim.c"
#include "../cshim/alpn.c"
#include "../cshim/callbacks.c"
