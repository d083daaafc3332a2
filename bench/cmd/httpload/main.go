// Command httpload measures requests per second of one small handler served
// by ssl.ServeHTTPS and by net/http over crypto/tls, over HTTP/1.1 and
// HTTP/2, on loopback, interleaved round by round (sslctx, crypto/tls,
// sslctx, ...) so that drift of the machine hits both alike, and prints a
// Markdown table of medians.
//
//	go run ./bench/cmd/httpload                 # h2load if installed
//	go run ./bench/cmd/httpload -client go      # Go's client over crypto/tls
//
// The load comes from h2load (Debian's nghttp2-client: OpenSSL and nghttp2,
// one thread, no certificate verification) or, with -client go, from Go's
// http.Client over crypto/tls in this process. Either way the client is the
// same for both servers. HTTP/1.1 runs -conns connections with one request
// in flight each; HTTP/2 runs -conns/-streams connections with -streams
// streams each, so that as many requests are in flight under both. A run
// in which any request fails, or the protocol is not the one asked for,
// stops the program with exit code 1.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sslctx/ssl"
	"github.com/sslctx/ssl/internal/golden"
)

var (
	client   = flag.String("client", "", "load generator: h2load or go (default: h2load when installed, else go)")
	rounds   = flag.Int("rounds", 3, "rounds; each measures every cell once, and the table shows the median")
	requests = flag.Int("n", 20000, "requests per measurement")
	conns    = flag.Int("conns", 32, "requests in flight: HTTP/1.1 connections, and HTTP/2 connections times -streams")
	streams  = flag.Int("streams", 8, "HTTP/2 streams in flight per connection")
)

// body is what the handler answers, small so that TLS and HTTP framing,
// not the payload, are measured.
const body = "hello, world\n"

func handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, body)
	})
}

// server is one of the two HTTPS servers under test.
type server struct {
	name string
	port string
	stop func()
}

// startSSLCTX serves the handler with ssl.ServeHTTPS on a Context offering
// h2 and http/1.1.
func startSSLCTX() (*server, error) {
	c, err := ssl.NewContext(ssl.ProtocolTLSServer)
	if err != nil {
		return nil, err
	}
	if err := c.LoadCertChain(golden.Path("server-rsa.pem"), golden.Path("server-rsa.key")); err != nil {
		return nil, err
	}
	if err := c.SetALPNProtocols([]string{"h2", "http/1.1"}); err != nil {
		return nil, err
	}
	ln, err := ssl.Listen("tcp", "127.0.0.1:0", c)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go ssl.ServeHTTPS(srv, ln)
	return &server{name: "sslctx ServeHTTPS", port: portOf(ln.Addr()), stop: func() { srv.Close() }}, nil
}

// startCryptoTLS serves the handler with net/http's ServeTLS on crypto/tls,
// which offers h2 and http/1.1.
func startCryptoTLS() (*server, error) {
	cert, err := tls.LoadX509KeyPair(golden.Path("server-rsa.pem"), golden.Path("server-rsa.key"))
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
	go srv.ServeTLS(ln, "", "")
	return &server{name: "net/http on crypto/tls", port: portOf(ln.Addr()), stop: func() { srv.Close() }}, nil
}

func portOf(a net.Addr) string {
	_, p, _ := net.SplitHostPort(a.String())
	return p
}

// result is one measurement.
type result struct {
	rps    float64
	cipher string
}

// loader runs n requests against a port over HTTP/2 (h2) or HTTP/1.1.
type loader func(port string, h2 bool) (result, error)

func main() {
	flag.Parse()
	if *conns%*streams != 0 || *conns < *streams {
		log.Fatalf("httpload: -conns (%d) must be a multiple of -streams (%d)", *conns, *streams)
	}
	if *client == "" {
		*client = "go"
		if _, err := exec.LookPath("h2load"); err == nil {
			*client = "h2load"
		}
	}
	var load loader
	switch *client {
	case "h2load":
		load = h2load
	case "go":
		load = goClient
	default:
		log.Fatalf("httpload: -client %q: want h2load or go", *client)
	}
	servers := make([]*server, 2)
	var err error
	if servers[0], err = startSSLCTX(); err != nil {
		log.Fatalf("httpload: %v", err)
	}
	if servers[1], err = startCryptoTLS(); err != nil {
		log.Fatalf("httpload: %v", err)
	}
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()

	type cell struct {
		proto  string
		server *server
	}
	var cells []cell
	for _, proto := range []string{"HTTP/1.1", "HTTP/2"} {
		for _, s := range servers {
			cells = append(cells, cell{proto, s})
		}
	}
	got := make(map[cell][]float64)
	ciphers := make(map[cell]string)
	for r := 1; r <= *rounds; r++ {
		for _, c := range cells {
			res, err := load(c.server.port, c.proto == "HTTP/2")
			if err != nil {
				log.Fatalf("httpload: %s against %s: %v", c.proto, c.server.name, err)
			}
			got[c] = append(got[c], res.rps)
			ciphers[c] = res.cipher
			fmt.Fprintf(os.Stderr, "round %d: %-8s %-24s %8.0f req/s\n", r, c.proto, c.server.name, res.rps)
		}
	}

	fmt.Printf("Load: %s; %d requests per measurement, %d in flight (HTTP/1.1: %d connections; HTTP/2: %d connections x %d streams); "+
		"median of %d interleaved rounds; %d CPUs, %s, %s.\n\n",
		describeClient(), *requests, *conns, *conns, *conns / *streams, *streams, *rounds, runtime.NumCPU(), runtime.Version(), ssl.OpenSSLVersion)
	fmt.Println("| protocol | server | requests/s (median) | min – max | vs crypto/tls | cipher |")
	fmt.Println("|---|---|---:|---:|---:|---|")
	for i := 0; i < len(cells); i += 2 {
		ours, theirs := cells[i], cells[i+1]
		base := median(got[theirs])
		for _, c := range []cell{ours, theirs} {
			v := got[c]
			fmt.Printf("| %s | %s | %.0f | %.0f – %.0f | %.2f | %s |\n", c.proto, c.server.name, median(v),
				slices.Min(v), slices.Max(v), median(v)/base, ciphers[c])
		}
	}
}

func describeClient() string {
	if *client == "h2load" {
		out, _ := exec.Command("h2load", "--version").Output()
		return strings.TrimSpace(string(out)) + " (one thread)"
	}
	return "Go's http.Client over crypto/tls, in process"
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

var (
	h2loadRate     = regexp.MustCompile(`finished in [^,]+, ([0-9.]+) req/s`)
	h2loadRequests = regexp.MustCompile(`requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded`)
	h2loadProto    = regexp.MustCompile(`Application protocol: (\S+)`)
	h2loadCipher   = regexp.MustCompile(`Cipher: (\S+)`)
)

// h2load runs h2load against the port and checks every request succeeded
// over the protocol asked for.
func h2load(port string, h2 bool) (result, error) {
	args := []string{"-n", strconv.Itoa(*requests), "-t", "1"}
	want := "h2"
	if h2 {
		args = append(args, "-c", strconv.Itoa(*conns / *streams), "-m", strconv.Itoa(*streams))
	} else {
		args = append(args, "--h1", "-c", strconv.Itoa(*conns), "-m", "1")
		want = "http/1.1"
	}
	args = append(args, "https://localhost:"+port+"/")
	out, err := exec.Command("h2load", args...).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("h2load %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	s := string(out)
	rate, reqs, proto := h2loadRate.FindStringSubmatch(s), h2loadRequests.FindStringSubmatch(s), h2loadProto.FindStringSubmatch(s)
	if rate == nil || reqs == nil || proto == nil {
		return result{}, fmt.Errorf("unexpected h2load output:\n%s", s)
	}
	if reqs[1] != reqs[2] {
		return result{}, fmt.Errorf("%s of %s requests succeeded:\n%s", reqs[2], reqs[1], s)
	}
	if proto[1] != want {
		return result{}, fmt.Errorf("h2load got %s, not %s", proto[1], want)
	}
	rps, err := strconv.ParseFloat(rate[1], 64)
	res := result{rps: rps}
	if m := h2loadCipher.FindStringSubmatch(s); m != nil {
		res.cipher = m[1]
	}
	return res, err
}

// goClient sends the requests with Go's client over crypto/tls, verifying
// the test CA: for HTTP/2, one transport (so one connection) per -streams
// workers.
func goClient(port string, h2 bool) (result, error) {
	pem, err := os.ReadFile(golden.Path("ca.pem"))
	if err != nil {
		return result{}, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	transports, perTransport, want := *conns, 1, "HTTP/1.1"
	if h2 {
		transports, perTransport, want = *conns / *streams, *streams, "HTTP/2.0"
	}
	var next atomic.Int64
	var cipher atomic.Value
	errc := make(chan error, *conns)
	var wg sync.WaitGroup
	url := "https://localhost:" + port + "/"
	start := time.Now()
	for range transports {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
		if h2 {
			tr.ForceAttemptHTTP2 = true
		} else {
			tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
		}
		defer tr.CloseIdleConnections()
		c := &http.Client{Transport: tr, Timeout: time.Minute}
		for range perTransport {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= int64(*requests) {
					resp, err := c.Get(url)
					if err != nil {
						errc <- err
						return
					}
					b, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					switch {
					case err != nil:
						errc <- err
						return
					case resp.Proto != want || string(b) != body:
						errc <- fmt.Errorf("got %s %q", resp.Proto, b)
						return
					}
					cipher.Store(tls.CipherSuiteName(resp.TLS.CipherSuite))
				}
			}()
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errc)
	if err := errors.Join(collect(errc)...); err != nil {
		return result{}, err
	}
	return result{rps: float64(*requests) / elapsed.Seconds(), cipher: cipher.Load().(string)}, nil
}

func collect(errc <-chan error) []error {
	var errs []error
	for err := range errc {
		errs = append(errs, err)
	}
	return errs
}
