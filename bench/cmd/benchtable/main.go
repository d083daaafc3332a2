// Command benchtable measures sslctx, Go's crypto/tls and the C reference
// (bench/cref, raw OpenSSL) on the same workloads, interleaved round by
// round (C, sslctx, crypto/tls, C, ...) so that drift of the machine hits
// all three alike, and prints a Markdown table of medians and ratios.
//
//	go run ./bench/cmd/benchtable -cref bench/cref/cref
//
// In-memory rows run the Go implementations with GOMAXPROCS=1, since the C
// reference pumps both ends in one thread; loopback TCP rows use every core,
// as the C reference uses a thread per end.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sslctx/ssl"
	"github.com/sslctx/ssl/bench"
	"github.com/sslctx/ssl/internal/golden"
)

// row is one workload on one transport.
type row struct {
	name  string // cref's name for it
	tr    bench.Transport
	unit  string
	run   func(b *testing.B, impl bench.Impl, tr bench.Transport)
	chunk int // bytes per operation for throughput rows
}

func rows() []row {
	var out []row
	for _, tr := range []bench.Transport{bench.TCP, bench.Mem} {
		out = append(out,
			row{name: "handshake-rsa", tr: tr, unit: "handshakes/s", run: func(b *testing.B, i bench.Impl, t bench.Transport) { bench.Handshakes(b, i, t, "rsa") }},
			row{name: "handshake-ecdsa", tr: tr, unit: "handshakes/s", run: func(b *testing.B, i bench.Impl, t bench.Transport) { bench.Handshakes(b, i, t, "ecdsa") }},
			row{name: "resumed", tr: tr, unit: "handshakes/s", run: bench.Resumed},
		)
		for _, suite := range []string{"aes128gcm", "chacha20", "tls12"} {
			for _, chunk := range []int{16 << 10, 1 << 10} {
				suite, chunk := suite, chunk
				size := map[int]string{16 << 10: "16k", 1 << 10: "1k"}[chunk]
				out = append(out, row{name: "bulk-" + size + "-" + suite, tr: tr, unit: "MiB/s", chunk: chunk,
					run: func(b *testing.B, i bench.Impl, t bench.Transport) { bench.Bulk(b, i, t, suite, chunk) }})
			}
		}
		out = append(out, row{name: "roundtrip-1k", tr: tr, unit: "roundtrips/s", run: bench.RoundTrips})
	}
	return out
}

var resultLine = regexp.MustCompile(`result ([0-9.]+)`)

func runC(cref string, r row, secs float64) (float64, error) {
	out, err := exec.Command(cref, r.name, string(r.tr), strconv.FormatFloat(secs, 'f', 2, 64), golden.Dir()).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%s %s: %v: %s", cref, r.name, err, out)
	}
	m := resultLine.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("%s %s: no result in %q", cref, r.name, out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// runGo runs one workload with testing.Benchmark and returns its rate and
// allocations per operation; ok is false when the implementation skipped it.
func runGo(r row, impl bench.Impl) (rate, allocs float64, ok bool) {
	if r.tr == bench.Mem {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	}
	skipped := false
	res := testing.Benchmark(func(b *testing.B) {
		r.run(b, impl, r.tr)
		skipped = b.Skipped()
	})
	if skipped || res.N == 0 {
		return 0, 0, false
	}
	perSec := float64(res.N) / res.T.Seconds()
	if r.chunk > 0 {
		perSec = perSec * float64(r.chunk) / (1 << 20)
	}
	return perSec, float64(res.AllocsPerOp()), true
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// cells holds the measurements of one row, one per round.
type cells struct{ c, ours, theirs, allocs []float64 }

// main runs in phases: select the rows, measure them, report the table.
func main() {
	cref := flag.String("cref", "bench/cref/cref", "the C reference program")
	rounds := flag.Int("rounds", 5, "measurements of each cell")
	benchtime := flag.Duration("time", 500*time.Millisecond, "duration of one measurement")
	only := flag.String("only", "", "run only the rows whose name matches this regular expression")
	idlerss := flag.String("idlerss", "", "the bench/cmd/idlerss program; without it the idle keep-alive row is left out")
	idleConns := flag.Int("idle-conns", 10000, "connections of the idle keep-alive row")
	idleRounds := flag.Int("idle-rounds", 1, "measurements of each cell of the idle keep-alive row")
	flag.Parse()
	testing.Init()
	if err := flag.Set("test.benchtime", benchtime.String()); err != nil {
		fail(2, err)
	}
	filter := regexp.MustCompile(*only)
	selected := selectRows(filter)
	start := time.Now()
	results := measure(selected, *cref, *rounds, *benchtime, start)
	fmt.Printf("%s; Go %s; %d CPUs; %d rounds of %v, medians.\n\n", ssl.OpenSSLVersion, runtime.Version(), runtime.NumCPU(), *rounds, *benchtime)
	report(selected, results)
	if filter.MatchString("idle-memory") {
		reportIdleMemory(*cref)
	}
	if *idlerss != "" && filter.MatchString("idle-keepalive") {
		reportIdleKeepAlive(*idlerss, *idleConns, *idleRounds)
	}
	fmt.Fprintf(os.Stderr, "total %v\n", time.Since(start).Round(time.Second))
}

func fail(code int, err ...any) {
	fmt.Fprintln(os.Stderr, err...)
	os.Exit(code)
}

func selectRows(filter *regexp.Regexp) []row {
	var selected []row
	for _, r := range rows() {
		if filter.MatchString(r.name + "/" + string(r.tr)) {
			selected = append(selected, r)
		}
	}
	return selected
}

func measure(selected []row, cref string, rounds int, benchtime time.Duration, start time.Time) []cells {
	results := make([]cells, len(selected))
	for round := 0; round < rounds; round++ {
		for i, r := range selected {
			// Rotate who goes first, so that no implementation always
			// runs on a machine warmed (or tired) by the others.
			for k := 0; k < 3; k++ {
				measureOne(&results[i], r, (round+k)%3, cref, benchtime)
			}
		}
		fmt.Fprintf(os.Stderr, "round %d/%d done after %v\n", round+1, rounds, time.Since(start).Round(time.Second))
	}
	return results
}

// measureOne runs one cell of r: 0 the C reference, 1 sslctx, 2 crypto/tls.
func measureOne(res *cells, r row, who int, cref string, benchtime time.Duration) {
	switch who {
	case 0:
		v, err := runC(cref, r, benchtime.Seconds())
		if err != nil {
			fail(1, err)
		}
		res.c = append(res.c, v)
	case 1:
		if v, a, ok := runGo(r, bench.SSLCtx); ok {
			res.ours = append(res.ours, v)
			res.allocs = append(res.allocs, a)
		}
	case 2:
		if v, _, ok := runGo(r, bench.CryptoTLS); ok {
			res.theirs = append(res.theirs, v)
		}
	}
}

func ratio(a, b float64) string {
	if a == 0 || b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func num(v float64) string {
	if v == 0 {
		return "n/a"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

func report(selected []row, results []cells) {
	fmt.Println("| workload | transport | unit | C (OpenSSL) | sslctx | crypto/tls | sslctx / C | sslctx / crypto/tls | sslctx allocs/op |")
	fmt.Println("|---|---|---|---:|---:|---:|---:|---:|---:|")
	for i, r := range selected {
		c, ours, theirs := median(results[i].c), median(results[i].ours), median(results[i].theirs)
		transport := map[bench.Transport]string{bench.TCP: "loopback TCP", bench.Mem: "memory"}[r.tr]
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.name, transport, r.unit,
			num(c), num(ours), num(theirs), ratio(ours, c), ratio(ours, theirs), strings.TrimSuffix(fmt.Sprintf("%.0f", median(results[i].allocs)), ".0"))
	}
}

func reportIdleMemory(cref string) {
	c, err := runC(cref, row{name: "idle-memory", tr: bench.Mem}, 0)
	if err != nil {
		fail(1, err)
	}
	ours, err1 := bench.IdleMemory(bench.SSLCtx, 200)
	theirs, err2 := bench.IdleMemory(bench.CryptoTLS, 200)
	if err1 != nil || err2 != nil {
		fail(1, err1, err2)
	}
	fmt.Printf("| idle memory per connection end | after handshake | bytes | %.0f | %.0f | %.0f | %.2f | %.2f | |\n",
		c, ours, theirs, ours/c, ours/theirs)
}

// reportIdleKeepAlive prints the resident memory per idle server connection
// with a goroutine blocked in Read, as a keep-alive server leaves it, for
// sslctx and crypto/tls; bench/cmd/idlerss measures it in a process of its
// own, alternating which library goes first.
func reportIdleKeepAlive(idlerss string, n, rounds int) {
	var ours, theirs []float64
	for round := 0; round < rounds; round++ {
		impls := []string{"sslctx", "crypto/tls"}
		if round%2 == 1 {
			impls[0], impls[1] = impls[1], impls[0]
		}
		for _, impl := range impls {
			out, err := exec.Command(idlerss, "-n", strconv.Itoa(n), "-impl", impl).CombinedOutput()
			if err != nil {
				fail(1, fmt.Errorf("%s -impl %s: %v: %s", idlerss, impl, err, out))
			}
			m := resultLine.FindSubmatch(out)
			if m == nil {
				fail(1, fmt.Errorf("%s -impl %s: no result in %q", idlerss, impl, out))
			}
			v, _ := strconv.ParseFloat(string(m[1]), 64)
			if impl == "sslctx" {
				ours = append(ours, v)
			} else {
				theirs = append(theirs, v)
			}
		}
	}
	o, t := median(ours), median(theirs)
	fmt.Printf("| idle keep-alive server connection, goroutine in Read (%d) | loopback TCP | RSS bytes | n/a | %.0f | %.0f | n/a | %.2f | |\n",
		n, o, t, o/t)
}
