#!/usr/bin/env python3
"""Records what CPython 3.13's PSK callbacks do, for psk.json.

    python3.13 testdata/golden/record_psk.py > testdata/golden/<series>/psk.json

It needs a CPython with SSLContext.set_psk_client_callback (3.13) and reads
no file, so that it also runs from standard input inside a root filesystem
whose CPython links another OpenSSL series:

    chroot <root> python3 - < testdata/golden/record_psk.py > .../psk.json

Each scenario runs a CPython client against a CPython server over memory
BIOs, neither with a certificate, and records what the client's callback
was given (the identity hint), what the server's was given (the client's
identity), and how each end's handshake ended: the version and cipher, or
the exception's class, library, reason and message (without CPython's
" (_ssl.c:NNNN)"). The last entries are the errors of the setters.
"""

import json
import re
import ssl
import sys

PSK = bytes.fromhex("deadbeef")


def exc(e):
    message = getattr(e, "strerror", None)
    if message is None:
        message = str(e.args[0]) if e.args else str(e)
    message = re.sub(r" \(_ssl\.c:\d+\)$", "", message)
    return {"class": type(e).__name__, "library": getattr(e, "library", None),
            "reason": getattr(e, "reason", None), "message": message}


def contexts(version, ciphers):
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.check_hostname = False
    cctx.verify_mode = ssl.CERT_NONE
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    for ctx in (cctx, sctx):
        ctx.minimum_version = version
        ctx.maximum_version = version
        if ciphers:
            ctx.set_ciphers(ciphers)
    return cctx, sctx


def run(cctx, sctx):
    """Both handshakes over memory BIOs, until each ends or stalls."""
    ends = []
    for ctx, server in ((cctx, False), (sctx, True)):
        i, o = ssl.MemoryBIO(), ssl.MemoryBIO()
        ends.append({"obj": ctx.wrap_bio(i, o, server_side=server), "in": i, "out": o, "result": None})
    c, s = ends
    for _ in range(20):
        for end in ends:
            if end["result"] is None:
                try:
                    end["obj"].do_handshake()
                    end["result"] = {"version": end["obj"].version(), "cipher": end["obj"].cipher()[0]}
                except ssl.SSLWantReadError:
                    pass
                except ssl.SSLError as e:
                    end["result"] = exc(e)
        moved = False
        for src, dst in ((c, s), (s, c)):
            data = src["out"].read()
            if data:
                dst["in"].write(data)
                moved = True
        if not moved and all(e["result"] is not None for e in ends):
            break
        if not moved:
            # The side still waiting hears the transport end.
            for end in ends:
                if end["result"] is None:
                    end["in"].write_eof()
    return c["result"], s["result"]


def scenario(version, ciphers, client_cb, server_cb, hint):
    cctx, sctx = contexts(version, ciphers)
    saw = {"client_saw": [], "server_saw": []}

    def ccb(h):
        saw["client_saw"].append(h)
        return client_cb(h)

    def scb(identity):
        saw["server_saw"].append(identity)
        return server_cb(identity)

    cctx.set_psk_client_callback(ccb)
    sctx.set_psk_server_callback(scb, hint)
    saw["client"], saw["server"] = run(cctx, sctx)
    return saw


def raise_(e):
    raise e


def attempt(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - every exception is an answer
        return exc(e)
    return {"ok": True}


def main():
    if not hasattr(ssl.SSLContext, "set_psk_client_callback"):
        sys.exit("record_psk.py needs CPython 3.13 or later")
    v12, v13 = ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3
    ok = lambda identity: PSK  # noqa: E731
    out = {
        "tls12 hint": scenario(v12, "PSK", lambda h: ("client-identity", PSK), ok, "identity-hint"),
        "tls12 no hint": scenario(v12, "PSK", lambda h: ("client-identity", PSK), ok, None),
        "tls12 no identity": scenario(v12, "PSK", lambda h: (None, PSK), ok, None),
        "tls12 utf8": scenario(v12, "PSK", lambda h: ("\u5ba2\u6237\u8eab\u4efd", PSK), ok, "\u8eab\u4efd\u6697\u793a"),
        "tls12 wrong key": scenario(v12, "PSK", lambda h: ("client-identity", bytes.fromhex("cafebabe")), ok, None),
        "tls12 unknown identity": scenario(v12, "PSK", lambda h: ("client-identity", PSK), lambda i: b"", None),
        "tls12 client callback raises": scenario(v12, "PSK", lambda h: raise_(LookupError("no key")), ok, None),
        "tls12 server callback raises": scenario(v12, "PSK", lambda h: ("client-identity", PSK),
                                                 lambda i: raise_(LookupError("no key")), None),
        "tls12 identity too long": scenario(v12, "PSK", lambda h: ("x" * 300, PSK), ok, None),
        "tls12 key too long": scenario(v12, "PSK", lambda h: ("client-identity", b"k" * 600), ok, None),
        "tls13": scenario(v13, None, lambda h: ("client-identity", PSK), ok, "identity-hint"),
        "tls13 wrong key": scenario(v13, None, lambda h: ("client-identity", bytes.fromhex("cafebabe")), ok, None),
        "tls13 unknown identity": scenario(v13, None, lambda h: ("client-identity", PSK), lambda i: b"", None),
        "tls13 client without key": scenario(v13, None, lambda h: ("client-identity", b""), ok, None),
        "set client callback on a server context": attempt(
            lambda: ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).set_psk_client_callback(lambda h: (None, PSK))),
        "set server callback on a client context": attempt(
            lambda: ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).set_psk_server_callback(lambda i: PSK)),
        "hint too long": attempt(
            lambda: ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).set_psk_server_callback(lambda i: PSK, "h" * 300)),
        "hint of 128 bytes": attempt(
            lambda: ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).set_psk_server_callback(lambda i: PSK, "h" * 128)),
    }
    out["meta"] = {"openssl": ssl.OPENSSL_VERSION, "python": sys.version.split()[0]}
    json.dump(out, sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
