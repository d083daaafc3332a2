#!/usr/bin/env python3
"""Records which golden answers are Python's own change between the CPython
that records the oldest OpenSSL series (Debian 11's 3.9.2, on 1.1.1w) and
the policy CPython (3.13, SPEC rule 3), as python-changes.json.

Both CPythons run on that series' own OpenSSL, each writing record.py's
files into a directory of its own (SSLCTX_GOLDEN_OUT); since OpenSSL is the
same, every answer that differs is Python's doing: a check 3.9 did not make,
a message it worded otherwise (3.9.5's "cadata does not contain a
certificate"), a method whose answer it computed otherwise (3.13's client
shared_ciphers() is None). internal/golden gives the series the newer
answer there, where the series' recording still gives the older one;
everything else stays the series' own recording (SPEC rule 2).

    python3 testdata/golden/record_python_changes.py OLD_PYTHON NEW_PYTHON

run inside the series' root filesystem (.ci/matrix's bullseye tree), with
OLD_PYTHON its /usr/bin/python3 and NEW_PYTHON a CPython 3.13 built there
against the same libssl: Debian 13's python3.13 source (`apt-get source
python3.13`), `./configure --prefix=/opt/py313 --without-ensurepip && make
&& make install` in a writable copy or overlay of the tree, which needs
`make` besides the tree's gcc and libssl-dev. Each change is a path of keys
into one golden file, with the older and the newer answer; "absent" says
the key is missing in that answer.
"""

import json
import os
import subprocess
import sys
import tempfile

GOLDEN = os.path.dirname(os.path.abspath(__file__))
FILES = ["certs.json", "ciphers.json", "defaults.json", "errors.json", "sockets.json",
         "sslobject.json"]
RECORDERS = ["record.py", "record_sslobject.py"]

# What the recorder itself decides to write per CPython, not an answer of
# Python's: OpenSSL's own minimum, which only a CPython that sets none of
# its own can show (record_defaults).
NOT_ANSWERS = [["PROTOCOL_TLS", "openssl_minimum_version"]]


def record(python, out):
    env = dict(os.environ, SSLCTX_GOLDEN_OUT=out)
    for script in RECORDERS:
        subprocess.run([python, os.path.join(GOLDEN, script)], env=env, check=True)
    (series,) = [d for d in os.listdir(out) if os.path.isdir(os.path.join(out, d))]
    with open(os.path.join(out, series, "meta.json"), encoding="utf-8") as f:
        return os.path.join(out, series), json.load(f)


def diff(old, new, path, out):
    """Appends to out every leaf where old and new differ."""
    if isinstance(old, dict) and isinstance(new, dict):
        for k in sorted(set(old) | set(new)):
            if k not in new:
                out.append({"path": path + [k], "old": old[k], "new_absent": True})
            elif k not in old:
                out.append({"path": path + [k], "old_absent": True, "new": new[k]})
            else:
                diff(old[k], new[k], path + [k], out)
    elif old != new:
        out.append({"path": path, "old": old, "new": new})


def main():
    old_python, new_python = sys.argv[1:3]
    with tempfile.TemporaryDirectory() as tmp:
        old_dir, old_meta = record(old_python, os.path.join(tmp, "old"))
        new_dir, new_meta = record(new_python, os.path.join(tmp, "new"))
        assert old_meta["openssl"] == new_meta["openssl"], (old_meta, new_meta)
        changes = {}
        for name in FILES:
            with open(os.path.join(old_dir, name), encoding="utf-8") as f:
                old = json.load(f)
            with open(os.path.join(new_dir, name), encoding="utf-8") as f:
                new = json.load(f)
            out = []
            diff(old, new, [], out)
            out = [c for c in out if c["path"] not in NOT_ANSWERS]
            if out:
                changes[name] = out
    result = {
        "series": os.path.basename(old_dir),
        "openssl": old_meta["openssl"],
        "old_python": old_meta["python"].split()[0],
        "new_python": new_meta["python"].split()[0],
        "changes": changes,
    }
    with open(os.path.join(GOLDEN, "python-changes.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
