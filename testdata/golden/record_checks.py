#!/usr/bin/env python3
"""Records CPython's argument checks on sizes and sessions into checks.json.

    python3 testdata/golden/record_checks.py

A session is taken from a real TLS 1.2 connection between two memory BIOs,
so that the checks under test, not a missing session, decide the answer.
"""

import os
import socket
import ssl
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from record import attempt, td, write  # noqa: E402


def pump(a, a_in, a_out, b, b_in, b_out):
    """Runs both handshakes over memory BIOs until both finish."""
    done = [False, False]
    while not all(done):
        for i, (obj, out, peer_in) in enumerate(((a, a_out, b_in), (b, b_out, a_in))):
            if not done[i]:
                try:
                    obj.do_handshake()
                    done[i] = True
                except ssl.SSLWantReadError:
                    pass
            data = out.read()
            if data:
                peer_in.write(data)


def session_from(cctx):
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(td("server-rsa.pem"), td("server-rsa.key"))
    sctx.maximum_version = ssl.TLSVersion.TLSv1_2
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    c = cctx.wrap_bio(c_in, c_out, server_hostname="localhost")
    s = sctx.wrap_bio(s_in, s_out, server_side=True)
    pump(c, c_in, c_out, s, s_in, s_out)
    return c.session


def client():
    c = ssl.SSLContext(ssl.PROTOCOL_TLS)
    c.load_verify_locations(td("ca.pem"))
    return c


def main():
    owner = client()
    session = session_from(owner)
    other = client()
    write("checks.json", {
        "rand_bytes_negative": attempt(lambda: ssl.RAND_bytes(-1)),
        "rand_bytes_int_max": attempt(lambda: ssl.RAND_bytes(2**31)),
        "rand_bytes_huge": attempt(lambda: ssl.RAND_bytes(2**62)),
        "session_same_context": attempt(
            lambda: owner.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), session=session)),
        # Context.WrapSocket is wrap_socket: its Python-level check comes first.
        "session_server_side_wrap_socket": attempt(
            lambda: owner.wrap_socket(socket.socket(), server_side=True, session=session)),
        # The C-level check, which wrap_bio and the session setter reach.
        "session_server_side": attempt(
            lambda: owner.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_side=True, session=session)),
        "session_other_context": attempt(
            lambda: other.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), session=session)),
    })


if __name__ == "__main__":
    main()
