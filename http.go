package ssl

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
)

// net/http handshakes and negotiates HTTP/2 only for a *tls.Conn:
// ServeHTTPS and NewHTTPTransport (http_server.go, http_transport.go) do
// both for Sockets. With a *Socket from Listen or NewListener given to
// http.Server.Serve directly, it serves HTTP/1.1, runs the
// handshake inside the first request read (bounded by ReadHeaderTimeout or
// ReadTimeout, not TLSHandshakeTimeout), and copies Socket.ConnectionState
// into Request.TLS when the connection arrives, before that handshake: the
// copy is empty (HandshakeComplete false). FillRequestTLS replaces it with
// the state after the handshake. On the client side, Dialer.DialContext fits
// http.Transport.DialTLSContext; Response.TLS stays nil there.

type socketKey struct{}

// connInfo is what ConnContext keeps for a connection: the Socket and, once
// a request has needed it, its state after the handshake, computed once per
// connection as net/http does for a *tls.Conn and shared by its requests.
type connInfo struct {
	s     *Socket
	once  sync.Once
	state tls.ConnectionState
}

// ConnContext is a function for http.Server.ConnContext: it records the
// *Socket a request arrives on, for SocketFromContext and FillRequestTLS.
// Connections that are not Sockets leave ctx as it is.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if s, ok := c.(*Socket); ok {
		return context.WithValue(ctx, socketKey{}, &connInfo{s: s})
	}
	return ctx
}

// SocketFromContext returns the *Socket that ConnContext recorded for a
// request's connection (r.Context()).
func SocketFromContext(ctx context.Context) (*Socket, bool) {
	ci, ok := ctx.Value(socketKey{}).(*connInfo)
	if !ok {
		return nil, false
	}
	return ci.s, true
}

// FillRequestTLS wraps a handler so that Request.TLS holds the state of the
// completed handshake (Socket.ConnectionState) for requests served over a
// *Socket, as net/http does for *tls.Conn. The server must set ConnContext.
// r.TLS.PeerCertificates[0] is always the client's own certificate; one
// that crypto/x509 cannot parse is there as a partial certificate with
// PublicKey nil (see Socket.ConnectionState), never replaced by its issuer.
func FillRequestTLS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ci, ok := r.Context().Value(socketKey{}).(*connInfo)
		if ok && (r.TLS == nil || !r.TLS.HandshakeComplete) {
			// A request has been read, so the handshake is over.
			ci.once.Do(func() { ci.state = ci.s.ConnectionState() })
			r = r.WithContext(r.Context()) // a shallow copy, not the caller's request
			r.TLS = &ci.state
		}
		next.ServeHTTP(w, r)
	})
}
