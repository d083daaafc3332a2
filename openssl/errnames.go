package openssl

import (
	"embed"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The mnemonics of each OpenSSL series, generated from its headers by
// internal/mkerrnames into zerrnames_<series>.txt: what Python's
// _ssl_data_<series>.h holds, as text that two series compare with diff.
//
//go:embed zerrnames_*.txt
var errNameFiles embed.FS

// errNameTable is one series' file, read on first use: a process needs
// only the table of the OpenSSL it runs on.
type errNameTable struct {
	series string // "1.1.1", "3.0", "3.5", from the file's name
	number uint64 // the series' OPENSSL_VERSION_NUMBER with patch 0
	read   func() *errNameEntries
}

// errNameEntries is what one series' file holds.
type errNameEntries struct {
	series  string // as the file's name says it, when the file is right
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

// errNameTables is every series' table, one per embedded file.
var errNameTables = sync.OnceValue(func() []*errNameTable {
	files, err := errNameFiles.ReadDir(".")
	if err != nil {
		panic("openssl: the embedded error name tables: " + err.Error())
	}
	var tables []*errNameTable
	for _, f := range files {
		tables = append(tables, newErrNameTable(f.Name()))
	}
	return tables
})

// newErrNameTable is the table of file, zerrnames_<series>.txt with "_"
// for "." in the series; the file is read when the entries are first asked
// for.
func newErrNameTable(file string) *errNameTable {
	t := &errNameTable{series: strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(file, "zerrnames_"), ".txt"), "_", ".")}
	for i, part := range strings.SplitN(t.series, ".", 3) {
		n, err := strconv.ParseUint(part, 10, 8)
		if err != nil {
			panic("openssl: an error name table not named zerrnames_<series>.txt: " + file)
		}
		t.number |= n << (28 - 8*i) // major, minor, fix as OPENSSL_VERSION_NUMBER packs them
	}
	t.read = sync.OnceValue(func() *errNameEntries {
		b, err := errNameFiles.ReadFile(file)
		if err != nil {
			panic("openssl: the embedded error name tables: " + err.Error())
		}
		return readErrNames(file, string(b))
	})
	return t
}

// readErrNames reads a file mkerrnames wrote. The files are part of the
// package and read by its tests: a malformed one is a broken build, and
// panics with the file and line.
func readErrNames(file, text string) *errNameEntries {
	e := &errNameEntries{}
	i := 0
	for line := range strings.SplitSeq(strings.TrimSuffix(text, "\n"), "\n") {
		i++
		key, rest, _ := strings.Cut(line, " ")
		var err error
		switch key {
		case "#":
		case "series":
			e.series = rest
		case "version":
			e.version = rest
		case "number":
			e.number, err = strconv.ParseUint(rest, 0, 64)
		case "lib", "verify":
			var c codeName
			c.code, c.name, err = codeAndName(rest)
			if key == "lib" {
				e.libs = append(e.libs, c)
			} else {
				e.verify = append(e.verify, c)
			}
		case "reason":
			var r reasonName
			lib, rest, _ := strings.Cut(rest, " ")
			if r.lib, err = strconv.Atoi(lib); err == nil {
				r.reason, r.name, err = codeAndName(rest)
			}
			e.reasons = append(e.reasons, r)
		default:
			err = errors.New("not an error name entry")
		}
		if err != nil {
			panic(fmt.Sprintf("openssl: %s:%d: %q: %v", file, i, line, err))
		}
	}
	return e
}

// codeAndName reads "<code> <name>".
func codeAndName(s string) (int, string, error) {
	code, name, _ := strings.Cut(s, " ")
	n, err := strconv.Atoi(code)
	if err == nil && (name == "" || strings.Contains(name, " ")) {
		err = errors.New("not a code and a name")
	}
	return n, name, err
}

// errNames is the table of the OpenSSL running the process: the codes in
// its error queue are that library's, whatever headers the package was
// compiled with. A series without a table of its own (3.3, 3.6) gets the
// newest older one, which lacks only the reasons added since; the table
// tests fail on such a series until `make generate` writes its table.
var errNames = sync.OnceValue(func() *errNameEntries { return tableFor(VersionNumber()).read() })

func tableFor(number uint64) *errNameTable {
	var best *errNameTable
	tables := errNameTables()
	for _, t := range tables {
		if seriesKey(t.number) == seriesKey(number) {
			return t
		}
		if t.number <= number && (best == nil || t.number > best.number) {
			best = t
		}
	}
	if best == nil {
		best = slices.MinFunc(tables, func(a, b *errNameTable) int { return cmpUint(a.number, b.number) })
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
	return tableFor(VersionNumber()).series, errNames().version
}
