#!/usr/bin/env bash
# Regenerates negserial/: a client chain that OpenSSL verifies but
# crypto/x509 refuses to parse (the leaf's serial number is negative), for
# the tests that a converted chain never shifts. gen.sh runs it after ca.
#
#   ./gen-unparsable.sh
set -euo pipefail
cd "$(dirname "$0")"
. ./genlib.sh

CNF="$TMP/openssl.cnf"
cat >"$CNF" <<CONF
[ req ]
distinguished_name = req_dn
[ req_dn ]
$(caext intermediate_ext 'CA:TRUE, pathlen:0')
$(leafext client_ext 'digitalSignature, keyEncipherment' clientAuth email:negserial@example.com)
CONF
export OPENSSL_CONF="$CNF"

rm -rf negserial
mkdir negserial
# An intermediate CA under ca, with an ordinary serial.
leaf negserial/intermediate ec '/C=XY/O=sslctx tests/CN=sslctx Intermediate CA' intermediate_ext ca -set_serial 0x1c7
# The client leaf under it, serial -1234: OpenSSL verifies it, Go's
# x509.ParseCertificate says "negative serial number".
leaf negserial/client ec '/C=XY/O=sslctx tests/CN=negative serial client' client_ext negserial/intermediate -set_serial -1234
# What a client presents: its leaf, then the intermediate.
cat negserial/client.pem negserial/intermediate.pem >negserial/client-chain.pem
