// Command idlerss measures what idle TLS server connections cost in resident
// memory: a server process accepts n loopback connections, wraps each with
// sslctx and leaves a goroutine blocked in Read on it, as a keep-alive
// server does between requests; a client process (crypto/tls, started by
// this command) completes the n handshakes and sends nothing more. The
// server's resident set size (VmRSS) is read before the first connection
// and once every connection is idle in Read.
//
//	go run ./bench/cmd/idlerss -n 10000
//
// Before going idle, each client sends a request of -request bytes (16 KiB
// by default) that the server reads whole, as a long-running server has
// carried traffic: buffers then hold pages that were written, which the
// kernel counts, where fresh ones would not be. The two ends run in
// separate processes so that only the server is counted. The idle Read is
// given a 1-byte buffer so that the figure is the library's, not the
// application's.
//
// -impl crypto/tls measures a crypto/tls server instead, with the same
// certificate and the same client, for comparison. -x25519 has the client
// offer X25519 alone instead of Go's default, the X25519MLKEM768 hybrid
// first: OpenSSL 3.5 servers keep the peer's hybrid key share (about 6.7
// KiB) as long as the connection. The last line printed,
// "result <bytes per connection>", is what `make bench` reads.
package main

import (
	"bufio"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sslctx/ssl"
	"github.com/sslctx/ssl/internal/golden"
	"github.com/sslctx/ssl/openssl"
)

func main() {
	n := flag.Int("n", 10000, "idle connections")
	request := flag.Int("request", 16<<10, "bytes each client sends before going idle")
	client := flag.String("client", "", "run as the client of the server at this address (internal)")
	impl := flag.String("impl", "sslctx", "the server's TLS library: sslctx or crypto/tls")
	x25519 := flag.Bool("x25519", false, "the client offers the X25519 group alone")
	flag.Parse()
	var err error
	switch {
	case *client != "":
		err = runClient(*client, *n, *request, *x25519)
	case *impl == "sslctx" || *impl == "crypto/tls":
		err = runServer(*impl, *n, *request, *x25519)
	default:
		err = fmt.Errorf("-impl %q: want sslctx or crypto/tls", *impl)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "idlerss:", err)
		os.Exit(1)
	}
}

// runClient opens n connections, completes each handshake, prints "ready"
// and keeps them open until its standard input ends.
func runClient(addr string, n, request int, x25519 bool) error {
	cfg := &tls.Config{InsecureSkipVerify: true}
	if x25519 {
		cfg.CurvePreferences = []tls.CurveID{tls.X25519}
	}
	conns := make([]net.Conn, 0, n)
	req := make([]byte, request)
	for i := 0; i < n; i++ {
		c, err := tls.Dial("tcp", addr, cfg)
		if err != nil {
			return fmt.Errorf("connection %d: %w", i, err)
		}
		if _, err := c.Write(req); err != nil {
			return fmt.Errorf("connection %d: %w", i, err)
		}
		conns = append(conns, c)
	}
	fmt.Println("ready")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	for _, c := range conns {
		c.Close()
	}
	return nil
}

// wrapper returns what turns an accepted connection into a TLS server
// connection for impl, which runs its handshake on first use.
func wrapper(impl string) (func(net.Conn) (net.Conn, error), error) {
	cert, key := golden.Path("server-ecdsa.pem"), golden.Path("server-ecdsa.key")
	if impl == "crypto/tls" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, err
		}
		cfg := &tls.Config{Certificates: []tls.Certificate{pair}}
		return func(c net.Conn) (net.Conn, error) { return tls.Server(c, cfg), nil }, nil
	}
	ctx, err := ssl.NewContext(ssl.ProtocolTLSServer)
	if err != nil {
		return nil, err
	}
	if err := ctx.LoadCertChain(cert, key); err != nil {
		return nil, err
	}
	return func(c net.Conn) (net.Conn, error) {
		return ctx.WrapSocket(c, ssl.ServerSide(true), ssl.DoHandshakeOnConnect(false))
	}, nil
}

func runServer(impl string, n, request int, x25519 bool) error {
	requests := sync.Pool{New: func() any { b := make([]byte, request); return &b }}
	wrap, err := wrapper(impl)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer l.Close()
	before, mBefore := settle(), memStats()

	var idle atomic.Int64 // handshakes done: the goroutine is in Read
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := wrap(c)
			if err != nil {
				c.Close()
				continue
			}
			go func() {
				defer s.Close()
				bp := requests.Get().(*[]byte)
				_, err := io.ReadFull(s, *bp)
				requests.Put(bp)
				if err != nil {
					fmt.Fprintln(os.Stderr, "idlerss: reading the request:", err)
					return
				}
				idle.Add(1)
				_, _ = s.Read(make([]byte, 1))
			}()
		}
	}()

	cmd := exec.Command(os.Args[0], "-client", l.Addr().String(), "-n", strconv.Itoa(n), "-request", strconv.Itoa(request),
		"-x25519="+strconv.FormatBool(x25519))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer cmd.Wait()
	defer stdin.Close()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		return fmt.Errorf("the client did not connect: %q %v", line, err)
	}
	for deadline := time.Now().Add(time.Minute); idle.Load() < int64(n); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d connections finished their handshake", idle.Load(), n)
		}
	}
	time.Sleep(200 * time.Millisecond) // let the last goroutines reach the network read
	after, mAfter := settle(), memStats()
	fmt.Printf("%s: %d idle connections blocked in Read: RSS %.1f MiB before, %.1f MiB after, %.1f KiB per connection\n",
		impl, n, float64(before)/(1<<20), float64(after)/(1<<20), float64(after-before)/1024/float64(n))
	per := func(a, b int64) float64 { return float64(a-b) / 1024 / float64(n) }
	fmt.Printf("per connection: Go heap %.1f KiB, goroutine stacks %.1f KiB, OpenSSL heap %.1f KiB\n",
		per(mAfter.heap, mBefore.heap), per(mAfter.stack, mBefore.stack), per(mAfter.c, mBefore.c))
	fmt.Printf("result %.0f\n", float64(after-before)/float64(n))
	return nil
}

type mem struct{ heap, stack, c int64 }

// memStats reads the live Go heap, the goroutine stacks and the C heap
// OpenSSL allocated.
func memStats() mem {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	c, _ := openssl.CHeapInUse()
	return mem{heap: int64(m.HeapAlloc), stack: int64(m.StackInuse), c: c}
}

// settle collects garbage, returns freed memory to the system and reads
// the resident set size in bytes.
func settle() int64 {
	runtime.GC()
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
