#!/usr/bin/env python3
"""Records what CPython's ssl module answers for the fixtures in testdata/.

Run after ../gen.sh (from any directory), with the CPython that links the
OpenSSL series being recorded (SPEC rule 2: 3.9 on 1.1.1, 3.11 on 3.0, 3.13
on 3.5; `make golden` runs it in each Debian root filesystem):

    python3 testdata/golden/record.py

It rewrites certs.json, ciphers.json, errors.json, defaults.json,
sockets.json (through record_sockets.py) and meta.json in the series'
directory, testdata/golden/<series>/, under CPython 3.13's policy
(policy.py). match_hostname.json and edge.json, mostly Python's answers
alone, are shared by every series and recorded by the last CPython that has
ssl.match_hostname (3.11); on the other series the parts of edge.json their
OpenSSL decides go to the series' own edge.json. Message texts lose CPython's " (_ssl.c:NNNN)" suffix, and the absolute path
of testdata/ is replaced by "testdata" wherever a message quotes it.
"""

import json
import os
import re
import ssl
import sys
import warnings

sys.dont_write_bytecode = True  # no __pycache__ in testdata/
import policy  # noqa: E402

GOLDEN = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.dirname(GOLDEN)

warnings.simplefilter("ignore", DeprecationWarning)
policy.adopt_313_policy()


def td(name):
    """Absolute path of a file in testdata/."""
    return os.path.join(TESTDATA, name)


def read(name, mode="rb"):
    with open(td(name), mode) as f:
        return f.read()


_SSL_C = re.compile(r" \(_ssl\.c:\d+\)")


def clean(text):
    if text is None:
        return None
    text = _SSL_C.sub("", str(text))
    return text.replace(TESTDATA, "testdata")


def exc(e):
    """An exception as a JSON object."""
    strerror = getattr(e, "strerror", None)
    if strerror is not None:
        message = strerror
    elif e.args:
        message = str(e.args[0])
    else:
        message = str(e)
    return {
        "class": type(e).__name__,
        "errno": getattr(e, "errno", None),
        "library": getattr(e, "library", None),
        "reason": getattr(e, "reason", None),
        "message": clean(message),
        "str": clean(str(e)),
        "verify_code": getattr(e, "verify_code", None),
        "verify_message": getattr(e, "verify_message", None),
    }


def attempt(fn):
    """{"ok": true} if fn() returns, else the exception it raised."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - every exception is an answer
        return exc(e)
    return {"ok": True}


def write(name, data, shared=False):
    """Writes a golden file: this OpenSSL series' own, or with shared=True
    one that holds Python's answers alone and serves every series."""
    path = os.path.join(policy.golden_dir() if shared else policy.series_dir(), name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write("\n")


def client():
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def server():
    return ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)


# ---------------------------------------------------------------------------
# certs.json


def decode(name):
    return ssl._ssl._test_decode_cert(td(name))


def record_certs():
    names = sorted("certs/" + n for n in os.listdir(td("certs")) if n.endswith(".pem"))
    names += [
        "ca.pem", "ca2.pem", "server-rsa.pem", "server-ecdsa.pem",
        "server-ed25519.pem", "client.pem", "expired.pem", "selfsigned.pem",
    ]
    out = {name: decode(name) for name in names}
    for name in ["garbage.pem", "nullcert.pem", "truncated.pem", "does-not-exist.pem"]:
        try:
            out[name] = {"unexpected_success": decode(name)}
        except Exception as e:  # noqa: BLE001
            out[name] = {"error": exc(e)}
    # json turns the tuples into lists; round-trip so the file is exactly that.
    write("certs.json", json.loads(json.dumps(out)))


# ---------------------------------------------------------------------------
# ciphers.json

CIPHER_SPECS = [
    "ALL",
    "DEFAULT",
    "HIGH:!aNULL:!MD5",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "AESGCM+ECDHE",
    "ECDHE+AESGCM:!ECDSA",
    "CHACHA20",
    "kRSA",
    "ALL:@SECLEVEL=0",
    "DEFAULT:@SECLEVEL=0",
    "HIGH:@STRENGTH",
    "eNULL",
    "eNULL:@SECLEVEL=0",
    "aNULL:@SECLEVEL=0",
    "RC4",
    "3DES:@SECLEVEL=0",
    "PSK",
    "EXPORT",
    "COMPLEMENTOFDEFAULT",
    "TLSv1.2",
    "SHA256:!SHA384",
    "@SECLEVEL=3",
    "nonsense",
    "^$:,;?*'dorothyx",
    "",
]


def record_ciphers():
    cases = []
    for spec in CIPHER_SPECS:
        c = client()
        try:
            c.set_ciphers(spec)
        except Exception as e:  # noqa: BLE001
            cases.append({"spec": spec, "error": exc(e)})
        else:
            cases.append({"spec": spec, "names": [d["name"] for d in c.get_ciphers()]})
    default_openssl = client()
    default_openssl.set_ciphers("DEFAULT")
    write("ciphers.json", {
        "cases": cases,
        "default_client": client().get_ciphers(),
        "default_openssl": default_openssl.get_ciphers(),
    })


# ---------------------------------------------------------------------------
# errors.json


def ctx_op(op, ctx=client):
    """A case that calls op on a fresh context."""
    return lambda: op(ctx())


def setattr_op(attr, value, ctx=client):
    return lambda: setattr(ctx(), attr, value)


def wrap_bio(ctx, **kw):
    return lambda: ctx().wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), **kw)


ERROR_CASES = {
    # load_cert_chain
    "load_cert_chain_missing": ctx_op(lambda c: c.load_cert_chain(td("does-not-exist.pem"))),
    "load_cert_chain_missing_key": ctx_op(
        lambda c: c.load_cert_chain(td("server-rsa.pem"), td("does-not-exist.key"))),
    "load_cert_chain_garbage": ctx_op(lambda c: c.load_cert_chain(td("garbage.pem"))),
    "load_cert_chain_empty": ctx_op(lambda c: c.load_cert_chain(td("nullcert.pem"))),
    "load_cert_chain_badcert": ctx_op(lambda c: c.load_cert_chain(td("badcert.pem"))),
    "load_cert_chain_badkey": ctx_op(lambda c: c.load_cert_chain(td("badkey.pem"))),
    "load_cert_chain_truncated": ctx_op(lambda c: c.load_cert_chain(td("truncated.pem"))),
    "load_cert_chain_der": ctx_op(
        lambda c: c.load_cert_chain(td("server-rsa.der"), td("server-rsa.key"))),
    "load_cert_chain_cert_only": ctx_op(lambda c: c.load_cert_chain(td("server-rsa.pem"))),
    "load_cert_chain_key_only": ctx_op(lambda c: c.load_cert_chain(td("server-rsa.key"))),
    "load_cert_chain_swapped": ctx_op(
        lambda c: c.load_cert_chain(td("server-rsa.key"), td("server-rsa.pem"))),
    "load_cert_chain_mismatch": ctx_op(
        lambda c: c.load_cert_chain(td("server-rsa.pem"), td("server-ecdsa.key"))),
    "load_cert_chain_mismatch_rsa": ctx_op(
        lambda c: c.load_cert_chain(td("server-rsa.pem"), td("client.key"))),
    "load_cert_chain_keycert": ctx_op(lambda c: c.load_cert_chain(td("keycert.pem"))),
    "load_cert_chain_chain": ctx_op(
        lambda c: c.load_cert_chain(td("server-rsa-chain.pem"), td("server-rsa.key"))),
    "load_cert_chain_ed25519": ctx_op(
        lambda c: c.load_cert_chain(td("server-ed25519.pem"), td("server-ed25519.key"))),
    "load_cert_chain_password": ctx_op(lambda c: c.load_cert_chain(
        td("server-rsa.pem"), td("server-rsa-enc.key"), password=read("PASSWORD"))),
    "load_cert_chain_password_str": ctx_op(lambda c: c.load_cert_chain(
        td("server-rsa.pem"), td("server-rsa-enc.key"), password=read("PASSWORD", "r"))),
    "load_cert_chain_password_bytearray": ctx_op(lambda c: c.load_cert_chain(
        td("keycert-enc.pem"), password=bytearray(read("PASSWORD")))),
    "load_cert_chain_password_callable": ctx_op(lambda c: c.load_cert_chain(
        td("keycert-enc.pem"), password=lambda: read("PASSWORD"))),
    "load_cert_chain_password_unused": ctx_op(
        lambda c: c.load_cert_chain(td("keycert.pem"), password=b"unused")),
    "load_cert_chain_wrong_password": ctx_op(lambda c: c.load_cert_chain(
        td("server-rsa.pem"), td("server-rsa-enc.key"), password=b"wrong")),
    "load_cert_chain_wrong_password_callable": ctx_op(lambda c: c.load_cert_chain(
        td("server-rsa.pem"), td("server-rsa-enc.key"), password=lambda: b"wrong")),
    "load_cert_chain_password_too_long": ctx_op(lambda c: c.load_cert_chain(
        td("server-rsa.pem"), td("server-rsa-enc.key"), password=b"x" * 2000)),
    "load_cert_chain_password_callable_too_long": ctx_op(lambda c: c.load_cert_chain(
        td("server-rsa.pem"), td("server-rsa-enc.key"), password=lambda: b"x" * 2000)),
    "load_cert_chain_password_wrong_type": ctx_op(lambda c: c.load_cert_chain(
        td("server-rsa.pem"), td("server-rsa-enc.key"), password=42)),
    "load_cert_chain_password_callable_wrong_type": ctx_op(lambda c: c.load_cert_chain(
        td("server-rsa.pem"), td("server-rsa-enc.key"), password=lambda: 42)),
    "load_cert_chain_password_callable_raises": ctx_op(lambda c: c.load_cert_chain(
        td("server-rsa.pem"), td("server-rsa-enc.key"), password=lambda: 1 // 0)),
    "load_cert_chain_nul": ctx_op(lambda c: c.load_cert_chain(td("server-rsa.pem") + "\0x")),
    "load_cert_chain_none": ctx_op(lambda c: c.load_cert_chain(None)),
    # load_verify_locations
    "load_verify_locations_missing": ctx_op(
        lambda c: c.load_verify_locations(td("does-not-exist.pem"))),
    "load_verify_locations_garbage": ctx_op(lambda c: c.load_verify_locations(td("garbage.pem"))),
    "load_verify_locations_badcert": ctx_op(lambda c: c.load_verify_locations(td("badcert.pem"))),
    "load_verify_locations_truncated": ctx_op(
        lambda c: c.load_verify_locations(td("truncated.pem"))),
    "load_verify_locations_empty": ctx_op(lambda c: c.load_verify_locations(td("nullcert.pem"))),
    "load_verify_locations_der_file": ctx_op(lambda c: c.load_verify_locations(td("ca.der"))),
    "load_verify_locations_keycert": ctx_op(lambda c: c.load_verify_locations(td("keycert.pem"))),
    "load_verify_locations_none": ctx_op(lambda c: c.load_verify_locations()),
    "load_verify_locations_nul": ctx_op(lambda c: c.load_verify_locations(td("ca.pem") + "\0")),
    "load_verify_locations_capath_missing": ctx_op(
        lambda c: c.load_verify_locations(capath=td("no-such-dir"))),
    "load_verify_locations_capath_is_file": ctx_op(
        lambda c: c.load_verify_locations(capath=td("ca.pem"))),
    "load_verify_locations_cafile_is_dir": ctx_op(
        lambda c: c.load_verify_locations(td("capath"))),
    "load_verify_locations_wrong_type": ctx_op(lambda c: c.load_verify_locations(42)),
    # load_verify_locations(cadata=...)
    "load_verify_data_garbage_pem": ctx_op(lambda c: c.load_verify_locations(cadata="garbage")),
    "load_verify_data_garbage_der": ctx_op(
        lambda c: c.load_verify_locations(cadata=read("garbage.der"))),
    "load_verify_data_truncated_pem": ctx_op(
        lambda c: c.load_verify_locations(cadata=read("truncated.pem", "r"))),
    "load_verify_data_truncated_der": ctx_op(
        lambda c: c.load_verify_locations(cadata=read("ca.der")[:-10])),
    "load_verify_data_empty": ctx_op(lambda c: c.load_verify_locations(cadata=b"")),
    "load_verify_data_empty_str": ctx_op(lambda c: c.load_verify_locations(cadata="")),
    "load_verify_data_pem_ok": ctx_op(
        lambda c: c.load_verify_locations(cadata=read("ca.pem", "r"))),
    "load_verify_data_der_ok": ctx_op(lambda c: c.load_verify_locations(cadata=read("ca.der"))),
    "load_verify_data_pem_bytes": ctx_op(lambda c: c.load_verify_locations(cadata=read("ca.pem"))),
    "load_verify_data_pem_trailing_garbage": ctx_op(
        lambda c: c.load_verify_locations(cadata=read("ca.pem", "r") + "garbage\n")),
    "load_verify_data_der_trailing_garbage": ctx_op(
        lambda c: c.load_verify_locations(cadata=read("ca.der") + b"garbage")),
    "load_verify_data_pem_twice": ctx_op(
        lambda c: c.load_verify_locations(cadata=read("ca.pem", "r") * 2)),
    "load_verify_data_badcert": ctx_op(
        lambda c: c.load_verify_locations(cadata=read("badcert.pem", "r"))),
    "load_verify_data_wrong_type": ctx_op(lambda c: c.load_verify_locations(cadata=42)),
    # load_dh_params / set_ecdh_curve
    "load_dh_params_missing": ctx_op(lambda c: c.load_dh_params(td("does-not-exist.pem")), server),
    "load_dh_params_garbage": ctx_op(lambda c: c.load_dh_params(td("garbage.pem")), server),
    "set_ecdh_curve_unknown": ctx_op(lambda c: c.set_ecdh_curve("nonsense"), server),
    "set_ecdh_curve_ok": ctx_op(lambda c: c.set_ecdh_curve("prime256v1"), server),
    # set_ciphers
    "set_ciphers_nonsense": ctx_op(lambda c: c.set_ciphers("nonsense")),
    "set_ciphers_empty": ctx_op(lambda c: c.set_ciphers("")),
    "set_ciphers_nul": ctx_op(lambda c: c.set_ciphers("ALL\0")),
    "set_ciphers_only_tls13_name": ctx_op(lambda c: c.set_ciphers("TLS_AES_128_GCM_SHA256")),
    # attributes
    "verify_mode_invalid": setattr_op("verify_mode", 5),
    "verify_mode_negative": setattr_op("verify_mode", -1),
    "verify_mode_none_with_check_hostname": setattr_op("verify_mode", ssl.CERT_NONE),
    "verify_mode_none_server": setattr_op("verify_mode", ssl.CERT_NONE, server),
    "check_hostname_on_server": setattr_op("check_hostname", True, server),
    "verify_flags_negative": setattr_op("verify_flags", -1),
    "options_negative": setattr_op("options", -1),
    "minimum_version_on_tlsv1": lambda: setattr(
        ssl.SSLContext(ssl.PROTOCOL_TLSv1), "minimum_version", ssl.TLSVersion.TLSv1_2),
    "maximum_version_on_tlsv1_2": lambda: setattr(
        ssl.SSLContext(ssl.PROTOCOL_TLSv1_2), "maximum_version", ssl.TLSVersion.TLSv1_3),
    "minimum_version_invalid": setattr_op("minimum_version", 5),
    "maximum_version_invalid": setattr_op("maximum_version", 5),
    "minimum_version_sslv3": setattr_op("minimum_version", ssl.TLSVersion.SSLv3),
    "minimum_version_above_maximum": lambda: (
        lambda c: (setattr(c, "maximum_version", ssl.TLSVersion.TLSv1_2),
                   setattr(c, "minimum_version", ssl.TLSVersion.TLSv1_3)))(client()),
    "num_tickets_on_client": setattr_op("num_tickets", 3),
    "num_tickets_negative": setattr_op("num_tickets", -1, server),
    "sni_callback_not_callable": setattr_op("sni_callback", 5, server),
    "keylog_filename_missing_dir": setattr_op("keylog_filename", td("no-such-dir/keys.log")),
    # constructor
    "protocol_sslv2": lambda: ssl.SSLContext(0),
    "protocol_sslv3": lambda: ssl.SSLContext(1),
    "protocol_invalid": lambda: ssl.SSLContext(42),
    "protocol_negative": lambda: ssl.SSLContext(-1),
    # ALPN
    "alpn_empty_protocol": ctx_op(lambda c: c.set_alpn_protocols(["h2", ""])),
    "alpn_too_long": ctx_op(lambda c: c.set_alpn_protocols(["a" * 256])),
    "alpn_max_length": ctx_op(lambda c: c.set_alpn_protocols(["a" * 255])),
    "alpn_empty_list": ctx_op(lambda c: c.set_alpn_protocols([])),
    "alpn_bytes": ctx_op(lambda c: c.set_alpn_protocols([b"h2"])),
    "alpn_non_ascii": ctx_op(lambda c: c.set_alpn_protocols(["bücher"])),
    # wrap_bio argument checks
    "wrap_bio_client_on_server_ctx": wrap_bio(server, server_side=False),
    "wrap_bio_server_on_client_ctx": wrap_bio(client, server_side=True),
    "wrap_bio_check_hostname_without_server_hostname": wrap_bio(client),
    "wrap_bio_server_hostname_on_server_side": wrap_bio(
        server, server_side=True, server_hostname="localhost"),
    "wrap_bio_server_hostname_empty": wrap_bio(client, server_hostname=""),
    "wrap_bio_server_hostname_leading_dot": wrap_bio(client, server_hostname=".example.com"),
    "wrap_bio_server_hostname_nul": wrap_bio(client, server_hostname="local\0host"),
    "wrap_bio_server_hostname_label_too_long": wrap_bio(
        client, server_hostname="a" * 64 + ".example"),
    "wrap_bio_server_hostname_ulabel": wrap_bio(client, server_hostname="bücher.example"),
    "wrap_bio_server_hostname_ip": wrap_bio(client, server_hostname="127.0.0.1"),
    # module functions
    "decode_cert_missing": lambda: ssl._ssl._test_decode_cert(td("does-not-exist.pem")),
    "decode_cert_garbage": lambda: ssl._ssl._test_decode_cert(td("garbage.pem")),
    "decode_cert_empty": lambda: ssl._ssl._test_decode_cert(td("nullcert.pem")),
    "decode_cert_truncated": lambda: ssl._ssl._test_decode_cert(td("truncated.pem")),
    "decode_cert_der": lambda: ssl._ssl._test_decode_cert(td("server-rsa.der")),
    "decode_cert_badcert": lambda: ssl._ssl._test_decode_cert(td("badcert.pem")),
    "pem_to_der_no_header": lambda: ssl.PEM_cert_to_DER_cert("garbage"),
    "pem_to_der_no_footer": lambda: ssl.PEM_cert_to_DER_cert("-----BEGIN CERTIFICATE-----\nAAAA\n"),
    "pem_to_der_bad_base64": lambda: ssl.PEM_cert_to_DER_cert(
        "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"),
    "cert_time_invalid": lambda: ssl.cert_time_to_seconds("not a time"),
    "cert_time_no_gmt": lambda: ssl.cert_time_to_seconds("Jan  5 09:34:43 2018"),
    "cert_time_ok": lambda: ssl.cert_time_to_seconds("Jan  5 09:34:43 2018 GMT"),
    "rand_bytes_negative": lambda: ssl.RAND_bytes(-1),
}


def record_errors():
    write("errors.json", {name: attempt(fn) for name, fn in ERROR_CASES.items()})


# ---------------------------------------------------------------------------
# defaults.json


def describe(c):
    return {
        "verify_mode": int(c.verify_mode),
        "check_hostname": c.check_hostname,
        "options": int(c.options),
        "minimum_version": int(c.minimum_version),
        "maximum_version": int(c.maximum_version),
        "verify_flags": int(c.verify_flags),
        # CPython has no security_level before 3.10: null there.
        "security_level": getattr(c, "security_level", None),
        "post_handshake_auth": c.post_handshake_auth,
        "cipher_names": [d["name"] for d in c.get_ciphers()],
        "session_stats": c.session_stats(),
        "cert_store_stats": c.cert_store_stats(),
    }


def record_defaults():
    out = {}
    for name in ["PROTOCOL_TLS", "PROTOCOL_TLSv1", "PROTOCOL_TLSv1_1", "PROTOCOL_TLSv1_2",
                 "PROTOCOL_TLS_CLIENT", "PROTOCOL_TLS_SERVER"]:
        out[name] = describe(ssl.SSLContext(getattr(ssl, name)))
    # These load the system's default CA store: their cert_store_stats
    # depend on the machine that ran this script.
    for purpose in ["SERVER_AUTH", "CLIENT_AUTH"]:
        c = ssl.create_default_context(getattr(ssl.Purpose, purpose))
        d = describe(c)
        d["protocol"] = int(c.protocol)
        out["create_default_context_" + purpose] = d
    module = {
        name: getattr(ssl, name)
        for name in ["OPENSSL_VERSION", "OPENSSL_VERSION_NUMBER", "OPENSSL_VERSION_INFO",
                     "HAS_SNI", "HAS_ALPN", "HAS_NPN", "HAS_ECDH", "HAS_NEVER_CHECK_COMMON_NAME",
                     "HAS_SSLv2", "HAS_SSLv3", "HAS_TLSv1", "HAS_TLSv1_1", "HAS_TLSv1_2",
                     "HAS_TLSv1_3", "CHANNEL_BINDING_TYPES"]
    }
    for prefix in ["OP_", "PROTOCOL_", "CERT_", "VERIFY_"]:
        for name in dir(ssl):
            if name.startswith(prefix):
                module[name] = int(getattr(ssl, name))
    module["TLSVersion"] = {v.name: int(v) for v in ssl.TLSVersion}
    module["get_default_verify_paths"] = list(ssl.get_default_verify_paths())
    out["module"] = module
    # OpenSSL's own minimum for a new context (the system's openssl.cnf may
    # set one: Debian 11's says TLSv1.2), which SPEC rule 3 leaves to
    # PROTOCOL_TLS. Only a CPython that sets none of its own can show it:
    # 3.10 on give every PROTOCOL_TLS context TLS 1.2.
    out["PROTOCOL_TLS"]["openssl_minimum_version"] = None
    if sys.version_info < (3, 10):
        out["PROTOCOL_TLS"]["openssl_minimum_version"] = int(
            ssl._ssl._SSLContext(ssl.PROTOCOL_TLS).minimum_version)
    write("defaults.json", json.loads(json.dumps(out)))


# ---------------------------------------------------------------------------
# match_hostname.json


def san(*entries, cn=None):
    cert = {}
    if entries:
        cert["subjectAltName"] = tuple(entries)
    if cn is not None:
        cert["subject"] = ((("commonName", cn),),)
    return cert


def dns(name):
    return ("DNS", name)


def ip(addr):
    return ("IP Address", addr)


MATCH_CASES = [
    (san(dns("example.com")), ["example.com", "ExAmple.cOm", "www.example.com", "example.com.",
                               "example.org"]),
    (san(dns("ExAmple.cOm")), ["example.com"]),
    (san(cn="example.com"), ["example.com", "ExAmple.cOm", "example.org"]),
    (san(dns("*.a.com")), ["foo.a.com", "FOO.A.COM", "bar.foo.a.com", "a.com", "Xa.com", ".a.com",
                           "*.a.com"]),
    (san(dns("f*.com")), ["foo.com", "f.com", "bar.com"]),
    (san(dns("*oo.com")), ["foo.com"]),
    (san(dns("www.*.com")), ["www.foo.com"]),
    (san(dns("*.*.com")), ["a.b.com"]),
    (san(dns("*")), ["foo"]),
    (san(dns("*.com")), ["example.com"]),
    (san(dns("*.co.uk")), ["example.co.uk"]),
    (san(cn="*.a.com"), ["foo.a.com", "a.com"]),
    (san(dns("san.example"), cn="cn.example"), ["san.example", "cn.example"]),
    (san(dns("one.example"), dns("two.example"), dns("three.example")), ["four.example"]),
    (san(("email", "user@example.com"), ("URI", "https://uri.example/"), cn="cn.example"),
     ["cn.example", "uri.example"]),
    ({"subject": ((("organizationName", "No CN"),),)}, ["example.com"]),
    (san(ip("127.0.0.1")), ["127.0.0.1", "127.0.0.2", "127.1", "localhost", " 127.0.0.1"]),
    (san(dns("127.0.0.1")), ["127.0.0.1"]),
    (san(cn="127.0.0.1"), ["127.0.0.1"]),
    (san(ip("0:0:0:0:0:0:0:1")), ["::1", "0:0:0:0:0:0:0:1", "::2", "127.0.0.1"]),
    (san(ip("::1")), ["::1"]),
    (san(ip("2001:DB8:0:0:0:0:0:1")), ["2001:db8::1", "2001:DB8::1", "2001:db8:0::1"]),
    (san(ip("not an ip")), ["127.0.0.1"]),
    (san(dns("null.python.org\x00example.org")), ["null.python.org", "example.org",
                                                  "null.python.org\x00example.org"]),
    ({}, ["example.com"]),
    (san(dns("xn--bcher-kva.example")), ["xn--bcher-kva.example", "XN--BCHER-KVA.EXAMPLE",
                                         "bücher.example"]),
    (san(dns("*.xn--bcher-kva.example")), ["www.xn--bcher-kva.example"]),
    (san(dns("xn--*.example")), ["xn--bcher-kva.example"]),
    (san(dns("*.example")), ["xn--bcher-kva.example", "bücher.example"]),
    (san(dns("bücher.example")), ["bücher.example", "xn--bcher-kva.example"]),
]

# Decoded fixtures, as a socket's getpeercert() would return them.
MATCH_FILES = [
    ("server-rsa.pem", ["localhost", "LOCALHOST", "127.0.0.1", "::1", "other.example"]),
    ("server-other.pem", ["localhost", "other.example"]),
    ("certs/nul-bytes.pem", ["null.python.org", "altnull.python.org", "192.0.2.1",
                             "2001:db8::1"]),
    ("certs/long-san.pem", ["host26.example.com", "anything.example.com", "example.com"]),
    ("certs/san-all-types.pem", ["all.example", "x.wild.example", "::1", "fe80::a:bc:def0:1234",
                                 "dir.example", "upn@example.com"]),
    ("certs/empty-subject.pem", ["nosubject.example"]),
    ("certs/utf8-names.pem", ["leaf.example", "bücher.example"]),
]


def record_match_hostname():
    cases = []

    def run(cert, hostname, source=None):
        try:
            ssl.match_hostname(cert, hostname)
        except Exception as e:  # noqa: BLE001
            case = {"ok": False, "error": exc(e)}
        else:
            case = {"ok": True, "error": None}
        case.update(cert=cert, hostname=hostname)
        if source:
            case["source"] = source
        cases.append(case)

    for cert, hostnames in MATCH_CASES:
        for hostname in hostnames:
            run(cert, hostname)
    for name, hostnames in MATCH_FILES:
        # match_hostname reads nothing else; the full dicts are in certs.json.
        cert = {k: v for k, v in decode(name).items() if k in ("subject", "subjectAltName")}
        for hostname in hostnames:
            run(cert, hostname, name)
    write("match_hostname.json", json.loads(json.dumps(cases)), shared=True)


def main():
    write("meta.json", {"python": sys.version, "openssl": ssl.OPENSSL_VERSION})
    record_certs()
    record_ciphers()
    record_errors()
    record_defaults()
    # TLS connections are recorded by their own script (sockets.json); run
    # here too so that this one command re-records every golden file.
    sys.dont_write_bytecode = True  # no __pycache__ in testdata/
    import record_sockets
    record_sockets.record_sockets()
    # Python's answers alone, shared by every series: recorded by the last
    # CPython that has ssl.match_hostname.
    import record_edge
    if hasattr(ssl, "match_hostname") and sys.version_info >= (3, 10):
        record_match_hostname()
        record_edge.record_edge()
    else:
        # Other series keep the parts their OpenSSL decides.
        record_edge.record_openssl_edge()


if __name__ == "__main__":
    main()
