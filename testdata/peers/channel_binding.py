#!/usr/bin/env python3
"""A CPython peer for the channel binding tests.

    channel_binding.py server MAXVERSION            # prints {"port": N}, serves one connection
    channel_binding.py client MAXVERSION PORT [resume]

MAXVERSION is "TLSv1_2" or "TLSv1_3". After each handshake the server
writes b"x" (so that TLS 1.3 tickets reach the client) and the client reads
it. For each connection it prints one JSON line: the negotiated version,
session_reused, get_channel_binding("tls-unique") in hex, and the
ValueError an unknown type raises. Every socket operation times out after
10 seconds.
"""

import json
import socket
import ssl
import sys

from peer import accept_one, td


def report(s):
    try:
        s.get_channel_binding("tls-server-end-point")
        unknown = None
    except ValueError as e:
        unknown = str(e)
    cb = s.get_channel_binding("tls-unique")
    print(json.dumps({
        "version": s.version(),
        "session_reused": s.session_reused,
        "tls_unique": cb.hex() if cb is not None else None,
        "unknown_error": unknown,
    }), flush=True)


def main():
    role, maxv = sys.argv[1], getattr(ssl.TLSVersion, sys.argv[2])
    if role == "server":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(td("server-rsa.pem"), td("server-rsa.key"))
        ctx.maximum_version = maxv
        conn = accept_one()
        with ctx.wrap_socket(conn, server_side=True) as s:
            s.sendall(b"x")
            report(s)
            s.recv(1)  # until the client closes
        return
    port, resume = int(sys.argv[3]), sys.argv[4:] == ["resume"]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(td("ca.pem"))
    ctx.maximum_version = maxv
    session = None
    for _ in range(2 if resume else 1):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost", session=session) as s:
                s.recv(1)
                report(s)
                session = s.session


if __name__ == "__main__":
    main()
