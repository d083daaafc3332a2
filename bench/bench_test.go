package bench

import (
	"flag"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var impls = []Impl{SSLCtx, CryptoTLS}
var transports = []Transport{TCP, Mem}

func each(b *testing.B, fn func(b *testing.B, impl Impl, tr Transport)) {
	for _, impl := range impls {
		for _, tr := range transports {
			b.Run(fmt.Sprintf("impl=%s/net=%s", impl, tr), func(b *testing.B) { fn(b, impl, tr) })
		}
	}
}

func BenchmarkHandshakeRSA(b *testing.B) {
	each(b, func(b *testing.B, impl Impl, tr Transport) { Handshakes(b, impl, tr, "rsa") })
}

func BenchmarkHandshakeECDSA(b *testing.B) {
	each(b, func(b *testing.B, impl Impl, tr Transport) { Handshakes(b, impl, tr, "ecdsa") })
}

func BenchmarkResumed(b *testing.B) {
	each(b, Resumed)
}

func BenchmarkBulk(b *testing.B) {
	for _, suite := range []string{"aes128gcm", "chacha20", "tls12"} {
		for _, chunk := range []int{16 << 10, 1 << 10} {
			b.Run(fmt.Sprintf("suite=%s/write=%d", suite, chunk), func(b *testing.B) {
				each(b, func(b *testing.B, impl Impl, tr Transport) { Bulk(b, impl, tr, suite, chunk) })
			})
		}
	}
}

func BenchmarkRoundTrip1K(b *testing.B) {
	each(b, RoundTrips)
}

func BenchmarkIdleMemory(b *testing.B) {
	for _, impl := range impls {
		b.Run("impl="+string(impl), func(b *testing.B) {
			var per float64
			for i := 0; i < b.N; i++ {
				var err error
				if per, err = IdleMemory(impl, 200); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(per, "bytes/conn")
		})
	}
}

// Every workload runs once for each implementation, so that a broken
// workload fails the tests rather than the next `make bench`.
func TestWorkloadsRun(t *testing.T) {
	old := flag.Lookup("test.benchtime").Value.String()
	require.NoError(t, flag.Set("test.benchtime", "3x"))
	defer flag.Set("test.benchtime", old)
	workloads := map[string]func(*testing.B, Impl, Transport){
		"handshake": func(b *testing.B, i Impl, tr Transport) { Handshakes(b, i, tr, "ecdsa") },
		"resumed":   Resumed,
		"bulk":      func(b *testing.B, i Impl, tr Transport) { Bulk(b, i, tr, "tls12", 1<<10) },
		"roundtrip": RoundTrips,
	}
	for name, w := range workloads {
		for _, impl := range impls {
			for _, tr := range transports {
				failed := false
				res := testing.Benchmark(func(b *testing.B) {
					w(b, impl, tr)
					failed = b.Failed()
				})
				assert.False(t, failed, "%s %s %s", name, impl, tr)
				assert.Positive(t, res.N, "%s %s %s", name, impl, tr)
			}
		}
	}
	for _, impl := range impls {
		per, err := IdleMemory(impl, 5)
		require.NoError(t, err)
		assert.Positive(t, per)
	}
}
