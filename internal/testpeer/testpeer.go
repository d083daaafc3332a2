// Package testpeer runs OpenSSL's own reference peers, `openssl s_server`
// and `openssl s_client`, on 127.0.0.1 for tests: it starts them with given
// flags, waits for them to be ready by reading what they print, captures
// that output, and always kills them. Every wait is bounded.
package testpeer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Timeouts bounding every wait on an OpenSSL process.
const (
	StartTimeout = 10 * time.Second // for s_server to print its ACCEPT line
	RunTimeout   = 20 * time.Second // for an s_client run to finish
)

// Binary is the openssl command the peers run.
var Binary = "openssl"

// Version returns `openssl version`, failing the test when the command is
// missing: the conformance suite needs it.
func Version(t testing.TB) string {
	t.Helper()
	out, err := exec.Command(Binary, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("testpeer: %s version: %v (install Debian's openssl package)", Binary, err)
	}
	return strings.TrimSpace(string(out))
}

var (
	helpMu sync.Mutex
	helps  = map[string]string{}
)

// HasOption reports whether `openssl cmd` takes option, as its -help lists:
// peers differ between series and builds (s_client -no-CAstore arrived in
// 3.0; -trace needs a build with ssl-trace, which Debian's 1.1.1 lacks).
func HasOption(t testing.TB, cmd, option string) bool {
	t.Helper()
	helpMu.Lock()
	defer helpMu.Unlock()
	help, ok := helps[cmd]
	if !ok {
		ctx, cancel := context.WithTimeout(context.Background(), RunTimeout)
		defer cancel()
		// -help exits 0 on 3.x and 1 on 1.1.1: what it prints is the answer.
		out, err := exec.CommandContext(ctx, Binary, cmd, "-help").CombinedOutput()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("testpeer: %s %s -help: %v (install Debian's openssl package)", Binary, cmd, err)
		}
		help = string(out)
		helps[cmd] = help
	}
	return regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(option) + `(\s|$)`).MatchString(help)
}

// NoCAFlags are the s_client flags that leave it no trusted CA at all: no
// default file, directory or (from 3.0 on) store.
func NoCAFlags(t testing.TB) []string {
	t.Helper()
	flags := []string{"-no-CAfile", "-no-CApath"}
	if HasOption(t, "s_client", "-no-CAstore") {
		flags = append(flags, "-no-CAstore")
	}
	return flags
}

// output collects what a process prints, for reading while it runs.
type output struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	cond *sync.Cond
	done bool
}

func newOutput() *output {
	o := &output{}
	o.cond = sync.NewCond(&o.mu)
	return o
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	o.cond.Broadcast()
	return len(p), nil
}

func (o *output) close() {
	o.mu.Lock()
	o.done = true
	o.cond.Broadcast()
	o.mu.Unlock()
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// wait returns the first submatch of re in the output once it appears, or
// false at the deadline or when the process has ended without it.
func (o *output) wait(re *regexp.Regexp, timeout time.Duration) ([]string, bool) {
	timer := time.AfterFunc(timeout, func() {
		o.mu.Lock()
		o.cond.Broadcast()
		o.mu.Unlock()
	})
	defer timer.Stop()
	deadline := time.Now().Add(timeout)
	o.mu.Lock()
	defer o.mu.Unlock()
	for {
		if m := re.FindStringSubmatch(o.buf.String()); m != nil {
			return m, true
		}
		if o.done || !time.Now().Before(deadline) {
			return nil, false
		}
		o.cond.Wait()
	}
}

// Process is a running openssl command.
type Process struct {
	t      testing.TB
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *output
	exited chan struct{}
	err    error // from Wait, once exited is closed
}

func start(t testing.TB, args []string) *Process {
	t.Helper()
	cmd := exec.Command(Binary, args...)
	out := newOutput()
	cmd.Stdout = out
	cmd.Stderr = out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("testpeer: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("testpeer: starting %s %s: %v (install Debian's openssl package)", Binary, strings.Join(args, " "), err)
	}
	p := &Process{t: t, cmd: cmd, stdin: stdin, out: out, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		out.close()
		close(p.exited)
	}()
	t.Cleanup(p.Kill)
	return p
}

// Output returns everything the process printed so far, stdout and stderr.
func (p *Process) Output() string { return p.out.String() }

// WaitFor waits until the output matches re and returns the match.
func (p *Process) WaitFor(re *regexp.Regexp, timeout time.Duration) ([]string, bool) {
	return p.out.wait(re, timeout)
}

// Send writes to the process's standard input.
func (p *Process) Send(s string) error {
	_, err := io.WriteString(p.stdin, s)
	return err
}

// CloseStdin ends the process's standard input.
func (p *Process) CloseStdin() { p.stdin.Close() }

// Kill ends the process (SIGKILL: no TLS goodbye is sent) and waits for it.
func (p *Process) Kill() {
	// Signal before closing stdin: s_client answers the end of its input
	// with close_notify, and a killed peer must not get the chance to.
	_ = p.cmd.Process.Kill()
	p.stdin.Close()
	select {
	case <-p.exited:
	case <-time.After(StartTimeout):
		p.t.Errorf("testpeer: %s did not exit after SIGKILL", p.cmd.Path)
	}
}

// Wait waits for the process to exit by itself and returns its exit code.
func (p *Process) Wait(timeout time.Duration) (int, error) {
	select {
	case <-p.exited:
	case <-time.After(timeout):
		p.Kill()
		return -1, fmt.Errorf("testpeer: %s did not finish in %v; output:\n%s", p.cmd.Args, timeout, p.Output())
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode(), nil
	}
	return 0, p.err
}

// Server is a running `openssl s_server`.
type Server struct {
	*Process
	// Addr is where it listens: 127.0.0.1 and the port it picked.
	Addr string
}

var acceptLine = regexp.MustCompile(`ACCEPT (127\.0\.0\.1:\d+)`)

// StartServer starts `openssl s_server -accept 127.0.0.1:0` with args and
// waits for it to print the address it listens on. The test fails if it
// does not within StartTimeout; the server is killed when the test ends.
func StartServer(t testing.TB, args ...string) *Server {
	t.Helper()
	s, err := TryStartServer(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TryStartServer is StartServer for flags s_server may refuse: the error
// holds what it printed.
func TryStartServer(t testing.TB, args ...string) (*Server, error) {
	t.Helper()
	p := start(t, append([]string{"s_server", "-accept", "127.0.0.1:0"}, args...))
	m, ok := p.WaitFor(acceptLine, StartTimeout)
	if !ok {
		p.Kill()
		return nil, &StartError{Args: args, Output: p.Output()}
	}
	return &Server{Process: p, Addr: m[1]}, nil
}

// StartError is an s_server that did not start.
type StartError struct {
	Args   []string
	Output string
}

func (e *StartError) Error() string {
	return fmt.Sprintf("testpeer: s_server %s did not start:\n%s", strings.Join(e.Args, " "), e.Output)
}

// Reason is the reason text of the last OpenSSL error line s_server printed.
func (e *StartError) Reason() string {
	errs := ParseClient(e.Output).Errors
	if len(errs) == 0 {
		return ""
	}
	return errs[len(errs)-1]
}

// StartClient starts `openssl s_client -connect addr` with args; stdin stays
// open for Send until CloseStdin.
func StartClient(t testing.TB, addr string, args ...string) *Process {
	t.Helper()
	return start(t, append([]string{"s_client", "-connect", addr}, args...))
}

// ClientResult is what one s_client run reported.
type ClientResult struct {
	Output        string
	ExitCode      int
	Connected     bool   // the handshake completed
	Reused        bool   // "Reused, ..." rather than "New, ..."
	Protocol      string // the negotiated version, "TLSv1.3"; "" when none
	Cipher        string // OpenSSL's name
	VerifyCode    int    // -1 when not printed
	VerifyMessage string
	ALPN          string   // "" when none was negotiated
	Errors        []string // the reason texts of OpenSSL error lines
}

var (
	reNew      = regexp.MustCompile(`(?m)^(New|Reused), (\S+), Cipher is (\S+)`)
	reVerify   = regexp.MustCompile(`(?m)Verify return code: (\d+) \(([^)]*)\)`)
	reALPN     = regexp.MustCompile(`(?m)^ALPN protocol: (\S+)`)
	reErrLine  = regexp.MustCompile(`(?m)^[0-9A-F]+:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):`)
	reProtocol = regexp.MustCompile(`(?m)^\s+Protocol\s+: (\S+)`)
)

// ParseClient reads what s_client printed.
func ParseClient(out string) ClientResult {
	r := ClientResult{Output: out, VerifyCode: -1}
	if m := reNew.FindStringSubmatch(out); m != nil && m[3] != "(NONE)" {
		r.Connected = true
		r.Reused = m[1] == "Reused"
		// "New, TLSv1.0, Cipher is X" names the version that defines the
		// cipher; the session block, printed below 1.3, has the negotiated
		// one, and under 1.3 the two are the same.
		r.Protocol, r.Cipher = m[2], m[3]
		if p := reProtocol.FindStringSubmatch(out); p != nil {
			r.Protocol = p[1]
		}
	}
	if m := reVerify.FindStringSubmatch(out); m != nil {
		r.VerifyCode, _ = strconv.Atoi(m[1])
		r.VerifyMessage = m[2]
	}
	if m := reALPN.FindStringSubmatch(out); m != nil {
		r.ALPN = m[1]
	}
	for _, m := range reErrLine.FindAllStringSubmatch(out, -1) {
		r.Errors = append(r.Errors, m[1])
	}
	return r
}

// RunClient runs `openssl s_client -connect addr` with args, gives it stdin
// and returns what it reported once it exits (within RunTimeout).
func RunClient(t testing.TB, addr, stdin string, args ...string) ClientResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), RunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, Binary, append([]string{"s_client", "-connect", addr}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("testpeer: s_client %s did not finish in %v:\n%s", strings.Join(args, " "), RunTimeout, out)
	}
	r := ParseClient(string(out))
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.ExitCode = ee.ExitCode()
	case err != nil:
		t.Fatalf("testpeer: running s_client: %v (install Debian's openssl package)", err)
	}
	return r
}

// Lines returns the lines a process printed, for messages.
func Lines(s string) []string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}
