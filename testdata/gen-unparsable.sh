#!/usr/bin/env bash
# Regenerates negserial/: a client chain that OpenSSL verifies but
# crypto/x509 refuses to parse (the leaf's serial number is negative), for
# the tests that a converted chain never shifts. gen.sh runs it after ca.
#
#   ./gen-unparsable.sh
set -euo pipefail
cd "$(dirname "$0")"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
CNF="$TMP/openssl.cnf"
cat >"$CNF" <<'CONF'
[ req ]
distinguished_name = req_dn
[ req_dn ]
[ intermediate_ext ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ client_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectAltName = email:negserial@example.com
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CONF
export OPENSSL_CONF="$CNF"
DAYS=36500

rm -rf negserial
mkdir negserial
# An intermediate CA under ca, with an ordinary serial.
openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out negserial/intermediate.key
openssl req -new -key negserial/intermediate.key -subj '/C=XY/O=sslctx tests/CN=sslctx Intermediate CA' \
	-out "$TMP/intermediate.csr"
openssl x509 -req -in "$TMP/intermediate.csr" -CA ca.pem -CAkey ca.key -sha256 -days "$DAYS" \
	-set_serial 0x1c7 -extfile "$CNF" -extensions intermediate_ext -out negserial/intermediate.pem 2>/dev/null
# The client leaf under it, serial -1234: OpenSSL verifies it, Go's
# x509.ParseCertificate says "negative serial number".
openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out negserial/client.key
openssl req -new -key negserial/client.key -subj '/C=XY/O=sslctx tests/CN=negative serial client' \
	-out "$TMP/client.csr"
openssl x509 -req -in "$TMP/client.csr" -CA negserial/intermediate.pem -CAkey negserial/intermediate.key \
	-sha256 -days "$DAYS" -set_serial -1234 -extfile "$CNF" -extensions client_ext \
	-out negserial/client.pem 2>/dev/null
# What a client presents: its leaf, then the intermediate.
cat negserial/client.pem negserial/intermediate.pem >negserial/client-chain.pem
