#!/usr/bin/env python3
"""Records CPython 3.13's SSLSocket.get_verified_chain() and
get_unverified_chain() (new in 3.13) for both ends of a few connections.

    /root/.pyenv/versions/3.13.0/bin/python testdata/golden/record_chains.py

writes chains.json here, shared by every series: what the chains hold
follows from the fixtures (what each peer sends, what each trusts). Each
certificate is written as the fixture file it comes from; a chain Python
answered [] for is [], and an exception is {"class", "message"}.
"""

import json
import os
import ssl
import sys

GOLDEN = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.dirname(GOLDEN)
KNOWN = ["ca.pem", "ca2.pem", "server-rsa.pem", "client.pem", "selfsigned.pem", "wrongca-server.pem"]


def td(name):
    return os.path.join(TESTDATA, name)


def der_names():
    names = {}
    for name in KNOWN:
        with open(td(name)) as f:
            names[ssl.PEM_cert_to_DER_cert(f.read())] = name
    return names


def pump(a, b, bios):
    ci, co, si, so = bios
    done = [False, False]
    for _ in range(20):
        for i, o in enumerate((a, b)):
            if done[i]:
                continue
            try:
                o.do_handshake()
                done[i] = True
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                pass
        si.write(co.read())
        ci.write(so.read())
        if all(done):
            return


def connect(client, server):
    bios = [ssl.MemoryBIO() for _ in range(4)]
    a = client.wrap_bio(bios[0], bios[1], server_hostname="localhost")
    b = server.wrap_bio(bios[2], bios[3], server_side=True)
    pump(a, b, bios)
    return a, b


def chain(get, names):
    try:
        return [names.get(d, "?") for d in get()]
    except Exception as e:  # noqa: BLE001 - an exception is an answer too
        return {"class": type(e).__name__, "message": str(e)}


def chains(obj, names):
    return {
        "verified": chain(obj.get_verified_chain, names),
        "unverified": chain(obj.get_unverified_chain, names),
    }


def case(cli_cert=None, cli_cafile="ca.pem", cli_verify=True, srv_cert="server-rsa",
         srv_chain=None, srv_cafile=None, srv_mode=ssl.CERT_NONE):
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if not cli_verify:
        c.check_hostname = False
        c.verify_mode = ssl.CERT_NONE
    if cli_cafile:
        c.load_verify_locations(td(cli_cafile))
    if cli_cert:
        c.load_cert_chain(td(cli_cert + ".pem"), td(cli_cert + ".key"))
    s = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    s.load_cert_chain(td(srv_chain or srv_cert + ".pem"), td(srv_cert + ".key"))
    if srv_cafile:
        s.load_verify_locations(td(srv_cafile))
    s.verify_mode = srv_mode
    return c, s


CASES = {
    "server_verified": lambda: case(),
    "server_sends_chain": lambda: case(srv_chain="server-rsa-chain.pem"),
    "client_cert_none_trusted": lambda: case(cli_verify=False),
    "client_cert_none_untrusted": lambda: case(cli_verify=False, cli_cafile=None),
    "client_cert_none_wrong_ca": lambda: case(cli_verify=False, srv_cert="wrongca-server"),
    "mutual": lambda: case(cli_cert="client", srv_cafile="ca.pem", srv_mode=ssl.CERT_REQUIRED),
    "mutual_optional_no_cert": lambda: case(srv_cafile="ca.pem", srv_mode=ssl.CERT_OPTIONAL),
}


def main():
    names = der_names()
    out = {"python": sys.version.split()[0], "openssl": ssl.OPENSSL_VERSION}
    for name, build in CASES.items():
        a, b = connect(*build())
        out[name] = {"client": chains(a, names), "server": chains(b, names)}
    with open(os.path.join(GOLDEN, "chains.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
