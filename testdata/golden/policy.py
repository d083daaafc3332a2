"""What the recording scripts share about where and under which policy they record.

Golden answers are kept per OpenSSL series (SPEC rule 2): each series is
recorded by the CPython its Debian release links against it, 3.9 on 1.1.1,
3.11 on 3.0, 3.13 on 3.5. The policy, the defaults a context starts with, is
CPython 3.13's everywhere (rule 3), so an older CPython first takes 3.13's
defaults, and only OpenSSL differs between the series.

Checked on one OpenSSL (3.0.19, with pyenv's 3.9.18, 3.11.7 and 3.13.0):
after adopt_313_policy(), every protocol's options, ciphers, minimum and
maximum version, verify mode and flags, check_hostname, num_tickets and
post_handshake_auth, and both create_default_context purposes, equal
3.13's.
"""

import os
import ssl
import sys

GOLDEN = os.path.dirname(os.path.abspath(__file__))

# Modules/_ssl.c PY_SSL_DEFAULT_CIPHER_STRING, from CPython 3.10 on.
CIPHERS_310 = ("@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:"
               "!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM")

# X509_V_FLAG_PARTIAL_CHAIN, which CPython names only from 3.13 on.
VERIFY_X509_PARTIAL_CHAIN = 0x80000


def series():
    """The OpenSSL series this ssl module runs on: "1.1.1", "3.0", "3.5"."""
    major, minor, fix = ssl.OPENSSL_VERSION_INFO[:3]
    if major < 3:
        return "%d.%d.%d" % (major, minor, fix)
    return "%d.%d" % (major, minor)


def golden_dir():
    """Where golden files are written: testdata/golden, or the directory
    SSLCTX_GOLDEN_OUT names, so that two CPythons on one OpenSSL can be
    recorded side by side and compared (record_python_changes.py)."""
    return os.environ.get("SSLCTX_GOLDEN_OUT") or GOLDEN


def series_dir():
    """Where this series' golden files live, created if missing."""
    d = os.path.join(golden_dir(), series())
    os.makedirs(d, exist_ok=True)
    return d


def builds_own_defaults():
    """Whether this ssl module was built with CPython's own default cipher
    string (configure's --with-ssl-default-suites=python, the default).

    Debian builds with --with-ssl-default-suites=openssl: its contexts then
    keep OpenSSL's cipher list and impose no TLS 1.2 minimum, which is
    Debian's policy, not CPython's.
    """
    return getattr(ssl, "_DEFAULT_CIPHERS", CIPHERS_310) == CIPHERS_310


def adopt_313_policy():
    """Makes every new SSLContext start with CPython 3.13's defaults."""
    own = builds_own_defaults()
    if (sys.version_info >= (3, 13) and own) or getattr(ssl, "_golden_policy", False):
        return
    ssl._golden_policy = True
    base_new = ssl.SSLContext.__new__

    def new(cls, protocol=None, *args, **kwargs):
        if protocol is None:
            protocol = ssl.PROTOCOL_TLS
        ctx = base_new(cls, protocol, *args, **kwargs)
        if sys.version_info < (3, 10) or not own:
            # 3.10 (PEP 644) moved every context to a forward-secret AEAD
            # cipher string at security level 2 and a TLS 1.2 minimum, and
            # stopped ignoring OpenSSL 3's unexpected EOF.
            ctx.set_ciphers(CIPHERS_310)
            if protocol in (ssl.PROTOCOL_TLS, ssl.PROTOCOL_TLS_CLIENT, ssl.PROTOCOL_TLS_SERVER):
                ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            ctx.options &= ~getattr(ssl, "OP_IGNORE_UNEXPECTED_EOF", 0)
        return ctx

    ssl.SSLContext.__new__ = new
    if sys.version_info >= (3, 13):
        return
    base_create_default_context = ssl.create_default_context

    def create_default_context(*args, **kwargs):
        # 3.13 made the defaults stricter, for both purposes.
        ctx = base_create_default_context(*args, **kwargs)
        ctx.verify_flags |= ssl.VERIFY_X509_STRICT | VERIFY_X509_PARTIAL_CHAIN
        return ctx

    ssl.create_default_context = create_default_context
