// Command sslctx is the command-line face of github.com/sslctx/ssl: Python's
// ssl module on OpenSSL, for Go.
//
//	sslctx demo                          a server and a client on loopback
//	sslctx connect HOST:PORT             connect, verify, print the peer
//	sslctx serve -cert F -key F          serve echo or HTTPS
//	sslctx ciphers SPEC                  what a cipher string selects
//	sslctx cert FILE                     certificates, and Python's dict
//	sslctx get-server-certificate H:P    the server's certificate in PEM
//	sslctx get URL                       fetch a page over HTTP/2 or HTTP/1.1
//
// connect is Python's SSLContext plus wrap_socket on a TCP connection: it
// prints the negotiated version(), cipher() and selected_alpn_protocol(),
// and getpeercert() as JSON, or with -json all of them as one JSON object;
// -send writes a request after the handshake and prints the reply. Before
// reporting it waits -wait for a TLS 1.3 server's verdict on the client; a
// failure says its cause and what to do, and a failed verification shows
// the chain the server sent and the verify code. serve listens with a
// PROTOCOL_TLS_SERVER context, echoing each connection's bytes back or
// answering HTTPS requests, and prints a line per connection. ciphers lists
// get_ciphers() for an OpenSSL cipher string, cert decodes every
// certificate of a PEM or DER file (key, usages, fingerprints, and
// getpeercert()'s dict), and get-server-certificate is Python's
// get_server_certificate. get fetches a page with the library's HTTP
// transport and prints the protocol, the status and the TLS facts before
// the body. demo makes its certificates at start.
//
// Flags may come before or after the arguments; `sslctx help COMMAND` or
// `sslctx COMMAND --help` lists them; `sslctx --version` prints the
// versions of sslctx and of the OpenSSL it runs on.
//
// Exit codes: 0 success, 1 the operation failed (the error is printed on
// one line), 2 the command line was wrong, or a file or value it names
// could not be used.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/sslctx/ssl"
)

// command is one subcommand.
type command struct {
	summary string
	// run runs the command: what it reports goes to stdout, warnings about
	// the command line to stderr.
	run func(args []string, stdout, stderr io.Writer) error
	// help, if any, follows the summary in the command's --help.
	help string
}

// commands is filled by init: the commands' flag help reads it.
var commands map[string]command

func init() {
	commands = map[string]command{
		"demo":    {summary: "a TLS server and client from this library, talking on 127.0.0.1", run: runDemo, help: demoHelp},
		"connect": {summary: "connect to a TLS server, verify it and print the connection and its certificate", run: runConnect, help: connectHelp},
		"serve":   {summary: "serve TLS on a port: echo each connection's bytes, or answer HTTPS", run: runServe, help: serveHelp},
		"ciphers": {summary: "the ciphers an OpenSSL cipher string selects, as Python's get_ciphers()", run: runCiphers, help: ciphersHelp},
		"cert":    {summary: "every certificate of a PEM or DER file: its key, usages, fingerprints and Python's getpeercert() dict", run: runCert, help: certHelp},
		"get": {summary: "fetch an https:// URL over HTTP/2 or HTTP/1.1 with this library's TLS and print the protocol, status, TLS facts and body",
			run: runGet, help: getHelp},
		"get-server-certificate": {summary: "fetch a server's certificate in PEM, as Python's get_server_certificate()",
			run: runGetServerCertificate, help: getServerCertificateHelp},
	}
}

// usageError is a wrong command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 2 && args[0] == "help":
		// "sslctx help CMD" is "sslctx CMD --help".
		if _, ok := commands[args[1]]; !ok {
			fmt.Fprintf(stderr, "sslctx help: unknown command %q (see sslctx --help)\n", args[1])
			return 2
		}
		args = []string{args[1], "--help"}
	case len(args) == 1 && (args[0] == "--version" || args[0] == "-version" || args[0] == "version"):
		fmt.Fprintln(stdout, versionText())
		return 0
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "sslctx: unknown command %q (see sslctx --help)\n", args[0])
		return 2
	}
	err := cmd.run(args[1:], stdout, stderr)
	var ue usageError
	var ce configError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "sslctx %s: %s\n", args[0], ue.msg)
		return 2
	case errors.As(err, &ce):
		fmt.Fprintf(stderr, "sslctx %s: %s\n", args[0], oneLine(err.Error()))
		return 2
	}
	fmt.Fprintf(stderr, "sslctx %s: %s\n", args[0], oneLine(err.Error()))
	return 1
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: sslctx COMMAND [flags] [args]")
	fmt.Fprintln(w, "\nPython's ssl module on OpenSSL, from Go. Commands:")
	names := slices.Sorted(maps.Keys(commands))
	for _, n := range names {
		fmt.Fprintf(w, "  %-24s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nsslctx help COMMAND (or sslctx COMMAND --help) describes a command's flags;")
	fmt.Fprintln(w, "sslctx --version prints the versions of sslctx and of the OpenSSL it runs on.")
	fmt.Fprintln(w, "Exit codes: 0 success, 1 the operation failed, 2 a wrong command line.")
}

// flags returns a FlagSet for a command that reports errors instead of
// exiting, and prints its help to w.
func flags(name, args string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "usage: %s\n\n%s\n", strings.TrimSpace("sslctx "+name+" [flags] "+args), commands[name].summary)
		if h := commands[name].help; h != "" {
			fmt.Fprintf(w, "\n%s", h)
		}
		fmt.Fprintln(w, "\nflags:")
		fs.PrintDefaults()
		fmt.Fprintln(w, "\nExit codes: 0 success, 1 the operation failed, 2 a wrong command line.")
	}
	return fs
}

// parse parses args, turning a wrong command line into a usageError of one
// line; the help is printed only when asked for.
func parse(fs *flag.FlagSet, args []string) error {
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.Usage = usage
	fs.SetOutput(out)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return err
	case err != nil:
		return usageError{err.Error() + " (see sslctx " + fs.Name() + " --help)"}
	}
	return nil
}

// parseArgs parses args as parse does, but lets flags follow the arguments
// too ("connect HOST:PORT -cafile F"); everything after "--" is an
// argument. It returns the arguments and checks there are between least
// and most of them.
func parseArgs(fs *flag.FlagSet, args []string, least, most int) ([]string, error) {
	var pos []string
	for {
		if err := parse(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	switch {
	case len(pos) < least:
		return nil, usageError{fmt.Sprintf("missing argument (see sslctx %s --help)", fs.Name())}
	case len(pos) > most:
		return nil, usageError{fmt.Sprintf("unexpected argument %q (see sslctx %s --help)", pos[most], fs.Name())}
	}
	return pos, nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// modulePath is the module of the library this command is part of.
const modulePath = "github.com/sslctx/ssl"

// versionText names the library's version, as the Go build recorded it,
// and the OpenSSL it runs on.
func versionText() string {
	version := "(unknown)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Path == modulePath {
			version = bi.Main.Version
		}
		for _, d := range bi.Deps {
			if d.Path == modulePath {
				version = d.Version
			}
		}
	}
	return fmt.Sprintf("sslctx %s (%s), on %s", version, modulePath, ssl.OpenSSLVersion)
}
