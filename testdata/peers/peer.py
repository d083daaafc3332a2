"""What the CPython peers share: the test certificates and the one
loopback connection a peer's server serves."""

import json
import os
import socket

TESTDATA = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def td(name):
    return os.path.join(TESTDATA, name)


def accept_one():
    """Listens on 127.0.0.1, prints {"port": N} for the Go test, and returns
    the one connection it accepts; the accept and every operation on the
    connection time out after 10 seconds."""
    with socket.create_server(("127.0.0.1", 0)) as ln:
        ln.settimeout(10)
        print(json.dumps({"port": ln.getsockname()[1]}), flush=True)
        conn, _ = ln.accept()
    conn.settimeout(10)
    return conn
