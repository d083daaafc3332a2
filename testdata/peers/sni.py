#!/usr/bin/env python3
"""A CPython peer for the SNI tests.

    sni.py client PORT NAME     # NAME "-" sends no server name
    sni.py server MODE          # prints {"port": N}, serves one connection

The client trusts testdata/ca.pem and verifies the certificate (the
hostname only when it sends a name); it prints one JSON line: the DER of
the certificate the server presented in hex, the negotiated version, and
the SSLError's library and reason when the handshake failed.

The server is CPython's own sni_callback over the same three certificates
as the Go tests' server ("localhost": server-ecdsa, "other.example":
server-other, no name: server-rsa). For any other name MODE says what the
callback does: "alert" returns ALERT_DESCRIPTION_UNRECOGNIZED_NAME,
"raise" raises. It prints one JSON line per connection: the names its
callback saw and the handshake's error. Every socket operation times out
after 10 seconds.
"""

import json
import socket
import ssl
import sys

from peer import accept_one, td


def error_of(e):
    return {"library": getattr(e, "library", None), "reason": getattr(e, "reason", None), "str": str(e)}


def client(port, name):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(td("ca.pem"))
    if name == "-":
        ctx.check_hostname = False
        name = None
    out = {"cert": None, "version": None, "error": None}
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        try:
            with ctx.wrap_socket(raw, server_hostname=name) as s:
                out["cert"] = s.getpeercert(binary_form=True).hex()
                out["version"] = s.version()
                s.recv(1)
        except ssl.SSLError as e:
            out["error"] = error_of(e)
    print(json.dumps(out), flush=True)


def server(mode):
    default = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    default.load_cert_chain(td("server-rsa.pem"), td("server-rsa.key"))
    by_name = {}
    for name, (cert, key) in {"localhost": ("server-ecdsa.pem", "server-ecdsa.key"),
                              "other.example": ("server-other.pem", "server-other.key")}.items():
        c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        c.load_cert_chain(td(cert), td(key))
        by_name[name] = c
    seen = []

    def callback(s, name, ctx):
        seen.append(name)
        if name is None:
            return None
        if name in by_name:
            s.context = by_name[name]
            return None
        if mode == "alert":
            return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
        raise LookupError(name)

    default.sni_callback = callback
    conn = accept_one()
    err = None
    try:
        with default.wrap_socket(conn, server_side=True) as s:
            s.sendall(b"x")
    except ssl.SSLError as e:
        err = error_of(e)
    print(json.dumps({"names": seen, "error": err}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "client":
        client(int(sys.argv[2]), sys.argv[3])
    else:
        server(sys.argv[2])
