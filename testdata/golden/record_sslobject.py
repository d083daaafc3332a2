#!/usr/bin/env python3
"""Records how CPython's MemoryBIO and SSLObject (SSLContext.wrap_bio) behave.

Run after ../gen.sh, from any directory, with a CPython that links the
OpenSSL series being recorded:

    ~/.pyenv/versions/3.13.0/bin/python testdata/golden/record_sslobject.py   # 3.0
    python3 testdata/golden/record_sslobject.py   # in the trixie (3.5) and bullseye (1.1.1) trees

It rewrites sslobject.json in the series' directory and nothing else.

On 3.0 it is run by CPython 3.13, the policy CPython (SPEC rule 3), rather
than Debian's 3.11: before 3.13 an SSLObject reads an operation that failed
with SSL_ERROR_SYSCALL and an empty error queue (any call after a fatal
error) as SSLSyscallError "Some I/O error occurred", where 3.13, and every
SSLSocket, says SSLEOFError. Bullseye has only 3.9: record_python_changes.py
lists such answers of Python's own for internal/golden to apply there.

sslobject.json holds

    "memorybio": {INDEX: STEP}   one MemoryBIO, each step an operation on it
    "wrap": {CASE: EXC or {"ok": true}}   wrap_bio's argument checks
    "scripts": {NAME: {"setup": {...}, "steps": {INDEX: STEP}}}

INDEX is the step's position, "000", "001", ...: objects rather than lists,
so that record_python_changes.py can name one step's answer.

A script drives a client and a server SSLObject, both in this process,
each over its own pair of MemoryBIOs (record_sockets.End). Its steps say
what to do, in order, and what Python answered:

    {"op": "handshake"}   both handshakes pumped to the end (Conn.handshake)
    {"op": "carry"}       each end's written bytes moved to the other
    {"op": "write_eof", "side": ...}   the end's incoming BIO gets write_eof()
    {"op": "inject_half_flight", "side": ...}   the first half of what the
                          peer wrote into the end's incoming BIO, the rest dropped
    {"side": ..., "op": NAME, "arg": ..., "ok": true, "result": ...}
    {"side": ..., "op": NAME, "arg": ..., "ok": false, "error": EXC}

An operation step also has "sent": the records (record_sockets.records)
the call wrote into the end's outgoing BIO, which the next carry delivers.
bytes results are latin-1 strings. EXC is record.exc().
"""

import json
import ssl
import sys

sys.dont_write_bytecode = True
from record import exc, write  # noqa: E402
from record_sockets import Conn, client_ctx, records, server_ctx  # noqa: E402


def outcome(fn):
    """{"ok": true, "result": ...} or {"ok": false, "error": EXC}."""
    try:
        result = fn()
    except Exception as e:  # noqa: BLE001 - every exception is an answer
        return {"ok": False, "error": exc(e)}
    if isinstance(result, (bytes, bytearray)):
        result = bytes(result).decode("latin-1")
    return {"ok": True, "result": result}


def indexed(steps):
    """The steps as an object keyed by position."""
    return {"%03d" % i: s for i, s in enumerate(steps)}


# ---------------------------------------------------------------------------
# MemoryBIO


def memorybio():
    b = ssl.MemoryBIO()
    steps = []

    def step(op, *args):
        s = {"op": op}
        if args:
            a = args[0]
            s["arg"] = a.decode("latin-1") if isinstance(a, bytes) else a
        fn = getattr(b, op)
        s.update(outcome(lambda: fn(*args) if callable(fn) else fn))
        steps.append(s)

    step("read")
    step("eof")
    step("pending")
    step("write", b"hello world")
    step("pending")
    step("read", 0)
    step("read", 3)
    step("read", -5)
    step("write", b"")
    step("write", b"abc")
    step("write_eof")
    step("eof")
    step("write", b"x")
    step("write", b"")
    step("pending")
    step("read", 2)
    step("eof")
    step("read")
    step("eof")
    step("read")
    step("write_eof")
    step("eof")
    return indexed(steps)


# ---------------------------------------------------------------------------
# wrap_bio's argument checks


def other_session():
    """A client session of a connection made by client_ctx()."""
    cctx = client_ctx(maximum_version=ssl.TLSVersion.TLSv1_2)
    c = Conn(cctx, server_ctx()).handshake()
    return c.client.obj.session


def wrap_cases():
    def wrap(ctx, **kw):
        return lambda: ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), **kw)

    def sess(ctx_of_session, **kw):
        def run():
            s = other_session()
            target = client_ctx() if ctx_of_session == "other" else None
            return (target or server_ctx()).wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), session=s, **kw)
        return run

    cases = {
        "client": wrap(client_ctx(), server_hostname="localhost"),
        "server": wrap(server_ctx(), server_side=True),
        "server_with_hostname": wrap(server_ctx(), server_side=True, server_hostname="localhost"),
        "client_without_hostname": wrap(client_ctx()),
        "client_without_hostname_no_check": wrap(client_ctx(check_hostname=False)),
        "client_on_server_context": wrap(server_ctx(), server_hostname="localhost"),
        "server_on_client_context": wrap(client_ctx(), server_side=True),
        "empty_hostname": wrap(client_ctx(), server_hostname=""),
        "leading_dot_hostname": wrap(client_ctx(), server_hostname=".example"),
        "do_handshake_on_connect": wrap(client_ctx(), server_hostname="localhost",
                                        do_handshake_on_connect=False),
        "suppress_ragged_eofs": wrap(client_ctx(), server_hostname="localhost",
                                     suppress_ragged_eofs=False),
        "session_on_server": sess("server", server_side=True),
        "session_of_other_context": sess("other", server_hostname="localhost"),
    }
    out = {}
    for name, fn in cases.items():
        r = outcome(fn)
        out[name] = {"ok": True} if r["ok"] else r["error"]
    return out


# ---------------------------------------------------------------------------
# Scripts


def result_of(obj, op, arg):
    """Calls one operation; results that differ on every run are reduced to
    what does not."""
    if op == "getpeercert_der":
        der = obj.getpeercert(True)
        return None if der is None else len(der) > 0
    if op == "get_channel_binding":
        cb = obj.get_channel_binding(arg)
        return None if cb is None else len(cb)
    if op == "session":
        return obj.session is not None
    attr = getattr(obj, op)
    if not callable(attr):
        return attr
    return attr() if arg is None else attr(arg)


class Script:
    """A client and a server SSLObject and the steps run on them."""

    def __init__(self, setup=None, **kw):
        self.setup = dict(setup or {})
        self.steps = []
        version = {"TLSv1.2": ssl.TLSVersion.TLSv1_2}.get(self.setup.get("max_version"))
        cctx = client_ctx(maximum_version=version) if version else client_ctx()
        sctx = server_ctx()
        self.conn = Conn(cctx, sctx, **kw)
        # Conn gives the server an sni_callback, whose acknowledgement
        # makes OpenSSL keep the name in the session and its tickets:
        # these scripts use a server without one.
        sctx.sni_callback = None
        self.wire = {"client": b"", "server": b""}

    def end(self, side):
        return self.conn.client if side == "client" else self.conn.server

    def handshake(self):
        self.conn.handshake()
        for side in ("client", "server"):
            e = self.end(side)
            assert e.done and e.failure is None, (side, e.failure)
        self.steps.append({"op": "handshake"})

    def call(self, side, op, arg=None):
        e = self.end(side)
        step = {"side": side, "op": op}
        if arg is not None:
            step["arg"] = arg.decode("latin-1") if isinstance(arg, bytes) else arg
        if isinstance(arg, str) and op == "write":
            arg = arg.encode("latin-1")
        step.update(outcome(lambda: result_of(e.obj, op, arg)))
        sent = e.outgoing.read()
        self.wire[side] += sent
        step["sent"] = records(sent)
        self.steps.append(step)

    def carry(self):
        for src, dst in (("client", "server"), ("server", "client")):
            self.end(dst).incoming.write(self.wire[src])
            self.wire[src] = b""
        self.steps.append({"op": "carry"})

    def write_eof(self, side):
        self.end(side).incoming.write_eof()
        self.steps.append({"op": "write_eof", "side": side})

    def inject_half_flight(self, side):
        """Hands the end the first half of what its peer wrote, and drops
        the rest: a transport cut in the middle of a flight."""
        peer = "server" if side == "client" else "client"
        flight, self.wire[peer] = self.wire[peer], b""
        self.end(side).incoming.write(flight[:len(flight) // 2])
        self.steps.append({"op": "inject_half_flight", "side": side})

    def result(self):
        return {"setup": self.setup, "steps": indexed(self.steps)}


# The chains (3.13) are recorded for SSLObjects in chains.json.
QUERIES = ["version", "cipher", "shared_ciphers", "selected_alpn_protocol", "pending",
           "getpeercert", "getpeercert_der", "session", "session_reused",
           "server_side", "server_hostname"]


def before_handshake():
    s = Script()
    for side in ("client", "server"):
        for q in QUERIES:
            s.call(side, q)
        s.call(side, "get_channel_binding", "tls-unique")
    s.call("client", "read", 0)
    s.call("client", "read", 10)      # starts the handshake: the hello is sent
    s.call("client", "read", 10)      # nothing more to send
    s.call("client", "write", b"")
    s.call("client", "write", b"abc")
    s.call("client", "do_handshake")
    s.call("server", "read", 10)      # nothing to read yet
    s.call("server", "write", b"abc")
    s.carry()
    s.call("server", "read", 10)      # reads the hello, answers it
    s.carry()
    s.call("client", "write", b"abc")  # finishes the handshake, then writes
    s.carry()
    s.call("server", "version")
    s.call("server", "getpeercert")
    s.call("server", "read", 10)       # finishes the handshake, then reads
    s.call("server", "version")
    s.call("client", "version")
    return s.result()


def after_handshake(max_version=None):
    def run():
        s = Script({"max_version": max_version})
        s.handshake()
        for side in ("client", "server"):
            for q in QUERIES:
                s.call(side, q)
        s.call("client", "get_channel_binding", "tls-unique")
        s.call("client", "get_channel_binding", "tls-server-end-point")
        s.call("client", "read", 0)
        s.call("client", "read", 10)
        s.call("client", "write", b"")
        s.call("client", "write", b"hello")
        s.call("client", "do_handshake")
        s.carry()
        s.call("server", "pending")
        s.call("server", "read", 2)
        s.call("server", "pending")
        s.call("server", "read", 0)
        s.call("server", "read", 1024)
        s.call("server", "read", 1024)
        s.call("server", "write", b"world")
        s.carry()
        s.call("client", "read", 1024)
        s.call("client", "read", 1024)
        return s.result()
    return run


def unwrap_clean(max_version=None):
    def run():
        s = Script({"max_version": max_version})
        s.handshake()
        s.call("client", "unwrap")     # close_notify sent, the server's awaited
        s.call("client", "unwrap")     # still awaited; nothing more sent
        s.call("client", "write", b"x")
        s.carry()
        s.call("server", "read", 1024)  # the client's close_notify: b""
        s.call("server", "read", 1024)
        s.call("server", "pending")
        s.call("server", "unwrap")     # both ways at once
        s.call("server", "unwrap")
        s.carry()
        s.call("client", "unwrap")
        s.call("client", "read", 1024)
        s.call("client", "write", b"x")
        s.call("client", "do_handshake")
        s.call("client", "version")
        s.call("server", "read", 1024)
        s.call("server", "write", b"x")
        return s.result()
    return run


def unwrap_after_late_data(max_version=None):
    def run():
        s = Script({"max_version": max_version})
        s.handshake()
        s.call("client", "unwrap")
        s.carry()
        s.call("server", "read", 1024)
        s.call("server", "write", b"late")  # the peer closed its side only
        s.call("server", "unwrap")
        s.carry()
        s.call("client", "unwrap")          # data after its own close_notify
        s.call("client", "version")
        s.call("client", "getpeercert_der")
        s.call("client", "read", 1024)
        s.call("client", "write", b"x")
        s.call("client", "do_handshake")
        s.call("client", "unwrap")
        return s.result()
    return run


def ragged_eof():
    s = Script()
    s.handshake()
    s.call("server", "write", b"hello")
    s.carry()
    s.write_eof("client")
    s.call("client", "read", 1024)     # the data before the end
    s.call("client", "read", 1024)     # the end, without close_notify
    s.call("client", "read", 1024)
    s.call("client", "write", b"x")
    s.call("client", "unwrap")
    s.call("client", "do_handshake")
    s.call("client", "version")
    return s.result()


def eof_mid_handshake(side):
    def run():
        s = Script()
        s.call("client", "do_handshake")
        if side == "client":
            s.carry()
            s.call("server", "do_handshake")
            s.inject_half_flight("client")
        s.write_eof(side)
        s.call(side, "do_handshake")
        s.call(side, "do_handshake")
        s.call(side, "read", 10)
        return s.result()
    return run


SCRIPTS = {
    "before_handshake": before_handshake,
    "after_handshake_tls13": after_handshake(),
    "after_handshake_tls12": after_handshake("TLSv1.2"),
    "unwrap_clean_tls13": unwrap_clean(),
    "unwrap_clean_tls12": unwrap_clean("TLSv1.2"),
    "unwrap_after_late_data_tls13": unwrap_after_late_data(),
    "unwrap_after_late_data_tls12": unwrap_after_late_data("TLSv1.2"),
    "ragged_eof": ragged_eof,
    "eof_mid_handshake_client": eof_mid_handshake("client"),
    "eof_mid_handshake_server": eof_mid_handshake("server"),
}


def record_sslobject():
    out = {
        "python": sys.version.split()[0],
        "openssl": ssl.OPENSSL_VERSION,
        "memorybio": memorybio(),
        "wrap": wrap_cases(),
        "scripts": {name: run() for name, run in SCRIPTS.items()},
    }
    write("sslobject.json", json.loads(json.dumps(out)))


if __name__ == "__main__":
    record_sslobject()
