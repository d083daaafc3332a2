package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A table is kept only when it names everything the headers define as they
// do; entries the headers lack are allowed only from a later patch release.
func TestCurrent(t *testing.T) {
	h := headers{
		version: "OpenSSL 3.0.19 27 Jan 2026",
		number:  0x30000130,
		libs:    []code{{20, "SSL"}, {46, "CMS"}},
		reasons: []reason{{20, 134, "CERTIFICATE_VERIFY_FAILED"}, {46, 181, "NOT_KEY_AGREEMENT"}},
		verify:  []code{{0, "X509_V_OK"}, {10, "X509_V_ERR_CERT_HAS_EXPIRED"}},
	}
	with := func(f func(*headers)) headers {
		c := h
		c.libs = append([]code(nil), h.libs...)
		c.reasons = append([]reason(nil), h.reasons...)
		c.verify = append([]code(nil), h.verify...)
		f(&c)
		return c
	}
	newerPatch := with(func(c *headers) { c.version, c.number = "OpenSSL 3.0.20 7 Apr 2026", 0x30000140 })
	added := with(func(c *headers) {
		c.version, c.number = "OpenSSL 3.0.20 7 Apr 2026", 0x30000140
		c.reasons = append(c.reasons, reason{46, 182, "CIPHER_AEAD_IN_ENVELOPED_DATA"})
	})
	for _, tc := range []struct {
		name      string
		committed headers
		installed headers
		keep      bool
	}{
		{"same headers", h, h, true},
		{"another patch release, same names", newerPatch, h, true},
		{"an older patch release, same names", h, newerPatch, true},
		{"a later patch release added a reason", added, h, true},
		{"the installed headers added a reason", h, added, false},
		{"an entry the installed headers lack, from an older release", with(func(c *headers) {
			c.verify = append(c.verify, code{99, "X509_V_ERR_GONE"})
		}), newerPatch, false},
		{"a reason named otherwise", with(func(c *headers) { c.reasons[0].name = "OTHER" }), h, false},
		{"a library missing", with(func(c *headers) { c.libs = c.libs[:1] }), h, false},
		{"a verify code missing", with(func(c *headers) { c.verify = c.verify[:1] }), h, false},
	} {
		assert.Equal(t, tc.keep, current(render(tc.committed, "3.0"), tc.installed), tc.name)
	}
	assert.False(t, current([]byte("package openssl\n"), h), "not a table")
}
