// Command mkerrnames writes the tables that turn OpenSSL's packed error codes
// into the mnemonics Python's ssl module reports as SSLError.library and
// SSLError.reason ("SSL", "CERTIFICATE_VERIFY_FAILED"), and X509 verify
// codes into their X509_V_ERR_ names.
//
// Python builds its tables from the same definitions, one set per OpenSSL
// series (_ssl_data_111.h, _ssl_data_300.h, ...): ERR_LIB_<NAME> in err.h
// names the libraries, <LIB>_R_<NAME> in each <lib>err.h names a library's
// reasons. Reasons come and go between series (3.2's record layer brought
// RECORD_LAYER_FAILURE), so each series has its own file,
// zerrnames_<series>.txt, which the package embeds; it reads the one of the
// OpenSSL it runs on. The files are text, one entry a line, so that two
// series compare with diff:
//
//	series 3.0
//	version OpenSSL 3.0.19 27 Jan 2026
//	number 0x30000130
//	lib 20 SSL
//	reason 20 134 CERTIFICATE_VERIFY_FAILED
//	verify 10 X509_V_ERR_CERT_HAS_EXPIRED
//
// with the libraries, reasons and verify codes each sorted by code.
//
// Usage:
//
//	mkerrnames [-include DIR] [-dir OUTDIR]
//
// reads DIR/openssl/*.h (default: pkg-config's includedir for openssl) and
// writes OUTDIR/zerrnames_<series>.txt, printing its name. A table already
// there from a later patch release of the series is kept when it names
// everything these headers define as they do (see current).
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

var (
	libDefine    = regexp.MustCompile(`^#\s*define\s+ERR_LIB_(\w+)\s+(\d+)\b`)
	reasonDefine = regexp.MustCompile(`^#\s*define\s+(\w+?)_R_(\w+)\s+(\d+)\b`)
	verifyDefine = regexp.MustCompile(`^#\s*define\s+(X509_V_(?:OK|ERR_\w+))\s+(\d+)\b`)
	versionText  = regexp.MustCompile(`^#\s*define\s+OPENSSL_VERSION_TEXT\s+"([^"]*)"`)
	// 1.1.1 spells the number out; 3.x builds it from its parts.
	versionNumber = regexp.MustCompile(`^#\s*define\s+OPENSSL_VERSION_NUMBER\s+0x([0-9a-fA-F]+)L?\b`)
	versionPart   = regexp.MustCompile(`^#\s*define\s+OPENSSL_VERSION_(MAJOR|MINOR|PATCH)\s+(\d+)\b`)
)

type reason struct {
	lib, code int
	name      string
}

type code struct {
	code int
	name string
}

// headers is what one OpenSSL's headers define.
type headers struct {
	version string
	number  uint64
	libs    []code
	reasons []reason
	verify  []code
}

func main() {
	include := flag.String("include", "", "directory holding openssl/*.h (default: pkg-config's includedir for openssl)")
	dir := flag.String("dir", ".", "directory to write zerrnames_<series>.txt into")
	flag.Parse()
	inc := *include
	if inc == "" {
		b, err := exec.Command("pkg-config", "--variable=includedir", "openssl").Output()
		if err != nil {
			log.Fatalf("mkerrnames: pkg-config --variable=includedir openssl: %v (is libssl-dev installed?)", err)
		}
		inc = strings.TrimSpace(string(b))
	}
	h := read(filepath.Join(inc, "openssl"))
	series := seriesOf(h.number)
	out := filepath.Join(*dir, "zerrnames_"+strings.ReplaceAll(series, ".", "_")+".txt")
	if old, err := os.ReadFile(out); err != nil || !current(old, h) {
		if err := os.WriteFile(out, render(h, series), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println(out)
}

// current reports whether a table already written for the series serves
// the headers h: it names every library, reason and verify code they
// define as they do, and holds more only if it comes from a later patch
// release of the series, which may add reasons but never takes one away.
// Such a table is kept, so that the series' table is that of the newest
// headers seen, and moving between patch releases changes nothing.
func current(old []byte, h headers) bool {
	number, have, ok := parseTable(old)
	if !ok {
		return false
	}
	want := entries(h)
	for k, name := range want {
		if have[k] != name {
			return false
		}
	}
	return len(have) == len(want) || number > h.number
}

// parseTable reads back the version number and the entries of a table
// render wrote, each entry keyed by its kind and codes ("reason 20 134").
func parseTable(src []byte) (number uint64, have map[string]string, ok bool) {
	have = map[string]string{}
	for _, line := range strings.Split(string(src), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "number":
			number, _ = strconv.ParseUint(strings.TrimPrefix(f[1], "0x"), 16, 64)
		case len(f) == 3 && (f[0] == "lib" || f[0] == "verify"),
			len(f) == 4 && f[0] == "reason":
			have[strings.Join(f[:len(f)-1], " ")] = f[len(f)-1]
		}
	}
	return number, have, number != 0 && len(have) > 0
}

// entries keys what headers define as parseTable keys a table.
func entries(h headers) map[string]string {
	e := map[string]string{}
	for _, l := range h.libs {
		e[fmt.Sprintf("lib %d", l.code)] = l.name
	}
	for _, r := range h.reasons {
		e[fmt.Sprintf("reason %d %d", r.lib, r.code)] = r.name
	}
	for _, c := range h.verify {
		e[fmt.Sprintf("verify %d", c.code)] = c.name
	}
	return e
}

// seriesOf names the series of an OPENSSL_VERSION_NUMBER as the project
// does: major.minor from 3.0 on, major.minor.fix before.
func seriesOf(n uint64) string {
	major, minor, fix := n>>28, (n>>20)&0xff, (n>>12)&0xff
	if major < 3 {
		return fmt.Sprintf("%d.%d.%d", major, minor, fix)
	}
	return fmt.Sprintf("%d.%d", major, minor)
}

// read collects what the headers in hdr define: libraries, version,
// reasons and verify codes, each from its own header.
func read(hdr string) headers {
	var h headers
	libs := readLibs(hdr)
	for name, n := range libs {
		h.libs = append(h.libs, code{n, name})
	}
	sort.Slice(h.libs, func(i, j int) bool { return h.libs[i].code < h.libs[j].code })
	h.version, h.number = readVersion(hdr)
	h.reasons = readReasons(hdr, libs)
	h.verify = readVerify(hdr)
	return h
}

func readLibs(hdr string) map[string]int {
	libs := map[string]int{}
	scan(filepath.Join(hdr, "err.h"), func(line string) {
		if m := libDefine.FindStringSubmatch(line); m != nil {
			libs[m[1]], _ = strconv.Atoi(m[2])
		}
	})
	if len(libs) == 0 {
		log.Fatalf("mkerrnames: no ERR_LIB_ definitions in %s", filepath.Join(hdr, "err.h"))
	}
	return libs
}

func readVersion(hdr string) (version string, number uint64) {
	parts := map[string]uint64{}
	scan(filepath.Join(hdr, "opensslv.h"), func(line string) {
		if m := versionText.FindStringSubmatch(line); m != nil {
			version = m[1]
		}
		if m := versionNumber.FindStringSubmatch(line); m != nil {
			number, _ = strconv.ParseUint(m[1], 16, 64)
		}
		if m := versionPart.FindStringSubmatch(line); m != nil {
			parts[m[1]], _ = strconv.ParseUint(m[2], 10, 64)
		}
	})
	if number == 0 {
		number = parts["MAJOR"]<<28 | parts["MINOR"]<<20 | parts["PATCH"]<<4
	}
	if version == "" || number == 0 {
		log.Fatalf("mkerrnames: no OpenSSL version in %s", filepath.Join(hdr, "opensslv.h"))
	}
	return version, number
}

func readReasons(hdr string, libs map[string]int) []reason {
	var reasons []reason
	seen := map[[2]int]bool{}
	files, _ := filepath.Glob(filepath.Join(hdr, "*err.h"))
	sort.Strings(files)
	for _, f := range files {
		// err.h's ERR_R_ reasons are shared by every library, and Python's
		// tables leave them out: "[SSL] PEM lib" has no reason mnemonic.
		if filepath.Base(f) == "err.h" {
			continue
		}
		scan(f, func(line string) {
			m := reasonDefine.FindStringSubmatch(line)
			if m == nil {
				return
			}
			lib, ok := libs[m[1]]
			n, _ := strconv.Atoi(m[3])
			if !ok || n == 0 || seen[[2]int{lib, n}] {
				return
			}
			seen[[2]int{lib, n}] = true
			reasons = append(reasons, reason{lib, n, m[2]})
		})
	}
	sort.Slice(reasons, func(i, j int) bool {
		if reasons[i].lib != reasons[j].lib {
			return reasons[i].lib < reasons[j].lib
		}
		return reasons[i].code < reasons[j].code
	})
	return reasons
}

// readVerify: 1.1.1 defines the verify codes in x509_vfy.h, 3.x in
// x509_vfy.h too (generated from x509_vfy.h.in); the first name of a code wins.
func readVerify(hdr string) []code {
	verify := map[int]string{}
	scan(filepath.Join(hdr, "x509_vfy.h"), func(line string) {
		if m := verifyDefine.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[2])
			if _, dup := verify[n]; !dup {
				verify[n] = m[1]
			}
		}
	})
	var out []code
	for n, name := range verify {
		out = append(out, code{n, name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].code < out[j].code })
	return out
}

func render(h headers, series string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Generated by mkerrnames from the headers of %s; DO NOT EDIT.\n", h.version)
	fmt.Fprintf(&b, "series %s\nversion %s\nnumber 0x%08x\n", series, h.version, h.number)
	for _, l := range h.libs {
		fmt.Fprintf(&b, "lib %d %s\n", l.code, l.name)
	}
	for _, r := range h.reasons {
		fmt.Fprintf(&b, "reason %d %d %s\n", r.lib, r.code, r.name)
	}
	for _, c := range h.verify {
		fmt.Fprintf(&b, "verify %d %s\n", c.code, c.name)
	}
	return b.Bytes()
}

func scan(path string, fn func(string)) {
	f, err := os.Open(path)
	if err != nil {
		log.Fatalf("mkerrnames: %v", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fn(s.Text())
	}
	if err := s.Err(); err != nil {
		log.Fatalf("mkerrnames: %s: %v", path, err)
	}
}
