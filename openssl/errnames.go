package openssl

import (
	"slices"
	"sync"
)

// errNameTable is one OpenSSL series' mnemonics, generated from its headers
// into zerrnames_<series>.go: what Python's _ssl_data_<series>.h holds.
type errNameTable struct {
	series  string // "1.1.1", "3.0", "3.5"
	version string // OPENSSL_VERSION_TEXT of the headers read
	number  uint64 // OPENSSL_VERSION_NUMBER of the headers read
	libs    []codeName
	reasons []reasonName
	verify  []codeName
}

// codeName is a number and its mnemonic, sorted by number.
type codeName struct {
	code int
	name string
}

// reasonName is a library's reason code and its mnemonic, sorted by
// library, then code.
type reasonName struct {
	lib, reason int
	name        string
}

// errNameTables is every series' table, registered by the generated files.
var errNameTables []*errNameTable

// errNames is the table of the OpenSSL running the process: the codes in
// its error queue are that library's, whatever headers the package was
// compiled with. A series without a table of its own (3.3, 3.6) gets the
// newest older one, which lacks only the reasons added since; the table
// tests fail on such a series until `make generate` writes its table.
var errNames = sync.OnceValue(func() *errNameTable { return tableFor(VersionNumber()) })

func tableFor(number uint64) *errNameTable {
	var best *errNameTable
	for _, t := range errNameTables {
		if seriesKey(t.number) == seriesKey(number) {
			return t
		}
		if t.number <= number && (best == nil || t.number > best.number) {
			best = t
		}
	}
	if best == nil {
		best = slices.MinFunc(errNameTables, func(a, b *errNameTable) int { return cmpUint(a.number, b.number) })
	}
	return best
}

// seriesKey keeps what names a series: major.minor from 3.0 on,
// major.minor.fix before.
func seriesKey(n uint64) uint64 {
	if n>>28 >= 3 {
		return n >> 20
	}
	return n >> 12
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func lookupCode(s []codeName, code int) string {
	if i, ok := slices.BinarySearchFunc(s, code, func(e codeName, c int) int { return e.code - c }); ok {
		return s[i].name
	}
	return ""
}

// libName returns the ERR_LIB_ mnemonic of a library code, or "".
func libName(lib int) string { return lookupCode(errNames().libs, lib) }

// reasonMnemonic returns the <LIB>_R_ mnemonic of a library's reason code, or "".
func reasonMnemonic(lib, reason int) string {
	rs := errNames().reasons
	i, ok := slices.BinarySearchFunc(rs, [2]int{lib, reason}, func(e reasonName, k [2]int) int {
		if e.lib != k[0] {
			return e.lib - k[0]
		}
		return e.reason - k[1]
	})
	if !ok {
		return ""
	}
	return rs[i].name
}

// VerifyCodeName returns the X509_V_ERR_ name of an X509 verify result
// ("X509_V_ERR_CERT_HAS_EXPIRED"), as the running OpenSSL's headers define
// it, or "" for a code it does not define.
func VerifyCodeName(code int) string { return lookupCode(errNames().verify, code) }

// ErrorTableSeries returns the OpenSSL series whose mnemonic table this
// process uses ("3.5") and the OpenSSL version its headers came from.
func ErrorTableSeries() (series, version string) {
	t := errNames()
	return t.series, t.version
}
