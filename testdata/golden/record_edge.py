#!/usr/bin/env python3
"""Records CPython's answers for the edge cases in testdata/edge/ and a few
module functions at their limits, into edge.json next to this file.

Run after ../gen_edge.sh (record.py runs it too):

    python3 testdata/golden/record_edge.py

The shared edge.json comes from the CPython of the 3.0 series. On another
series (record.py runs this too) `record_edge.py --series` records only the
answers that series' OpenSSL decides, into testdata/golden/<series>/edge.json.

Decoding edge/rid-long-names.pem needs edge/long-oid-names.cnf loaded as
OpenSSL's configuration, which happens once per process: that certificate
is decoded by a child Python started with OPENSSL_CONF. match_hostname was
removed in 3.12, so this script must run on 3.11 (python3 here);
cert_time_to_seconds is pure Python and is recorded from the 3.13 at
PY313 when it exists, the policy version.
"""

import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import warnings

sys.dont_write_bytecode = True  # no __pycache__ in testdata/
import record  # noqa: E402  (same directory)

warnings.simplefilter("ignore", DeprecationWarning)

PY313 = os.path.expanduser("~/.pyenv/versions/3.13.0/bin/python3")

# A context comes first, as it always does before getpeercert: OpenSSL 1.1.1
# reads OPENSSL_CONF (and its OID names) only when libssl initialises, which
# decoding alone does not do; 3.x reads it either way.
DECODE = """
import json, ssl, sys
ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
out = {}
for name in sys.argv[2:]:
    try:
        out[name] = ssl._ssl._test_decode_cert(sys.argv[1] + "/" + name)
    except Exception as e:
        out[name] = {"error": {"class": type(e).__name__, "message": str(e)}}
print(json.dumps(out))
"""


def decode(names, conf=None):
    env = dict(os.environ)
    if conf:
        env["OPENSSL_CONF"] = record.td(conf)
    out = subprocess.run([sys.executable, "-c", DECODE, record.TESTDATA] + names,
                         env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def record_certs():
    certs = decode(["edge/long-oid-attributes.pem", "edge/crl-duplicates.pem",
                    "edge/othername-bad-utf8.pem"])
    certs.update(decode(["edge/rid-long-names.pem"], "edge/long-oid-names.cnf"))
    # Errors need only the class and text; exc() in this process gives more.
    try:
        ssl._ssl._test_decode_cert(record.td("edge/othername-bad-utf8.pem"))
    except Exception as e:  # noqa: BLE001
        certs["edge/othername-bad-utf8.pem"] = {"error": record.exc(e)}
    return certs


# match_hostname: Python's str.lower (İ, final sigma) and _inet_paton's
# messages for IP Address entries.
MATCH_CASES = [
    (record.san(record.dns("i.example")), ["İ.example", "I.EXAMPLE"]),
    (record.san(record.dns("İ.example")), ["i̇.example", "i.example", "İ.example"]),
    (record.san(record.dns("a.XΣ")), ["a.xσ", "a.xς", "A.XΣ"]),
    (record.san(record.dns("ΣΑ.example")), ["σα.example", "ςα.example"]),
    (record.san(record.dns("a.xΣ.b")), ["a.xσ.b"]),
    (record.san(record.dns("*.XΣ")), ["a.xσ", "a.xς"]),
    (record.san(record.dns("a.Σ")), ["a.ς", "a.σ"]),
    (record.san(record.dns("a.x'Σ")), ["a.x'ς"]),
    (record.san(record.dns("ǅ.example")), ["ǆ.example"]),
    (record.san(record.dns("Straße.example")), ["strasse.example", "straße.example"]),
    (record.san(record.dns("K.example")), ["k.example"]),
]
IP_ENTRIES = ["127.1", "127.0.0.01", "0x7f.0.0.1", "0177.0.0.1", "127.0.0.1 trailing",
              "127.0.0.1\ttab", "4294967295", "2130706433", "1.2.3.4.5", "256.0.0.1",
              "", "abc", "::1%lo", "127.0.0.1\n", "08.0.0.1", "0x", "1.2.3", "1.2.65535",
              "1.16777215", "1.16777216", "0xffffffff", "0x100000000", "127.0.0.1x",
              "99999999999999999999999", "1..2.3", "::ffff:127.0.0.1", "1.2.3.4\x00"]
for entry in IP_ENTRIES:
    MATCH_CASES.append((record.san(record.ip(entry)), ["127.0.0.1"]))


def record_match_hostname():
    cases = []
    for cert, hostnames in MATCH_CASES:
        for hostname in hostnames:
            try:
                ssl.match_hostname(cert, hostname)
            except Exception as e:  # noqa: BLE001
                case = {"ok": False, "error": record.exc(e)}
            else:
                case = {"ok": True, "error": None}
            case.update(cert=cert, hostname=hostname)
            cases.append(case)
    return json.loads(json.dumps(cases))


CERT_TIMES = [
    "Jan  1 00:00:00 0000 GMT", "Jan  1 00:00:00 0001 GMT", "Dec 31 23:59:61 9999 GMT",
    "Jan  ٥ 09:34:43 ٢٠١٨ GMT", "Jan 1٥ 09:34:43 2018 GMT", "Jan 0５ 09:34:43 2018 GMT",
    "Jan  5 09:34:43 𝟐𝟎𝟏𝟖 GMT", "Jan  5 ٠٩:٣٤:٤٣ 2018 GMT", "ſep  5 09:34:43 2018 GMT",
    "Jan\x0b5 09:34:43 2018 GMT", "Jan\u20035 09:34:43 2018\u00a0GMT",
    "Jan\x1c5 09:34:43 2018 GMT", "Jan  5 09:34:43 2018 GMT\x85", "JAN  5 09:34:43 2018 GMT",
    "jAn  5 09:34:43 2018 gmt", "Jan  5 9:3:4 2018 GMT", "Ｊan  5 09:34:43 2018 GMT",
    "Jan  5 09:34:43 2018 ＧMT", "Jan  5 09:34:43 12018 GMT",
]

CERT_TIME = """
import json, ssl, sys
out = []
for s in json.loads(sys.argv[1]):
    try:
        out.append({"input": s, "seconds": ssl.cert_time_to_seconds(s), "error": None})
    except Exception as e:
        out.append({"input": s, "seconds": None,
                    "error": {"class": type(e).__name__, "message": str(e)}})
print(json.dumps({"python": sys.version, "cases": out}))
"""


def record_cert_times():
    python = PY313 if os.path.exists(PY313) else sys.executable
    out = subprocess.run([python, "-c", CERT_TIME, json.dumps(CERT_TIMES)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def record_unknown_alert():
    """A server that answers the ClientHello with fatal alert 200, a number
    OpenSSL has no text for."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def serve():
        c, _ = srv.accept()
        c.recv(65536)
        c.sendall(bytes([0x15, 3, 3, 0, 2, 2, 200]))
        c.close()

    t = threading.Thread(target=serve)
    t.start()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(srv.getsockname(), timeout=10)
    try:
        ctx.wrap_socket(raw)
    except Exception as e:  # noqa: BLE001
        result = record.exc(e)
    else:
        result = {"ok": True}
    finally:
        raw.close()
        t.join(10)
        srv.close()
    return result


# Byte strings Python's UTF-8 decoder refuses, for the messages of
# subjectAltName entries that are not UTF-8.
UTF8_CASES = [b"\xff", b"a\x80b", b"\xc2", b"\xc2A", b"\xe0\x80\x80", b"\xe0\xa0", b"\xe0\xa0A",
              b"\xed\xa0\x80", b"\xf0\x90\x80", b"\xf0\x90\x80A", b"\xf4\x90\x80\x80", b"\xf5",
              b"ok\xc0\xaf", b"\xe1\x80", b"\xf1\x80\x80\x80\xff", b"\xe0", b"\xe0\x80",
              "bücher".encode(), b"UPN:upn\xff\xfe@example.com"]


def record_utf8_errors():
    out = []
    for b in UTF8_CASES:
        try:
            b.decode("utf-8")
        except UnicodeDecodeError as e:
            out.append({"hex": b.hex(), "error": str(e)})
        else:
            out.append({"hex": b.hex(), "error": None})
    return out


def record_openssl_edge():
    """Records, into this series' own edge.json, the answers its OpenSSL
    decides: how the edge certificates decode (1.1.1 prints an othername
    as "<unsupported>" where 3.x prints its value) and the unknown alert.
    internal/golden lays them over the shared edge.json."""
    record.write("edge.json", data={
        "python": sys.version,
        "openssl": ssl.OPENSSL_VERSION,
        "certs": record_certs(),
        "unknown_alert": record_unknown_alert(),
    })


def record_edge():
    record.write("edge.json", shared=True, data={
        "python": sys.version,
        "openssl": ssl.OPENSSL_VERSION,
        "certs": record_certs(),
        "match_hostname": record_match_hostname(),
        "cert_time_to_seconds": record_cert_times(),
        "unknown_alert": record_unknown_alert(),
        "utf8_errors": record_utf8_errors(),
    })


if __name__ == "__main__":
    if sys.argv[1:] == ["--series"]:
        record_openssl_edge()
    else:
        record_edge()
