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
// The two ends run in separate processes so that only the server is
// counted. Each Read is given a 1-byte buffer so that the figure is the
// library's, not the application's.
package main

import (
	"bufio"
	"crypto/tls"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sslctx/ssl"
	"github.com/sslctx/ssl/internal/golden"
)

func main() {
	n := flag.Int("n", 10000, "idle connections")
	client := flag.String("client", "", "run as the client of the server at this address (internal)")
	flag.Parse()
	var err error
	if *client != "" {
		err = runClient(*client, *n)
	} else {
		err = runServer(*n)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "idlerss:", err)
		os.Exit(1)
	}
}

// runClient opens n connections, completes each handshake, prints "ready"
// and keeps them open until its standard input ends.
func runClient(addr string, n int) error {
	cfg := &tls.Config{InsecureSkipVerify: true}
	conns := make([]net.Conn, 0, n)
	for i := 0; i < n; i++ {
		c, err := tls.Dial("tcp", addr, cfg)
		if err != nil {
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

func runServer(n int) error {
	ctx, err := ssl.NewContext(ssl.ProtocolTLSServer)
	if err != nil {
		return err
	}
	if err := ctx.LoadCertChain(golden.Path("server-ecdsa.pem"), golden.Path("server-ecdsa.key")); err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer l.Close()
	before := settle()

	var idle atomic.Int64 // handshakes done: the goroutine is in Read
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := ctx.WrapSocket(c, ssl.ServerSide(true), ssl.DoHandshakeOnConnect(false))
			if err != nil {
				c.Close()
				continue
			}
			go func() {
				defer s.Close()
				if s.DoHandshake() != nil {
					return
				}
				idle.Add(1)
				_, _ = s.Read(make([]byte, 1))
			}()
		}
	}()

	cmd := exec.Command(os.Args[0], "-client", l.Addr().String(), "-n", strconv.Itoa(n))
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
	after := settle()
	fmt.Printf("%d idle connections blocked in Read: RSS %.1f MiB before, %.1f MiB after, %.1f KiB per connection\n",
		n, float64(before)/(1<<20), float64(after)/(1<<20), float64(after-before)/1024/float64(n))
	return nil
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
