// Package ssl gives Go programs Python's ssl module on the system's OpenSSL:
// SSLContext, wrap_socket, SSLSocket, getpeercert and SSLError, with the
// behaviour, messages and defaults CPython shows on the same OpenSSL. Use it
// where a program must handshake, verify and fail exactly as OpenSSL does
// (the same cipher strings, security levels, certificate parsing and error
// reasons); use crypto/tls otherwise.
//
// # The Python map
//
//	ssl.SSLContext(PROTOCOL_TLS_CLIENT)  NewContext(ProtocolTLSClient)
//	ssl.create_default_context()         CreateDefaultContext(PurposeServerAuth)
//	ctx.load_cert_chain, load_verify_locations, set_ciphers, ...
//	                                     Context.LoadCertChain, LoadVerifyLocations, SetCiphers, ...
//	ctx.wrap_socket(sock, server_hostname=h)
//	                                     Context.WrapSocket(conn, ServerHostname(h))
//	SSLSocket.recv/sendall/unwrap        Socket.Read, Write, Unwrap (Socket is a net.Conn)
//	ctx.wrap_bio(incoming, outgoing)     Context.WrapBIO(in, out): an *SSLObject over two *MemoryBIOs,
//	                                     the same engine as Socket's with no I/O of its own
//	SSLSocket.getpeercert()              Socket.GetPeerCert, a *Cert that marshals to Python's dict
//	ctx.sni_callback, sock.context = c   Context.SetSNICallback, Socket.SetContext (no lock held in the callback)
//	ctx.keylog_filename                  Context.SetKeylogFilename (and SSLKEYLOGFILE in CreateDefaultContext)
//	ctx.post_handshake_auth              Context.SetPostHandshakeAuth, Socket.VerifyClientPostHandshake
//	ctx.set_psk_client/server_callback   Context.SetPSKClientCallback, SetPSKServerCallback
//	ssl.SSLError, SSLCertVerificationError, CertificateError
//	                                     *Error (errors.Is: ErrEOF, ErrCertVerification, ...), *CertificateError
//
// For Go programs there is more: Dial, Listen, NewListener, a Dialer whose
// DialContext finishes the handshake and can serve as http.Transport's
// DialTLSContext, Socket.ConnectionState for libraries that look for
// crypto/tls's, and HTTP/2 as well as HTTP/1.1 for net/http: ServeHTTPS
// serves an *http.Server on a listener of Sockets and NewHTTPTransport is
// an http.RoundTripper (proxies included) whose every TLS byte goes
// through OpenSSL.
//
// # Errors
//
// A failure in OpenSSL is an *Error with Python's SSLError fields: Code
// (Python's errno), Library and Reason (OpenSSL's mnemonics) and Message,
// plus VerifyCode and VerifyMessage when a certificate did not verify. Its
// Queue is the whole OpenSSL error queue of the call that failed, captured
// in the same C call on the thread that made it. Bad arguments are
// ErrInvalidArgument, never a panic; deadlines and a closed connection are
// the net package's errors (a timeout's Timeout() is true, and the Socket
// stays usable).
//
// # Concurrency
//
// A Context is safe for concurrent use: goroutines may wrap sockets from it
// while others change its settings, which reach the sockets wrapped after
// the change (and, for the cipher lists, as in Python, sockets that have not
// handshaken yet). On a Socket, one Read and one Write may run at the same time
// from two goroutines, and Close from a third unblocks both; no lock is held
// across network I/O. The C layer (package openssl, the only one that uses
// cgo) is not safe for concurrent use: the Socket serialises it.
//
// # Example
//
//	ctx, err := ssl.CreateDefaultContext(ssl.PurposeServerAuth)
//	if err != nil {
//		return err
//	}
//	conn, err := ssl.Dial(context.Background(), "tcp", "example.com:443", ctx)
//	if err != nil {
//		return err // an *ssl.Error for a TLS failure, as Python's SSLError
//	}
//	defer conn.Close()
//	fmt.Println(conn.Version(), conn.ServerHostname())
package ssl
