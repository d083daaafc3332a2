#!/usr/bin/env python3
"""A CPython peer for the post-handshake authentication tests.

    pha.py server             # prints {"port": N}, serves one connection
    pha.py client PORT
    pha.py errors             # what verify_client_post_handshake raises

Both ends turn post_handshake_auth on; the client presents
testdata/client.pem, the server requires it (CERT_REQUIRED, trusting
testdata/ca.pem) and verifies the server the usual way. The exchange: the
server calls verify_client_post_handshake and sends b"req"; the client
reads it and sends b"ack"; the server reads that and reports the client's
certificate. Each end prints one JSON line: the peer certificate's subject
before and after (null when none), or the error.

"errors" runs CPython against CPython over memory BIOs for each misuse of
verify_client_post_handshake and prints {case: {"library", "reason"}}
(null where it succeeded).
"""

import json
import socket
import ssl
import sys

from peer import accept_one, td


def subject(s):
    cert = s.getpeercert()
    if not cert:
        return None
    return dict(x[0] for x in cert["subject"])


def server_context(pha=True, verify=ssl.CERT_REQUIRED):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(td("server-rsa.pem"), td("server-rsa.key"))
    ctx.load_verify_locations(td("ca.pem"))
    ctx.verify_mode = verify
    ctx.post_handshake_auth = pha
    return ctx


def client_context(pha=True):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(td("ca.pem"))
    ctx.load_cert_chain(td("client.pem"), td("client.key"))
    ctx.post_handshake_auth = pha
    return ctx


def server():
    ctx = server_context()
    conn = accept_one()
    with ctx.wrap_socket(conn, server_side=True) as s:
        before = subject(s)
        s.verify_client_post_handshake()
        s.sendall(b"req")
        got = s.recv(3)
        print(json.dumps({"before": before, "after": subject(s), "got": got.decode()}), flush=True)


def client(port):
    ctx = client_context()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            got = s.recv(3)
            s.sendall(b"ack")
            print(json.dumps({"got": got.decode(), "version": s.version()}), flush=True)
            s.recv(1)


def pump(a, b):
    """Moves what is pending between two (SSLObject, incoming, outgoing)."""
    for src, dst in ((a, b), (b, a)):
        data = src[2].read()
        if data:
            dst[1].write(data)


def handshake(cctx, sctx):
    ends = []
    for ctx, server_side in ((cctx, False), (sctx, True)):
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = ctx.wrap_bio(incoming, outgoing, server_side=server_side,
                           server_hostname=None if server_side else "localhost")
        ends.append((obj, incoming, outgoing))
    c, s = ends
    for _ in range(10):
        for end in (c, s):
            try:
                end[0].do_handshake()
            except ssl.SSLWantReadError:
                pass
        pump(c, s)
    # TLS 1.3: the server learns the client's Finished on a read.
    try:
        s[0].read(1)
    except ssl.SSLWantReadError:
        pass
    return c[0], s[0]


def attempt(fn):
    try:
        fn()
    except ssl.SSLError as e:
        return {"library": e.library, "reason": e.reason}
    return None


def errors():
    out = {}
    c, s = handshake(client_context(), server_context())
    out["ok"] = attempt(s.verify_client_post_handshake)
    out["twice"] = attempt(s.verify_client_post_handshake)
    out["client side"] = attempt(c.verify_client_post_handshake)
    c, s = handshake(client_context(pha=False), server_context())
    out["client without pha"] = attempt(s.verify_client_post_handshake)
    c, s = handshake(client_context(), server_context(pha=False, verify=ssl.CERT_OPTIONAL))
    out["server without pha"] = attempt(s.verify_client_post_handshake)
    c, s = handshake(client_context(), server_context(verify=ssl.CERT_NONE))
    out["server CERT_NONE"] = attempt(s.verify_client_post_handshake)
    cctx = client_context()
    cctx.maximum_version = ssl.TLSVersion.TLSv1_2
    c, s = handshake(cctx, server_context())
    out["TLS 1.2"] = attempt(s.verify_client_post_handshake)
    sctx = server_context()
    obj = sctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_side=True)
    out["before the handshake"] = attempt(obj.verify_client_post_handshake)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    {"server": server, "client": lambda: client(int(sys.argv[2])), "errors": errors}[sys.argv[1]]()
