#!/usr/bin/env python3
"""Records how CPython's ssl module behaves on TLS connections.

Run after ../gen.sh (from any directory; record.py also runs it):

    python3 testdata/golden/record_sockets.py

It rewrites sockets.json next to this file and nothing else.

Both ends of every connection live in this process: each is an SSLObject
over its own pair of MemoryBIOs, and this script carries the bytes between
them. Apart from the *_socket cases below there is no socket or thread
involved, and every run records the same answers for the same certificates.

sockets.json maps a case id to

    {"client": OUTCOME, "server": OUTCOME, "steps": [STEP, ...], ...}

OUTCOME is null when the case has no such end (the other end talks to
hand-made bytes). Otherwise it is the end's first failure,

    {"ok": false, "stage": "handshake"|"read"|"write"|"unwrap", "error": EXC,
     "sent": [RECORD, ...]}

where "sent" lists what the end wrote in the failing call and after it
(usually the one alert it sent, see records()), plus "handshake": DETAILS if
the failure came after a finished handshake. If nothing failed, it is DETAILS:

    {"ok": true, "version": ..., "cipher": [...], "getpeercert": {...}|null,
     "has_der": bool, "selected_alpn_protocol": ..., "session_reused": bool,
     "shared_ciphers": [[...], ...]|null, "server_hostname": ...}

and for a server also "sni_seen" (the name its sni_callback was given, null
when the client sent none) and "sni_calls" (how often the callback ran).
SSLWantReadError is not a failure: it only says "feed me more bytes".

EXC is record.exc(). A handshake that stops while an end still waits for
bytes that will never come is the failure {"class": "DidNotFinish", ...};
no such error exists in Python, it marks a stall.

STEP is one action after the handshake pump, in order:

    {"side": ..., "op": "read"|"write"|"unwrap"|"do_handshake", "arg": ...,
     "ok": true, "data"|"written": ...}  or  {..., "ok": false, "error": EXC}
    {"op": "carry", "client_sent": bool, "server_sent": bool}
    {"op": "write_eof"|"inject"|"discard"|"carry_plus"|"incoming", "side": ...}

"carry" moves everything each end has written to the other end; the other
ops act on one end's BIOs directly (see the case that uses them).

Cases named *_socket are the exception: one SSLSocket on a TCP connection
over 127.0.0.1 whose other end is a plain socket, for what CPython reports
differently on a socket and on a memory BIO. On OpenSSL 1.1.1 an EOF during
the handshake is SSL_ERROR_SYSCALL with an empty error queue; CPython makes
it SSLEOFError on a socket (the read returned 0, errno is 0) and
SSLSyscallError ("Some I/O error occurred") on a BIO, which has no socket.
Their OUTCOME has no "sent".

The key "messages" is no case: it lists each distinct SSLZeroReturnError,
SSLEOFError and SSLWantReadError recorded above, with the cases that raised
it.
"""

import json
import socket
import ssl
import sys
import threading

# Importing record.py must not leave a __pycache__ behind in testdata/.
sys.dont_write_bytecode = True
from record import exc, td, write  # noqa: E402

# A full handshake needs four rounds; anything much longer is a stall.
MAX_ROUNDS = 20

# Raised by an SSLObject that needs more input: a state, not an error.
WOULD_BLOCK = (ssl.SSLWantReadError, ssl.SSLWantWriteError)


class DidNotFinish(Exception):
    """Stands for a handshake the pump gave up on."""


ALERTS = {
    0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac",
    22: "record_overflow", 40: "handshake_failure", 42: "bad_certificate",
    43: "unsupported_certificate", 44: "certificate_revoked", 45: "certificate_expired",
    46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
    50: "decode_error", 51: "decrypt_error", 70: "protocol_version",
    71: "insufficient_security", 80: "internal_error", 86: "inappropriate_fallback",
    90: "user_canceled", 109: "missing_extension", 110: "unsupported_extension",
    112: "unrecognized_name", 116: "certificate_required", 120: "no_application_protocol",
}


def records(data):
    """The TLS records in data, as far as they can be told apart.

    A plaintext alert shows its level and description; any other record
    only its content type and length, since the bytes of an encrypted one
    (type 23) differ on every run. Anything that is not a whole record ends
    the list as hex.
    """
    out = []
    while data:
        length = int.from_bytes(data[3:5], "big") if len(data) >= 5 else 0
        if len(data) < 5 + length or data[0] not in (20, 21, 22, 23) or data[1] != 3:
            out.append({"hex": data.hex()})
            break
        kind, body, data = data[0], data[5:5 + length], data[5 + length:]
        if kind == 21 and length == 2:
            out.append({"alert": ALERTS.get(body[1], body[1]), "level": body[0]})
        else:
            out.append({"type": kind, "length": length})
    return out


# A plaintext TLS 1.2 record holding a warning close_notify alert: what a
# peer that gives up before the handshake could send.
CLOSE_NOTIFY_RECORD = bytes([21, 3, 3, 0, 2, 1, 0])


# ---------------------------------------------------------------------------
# Contexts


def configure(ctx, cert=None, cafile=None, capath=None, ciphers=None, alpn=None, **attrs):
    """Applies the usual settings; attrs are set in the order given."""
    if cert:
        ctx.load_cert_chain(td(cert + ".pem"), td(cert + ".key"))
    if cafile:
        ctx.load_verify_locations(td(cafile))
    if capath:
        ctx.load_verify_locations(capath=td(capath))
    if ciphers:
        ctx.set_ciphers(ciphers)
    if alpn:
        ctx.set_alpn_protocols(alpn)
    for name, value in attrs.items():
        setattr(ctx, name, value)
    return ctx


def client_ctx(protocol=ssl.PROTOCOL_TLS_CLIENT, cafile="ca.pem", **kw):
    return configure(ssl.SSLContext(protocol), cafile=cafile, **kw)


def server_ctx(protocol=ssl.PROTOCOL_TLS_SERVER, cert="server-rsa", **kw):
    return configure(ssl.SSLContext(protocol), cert=cert, **kw)


# ---------------------------------------------------------------------------
# Connections


class End:
    """One end of a connection: an SSLObject, its BIOs and what happened."""

    def __init__(self, conn, role, ctx, **kw):
        self.conn = conn
        self.role = role
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.incoming, self.outgoing,
                                server_side=(role == "server"), **kw)
        self.done = False      # handshake finished
        self.details = None    # DETAILS, taken when the handshake finished
        self.failure = None    # first failure
        self.sent = b""        # outgoing bytes collected since the failure
        self.sent_skip = 0     # of which written before the failing call

    @property
    def pending(self):
        return not self.done and self.failure is None

    def fail(self, stage, e, before=0):
        """Records the first failure; before is what the failing call found
        already waiting in the outgoing BIO, which it did not write."""
        if self.failure is None:
            self.failure = {"ok": False, "stage": stage, "error": exc(e)}
            self.sent_skip = before

    def finish(self):
        self.done = True
        o = self.obj
        self.details = {
            "ok": True,
            "version": o.version(),
            "cipher": o.cipher(),
            "getpeercert": o.getpeercert(),
            "has_der": o.getpeercert(True) is not None,
            "selected_alpn_protocol": o.selected_alpn_protocol(),
            "session_reused": o.session_reused,
            "shared_ciphers": o.shared_ciphers(),
            "server_hostname": o.server_hostname,
        }

    def handshake_once(self):
        """One do_handshake as the pump does it: no step is recorded."""
        before = self.outgoing.pending
        try:
            self.obj.do_handshake()
        except WOULD_BLOCK:
            pass
        except Exception as e:  # noqa: BLE001 - every exception is an answer
            self.fail("handshake", e, before)
        else:
            self.finish()

    def call(self, op, *args):
        """Calls an SSLObject method as a recorded step."""
        step = {"side": self.role, "op": op}
        if args:
            step["arg"] = args[0].decode("latin-1") if isinstance(args[0], bytes) else args[0]
        before = self.outgoing.pending
        try:
            result = getattr(self.obj, op)(*args)
        except Exception as e:  # noqa: BLE001
            step.update(ok=False, error=exc(e))
            if not isinstance(e, WOULD_BLOCK):
                self.fail("handshake" if op == "do_handshake" else op, e, before)
        else:
            step["ok"] = True
            if op == "read":
                step["data"] = result.decode("latin-1")
            elif op == "write":
                step["written"] = result
            elif op == "do_handshake" and not self.done:
                self.finish()
        self.conn.steps.append(step)
        return step

    def handshake_details(self):
        out = dict(self.details)
        if self.role == "server":
            seen = self.conn.sni_seen
            out["sni_seen"] = seen[0] if seen else None
            out["sni_calls"] = len(seen)
        return out

    def outcome(self):
        if self.failure is not None:
            out = dict(self.failure)
            # What nobody carried is still waiting in the BIO.
            self.sent += self.outgoing.read()
            out["sent"] = records(self.sent[self.sent_skip:])
            if self.details is not None:
                out["handshake"] = self.handshake_details()
            return out
        if self.done:
            return self.handshake_details()
        # A one-sided case that never finished and never failed.
        return {"ok": False, "stage": "handshake",
                "error": exc(DidNotFinish("handshake still waiting for data"))}


class Conn:
    """A client and a server (either may be absent) joined by carry()."""

    def __init__(self, cctx=None, sctx=None, server_hostname="localhost", session=None):
        self.steps = []
        self.sni_seen = []
        self.client = self.server = None
        if sctx is not None:
            # Rebound per connection: resumption cases reuse one context.
            sctx.sni_callback = lambda obj, name, ctx: self.sni_seen.append(name)
            self.server = End(self, "server", sctx)
        if cctx is not None:
            kw = {"server_hostname": server_hostname}
            if session is not None:
                kw["session"] = session
            self.client = End(self, "client", cctx, **kw)

    def move(self):
        """Hands each end what the other wrote; which ends sent anything."""
        sent = {}
        for src, dst in ((self.client, self.server), (self.server, self.client)):
            data = src.outgoing.read()
            if src.failure is not None:
                src.sent += data
            if data:
                dst.incoming.write(data)
            sent[src.role + "_sent"] = bool(data)
        return sent

    def carry(self):
        """move() as a recorded step."""
        sent = self.move()
        self.steps.append({"op": "carry", **sent})
        return sent

    def handshake(self):
        """Runs both handshakes until each has finished or failed.

        Each round gives every waiting end one do_handshake and then carries
        the bytes. An end that failed may still have written an alert; it is
        carried, so the other end gets to report what it received. The loop
        stops when no end waits any more, or when a round moved no bytes
        (nobody can make progress), and in any case after MAX_ROUNDS.
        """
        ends = (self.client, self.server)
        for _ in range(MAX_ROUNDS):
            for end in ends:
                if end.pending:
                    end.handshake_once()
            moved = any(self.move().values())
            if not any(end.pending for end in ends) or not moved:
                break
        for end in ends:
            if end.pending:
                end.fail("handshake", DidNotFinish(
                    "handshake stalled: waiting for bytes that nobody sends"))
        # In TLS 1.3 the client finishes before the server has judged its
        # certificate, so a rejected client learns of it only from the next
        # read. An end that finished while its peer failed therefore reads
        # once, as an application would, to surface the alert it was sent.
        for end, peer in ((self.client, self.server), (self.server, self.client)):
            if end.done and end.failure is None and peer.failure is not None:
                end.call("read", 1)
        return self

    def result(self, **extra):
        out = {
            "client": self.client.outcome() if self.client else None,
            "server": self.server.outcome() if self.server else None,
        }
        if self.steps:
            out["steps"] = self.steps
        out.update(extra)
        return out


def connect(cctx=None, sctx=None, **kw):
    """A connection with default contexts and a finished handshake pump."""
    if cctx is None:
        cctx = client_ctx()
    if sctx is None:
        sctx = server_ctx()
    return Conn(cctx, sctx, **kw).handshake()


def handshake_case(cctx=None, sctx=None, **kw):
    return lambda: connect(cctx() if cctx else None, sctx() if sctx else None, **kw).result()


# ---------------------------------------------------------------------------
# Cases that need more than a handshake


def exchange():
    c = connect()
    c.client.call("write", b"ping")
    c.carry()
    c.server.call("read", 1024)
    c.server.call("write", b"pong")
    c.carry()
    c.client.call("read", 1024)
    return c.result()


def eof_during_handshake_client():
    # The server never answers: the client's hello goes nowhere.
    c = Conn(client_ctx())
    c.client.call("do_handshake")
    c.steps.append({"op": "discard", "side": "client", "bytes": len(c.client.outgoing.read())})
    c.client.incoming.write_eof()
    c.steps.append({"op": "write_eof", "side": "client"})
    c.client.call("do_handshake")
    return c.result()


def eof_during_handshake_server():
    c = Conn(sctx=server_ctx())
    c.server.incoming.write_eof()
    c.steps.append({"op": "write_eof", "side": "server"})
    c.server.call("do_handshake")
    return c.result()


def tcp_pair():
    """Both ends of a TCP connection over 127.0.0.1, blocking."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        client = socket.create_connection(listener.getsockname(), timeout=10)
        server, _ = listener.accept()
    server.settimeout(10)
    return client, server


def read_record(sock):
    """Reads one whole TLS record from a plain socket, so that closing it
    afterwards ends the connection with FIN (unread bytes would make it RST)."""
    def exactly(n):
        buf = b""
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                break
            buf += chunk
        return buf
    header = exactly(5)
    if len(header) == 5:
        exactly(int.from_bytes(header[3:5], "big"))


def socket_outcome(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return {"ok": False, "stage": "handshake", "error": exc(e)}
    return {"ok": True}


def eof_during_handshake_client_socket():
    # The peer reads the hello and closes: the client's handshake reads EOF.
    raw, peer = tcp_pair()
    reader = threading.Thread(target=lambda: (read_record(peer), peer.close()))
    reader.start()
    try:
        out = socket_outcome(lambda: client_ctx().wrap_socket(raw, server_hostname="localhost"))
    finally:
        reader.join(10)
        raw.close()
    return {"client": out, "server": None}


def eof_during_handshake_server_socket():
    # The client closes before it sends anything.
    peer, raw = tcp_pair()
    peer.close()
    try:
        out = socket_outcome(lambda: server_ctx().wrap_socket(raw, server_side=True))
    finally:
        raw.close()
    return {"client": None, "server": out}


def garbage_to_client(data=b"HTTP/1.1 400 Bad Request\r\n\r\n"):
    def run():
        c = Conn(client_ctx())
        c.client.call("do_handshake")
        c.steps.append({"op": "discard", "side": "client",
                        "bytes": len(c.client.outgoing.read())})
        c.client.incoming.write(data)
        c.steps.append({"op": "inject", "side": "client", "data": data.decode("latin-1")})
        c.client.call("do_handshake")
        return c.result()
    return run


def garbage_to_server(data=b"GET / HTTP/1.1\r\n\r\n"):
    def run():
        c = Conn(sctx=server_ctx())
        c.server.incoming.write(data)
        c.steps.append({"op": "inject", "side": "server", "data": data.decode("latin-1")})
        c.server.call("do_handshake")
        return c.result()
    return run


def ragged_eof(read_again):
    def run():
        c = connect()
        c.server.call("write", b"hello")
        c.carry()
        c.client.call("read", 1024)
        # The transport ends without a close_notify.
        c.client.incoming.write_eof()
        c.steps.append({"op": "write_eof", "side": "client"})
        c.client.call("read", 1024)
        if read_again:
            c.client.call("read", 1024)
        return c.result()
    return run


def close_notify_received():
    """Server sends close_notify and the client reads it: the common start."""
    c = connect()
    c.server.call("unwrap")
    c.carry()
    c.client.call("read", 1024)
    return c


def close_notify_read():
    c = close_notify_received()
    c.client.call("unwrap")
    c.carry()
    # The server now has the client's close_notify too.
    c.server.call("unwrap")
    return c.result()


def write_after_close_notify_received():
    c = close_notify_received()
    c.client.call("write", b"x")
    c.carry()
    # Does the server, which already sent its close_notify, still read?
    c.server.call("read", 1024)
    return c.result()


def read_after_unwrap():
    # Both close_notify alerts exchanged, then the client reads and writes.
    c = close_notify_received()
    c.client.call("unwrap")
    c.client.call("read", 1024)
    c.client.call("write", b"x")
    return c.result()


def write_after_own_unwrap():
    # The client closes first; its unwrap waits for the server's answer.
    c = connect()
    c.client.call("unwrap")
    c.client.call("write", b"x")
    c.carry()
    c.server.call("read", 1024)
    return c.result()


def unwrap_before_handshake():
    c = Conn(client_ctx())
    c.client.call("unwrap")
    return c.result()


def handshake_after_close():
    # do_handshake once the connection is closed in both directions.
    c = close_notify_received()
    c.client.call("unwrap")
    c.client.call("do_handshake")
    return c.result()


def close_notify_during_handshake_server():
    # A plaintext close_notify instead of a ClientHello.
    c = Conn(sctx=server_ctx())
    c.server.incoming.write(CLOSE_NOTIFY_RECORD)
    c.steps.append({"op": "inject", "side": "server", "data_hex": CLOSE_NOTIFY_RECORD.hex()})
    c.server.call("do_handshake")
    return c.result()


def close_notify_during_handshake_client():
    # A plaintext close_notify instead of a ServerHello.
    c = Conn(client_ctx())
    c.client.call("do_handshake")
    c.steps.append({"op": "discard", "side": "client", "bytes": len(c.client.outgoing.read())})
    c.client.incoming.write(CLOSE_NOTIFY_RECORD)
    c.steps.append({"op": "inject", "side": "client", "data_hex": CLOSE_NOTIFY_RECORD.hex()})
    c.client.call("do_handshake")
    return c.result()


def resumption(maximum_version, read_tickets=True):
    def run():
        cctx = client_ctx(maximum_version=maximum_version)
        sctx = server_ctx()
        first = connect(cctx, sctx)
        if read_tickets:
            # TLS 1.3 tickets come after the handshake; a read picks them up.
            first.server.call("write", b"x")
            first.carry()
            first.client.call("read", 1024)
        session = first.client.obj.session
        second = connect(cctx, sctx, session=session)
        return second.result(
            first=first.result(),
            session={
                "has_ticket": session.has_ticket,
                "ticket_lifetime_hint": session.ticket_lifetime_hint,
                "timeout": session.timeout,
            },
        )
    return run


def unwrap_with_trailing_plaintext():
    c = connect()
    c.server.call("write", b"secure")
    c.server.call("unwrap")
    # Plaintext right behind the close_notify, as after a STARTTLS-style
    # downgrade back to the clear.
    c.client.incoming.write(c.server.outgoing.read() + b"PLAIN")
    c.steps.append({"op": "carry_plus", "side": "client", "extra": "PLAIN"})
    c.client.call("read", 1024)
    c.client.call("unwrap")
    pending = c.client.incoming.pending
    left = c.client.incoming.read()
    c.steps.append({"op": "incoming", "side": "client", "pending": pending,
                    "data": left.decode("latin-1")})
    return c.result(left_in_incoming=left.decode("latin-1"))


def forged_record_after_good():
    # A good application data record and a forged copy of it (its last byte
    # flipped) reach the client together; it reads twice.
    c = connect()
    c.server.call("write", b"hello")
    good = c.server.outgoing.read()
    forged = bytearray(good)
    forged[-1] ^= 1
    c.client.incoming.write(good + bytes(forged))
    c.steps.append({"op": "inject", "side": "client", "data": "good record, then forged copy"})
    c.client.call("read", 1024)
    c.client.call("read", 1024)
    return c.result()


# ---------------------------------------------------------------------------
# The cases

TLS1 = ssl.TLSVersion.TLSv1
TLS12 = ssl.TLSVersion.TLSv1_2
TLS13 = ssl.TLSVersion.TLSv1_3


def tls_client(**kw):
    """A PROTOCOL_TLS client: CERT_NONE, no hostname check, no CA."""
    return lambda: client_ctx(ssl.PROTOCOL_TLS, cafile=None, **kw)


def tls_server(**kw):
    return lambda: server_ctx(ssl.PROTOCOL_TLS, **kw)


def cli(**kw):
    return lambda: client_ctx(**kw)


def srv(**kw):
    return lambda: server_ctx(**kw)


CASES = {
    "ok_default": handshake_case(),
    "ok_tls12": handshake_case(cli(maximum_version=TLS12)),
    "ok_ecdsa": handshake_case(None, srv(cert="server-ecdsa")),
    "ok_ecdsa_tls12": handshake_case(cli(maximum_version=TLS12), srv(cert="server-ecdsa")),
    "ok_ed25519": handshake_case(None, srv(cert="server-ed25519")),
    "ok_ip_literal": handshake_case(server_hostname="127.0.0.1"),
    "ok_ipv6_literal": handshake_case(server_hostname="::1"),
    "ip_mismatch": handshake_case(server_hostname="127.0.0.2"),
    "hostname_mismatch": handshake_case(None, srv(cert="server-other")),
    "hostname_mismatch_check_hostname_off": handshake_case(
        cli(check_hostname=False), srv(cert="server-other")),
    "hostname_wildcard_none": handshake_case(server_hostname="other.example"),
    "sni_seen": handshake_case(server_hostname="localhost"),
    "data_exchange": exchange,
    # Chain validation
    "verify_self_signed": handshake_case(None, srv(cert="selfsigned")),
    "verify_expired": handshake_case(None, srv(cert="expired")),
    "verify_not_yet_valid": handshake_case(None, srv(cert="notyetvalid")),
    "verify_wrong_ca": handshake_case(None, srv(cert="wrongca-server")),
    "verify_no_ca": handshake_case(cli(cafile=None)),
    "verify_capath": handshake_case(cli(cafile=None, capath="capath")),
    "verify_capath_wrong": handshake_case(cli(cafile=None, capath="capath2")),
    # Client certificates
    "client_cert_none": handshake_case(
        cli(cert="client"), srv(verify_mode=ssl.CERT_NONE)),
    "client_cert_optional_missing": handshake_case(
        None, srv(cafile="ca.pem", verify_mode=ssl.CERT_OPTIONAL)),
    "client_cert_optional_given": handshake_case(
        cli(cert="client"), srv(cafile="ca.pem", verify_mode=ssl.CERT_OPTIONAL)),
    "client_cert_required_missing_tls13": handshake_case(
        None, srv(cafile="ca.pem", verify_mode=ssl.CERT_REQUIRED)),
    "client_cert_required_missing_tls12": handshake_case(
        cli(maximum_version=TLS12), srv(cafile="ca.pem", verify_mode=ssl.CERT_REQUIRED)),
    "client_cert_required_given": handshake_case(
        cli(cert="client"), srv(cafile="ca.pem", verify_mode=ssl.CERT_REQUIRED)),
    "client_cert_required_given_tls12": handshake_case(
        cli(cert="client", maximum_version=TLS12),
        srv(cafile="ca.pem", verify_mode=ssl.CERT_REQUIRED)),
    "client_cert_wrong_ca": handshake_case(
        cli(cert="wrongca-server"), srv(cafile="ca.pem", verify_mode=ssl.CERT_REQUIRED)),
    "client_cert_wrong_ca_tls12": handshake_case(
        cli(cert="wrongca-server", maximum_version=TLS12),
        srv(cafile="ca.pem", verify_mode=ssl.CERT_REQUIRED)),
    "client_cert_none_verify_client": handshake_case(tls_client()),
    # Versions and ciphers
    "no_shared_cipher": handshake_case(
        cli(maximum_version=TLS12, ciphers="ECDHE-RSA-AES128-GCM-SHA256"),
        srv(maximum_version=TLS12, ciphers="ECDHE-RSA-AES256-GCM-SHA384")),
    "protocol_version_mismatch": handshake_case(
        cli(maximum_version=TLS12), srv(minimum_version=TLS13)),
    "tls10_refused_seclevel": handshake_case(
        tls_client(minimum_version=TLS1, maximum_version=TLS1), tls_server()),
    "tls10_seclevel0": handshake_case(
        tls_client(ciphers="ALL:@SECLEVEL=0", minimum_version=TLS1, maximum_version=TLS1),
        tls_server(ciphers="ALL:@SECLEVEL=0")),
    # As tls10_seclevel0, with the server's default minimum (TLS 1.2) lowered too.
    "tls10_seclevel0_server_min_tls1": handshake_case(
        tls_client(ciphers="ALL:@SECLEVEL=0", minimum_version=TLS1, maximum_version=TLS1),
        tls_server(ciphers="ALL:@SECLEVEL=0", minimum_version=TLS1)),
    # ALPN
    "alpn": handshake_case(cli(alpn=["h2", "http/1.1"]), srv(alpn=["http/1.1", "spdy"])),
    "alpn_no_overlap": handshake_case(cli(alpn=["h2", "http/1.1"]), srv(alpn=["spdy"])),
    "alpn_client_only": handshake_case(cli(alpn=["h2", "http/1.1"])),
    "alpn_server_only": handshake_case(None, srv(alpn=["http/1.1"])),
    # Broken transports
    "eof_during_handshake_client": eof_during_handshake_client,
    "eof_during_handshake_server": eof_during_handshake_server,
    "eof_during_handshake_client_socket": eof_during_handshake_client_socket,
    "eof_during_handshake_server_socket": eof_during_handshake_server_socket,
    "garbage_to_client": garbage_to_client(),
    "garbage_to_server": garbage_to_server(),
    "close_notify_during_handshake_client": close_notify_during_handshake_client,
    "close_notify_during_handshake_server": close_notify_during_handshake_server,
    # Closing
    "ragged_eof_read": ragged_eof(read_again=False),
    "read_after_ragged_eof_again": ragged_eof(read_again=True),
    "close_notify_read": close_notify_read,
    "write_after_close_notify_received": write_after_close_notify_received,
    "read_after_unwrap": read_after_unwrap,
    "write_after_own_unwrap": write_after_own_unwrap,
    "unwrap_before_handshake": unwrap_before_handshake,
    "handshake_after_close": handshake_after_close,
    "unwrap_with_trailing_plaintext": unwrap_with_trailing_plaintext,
    # Forged records
    "forged_record_after_good": forged_record_after_good,
    # Resumption
    "resumption_tls13": resumption(TLS13),
    "resumption_tls12": resumption(TLS12),
    # TLS 1.3 session taken before the tickets were read.
    "resumption_tls13_before_tickets": resumption(TLS13, read_tickets=False),
}


def errors_of(case):
    """Every exception recorded in a case: outcomes and steps."""
    found = [o["error"] for o in (case.get("client"), case.get("server"))
             if o and not o["ok"]]
    found += [s["error"] for s in case.get("steps", ()) if not s.get("ok", True)]
    return found


def messages(cases):
    """The distinct closing and would-block exceptions, by class."""
    out = {}
    for name, case in cases.items():
        for e in errors_of(case):
            if e["class"] in ("SSLZeroReturnError", "SSLEOFError", "SSLWantReadError"):
                seen = out.setdefault(e["class"], [])
                for entry in seen:
                    if entry["error"] == e:
                        if name not in entry["cases"]:
                            entry["cases"].append(name)
                        break
                else:
                    seen.append({"error": e, "cases": [name]})
    return out


def record_sockets():
    cases = {}
    for name, run in CASES.items():
        try:
            cases[name] = run()
        except Exception as e:  # noqa: BLE001 - a setup error is an answer too
            cases[name] = {"setup_error": exc(e)}
    # The texts Python gives for a connection closed cleanly (close_notify:
    # SSLZeroReturnError, in a handshake only by close_notify_during_
    # handshake_client) and uncleanly (EOF: SSLEOFError), as they occurred.
    cases["messages"] = messages(cases)
    write("sockets.json", json.loads(json.dumps(cases)))


if __name__ == "__main__":
    record_sockets()
