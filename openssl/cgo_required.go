//go:build !cgo

package openssl

// This package is OpenSSL through cgo: without cgo there is nothing to
// build. The name below is undefined on purpose, so that a build with
// CGO_ENABLED=0 fails with a sentence saying what to do rather than with
// the names the cgo files would have defined.
var _ = sslctx_needs_cgo_and_OpenSSL__build_with_CGO_ENABLED_1_and_libssl_dev_installed
