package ssl

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// proxyConnectTimeout bounds the CONNECT exchange, as net/http bounds its
// own, so a proxy that stops answering cannot hold a dial forever.
const proxyConnectTimeout = time.Minute

// dialTunnel connects to the proxy and asks it with CONNECT for a tunnel to
// addr; the TLS with the origin then runs through it. An https:// proxy is
// reached over TLS made with t.ctx as well (offering http/1.1).
func (t *httpTransport) dialTunnel(ctx context.Context, proxyURL *url.URL, addr string) (net.Conn, error) {
	var defaultPort string
	switch proxyURL.Scheme {
	case "http":
		defaultPort = "80"
	case "https":
		defaultPort = "443"
	default:
		return nil, fmt.Errorf("ssl: proxy %s: NewHTTPTransport tunnels through http:// and https:// proxies only", proxyURL.Redacted())
	}
	port := proxyURL.Port()
	if port == "" {
		port = defaultPort
	}
	conn, err := t.dialer.DialContext(ctx, "tcp", net.JoinHostPort(proxyURL.Hostname(), port))
	if err != nil {
		return nil, err
	}
	if proxyURL.Scheme == "https" {
		s, err := t.handshake(ctx, conn, unzoned(proxyURL.Hostname()), []string{protoHTTP1})
		if err != nil {
			return nil, err
		}
		conn = s
	}
	tunnel, err := connect(ctx, conn, proxyURL, addr)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return tunnel, nil
}

// connect sends CONNECT addr on conn and reads the proxy's answer, within
// ctx and proxyConnectTimeout.
func connect(ctx context.Context, conn net.Conn, proxyURL *url.URL, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, proxyConnectTimeout)
	defer cancel()
	// A deadline in the past is the way to interrupt a blocked read or
	// write without closing conn.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	hdr := http.Header{}
	if u := proxyURL.User; u != nil {
		pass, _ := u.Password()
		hdr.Set("Proxy-Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pass)))
	}
	req := &http.Request{Method: http.MethodConnect, URL: &url.URL{Opaque: addr}, Host: addr, Header: hdr}
	var resp *http.Response
	br := bufio.NewReader(conn)
	err := req.Write(conn)
	if err == nil {
		resp, err = http.ReadResponse(br, req)
	}
	if !stop() {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("proxy %s refused CONNECT %s: %s", proxyURL.Redacted(), addr, resp.Status)
	}
	if n := br.Buffered(); n > 0 {
		// The origin speaks only after our ClientHello; keep the bytes
		// anyway rather than lose them.
		rest, _ := br.Peek(n)
		return &prefixConn{Conn: conn, prefix: append([]byte(nil), rest...)}, nil
	}
	return conn, nil
}
